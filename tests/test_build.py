import hashlib
import json
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from policykg import artifact, build, config, filehash, fulltext, inference, precompute, shacl
from policykg.errors import BuildError

FIXTURES = Path(__file__).parent / "fixtures/build"
CANONICAL = "https://w3id.org/policykg/"
OTHER_BASE = "http://localhost:5000/"
RDF_TYPE = str(RDF.type)


def iri(local, base=CANONICAL):
    return base + local


# (subject, predicate, object) IRIs of the fixture project, local to the base.
ASSERTED = ("id/policy/quality-award", RDF_TYPE, "def/Award")
SUBCLASS = ("id/policy/quality-award", RDF_TYPE, "def/Policy")
INVERSE = ("id/org/office", "def/administers", "id/policy/quality-award")
TRANSITIVE = ("id/org/office", "def/partOf", "id/org/city")


def line(triple, base=CANONICAL):
    return " ".join(f"<{term if term.startswith('http') else iri(term, base)}>" for term in triple) + " ."


def quad(triple, graph_name, base=CANONICAL):
    terms = [pyoxigraph.NamedNode(term if term.startswith("http") else iri(term, base)) for term in triple]
    return pyoxigraph.Quad(*terms, graph_name)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "good", root)
    # The project's own inference rules (the build reads them from its ROOT).
    shutil.copytree(inference.folder(config.ROOT), inference.folder(root))
    # And the queries its full-text index reads the graph with.
    shutil.copytree(config.ROOT / "queries/internal", root / "queries/internal")
    return root


@pytest.fixture
def cfg(project, tmp_path):
    return config.settings(
        {"ROOT": str(project), "BUILD_DIR": str(tmp_path / "build"), "BASE_IRI": CANONICAL}
    )


def read_lines(cfg, name):
    return (Path(cfg["BUILD_DIR"]) / name).read_text(encoding="utf-8").splitlines()


