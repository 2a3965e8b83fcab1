"""The full-text index (policykg.fulltext) on the handbook: what it finds, how it ranks and
highlights, that its filters and counts agree with the policy list's SPARQL, paging, bad input,
escaping, determinism."""

import marshal
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest

from policykg import config, fulltext, queries

ROOT = Path(__file__).resolve().parents[1]
BASE = config.DEFAULTS["BASE_IRI"]
POLICY = f"{BASE}id/policy/"
PATENT_POLICIES = {f"{POLICY}patent-award", f"{POLICY}ip-support", f"{POLICY}ip-insurance"}


@pytest.fixture(scope="module")
def graph_store(built_cfg):
    return pyoxigraph.Store.read_only(str(Path(built_cfg["BUILD_DIR"]) / "store"))


@pytest.fixture(scope="module")
def folder(graph_store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fulltext") / "fulltext"
    counts = fulltext.build_index(graph_store, folder, config.ROOT, BASE)
    assert counts["policies"] == 10 and counts["clauses"] > 100
    return folder


@pytest.fixture(scope="module")
def index(folder):
    return fulltext.Searcher(folder)


def sparql_policies(store, **params):
    """The policies queries/api/policies.rq lists for `params`, in its order."""
    query = queries.load(ROOT / "queries/api/policies.rq", BASE)
    rows = store.query(query.bind({key: str(value) for key, value in params.items()}))
    return list(dict.fromkeys(row["policy"].value for row in rows))


def policies(page):
    return [hit.policy for hit in page.hits]


def everything(index, text, filters=None):
    page = index.search(text, filters, limit=fulltext.MAX_LIMIT)
    assert page.total == len(page.hits)
    return page


# --- what it finds --------------------------------------------------------------------------


def test_patent_finds_the_patent_policies_with_the_clause_highlighted(index):
    page = everything(index, "专利")
    assert set(policies(page)) >= PATENT_POLICIES
    assert page.hits[0].policy == f"{POLICY}patent-award"
    for hit in page.hits:
        assert "<mark>专利</mark>" in hit.snippet
        assert "专利" in hit.text
        assert hit.score > 0 and hit.pages and hit.pages[0] <= hit.pages[1]
    clause = page.hits[0]
    assert clause.kind in ("benefit", "criterion", "definition") and clause.clause
    assert clause.thing.startswith(f"{BASE}id/")


@pytest.mark.parametrize("text", ["专利", "质量奖", "认证", "标准", "泰山品质", "知识产权", "保险"])
def test_finds_every_policy_the_sparql_substring_search_finds(index, graph_store, text):
    found = policies(everything(index, text))
    expected = sparql_policies(graph_store, q=text)
    assert expected and set(expected) <= set(found)
    for hit in everything(index, text).hits:  # what the index finds beyond them, it shows where
        assert text in fulltext.fold(hit.text)


def test_a_name_from_a_long_title_stays_whole_and_ranks_its_policy_first(index):
    assert "泰山品质" in index.analyzer.words("“泰山品质”认证")
    assert "泰山品质" in fulltext.names(["“泰山品质”认证"])
    page = index.search("泰山品质")
    assert page.hits[0].policy == f"{POLICY}taishan-quality"
    assert "<mark>泰山品质</mark>" in page.hits[0].snippet


@pytest.mark.parametrize(
    ("text", "policy"), [("certification", "taishan-quality"), ("Patent", "patent-award")]
)
def test_an_english_word_in_any_case(index, text, policy):
    page = index.search(text)
    assert page.hits[0].policy == f"{POLICY}{policy}"
    assert re.search(rf"<mark>{text}</mark>", page.hits[0].snippet, re.IGNORECASE)


@pytest.mark.parametrize(
    "number", ["临政字[2020]113号", "临政字（2020）113号", "临政字〔2020〕第113号", "临政字2020-113号"]
)
def test_a_document_number_in_any_bracket_form(index, number):
    page = index.search(number)
    assert policies(page) == [f"{POLICY}ip-support"]
    hit = page.hits[0]
    assert hit.kind == "document" and hit.thing == f"{BASE}id/document/lin-zheng-zi-2020-113"
    assert "<mark>临政字〔2020〕113号</mark>" in hit.snippet


def test_traditional_characters_find_what_simplified_ones_do(index):
    assert policies(index.search("臨沂市專利獎勵")) == policies(index.search("临沂市专利奖励"))
    assert policies(index.search("泰山品質認證"))[0] == f"{POLICY}taishan-quality"


def test_full_width_digits_and_a_number_in_a_clause(index):
    assert policies(index.search("２００万元")) == policies(index.search("200万元"))
    assert f"{POLICY}quality-awards" in policies(index.search("200万元"))


def test_a_miss_finds_nothing_and_blank_text_lists_every_policy(index, graph_store):
    miss = index.search("火星移民补贴xyz")
    assert miss.total == 0 and miss.hits == []
    assert index.clauses("火星移民补贴xyz", match="all").total == 0
    assert index.clauses("火星 xyzzy").total == 0
    assert index.facet_counts("火星移民补贴xyz")["level"] == {}
    for blank in ("", "   ", "，。！"):
        page = everything(index, blank)
        assert policies(page) == sparql_policies(graph_store)
        assert all(hit.score == 0.0 and hit.kind == "policy" for hit in page.hits)


def test_clauses_rank_the_clauses_of_a_question(index):
    page = index.clauses("泰山品质认证能拿多少钱", limit=5)
    assert page.total >= 5 and len(page.hits) == 5
    assert page.hits[0].policy == f"{POLICY}taishan-quality"
    assert [hit.score for hit in page.hits] == sorted((hit.score for hit in page.hits), reverse=True)
    every = index.clauses("泰山品质认证", match="all", limit=100)
    assert every.hits and all("泰山品质" in hit.text and "认证" in hit.text for hit in every.hits)


# --- filters and counts ---------------------------------------------------------------------


def filter_values(store):
    """(facet, value, policies) of every filter value: browse-filter-options.rq, and the handbook,
    city and year values from browse-filter-sources.rq's rows per handbook (summed by city, by year)."""
    query = queries.load(ROOT / "queries/internal/browse-filter-options.rq", BASE)
    values = [
        (row["facet"].value, row["value"].value, int(row["policies"].value))
        for row in store.query(query.bind())
    ]
    sums: dict = {}
    for row in store.query(queries.load(ROOT / "queries/internal/browse-filter-sources.rq", BASE).bind()):
        used = int(row["policies"].value)
        values.append(("handbook", row["handbook"].value, used))
        for key in (("city", row["place"].value), ("year", row["issued"].value[:4])):
            sums[key] = sums.get(key, 0) + used
    return values + [(facet, value, used) for (facet, value), used in sums.items()]


def test_each_filter_agrees_with_the_sparql_filter(index, graph_store):
    values = filter_values(graph_store)
    assert {facet for facet, _, _ in values} == {
        "level",
        "kind",
        "applicant",
        "theme",
        "body",
        "document",
        "handbook",
        "city",
        "year",
    }
    for facet, value, _ in values:
        found = policies(everything(index, "", {facet: value}))
        assert found == sparql_policies(graph_store, **{facet: value}), (facet, value)


@pytest.mark.parametrize("amount", [1, 100000, 500000, 2000000, 2000001])
def test_the_least_amount_agrees_with_the_sparql_filter(index, graph_store, amount):
    found = policies(everything(index, "", {"minAmount": amount}))
    assert found == sparql_policies(graph_store, minAmount=amount)


def test_individual_applicants_with_a_text(index, graph_store):
    individual = f"{BASE}id/concept/applicant/individual"
    found = set(policies(everything(index, "专利", {"applicant": individual})))
    assert found == set(policies(everything(index, "专利"))) & set(
        policies(everything(index, "", {"applicant": individual}))
    )
    assert set(sparql_policies(graph_store, q="专利", applicant=individual)) <= found
    assert found and found < set(policies(everything(index, "专利")))


def test_facet_counts_agree_with_the_sparql_counts(index, graph_store):
    counts = index.facet_counts("")
    for facet, value, number in filter_values(graph_store):
        assert counts[facet][value] == number, (facet, value)
    assert sum(counts["handbook"].values()) == 10


def test_facet_counts_follow_the_text_and_the_filters(index):
    individual = f"{BASE}id/concept/applicant/individual"
    for filters in (None, {"applicant": individual}):
        counts = index.facet_counts("专利", filters)
        found = set(policies(everything(index, "专利", filters)))
        for facet, values in counts.items():
            for value, number in values.items():
                assert number == len(found & set(policies(everything(index, "", {facet: value}))))
        assert list(counts["applicant"].values()) == sorted(counts["applicant"].values(), reverse=True)


def test_several_values_of_one_filter_mean_any_of_them(index):
    levels = [f"{BASE}id/concept/level/{level}" for level in ("provincial", "municipal")]
    both = set(policies(everything(index, "", {"level": levels})))
    assert both == set(policies(everything(index, "", {"level": levels[0]}))) | set(
        policies(everything(index, "", {"level": levels[1]}))
    )


# --- paging and order -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "质量", "奖励"])
def test_pages_are_stable_and_add_up_to_the_whole(index, text):
    whole = everything(index, text)
    assert whole.total > 3
    paged = []
    for offset in range(0, whole.total + 3, 3):
        page = index.search(text, offset=offset, limit=3)
        assert page.total == whole.total and page.offset == offset and page.limit == 3
        paged.extend(page.hits)
    assert paged == whole.hits
    assert index.search(text, offset=1, limit=2).hits == whole.hits[1:3]


def test_equal_scores_keep_the_policy_lists_order(index, built_cfg, tmp_path):
    """Three copies of the handbook under fresh IRIs score alike: ties come in list order."""
    build = Path(built_cfg["BUILD_DIR"])
    data = (build / "asserted.nt").read_text("utf-8") + (build / "inferred.nt").read_text("utf-8")
    minted = re.compile(r"<(" + re.escape(BASE) + r"id/(?!concept/)[^>]*)>")
    copies = pyoxigraph.Store()
    for k in range(3):
        text = data if k == 0 else minted.sub(lambda match, k=k: f"<{match[1]}-c{k}>", data)
        copies.load(text.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    fulltext.build_index(copies, tmp_path / "fulltext", config.ROOT, BASE)
    searcher = fulltext.Searcher(tmp_path / "fulltext")
    order = sparql_policies(copies)
    assert len(order) == 30
    page = searcher.search("专利", limit=100)
    assert page.total == 3 * index.search("专利").total
    ranked = sorted(page.hits, key=lambda hit: (-hit.score, order.index(hit.policy)))
    assert page.hits == ranked
    assert len({hit.score for hit in page.hits}) * 3 == len(page.hits)  # every score three times


# --- bad input and escaping -----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda index: index.search("专利", limit=0),
        lambda index: index.search("专利", limit=fulltext.MAX_LIMIT + 1),
        lambda index: index.search("专利", offset=-1),
        lambda index: index.search("专利", offset="3"),
        lambda index: index.search("专" * (fulltext.MAX_TEXT + 1)),
        lambda index: index.search(None),
        lambda index: index.search("专利", {"colour": "red"}),
        lambda index: index.search("专利", {"minAmount": "lots"}),
        lambda index: index.search("专利", {"minAmount": "-1"}),
        lambda index: index.search("专利", {"level": [3]}),
        lambda index: index.clauses("专利", match="some"),
        lambda index: index.facet_counts("专利", {"colour": "red"}),
    ],
)
def test_bad_input_is_a_value_error(index, call):
    with pytest.raises(ValueError):
        call(index)


