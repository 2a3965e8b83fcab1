"""Precomputed rows: internal queries marked `#+ precompute: true` run once per build, their rows
stored in the artifact and read back by `queries.internal_rows` for the data version served."""

import json
import shutil
import types
from pathlib import Path

import pytest

from policykg import browse, config, errors, precompute, queries, store

ROOT = Path(__file__).resolve().parents[1]
# The whole-graph reads that ask and match would otherwise make per web worker.
EXPECTED = {
    "ask-lexicon",
    "editor-vocabulary",
    *(f"match-{name}" for name in ("amounts", "benefits", "concepts", "constraints")),
}


@pytest.fixture(scope="module")
def embedded(built_cfg):
    opened = store.open_store(built_cfg)
    yield opened
    opened.close()


class Unqueryable:
    """A store that serves a data version but may not be asked anything."""

    def __init__(self, version):
        self.version = version

    def data_version(self):
        return self.version

    def query(self, sparql, **limits):
        raise AssertionError("the store was queried")


def marked_names():
    return {query.name for query in precompute.marked(ROOT, config.CANONICAL_BASE)}


def test_ask_and_match_whole_graph_queries_are_marked():
    names = marked_names()
    assert names >= EXPECTED
    # (and the VoID counts, views/linked.py; the editor's vocabulary; the filters' options)
    assert all(name.startswith(("ask-", "match-", "void-", "editor-", "browse-")) for name in names)


def test_the_build_stores_each_marked_query_s_rows_for_its_data_version(built_cfg, embedded):
    folder = Path(built_cfg["BUILD_DIR"]) / precompute.FOLDER
    version = embedded.data_version()
    manifest = json.loads((Path(built_cfg["BUILD_DIR"]) / "manifest.json").read_text("utf-8"))
    assert "precompute" in manifest["seconds"]
    for name in marked_names():
        record = json.loads((folder / f"{name}.json").read_text("utf-8"))
        assert record["query"] == name and record["data_version"] == version
        ran = embedded.query(queries.internal(built_cfg, name).bind(), row_cap=queries.INTERNAL_HARD_CAP)
        assert record["variables"] == ran.variables
        assert record["rows"] == precompute.settled(queries.internal(built_cfg, name), ran.rows)
        assert len(ran.rows) > 0


def test_internal_rows_come_from_the_artifact_without_a_query(built_cfg, embedded):
    rows = queries.internal_rows(Unqueryable(embedded.data_version()), built_cfg, "ask-lexicon")
    assert rows == embedded.query(queries.internal(built_cfg, "ask-lexicon").bind(), row_cap=10**6).rows


def test_rows_of_another_data_version_are_not_used(built_cfg, embedded):
    with pytest.raises(AssertionError, match="queried"):
        queries.internal_rows(Unqueryable("another-version"), built_cfg, "ask-lexicon")
    with pytest.raises(AssertionError, match="queried"):
        queries.internal_rows(Unqueryable(None), built_cfg, "ask-lexicon")


def test_an_artifact_without_precomputed_rows_falls_back_to_the_query(built_cfg, embedded, tmp_path):
    bare = tmp_path / "build"
    shutil.copytree(built_cfg["BUILD_DIR"], bare, ignore=shutil.ignore_patterns("precomputed"))
    cfg = dict(built_cfg, BUILD_DIR=str(bare))
    expected = embedded.query(queries.internal(built_cfg, "match-places").bind(), row_cap=10**6).rows
    assert queries.internal_rows(embedded, cfg, "match-places") == expected
    (bare / precompute.FOLDER).mkdir()
    (bare / precompute.FOLDER / "match-places.json").write_text("{ damaged", encoding="utf-8")
    assert queries.internal_rows(embedded, cfg, "match-places") == expected


def test_an_internal_query_past_the_hard_cap_is_an_error_not_a_cut(built_cfg, embedded, monkeypatch):
    monkeypatch.setattr(queries, "INTERNAL_HARD_CAP", 3)
    with pytest.raises(errors.ServiceError) as caught:
        queries.internal_rows(embedded, built_cfg, "void-graphs")  # not precomputed: it runs
    assert caught.value.status == 500 and "hard cap" in caught.value.message