def snapshot(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def mtimes(folder):
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*")}


def add_fault(project, name, folder):
    shutil.copy(FIXTURES / "faults" / name, project / folder / name)


def test_good_build_writes_the_artifact(cfg, project):
    manifest = build.build(cfg)
    build_dir = Path(cfg["BUILD_DIR"])
    assert sorted(path.name for path in build_dir.iterdir()) == [
        "asserted.nt",
        "fulltext",
        "handbooks",
        "inferred.nt",
        "manifest.json",
        "ontology.nt",
        "precomputed",
        "store",
    ]
    assert sorted(path.name for path in (build_dir / "handbooks").iterdir()) == ["data.nt"]
    assert artifact.manifest(cfg) == manifest
    assert not build.is_stale(cfg)

    assert set(manifest) == {
        "data_version",
        "built_at",
        "base_iri",
        "inputs",
        "counts",
        "files",
        "handbooks",
        "seconds",
        "precomputed",
    }
    assert re.fullmatch(r"[0-9a-f]{16}", manifest["data_version"])
    assert datetime.fromisoformat(manifest["built_at"]).utcoffset().total_seconds() == 0
    assert manifest["base_iri"] == CANONICAL
    assert manifest["inputs"] == {
        "ontology/onto.ttl": hashlib.sha256((project / "ontology/onto.ttl").read_bytes()).hexdigest(),
        "ontology/shapes.ttl": hashlib.sha256((project / "ontology/shapes.ttl").read_bytes()).hexdigest(),
        "data/data.ttl": hashlib.sha256((project / "data/data.ttl").read_bytes()).hexdigest(),
        "queries/checks/unlabelled-bodies.rq": hashlib.sha256(
            (project / "queries/checks/unlabelled-bodies.rq").read_bytes()
        ).hexdigest(),
        **{
            f"queries/internal/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((project / "queries/internal").glob("*.rq"))
        },
        **{
            f"queries/rules/{path.name}": hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(inference.folder(project).glob("*.ru"))
        },
        **{
            f"service/policykg/{Path(module.__file__).name}": hashlib.sha256(
                Path(module.__file__).read_bytes()
            ).hexdigest()
            for module in (inference, shacl, fulltext, precompute, build)
        },
    }
    assert set(manifest["seconds"]) == {"ontology", "handbooks", "write", "store", "fulltext", "precompute"}
    assert all(seconds >= 0 for seconds in manifest["seconds"].values())

    asserted, inferred = read_lines(cfg, "asserted.nt"), read_lines(cfg, "inferred.nt")
    ontology, data = read_lines(cfg, "ontology.nt"), read_lines(cfg, "handbooks/data.nt")
    # asserted.nt is the ontology, then each handbook in stem order; each part sorted
    assert asserted == ontology + data
    assert ontology == sorted(ontology) and data == sorted(data) and inferred == sorted(inferred)
    data_record = _record(build_dir / "handbooks/data.nt")
    assert manifest["handbooks"] == [
        {
            "stem": "data",
            "file": "handbooks/data.nt",
            "graph": iri("graph/handbook/data"),
            "iri": None,
            "triples": data_record["triples"],
            "sha256": data_record["sha256"],
        }
    ]
    counts = manifest["counts"]
    assert counts == {
        "asserted": len(asserted),
        "inferred": len(inferred),
        "total": len(asserted) + len(inferred),
        "policies": 1,
    }
    assert manifest["files"] == {
        name: _record(build_dir / name) for name in ("asserted.nt", "inferred.nt", "ontology.nt")
    }
    assert line(ASSERTED) in asserted
    for triple in (SUBCLASS, INVERSE, TRANSITIVE):
        assert line(triple) in inferred
        assert line(triple) not in asserted


def _record(path):
    written = path.read_bytes()
    return {"sha256": hashlib.sha256(written).hexdigest(), "triples": len(written.splitlines())}


def test_store_holds_closure_and_both_parts(cfg):
    counts = build.build(cfg)["counts"]
    store = pyoxigraph.Store.read_only(str(Path(cfg["BUILD_DIR"]) / "store"))
    default = pyoxigraph.DefaultGraph()
    asserted_graph = pyoxigraph.NamedNode(iri("graph/asserted"))
    inferred_graph = pyoxigraph.NamedNode(iri("graph/inferred"))

    def size(graph_name):
        return len(list(store.quads_for_pattern(None, None, None, graph_name)))

    assert (size(default), size(asserted_graph), size(inferred_graph)) == (
        counts["total"],
        counts["asserted"],
        counts["inferred"],
    )
    assert quad(ASSERTED, default) in store and quad(ASSERTED, asserted_graph) in store
    assert quad(ASSERTED, inferred_graph) not in store
    for triple in (SUBCLASS, INVERSE, TRANSITIVE):
        assert quad(triple, default) in store and quad(triple, inferred_graph) in store
        assert quad(triple, asserted_graph) not in store


def test_inferred_holds_no_trivia(cfg):
    build.build(cfg)
    assert read_lines(cfg, "inferred.nt") == sorted(
        line(triple) for triple in (SUBCLASS, INVERSE, TRANSITIVE)
    )


@pytest.mark.parametrize(
    ("triple", "trivia"),
    [
        ((OWL.sameAs, OWL.sameAs, OWL.sameAs), True),
        ((URIRef(iri("id/org/city")), OWL.sameAs, URIRef(iri("id/org/city"))), True),
        ((XSD.string, RDF.type, RDFS.Datatype), True),
        ((Literal("x"), RDF.type, XSD.string), True),
        ((URIRef(iri("def/Award")), RDFS.subClassOf, URIRef(iri("def/Award"))), True),
        ((URIRef(iri("def/Award")), RDFS.subClassOf, OWL.Thing), True),
        ((URIRef(iri("id/org/city")), RDF.type, OWL.Thing), True),
        ((URIRef(iri("id/org/city")), RDF.type, RDFS.Resource), True),
        ((URIRef(iri("def/Award")), RDFS.subClassOf, URIRef(iri("def/Policy"))), False),
        ((URIRef(iri("id/org/a")), OWL.sameAs, URIRef(iri("id/org/b"))), False),
    ],
)
def test_is_trivia(triple, trivia):
    assert build.is_trivia(triple) is trivia


def test_rebuild_without_change_does_not_rewrite(cfg):
    first = build.build(cfg)
    before = mtimes(Path(cfg["BUILD_DIR"]))
    assert build.build(cfg) == first
    assert mtimes(Path(cfg["BUILD_DIR"])) == before

    forced = build.build(cfg, force=True)
    assert forced["data_version"] == first["data_version"]
    manifest = Path(cfg["BUILD_DIR"]) / "manifest.json"
    assert manifest.stat().st_mtime_ns != before[manifest]


def test_changed_input_rebuilds(cfg, project):
    first = build.build(cfg)
    with (project / "data/data.ttl").open("a", encoding="utf-8") as data:
        data.write('org:city pkg:partOf org:province .\norg:province a pkg:Body ; rdfs:label "山东省"@zh .\n')
    assert build.is_stale(cfg)
    second = build.build(cfg)
    assert second["data_version"] != first["data_version"]
    assert second["inputs"]["data/data.ttl"] != first["inputs"]["data/data.ttl"]
    assert second["counts"]["asserted"] == first["counts"]["asserted"] + 3
    assert line(("id/org/office", "def/partOf", "id/org/province")) in read_lines(cfg, "inferred.nt")
    assert not build.is_stale(cfg)


def test_changed_base_iri_makes_the_build_stale(cfg):
    build.build(cfg)
    assert build.is_stale(dict(cfg, BASE_IRI=OTHER_BASE))


def test_syntax_error_names_file_and_line_and_keeps_previous_artifact(cfg, project, tmp_path):
    build.build(cfg)
    before = snapshot(Path(cfg["BUILD_DIR"]))
    add_fault(project, "syntax-error.ttl", "data")
    with pytest.raises(BuildError, match=r"^data/syntax-error\.ttl line 6: Unexpected end of file$"):
        build.build(cfg)
    assert snapshot(Path(cfg["BUILD_DIR"])) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["build", "build.cache", "project"]


def test_shacl_violation_names_focus_node_and_keeps_previous_artifact(cfg, project):
    build.build(cfg)
    before = snapshot(Path(cfg["BUILD_DIR"]))
    add_fault(project, "shacl-violation.ttl", "data")
    with pytest.raises(BuildError) as raised:
        build.build(cfg)
    assert str(raised.value).splitlines() == [
        "ontology/shapes.ttl: the data does not conform",
        f"  focus node <{iri('id/policy/orphan-award')}> · path <{iri('def/administeredBy')}> · 每项政策须有主管机构",
    ]
    assert snapshot(Path(cfg["BUILD_DIR"])) == before


def test_shacl_violations_are_capped(cfg, project):
    awards = "".join(f'policy:award-{n:02d} a pkg:Award ; rdfs:label "奖{n}"@zh .\n' for n in range(25))
    with (project / "data/data.ttl").open("a", encoding="utf-8") as data:
        data.write(awards)
    with pytest.raises(BuildError) as raised:
        build.build(cfg)
    lines = str(raised.value).splitlines()
    assert len(lines) == 22
    assert lines[1].startswith(f"  focus node <{iri('id/policy/award-00')}>")
    assert lines[-1] == "  and 5 more"


def test_failing_check_names_check_and_rows_and_keeps_previous_artifact(cfg, project):
    build.build(cfg)
    before = snapshot(Path(cfg["BUILD_DIR"]))
    add_fault(project, "hotlines-not-normalized.rq", "queries/checks")
    with pytest.raises(BuildError) as raised:
        build.build(cfg)
    assert str(raised.value).splitlines() == [
        "check queries/checks/hotlines-not-normalized.rq (咨询电话未规范化): 1 row(s)",
        f'  ?policy = <{iri("id/policy/quality-award")}> · ?hotline = "0539-5977806"',
    ]
    assert snapshot(Path(cfg["BUILD_DIR"])) == before


def test_failed_write_keeps_previous_artifact(cfg, monkeypatch, tmp_path):
    build.build(cfg)
    before = snapshot(Path(cfg["BUILD_DIR"]))
    real_write = build._write

    def write_then_fail(*args):
        real_write(*args)
        raise OSError("disk full")

    monkeypatch.setattr(build, "_write", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        build.build(cfg, force=True)
    assert snapshot(Path(cfg["BUILD_DIR"])) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["build", "build.cache", "project"]


def test_other_base_iri_rewrites_iris(cfg):
    cfg = dict(cfg, BASE_IRI=OTHER_BASE)
    manifest = build.build(cfg)
    assert manifest["base_iri"] == OTHER_BASE
    asserted, inferred = read_lines(cfg, "asserted.nt"), read_lines(cfg, "inferred.nt")
    assert not [text for text in asserted + inferred if CANONICAL in text]
    assert line(ASSERTED, OTHER_BASE) in asserted
    assert line(TRANSITIVE, OTHER_BASE) in inferred
    store = pyoxigraph.Store.read_only(str(Path(cfg["BUILD_DIR"]) / "store"))
    assert quad(TRANSITIVE, pyoxigraph.NamedNode(iri("graph/inferred", OTHER_BASE)), OTHER_BASE) in store


def test_rebase_moves_only_canonical_iris():
    source = Graph()
    source.add(
        (URIRef(iri("id/a")), URIRef(iri("def/amount")), Literal("5", datatype=URIRef(iri("def/cny"))))
    )
    source.add((URIRef(iri("id/a")), RDFS.seeAlso, URIRef("https://w3id.org/other/b")))
    moved = build.rebase(source, OTHER_BASE)
    assert set(moved) == {
        (
            URIRef(iri("id/a", OTHER_BASE)),
            URIRef(iri("def/amount", OTHER_BASE)),
            Literal("5", datatype=URIRef(iri("def/cny", OTHER_BASE))),
        ),
        (URIRef(iri("id/a", OTHER_BASE)), RDFS.seeAlso, URIRef("https://w3id.org/other/b")),
    }
    assert build.rebase(source, CANONICAL) is source


def test_input_files_list_the_build_inputs(cfg, project):
    (project / "data/source").mkdir()
    (project / "data/source/ignored.ttl").write_text("not turtle", encoding="utf-8")
    assert build.input_files(cfg) == [
        project / "ontology/onto.ttl",
        project / "ontology/shapes.ttl",
        project / "data/data.ttl",
        project / "queries/checks/unlabelled-bodies.rq",
        *sorted((project / "queries/internal").glob("*.rq")),
        *sorted(inference.folder(project).glob("*.ru")),
        *(Path(module.__file__).resolve() for module in (inference, shacl, fulltext, precompute, build)),
    ]
    assert (project / "queries/internal/fulltext-texts.rq") in build.input_files(cfg)


@pytest.mark.skipif(
    not (config.ROOT / "data/handbook.ttl").exists(), reason="data/handbook.ttl is being written"
)
def test_real_project_builds_and_conforms(built_cfg):
    manifest = artifact.manifest(built_cfg)
    assert "data/handbook.ttl" in manifest["inputs"]
    assert manifest["counts"]["inferred"] > 0
    assert not build.is_stale(built_cfg)


def test_concurrent_builds_run_one_after_the_other(cfg, monkeypatch):
    real_build, calls = build._build, []

    def counted(*args):
        calls.append(args)
        return real_build(*args)

    monkeypatch.setattr(build, "_build", counted)
    with ThreadPoolExecutor(max_workers=2) as pool:
        manifests = list(pool.map(lambda _: build.build(cfg), range(2)))
    assert len(calls) == 1
    assert manifests[0] == manifests[1] == artifact.manifest(cfg)


# Faults: a damaged artifact is rebuilt, a sharply smaller build is refused.


def test_damaged_manifest_is_rebuilt(cfg):
    first = build.build(cfg)
    path = artifact.manifest_path(cfg)
    for damage in (b'{"data_version": "trunc', b"\xff\xfe not utf-8", b"[1, 2]", b'{"counts": {}}', b""):
        path.write_bytes(damage)
        with pytest.raises(artifact.Damaged):
            artifact.manifest(cfg)
        assert build.is_stale(cfg)
        rebuilt = build.build(cfg)
        assert rebuilt["data_version"] == first["data_version"]
        assert artifact.manifest(cfg) == rebuilt


def test_missing_manifest_is_rebuilt(cfg):
    first = build.build(cfg)
    artifact.manifest_path(cfg).unlink()
    assert artifact.manifest(cfg) is None
    assert build.build(cfg)["counts"] == first["counts"]
    assert artifact.manifest_path(cfg).exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda folder: (folder / "asserted.nt").write_text("", "utf-8"), id="asserted-emptied"),
        pytest.param(
            lambda folder: (folder / "inferred.nt").write_text(
                (folder / "inferred.nt").read_text("utf-8") + "<http://e/s> <http://e/p> <http://e/o> .\n",
                "utf-8",
            ),
            id="inferred-appended",
        ),
        pytest.param(lambda folder: (folder / "asserted.nt").unlink(), id="asserted-missing"),
        pytest.param(lambda folder: shutil.rmtree(folder / "store"), id="store-missing"),
        pytest.param(
            lambda folder: [
                path.write_bytes(b"garbage") for path in (folder / "store").iterdir() if path.is_file()
            ],
            id="store-garbage",
        ),
    ],
)
def test_damaged_artifact_is_rebuilt_not_reused(cfg, damage):
    first = build.build(cfg)
    folder = Path(cfg["BUILD_DIR"])
    assert build.is_intact(folder, first)
    intact = {name: (folder / name).read_bytes() for name in ("asserted.nt", "inferred.nt")}
    damage(folder)
    assert not build.is_intact(folder, first)
    rebuilt = build.build(cfg)
    assert build.is_intact(folder, rebuilt)
    assert {name: (folder / name).read_bytes() for name in intact} == intact
    store = pyoxigraph.Store.read_only(str(folder / "store"))
    assert (
        len(list(store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph())))
        == first["counts"]["total"]
    )