def test_query_syntax_is_only_text(index):
    for text in ('"专利', "专利:", "专利*", "(专利)", "+专利 -", "专利^", "[专利}", "\\专利"):
        page = index.search(text)
        assert f"{POLICY}patent-award" in policies(page)


def test_markup_in_the_data_never_comes_out_unescaped(graph_store, tmp_path):
    store = pyoxigraph.Store()
    store.extend(graph_store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))
    benefit = pyoxigraph.NamedNode(f"{BASE}id/benefit/patent-award-1")
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    text = '<script>alert("专利")</script> & <b>专利</b>'
    store.add(pyoxigraph.Quad(benefit, label, pyoxigraph.Literal(text, language="zh")))
    fulltext.build_index(store, tmp_path / "fulltext", config.ROOT, BASE)
    searcher = fulltext.Searcher(tmp_path / "fulltext")
    hits = searcher.search("script").hits + searcher.clauses("script 专利 b", limit=100).hits
    assert hits and any("script" in hit.text for hit in hits)
    for hit in hits:
        assert "<script" not in hit.snippet and "<b>" not in hit.snippet
        assert re.fullmatch(r"(?:[^<]|<mark>|</mark>)*", hit.snippet)
    assert any("&lt;<mark>script</mark>&gt;" in hit.snippet for hit in hits)


