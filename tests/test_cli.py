"""The `policykg` command line, run in-process with `main([...])` and once as the installed script."""

import csv
import io
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from conftest import free_port, wait_for_http

from policykg import artifact, cli, queries, store

FIXTURES = Path(__file__).parent / "fixtures" / "store"
CLI = FIXTURES / "cli"
PLAIN = CLI / "plain"  # query files without a header


@pytest.fixture
def built(built_cfg, monkeypatch):
    """The session's real build, as the command line finds it (POLICYKG_BUILD_DIR)."""
    monkeypatch.setenv("POLICYKG_BUILD_DIR", built_cfg["BUILD_DIR"])
    return artifact.manifest(built_cfg)


def run(capsys, *argv):
    code = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_build_prints_a_summary(built, capsys):
    code, out, _ = run(capsys, "build")
    assert code == 0
    counts = built["counts"]
    assert built["data_version"] in out
    assert f"{counts['asserted']} asserted + {counts['inferred']} inferred = {counts['total']}" in out
    assert "handbooks" in out and "store" in out
    assert f"handbooks     {len(built['handbooks'])} ({counts['policies']} policies)" in out


def test_build_error_is_a_message_and_exit_1(tmp_path, monkeypatch, capsys):
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "broken.ttl").write_text("@prefix : <http://x/> .\n:a :b .\n", encoding="utf-8")
    monkeypatch.setenv("POLICYKG_ROOT", str(tmp_path))
    monkeypatch.setenv("POLICYKG_BUILD_DIR", str(tmp_path / "build"))
    code, out, err = run(capsys, "build")
    assert code == 1
    assert "broken.ttl" in err
    assert out == ""


def test_query_file_as_table(built, capsys):
    code, out, _ = run(capsys, "query", PLAIN / "count.rq")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].strip() == "n"
    assert lines[2].strip() == str(built["counts"]["total"])
    assert lines[-1] == "(1 行 rows)"


def test_query_canned_file_with_params_as_json(built, capsys):
    code, out, _ = run(
        capsys, "query", CLI / "labels.rq", "--param", "lang=zh", "--param", "min=4", "--format", "json"
    )
    assert code == 0
    bindings = json.loads(out)["results"]["bindings"]
    assert bindings
    assert all(row["label"]["xml:lang"] == "zh" and len(row["label"]["value"]) >= 4 for row in bindings)


def test_query_as_csv(built, capsys):
    code, out, _ = run(capsys, "query", CLI / "labels.rq", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["label"]
    assert 1 < len(rows) <= 6


def test_query_ask_and_construct(built, capsys):
    assert run(capsys, "query", PLAIN / "ask.rq")[1] == "true\n"
    code, out, _ = run(capsys, "query", PLAIN / "describe.rq", "--format", "json")
    assert code == 0
    assert len(list(pyoxigraph.parse(out, format=pyoxigraph.RdfFormat.JSON_LD))) == 4
    code, out, _ = run(capsys, "query", PLAIN / "describe.rq")
    assert out.splitlines()[0].split() == ["subject", "predicate", "object"]


def test_query_canned_by_name(built_cfg, built, capsys):
    catalog = queries.Catalog(Path(built_cfg["ROOT"]) / "queries", built_cfg["BASE_IRI"])
    query = next(query for query in catalog if query.form == "select")
    code, out, _ = run(capsys, "query", query.name, "--format", "json")
    assert code == 0
    opened = store.open_store(built_cfg)
    try:
        assert json.loads(out)["results"]["bindings"] == opened.query(query.bind()).rows
    finally:
        opened.close()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["query", CLI / "labels.rq", "--param", "min=abc"], "min"),
        (["query", CLI / "labels.rq", "--param", "colour=red"], "colour"),
        (["query", PLAIN / "count.rq", "--param", "n=1"], "declares no parameters"),
        (["query", "no-such-query"], "no-such-query"),
        (["query", "missing.rq"], "missing.rq"),
        (["query", PLAIN / "broken.rq"], "syntax error"),
        (["load"], "--endpoint"),
    ],
)
def test_bad_input_is_a_message_and_exit_2(built, capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert out == ""


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["query"],
        ["query", "x", "--param", "novalue"],
        ["query", "x", "--format", "xml"],
        ["serve", "--port", "http"],
        ["serve", "--workers", "0"],
        ["dump", "--format", "rdf"],
    ],
)
def test_bad_arguments_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "usage: policykg" in err and "Traceback" not in err