def test_manifest_without_file_records_is_not_trusted(cfg):
    build.build(cfg)
    path = artifact.manifest_path(cfg)
    old = json.loads(path.read_text("utf-8"))
    del old["files"]
    path.write_text(json.dumps(old), "utf-8")
    assert "files" in build.build(cfg)


def test_emptied_data_file_is_refused_and_the_old_artifact_keeps_serving(cfg, project):
    from policykg import store

    first = build.build(cfg)
    assert first["counts"]["policies"] == 1
    (project / "data/data.ttl").write_bytes(b"")
    with pytest.raises(BuildError, match=r"policies 1 → 0.*--allow-shrink"):
        build.build(cfg)
    assert artifact.manifest(cfg) == first
    served = store.open_store(dict(cfg, STORE="embedded"))
    try:
        assert served.triple_count() == first["counts"]["total"]
        assert served.data_version() == first["data_version"]
    finally:
        served.close()
    shrunk = build.build(cfg, allow_shrink=True)
    assert shrunk["counts"]["policies"] == 0
    assert artifact.manifest(cfg) == shrunk


def test_refuse_shrink_compares_policies_and_triples():
    previous = {"counts": {"policies": 10, "total": 1000}}
    build.refuse_shrink(previous, {"policies": 5, "total": 500})
    build.refuse_shrink(None, {"policies": 0, "total": 0})
    build.refuse_shrink({"counts": {"total": 1000}}, {"policies": 0, "total": 900})
    with pytest.raises(BuildError, match="policies 10 → 4"):
        build.refuse_shrink(previous, {"policies": 4, "total": 1000})
    with pytest.raises(BuildError, match="total 1000 → 499"):
        build.refuse_shrink(previous, {"policies": 10, "total": 499})