def test_the_build_refuses_a_precomputed_query_past_the_hard_cap(built_cfg, tmp_path, monkeypatch):
    monkeypatch.setattr(queries, "INTERNAL_HARD_CAP", 3)
    with pytest.raises(errors.BuildError, match="hard cap"):
        precompute.write(Path(built_cfg["BUILD_DIR"]) / "store", tmp_path / "out", built_cfg, "v")


def test_rows_of_an_edited_query_are_not_used(built_cfg, embedded, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "queries", project / "queries")
    lexicon = project / "queries/internal/ask-lexicon.rq"
    lexicon.write_text(lexicon.read_text("utf-8") + "\n# edited after the build\n", encoding="utf-8")
    cfg = dict(built_cfg, ROOT=str(project))
    with pytest.raises(AssertionError, match="queried"):
        queries.internal_rows(Unqueryable(embedded.data_version()), cfg, "ask-lexicon")


def whole_store_rows(cfg, name):
    opened = store.open_store(cfg)
    try:
        return opened.query(queries.internal(cfg, name).bind(), row_cap=queries.INTERNAL_HARD_CAP)
    finally:
        opened.close()


def canonical(rows):
    return sorted(json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows)


@pytest.mark.parametrize("fixture", ["built_cfg", "handbooks_cfg", "two_handbooks"])
def test_rows_merged_from_the_handbooks_are_the_whole_store_s(fixture, request):
    """Queries marked per-handbook are merged from each handbook's own rows when the handbooks do
    not depend on each other, else read from the whole store: either way the whole store's rows,
    in the order of the query's ORDER BY."""
    cfg = request.getfixturevalue(fixture)
    folder = Path(cfg["BUILD_DIR"])
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    merged = set()
    for query in precompute.marked(cfg["ROOT"], cfg["BASE_IRI"]):
        record = json.loads((folder / precompute.FOLDER / f"{query.name}.json").read_text("utf-8"))
        ran = whole_store_rows(cfg, query.name)
        assert record["variables"] == ran.variables, query.name
        assert canonical(record["rows"]) == canonical(precompute.settled(query, ran.rows)), query.name
        order = precompute.order_variables(query.text)
        if order:
            keys = [tuple(precompute._order_key(row.get(name)) for name in order) for row in record["rows"]]
            assert keys == sorted(keys), query.name
        if manifest["precomputed"][query.name]["from"] == "handbooks":
            merged.add(query.name)
    per_handbook = {query.name for query in precompute.marked(cfg["ROOT"], cfg["BASE_IRI"])}
    per_handbook = {name for name in per_handbook if queries.internal(cfg, name).precompute == "per-handbook"}
    if fixture == "handbooks_cfg":  # a copy under fresh IRIs depends on nothing of the seed's
        assert merged == per_handbook
    assert merged <= per_handbook


def test_a_handbook_that_names_another_s_resource_is_not_merged(handbooks_cfg, tmp_path):
    """If one handbook names a resource another describes, its rows may join the two: read from
    the whole store instead (and still the whole store's rows)."""
    from policykg import build

    root = tmp_path / "project"
    shutil.copytree(handbooks_cfg["ROOT"], root, symlinks=True)
    copy = next(path for path in (root / "data").glob("*.ttl") if path.stem != "handbook")
    policy = "<https://w3id.org/policykg/id/policy/taishan-quality>"
    copy.write_text(
        copy.read_text("utf-8")
        + f"\n{policy.replace('>', '-c1>')} <http://www.w3.org/2000/01/rdf-schema#seeAlso> {policy} .\n",
        encoding="utf-8",
    )
    cfg = config.settings({"ROOT": str(root), "BUILD_DIR": str(tmp_path / "build")})
    manifest = build.build(cfg)
    assert {entry["from"] for entry in manifest["precomputed"].values()} == {"store"}
    record = json.loads((tmp_path / "build" / precompute.FOLDER / "ask-lexicon.json").read_text("utf-8"))
    lexicon = queries.internal(cfg, "ask-lexicon")
    assert canonical(record["rows"]) == canonical(
        precompute.settled(lexicon, whole_store_rows(cfg, "ask-lexicon").rows)
    )