def test_highlight_escapes_and_cuts():
    marked = fulltext.highlight("a<b>专利&c", ([], ["专利"]))
    assert marked == "a&lt;b&gt;<mark>专利</mark>&amp;c"
    long = "甲" * 200 + "专利" + "乙" * 200
    snippet = fulltext.highlight(long, ([], ["专利"]))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>专利</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) == fulltext.SNIPPET_CHARS + 2


# --- the index as an artifact ---------------------------------------------------------------


def results(searcher):
    texts = ["专利", "泰山品质", "certification", "临政字[2020]113号", "质量奖", ""]
    return [searcher.search(text, limit=100) for text in texts] + [searcher.facet_counts("奖励")]


def test_the_same_graph_gives_the_same_index(graph_store, folder, index, tmp_path):
    again = tmp_path / "again"
    fulltext.build_index(graph_store, again, config.ROOT, BASE)
    assert (again / fulltext.NAMES_FILE).read_bytes() == (folder / fulltext.NAMES_FILE).read_bytes()
    assert results(fulltext.Searcher(again)) == results(index)
    assert index._searcher.num_segments == 1  # one segment in insertion order: ties keep it


def test_any_number_of_readers_at_once(folder, index):
    other = fulltext.Searcher(folder)
    script = (
        "import sys; from policykg import fulltext; "
        "print(fulltext.Searcher(sys.argv[1]).search('专利').total)"
    )
    answer = subprocess.run(
        [sys.executable, "-c", script, str(folder)], capture_output=True, text=True, check=True, timeout=60
    )
    assert int(answer.stdout) == other.search("专利").total == index.search("专利").total