@pytest.mark.parametrize(
    "damage", [b'{"data_version": "trunc', b"\xff\xfe", b"null"], ids=["json", "utf8", "null"]
)
def test_service_answers_503_with_a_message_on_a_damaged_manifest(built_cfg, tmp_path, damage):
    from policykg.app import close, create_app

    folder = tmp_path / "build"
    shutil.copytree(built_cfg["BUILD_DIR"], folder)
    cfg = dict(built_cfg, BUILD_DIR=str(folder), STORE="embedded", RELOAD_SECONDS=0.05, TESTING=True)
    app = create_app(cfg)
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        (folder / artifact.MANIFEST).write_bytes(damage)
        time.sleep(0.1)
        for path in (
            "/healthz",
            "/dumps/asserted.nt",
            "/.well-known/void",
            "/",
            "/policies",
            "/sparql?query=ASK{}",
        ):
            response = client.get(path, headers={"Accept": "application/json"})
            response.close()  # (a dump is a file: closed with the response; the body stays read)
            assert response.status_code in (200, 503), path
            if response.status_code == 503:
                assert "policykg build" in response.get_json()["error"]
                assert str(folder) not in response.get_data(as_text=True)
        assert client.get("/healthz").status_code == 503
    finally:
        close(app)


def test_progress_reports_each_stage_and_file_in_order(cfg):
    import io

    stream = io.StringIO()
    build.build(cfg, progress=build.Progress(stream))
    lines = stream.getvalue().splitlines()
    assert all(re.match(r"\[ *\d+\.\d s\] ", line) for line in lines)
    assert all(re.search(r" · \d+ MB$", line) for line in lines)
    steps = [line.split("] ", 1)[1].rsplit(" · ", 1)[0] for line in lines]
    assert [step for step in steps if step.endswith(" …")] == [f"{s} …" for s in build_steps()]
    assert "handbooks: 1/1 done (data/data.ttl)" in steps
    assert steps[-1].startswith("done in ")
    stream = io.StringIO()
    build.build(cfg, progress=build.Progress(stream))
    assert re.search(r"\] up to date · \d+ MB$", stream.getvalue().splitlines()[-1])
    build.build(cfg, force=True)  # silent without a stream