def test_query_remote_endpoint_matches_embedded(built, capsys, oxigraph_server):
    embedded = run(capsys, "query", CLI / "labels.rq", "--format", "json")
    remote = run(
        capsys, "query", CLI / "labels.rq", "--format", "json", "--endpoint", f"{oxigraph_server}/query"
    )
    assert remote[0] == 0
    assert json.loads(remote[1]) == json.loads(embedded[1])


def test_query_unreachable_endpoint_exits_1(built, capsys):
    code, _out, err = run(
        capsys, "query", PLAIN / "count.rq", "--endpoint", f"http://127.0.0.1:{free_port()}/query"
    )
    assert code == 1
    assert "远程 SPARQL 服务不可用" in err


def test_load_into_a_remote_store(built, built_cfg, capsys, oxigraph_server):
    code, out, _ = run(capsys, "load", "--endpoint", f"{oxigraph_server}/store")
    assert code == 0
    assert f"loaded {built['counts']['total']} triples" in out
    remote = store.open_store(
        dict(built_cfg, STORE="remote", ENDPOINT=f"{oxigraph_server}/query", CACHE_SIZE=0)
    )
    assert remote.triple_count() == built["counts"]["total"]


@pytest.mark.parametrize(
    "options, rdf_format, part",
    [
        ([], pyoxigraph.RdfFormat.TURTLE, "asserted"),
        (["--inferred", "--format", "nt"], pyoxigraph.RdfFormat.N_TRIPLES, "total"),
        (["--format", "jsonld"], pyoxigraph.RdfFormat.JSON_LD, "asserted"),
    ],
)
def test_dump(built, capsysbinary, options, rdf_format, part):
    assert cli.main(["dump", *options]) == 0
    out = capsysbinary.readouterr().out
    assert len(set(pyoxigraph.parse(out, format=rdf_format))) == built["counts"][part]


def test_dump_turtle_uses_the_project_prefixes(built, tmp_path, capsys):
    target = tmp_path / "graph.ttl"
    assert run(capsys, "dump", "-o", target)[0] == 0
    text = target.read_text(encoding="utf-8")
    assert "@prefix skos: <http://www.w3.org/2004/02/skos/core#>" in text


def test_table_counts_wide_characters_twice(capsys):
    result = store.Result(
        "select",
        ["name", "n"],
        [
            {"name": {"type": "literal", "value": "质量奖"}, "n": {"type": "literal", "value": "1"}},
            {"name": {"type": "literal", "value": "abc"}},
        ],
        truncated=True,
    )
    cli._write_table(result)
    assert capsys.readouterr().out.splitlines() == [
        "name    n",
        "------  -",
        "质量奖  1",
        "abc",
        "(2 行 rows，已截断 (truncated at the row cap))",
    ]


def test_serve_runs_the_installed_script(built_cfg, tmp_path):
    port = free_port()
    script = Path(sys.executable).with_name("policykg")
    env = {"POLICYKG_BUILD_DIR": built_cfg["BUILD_DIR"], "PATH": str(script.parent)}
    process = subprocess.Popen(
        [script, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            health = json.load(response)
        assert health["data_version"] == artifact.manifest(built_cfg)["data_version"]
        long_query = "# " + "x" * 6000 + "\nASK { ?s ?p ?o }"  # a GET request line of ~6 KB
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": long_query})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["boolean"] is True
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert b"Traceback" not in err


def test_build_progress_goes_to_stderr_when_asked(built, capsys):
    code, out, err = run(capsys, "build", "--progress")
    assert code == 0
    assert "up to date" in err and "up to date" not in out
    code, out, err = run(capsys, "build")
    assert err == ""  # not a terminal, not asked