def test_a_missing_index_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError):
        fulltext.Searcher(tmp_path / "nothing")


def test_two_handbooks_the_source_facets_agree_with_the_sparql_counts(handbooks_cfg, tmp_path):
    """On a graph of two handbooks: every handbook, city and year value finds the policies the
    SPARQL filter finds, and the index's counts are the aggregate's."""
    store = pyoxigraph.Store.read_only(str(Path(handbooks_cfg["BUILD_DIR"]) / "store"))
    index = fulltext.Searcher(Path(handbooks_cfg["BUILD_DIR"]) / "fulltext")
    values = [row for row in filter_values(store) if row[0] in ("handbook", "city", "year")]
    assert sorted(value for facet, value, _ in values if facet == "year") == ["2023", "2024"]
    assert len([1 for facet, _, _ in values if facet == "handbook"]) == 2
    counts = index.facet_counts("")
    for facet, value, policies_in_all in values:
        found = policies(everything(index, "", {facet: value}))
        assert len(found) == policies_in_all == counts[facet][value] == 10, (facet, value)
        assert found == sparql_policies(store, **{facet: value}), (facet, value)
    both = policies(everything(index, "专利", {"year": "2024"}))
    assert both and all(policy.endswith("-c1") for policy in both)


def test_the_stock_dictionary_memo_is_read_only_when_it_is_of_this_dictionary(tmp_path, monkeypatch):
    """serve's master keeps jieba's parsed dictionary in a memo file: the memo gives the same
    dictionary as parsing it; a memo of another dictionary, or damaged, is parsed over."""
    memo = tmp_path / "jieba.marshal"
    monkeypatch.setattr(fulltext, "_stock", {})
    parsed = fulltext.stock_dictionary(memo)
    assert memo.exists()
    monkeypatch.setattr(fulltext, "_stock", {})
    assert fulltext.stock_dictionary(memo) == parsed  # from the memo
    for damage in (marshal.dumps([["another", "key"], {"假": 1}, 1]), b"\x00garbage"):
        memo.write_bytes(damage)
        monkeypatch.setattr(fulltext, "_stock", {})
        assert fulltext.stock_dictionary(memo) == parsed