def build_steps():
    return ["ontology", "handbooks", "write", "store", "fulltext", "precompute"]


# ---- Many handbooks: each data/<stem>.ttl its own named graph ----

SECOND = "fixture-example-2024"


def store_of(cfg):
    return pyoxigraph.Store.read_only(str(Path(cfg["BUILD_DIR"]) / "store"))


def count(store, query):
    return int(next(iter(store.query(query)))["n"].value)


def test_each_handbook_is_listed_in_the_manifest_with_its_own_file(two_handbooks):
    manifest = artifact.manifest(two_handbooks)
    folder = Path(two_handbooks["BUILD_DIR"])
    base = two_handbooks["BASE_IRI"]
    assert [book["stem"] for book in manifest["handbooks"]] == sorted(["handbook", SECOND])
    for book in manifest["handbooks"]:
        assert book["file"] == f"handbooks/{book['stem']}.nt"
        assert book["graph"] == f"{base}graph/handbook/{book['stem']}"
        assert book | _record(folder / "handbooks" / f"{book['stem']}.nt") == book
    iris = {book["stem"]: book["iri"] for book in manifest["handbooks"]}
    assert iris == {
        "handbook": f"{base}id/handbook/linyi-amr-2023",
        SECOND: f"{base}id/handbook/linyi-amr-2023-fixture",
    }
    lines = read_lines(two_handbooks, "asserted.nt")
    parts = [read_lines(two_handbooks, "ontology.nt")] + [
        read_lines(two_handbooks, f"handbooks/{book['stem']}.nt") for book in manifest["handbooks"]
    ]
    assert lines == [line for part in parts for line in part]
    assert manifest["counts"]["asserted"] == len(lines)
    inferred = read_lines(two_handbooks, "inferred.nt")
    assert len(set(inferred)) == len(inferred) == manifest["counts"]["inferred"]
    closure = count(store_of(two_handbooks), "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert closure == manifest["counts"]["total"]


def test_queries_see_the_union_and_graph_queries_each_handbook(two_handbooks):
    store, base = store_of(two_handbooks), two_handbooks["BASE_IRI"]
    policies = count(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) {{ ?p a <{base}def/Policy> }}")
    by_graph = {
        row["g"].value: int(row["n"].value)
        for row in store.query(
            f"SELECT ?g (COUNT(DISTINCT ?p) AS ?n) {{ GRAPH ?g {{ ?p <{base}def/section> ?s }}"
            f" ?p a <{base}def/Policy> }} GROUP BY ?g"
        )
    }
    assert by_graph == {
        f"{base}graph/handbook/handbook": 10,
        f"{base}graph/handbook/{SECOND}": 2,
        f"{base}graph/asserted": 12,
    }
    assert policies == 12 == artifact.manifest(two_handbooks)["counts"]["policies"]
    # a policy reaches its handbook through its section, inside its handbook's graph
    handbook_of = f"""SELECT ?book WHERE {{ GRAPH <{base}graph/handbook/{SECOND}> {{
        <{base}id/policy/quality-yizhan-fixture> <{base}def/section>/<http://purl.org/dc/terms/isPartOf> ?book }} }}"""
    assert [row["book"].value for row in store.query(handbook_of)] == [
        f"{base}id/handbook/linyi-amr-2023-fixture"
    ]
    ontology = count(store, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{base}graph/ontology> {{ ?s ?p ?o }} }}")
    assert ontology == len(read_lines(two_handbooks, "ontology.nt"))