def test_the_editor_vocabulary_is_read_from_the_artifact_without_a_query(built_cfg, embedded):
    found = browse.vocabulary(browse.source(Unqueryable(embedded.data_version()), built_cfg), {})
    classes = {term["iri"]: term["label"] for term in found["classes"]}
    assert classes[f"{config.CANONICAL_BASE}def/Policy"] == "惠企政策"
    assert f"{config.CANONICAL_BASE}def/hasBenefit" in {term["iri"] for term in found["properties"]}


def test_the_filters_options_are_read_from_the_artifact_without_a_query(built_cfg, embedded):
    browse.OPTIONS.clear()  # made here, from the artifact, not taken from another test's cache
    browse.ORDERED_OPTIONS.clear()
    options = browse.filter_options(browse.source(Unqueryable(embedded.data_version()), built_cfg))
    assert {"level", "kind", "applicant", "body", "handbook", "city", "year"} <= set(options)
    policies = json.loads((Path(built_cfg["BUILD_DIR"]) / "manifest.json").read_text("utf-8"))["counts"][
        "policies"
    ]
    assert sum(option["policies"] for option in options["handbook"]) == policies


class Recording:
    """A store that answers as `store` does and keeps the text of every query asked."""

    def __init__(self, store):
        self.store, self.asked = store, []

    def data_version(self):
        return self.store.data_version()

    def query(self, sparql, **limits):
        self.asked.append(sparql)
        return self.store.query(sparql, **limits)


def test_the_hotline_directory_pages_from_the_artifact(built_cfg, embedded):
    browse.HOTLINES.clear()
    recording = Recording(embedded)
    page = browse.hotlines(browse.source(recording, built_cfg), browse.Paging(offset=1, limit=2))
    every = queries.precomputed_rows(
        built_cfg, queries.internal(built_cfg, "browse-hotlines"), embedded.data_version()
    )
    assert page["count"] == len(every) > 3 and [item["iri"] for item in page["items"]] == [
        row["hotline"]["value"] for row in every[1:3]
    ]
    assert len(recording.asked) == 2  # one per hotline of the page (its policies), none for the list
    assert all(item["policies"] for item in page["items"])


def test_settled_sorts_the_parts_of_both_forms_of_a_list():
    text = """SELECT ?a (GROUP_CONCAT(?x; separator=" ") AS ?spaced)
    (SUBSTR(GROUP_CONCAT(DISTINCT CONCAT("、"@zh, ?y); separator=""), 2) AS ?listed) WHERE {}"""
    query = types.SimpleNamespace(text=text)
    rows = [{"a": {"value": "z b a"}, "spaced": {"value": "b c a"}, "listed": {"value": "省级、国家、市级"}}]
    (row,) = precompute.settled(query, rows)
    assert row["spaced"]["value"] == "a b c" and row["listed"]["value"] == "国家、市级、省级"
    assert row["a"]["value"] == "z b a" and rows[0]["listed"]["value"] == "省级、国家、市级"  # left as given


def test_the_filters_options_are_made_once_and_handed_out_as_copies(built_cfg, embedded):
    src = browse.source(embedded, built_cfg)
    first = browse.filter_options(src)
    first["theme"][0]["policies"] = -1  # a caller marking or changing its copy
    again = browse.filter_options(src)
    assert again["theme"][0]["policies"] > 0 and again["theme"][0]["iri"] == first["theme"][0]["iri"]
    drilled = browse.filter_options(src, browse.read_filters({"q": "专利"}, src.base))
    assert [item["iri"] for item in drilled["theme"]] == [item["iri"] for item in again["theme"]]
    assert sum(item["policies"] for item in drilled["theme"]) < sum(
        item["policies"] for item in again["theme"]
    )