def test_the_guard_lets_queries_name_handbook_graphs(two_handbooks):
    from policykg import errors, guard

    base = two_handbooks["BASE_IRI"]
    guard.check_graphs([f"{base}graph/handbook/{SECOND}", f"{base}graph/ontology"], two_handbooks, "FROM")
    assert f"{base}graph/handbook/{SECOND}" in guard.own_graphs(two_handbooks)
    with pytest.raises(errors.BadRequest):
        guard.check_graphs([f"{base}graph/handbook/a/b"], two_handbooks, "FROM")


def test_an_unchanged_handbook_is_not_read_again(cfg, project):
    import io

    shutil.copy(project / "data/data.ttl", project / "data/other.ttl")
    other = (project / "data/other.ttl").read_text(encoding="utf-8")
    (project / "data/other.ttl").write_text(
        other.replace("quality-award", "other-award").replace("org:office", "org:other-office"),
        encoding="utf-8",
    )
    build.build(cfg)
    with (project / "data/other.ttl").open("a", encoding="utf-8") as data:
        data.write("\n# edited\n")
    stream = io.StringIO()
    build.build(cfg, progress=build.Progress(stream))
    steps = stream.getvalue()
    assert "handbooks: 1/2 unchanged (cached), 1 to read" in steps
    assert "(data/other.ttl)" in steps and "(data/data.ttl)" not in steps


def test_handbooks_that_join_through_a_resource_are_reasoned_about_together(cfg, project):
    import io

    text = (project / "data/data.ttl").read_text(encoding="utf-8")
    prefixes = "".join(line for line in text.splitlines(keepends=True) if line.startswith("@prefix"))
    (project / "data/other.ttl").write_text(
        prefixes + 'org:city pkg:partOf org:province .\norg:province a pkg:Body ; rdfs:label "山东省"@zh .\n',
        encoding="utf-8",
    )
    stream = io.StringIO()
    build.build(cfg, progress=build.Progress(stream))
    assert "handbooks share resources" in stream.getvalue()
    # office partOf city (data.ttl), city partOf province (other.ttl): the join spans two files
    assert line(("id/org/office", "def/partOf", "id/org/province")) in read_lines(cfg, "inferred.nt")


def test_worker_processes_write_what_one_process_writes(cfg, project, monkeypatch, tmp_path):
    text = (project / "data/data.ttl").read_text(encoding="utf-8")
    for k in range(1, 4):
        copy = re.sub(r"\b(policy:quality-award|org:office|org:bureau|org:city)\b", rf"\1-{k}", text)
        (project / f"data/data-{k}.ttl").write_text(copy, encoding="utf-8")
    import io

    stream = io.StringIO()
    pooled = build.build(cfg, progress=build.Progress(stream))
    assert "handbooks: 4/4 done" in stream.getvalue()
    monkeypatch.setattr(build, "WORKERS", 1)
    alone = build.build(dict(cfg, BUILD_DIR=str(tmp_path / "alone")))
    for name in (
        "asserted.nt",
        "inferred.nt",
        "ontology.nt",
        *(f"handbooks/{b['stem']}.nt" for b in alone["handbooks"]),
    ):
        assert (Path(cfg["BUILD_DIR"]) / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name
    assert pooled["counts"] == alone["counts"] and pooled["counts"]["policies"] == 4


def test_an_edit_of_few_handbooks_updates_the_store_as_a_fresh_load_would(
    cfg, project, monkeypatch, tmp_path
):
    import io

    text = (project / "data/data.ttl").read_text(encoding="utf-8")
    other = re.sub(r"\b(policy:quality-award|org:office|org:bureau|org:city)\b", r"\1-2", text)
    (project / "data/other.ttl").write_text(other, encoding="utf-8")
    build.build(cfg)
    before = Path(cfg["BUILD_DIR"]) / "store"
    linked = {path.name: path.stat().st_ino for path in before.glob("*.sst")}
    # one handbook edited: a triple gone (the hotline), one added (a label), so inferred changes too
    edited = other.replace('    pkg:hotline "0539-5977806" ;\n', "").replace(
        "org:city-2 a pkg:Body ;",
        'org:city-2 a pkg:Body ; pkg:partOf org:province-2 .\norg:province-2 a pkg:Body ; rdfs:label "省"@zh .\norg:city-2 a pkg:Body ;',
    )
    assert edited != other
    (project / "data/other.ttl").write_text(edited, encoding="utf-8")
    monkeypatch.setattr(build, "UPDATE_SHARE", 0.5)
    stream = io.StringIO()
    build.build(cfg, progress=build.Progress(stream))
    assert "updating the previous store in place for 1 changed handbook(s)" in stream.getvalue()
    updated = Path(cfg["BUILD_DIR"]) / "store"
    assert any(linked.get(path.name) == path.stat().st_ino for path in updated.glob("*.sst"))
    fresh = build.build(dict(cfg, BUILD_DIR=str(tmp_path / "fresh")))
    assert artifact.manifest(cfg)["counts"] == fresh["counts"]

    def quads(folder):
        return set(pyoxigraph.Store.read_only(str(folder)).quads_for_pattern(None, None, None, None))

    assert quads(updated) == quads(tmp_path / "fresh/store")
    assert quad(("id/org/office-2", "def/partOf", "id/org/province-2"), pyoxigraph.DefaultGraph()) in quads(
        updated
    )


def test_an_unchanged_build_reads_none_of_its_files_again(cfg, tmp_path, monkeypatch):
    """Once hashed, inputs and artifact files whose stat is unchanged are not read again, so an
    unchanged build (and `policykg serve`'s check) costs no reading of the data (filehash)."""
    build.build(cfg)
    past = time.time() - 60
    for path in [*build.input_files(cfg), *Path(cfg["BUILD_DIR"]).rglob("*.nt")]:
        if path.resolve().is_relative_to(tmp_path.resolve()):
            os.utime(path, (past, past))  # as files written a while ago
    build.build(cfg)  # hashes and remembers them
    seen = []
    real = filehash.read
    monkeypatch.setattr(filehash, "read", lambda path: seen.append(path) or real(path))
    manifest = build.build(cfg)
    assert seen == []
    assert manifest["data_version"] == build._fingerprint(cfg, filehash.Hashes())[1]
    data = next(Path(cfg["ROOT"]).glob("data/*.ttl"))
    data.write_text(data.read_text("utf-8") + "\n", encoding="utf-8")  # changed: read again
    assert build.is_stale(cfg)
    assert data in seen
