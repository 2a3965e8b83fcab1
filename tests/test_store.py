"""The store layer: one interface, embedded pyoxigraph and a real remote Oxigraph server."""

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph
import pytest
from conftest import free_port, wait_for_http

from policykg import artifact, config, errors, queries, store

FIXTURES = Path(__file__).parent / "fixtures" / "store"
BASE = config.DEFAULTS["BASE_IRI"]
POLICY = BASE + "id/policy/"
PREFIXES = (
    "PREFIX pkg: <https://w3id.org/policykg/def/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
LABELS = (
    PREFIXES
    + "SELECT ?policy ?label ?amount WHERE { ?policy rdfs:label ?label ; pkg:maxAmount ?amount } ORDER BY ?policy ?label"
)
# Six-way cross product of the tiny graph: ~5·10^8 solutions, far past any limit used here.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


def nt(path):
    return "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in pyoxigraph.parse(path=str(path)))


@pytest.fixture(scope="module")
def tiny_cfg(tmp_path_factory):
    """A build artifact made by hand from tests/fixtures/store: 25 asserted + 3 inferred triples."""
    folder = tmp_path_factory.mktemp("tiny-build")
    parts = {"asserted": nt(FIXTURES / "tiny.ttl"), "inferred": nt(FIXTURES / "tiny-inferred.ttl")}
    oxi = pyoxigraph.Store(str(folder / "store"))
    for part, text in parts.items():
        (folder / f"{part}.nt").write_text(text, encoding="utf-8")
        for name in (pyoxigraph.DefaultGraph(), pyoxigraph.NamedNode(f"{BASE}graph/{part}")):
            oxi.load(text, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=name)
    oxi.flush()
    del oxi
    manifest = {
        "data_version": "tiny-1",
        "base_iri": BASE,
        "counts": {"asserted": 25, "inferred": 3, "total": 28},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return config.settings({"BUILD_DIR": str(folder), "QUERY_TIMEOUT": 5.0, "ROW_CAP": 100})


def start_oxigraph(location, port):
    process = subprocess.Popen(
        [OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
    return process


def stop(process):
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def tiny_server(tiny_cfg, tmp_path_factory):
    port = free_port()
    process = start_oxigraph(tmp_path_factory.mktemp("tiny-oxigraph"), port)
    try:
        store.load_remote(tiny_cfg, f"http://127.0.0.1:{port}/store")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def embedded(tiny_cfg):
    opened = store.open_store(tiny_cfg)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def remote(tiny_cfg, tiny_server):
    return store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=f"{tiny_server}/query"))


@pytest.fixture(params=["embedded", "remote"])
def tiny(request):
    return request.getfixturevalue(request.param)


def test_kinds(embedded, remote):
    assert (embedded.kind, remote.kind) == ("embedded", "remote")


def test_select_rows_are_sparql_json_terms(tiny):
    result = tiny.query(LABELS)
    assert (result.form, result.variables, result.truncated) == (
        "select",
        ["policy", "label", "amount"],
        False,
    )
    assert len(result.rows) == 4
    assert result.rows[0] == {
        "policy": {"type": "uri", "value": POLICY + "quality-award"},
        "label": {"type": "literal", "value": "Quality award", "xml:lang": "en"},
        "amount": {
            "type": "literal",
            "value": "500000",
            "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
        },
    }


def test_a_comment_naming_an_update_keyword_is_still_a_query(embedded, remote):
    # SPARQLWrapper alone strips every other line of a run of comments, reads "drops" in the
    # one it leaves as DROP, and sends an update request.
    text = "# Count the triples;\n# nothing drops.\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert remote.query(text).rows == embedded.query(text).rows != []


def test_both_stores_give_the_same_answers(embedded, remote):
    for text in (LABELS, PREFIXES + "SELECT ?s ?key WHERE { ?s pkg:docNumberKey ?key } ORDER BY ?s"):
        assert embedded.query(text) == remote.query(text)


def test_unbound_variables_are_left_out(tiny):
    text = (
        PREFIXES
        + "SELECT ?policy ?years WHERE { ?policy a pkg:Policy OPTIONAL { ?policy pkg:minOperatingYears ?years } } ORDER BY ?policy"
    )
    rows = tiny.query(text).rows
    assert [sorted(row) for row in rows] == [["policy", "years"], ["policy", "years"], ["policy"]]


def test_ask(tiny):
    assert tiny.query(PREFIXES + "ASK { ?p pkg:minOperatingYears 5 }") == store.Result("ask", boolean=True)
    assert tiny.query(PREFIXES + "ASK { ?p pkg:minOperatingYears 9 }").boolean is False


def test_construct_gives_ntriples_lines(tiny):
    result = tiny.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{POLICY}talent-grant> AS ?s) ?s ?p ?o }}")
    assert result.form == "graph"
    assert len(result.triples) == 6
    parsed = list(pyoxigraph.parse("\n".join(result.triples), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert {quad.subject.value for quad in parsed} == {POLICY + "talent-grant"}
    assert (
        f'<{POLICY}talent-grant> <http://www.w3.org/2000/01/rdf-schema#label> "技能人才补贴"@zh .'
        in result.triples
    )


def test_row_cap_truncates(tiny):
    result = tiny.query(LABELS, row_cap=2)
    assert len(result.rows) == 2 and result.truncated
    assert tiny.query(LABELS, row_cap=4).truncated is False
    graph_result = tiny.query("CONSTRUCT WHERE { ?s ?p ?o }", row_cap=3)
    assert len(graph_result.triples) == 3 and graph_result.truncated


def test_row_cap_defaults_to_the_setting_and_may_be_raised(tiny_cfg):
    capped = store.open_store(dict(tiny_cfg, ROW_CAP=3))
    try:
        result = capped.query(LABELS)
        assert len(result.rows) == 3 and result.truncated
        assert len(capped.query(LABELS, row_cap=1000).rows) == 4
    finally:
        capped.close()


@pytest.mark.parametrize("limit", ["timeout", "row_cap"])
def test_limits_must_be_positive(tiny, limit):
    with pytest.raises(errors.BadRequest) as caught:
        tiny.query(COUNT, **{limit: 0})
    assert caught.value.status == 400


def test_syntax_error_carries_the_parser_message_and_position(tiny):
    with pytest.raises(errors.QuerySyntaxError) as caught:
        tiny.query("SELECT ?x WHERE {\n  ?x ?y \n}}")
    error = caught.value
    assert error.status == 400
    assert (error.details["line"], error.details["column"]) == (3, 2)
    assert "3:2" in error.message


@pytest.mark.parametrize("text", ["frobnicate", '"SELECT"', "# SELECT"])
def test_text_without_a_query_form_is_a_syntax_error(tiny, text):
    with pytest.raises(errors.QuerySyntaxError):
        tiny.query(text)


def test_dataset_from_graph_iris(tiny):
    def count(**dataset):
        return int(tiny.query(COUNT, **dataset).rows[0]["n"]["value"])

    assert count() == 28
    assert count(default_graphs=[BASE + "graph/asserted"]) == 25
    assert count(default_graphs=[BASE + "graph/inferred"]) == 3
    named = tiny.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[BASE + "graph/inferred"]
    )
    assert named.rows == [{"g": {"type": "uri", "value": BASE + "graph/inferred"}}]


def test_triple_count_and_data_version(tiny):
    assert tiny.triple_count() == 28
    assert tiny.data_version() == "tiny-1"


def test_answers_are_cached_per_query_graphs_and_cap(tiny_cfg, monkeypatch):
    cached = store.open_store(dict(tiny_cfg, CACHE_SIZE=2))
    calls = []
    run = cached._run
    monkeypatch.setattr(cached, "_run", lambda *args: calls.append(args[0]) or run(*args))
    try:
        first = cached.query(LABELS)
        assert cached.query(LABELS) is first
        cached.query(LABELS, row_cap=1)
        cached.query(LABELS, default_graphs=[BASE + "graph/asserted"])
        assert len(calls) == 3
        cached.query(LABELS)  # evicted by the two after it (CACHE_SIZE=2)
        assert len(calls) == 4
        for _ in range(2):
            with pytest.raises(errors.QuerySyntaxError):
                cached.query("SELECT nonsense")
        assert len(calls) == 6
    finally:
        cached.close()


def test_embedded_timeout_stops_the_query_and_others_keep_answering(tiny_cfg):
    limited = store.open_store(dict(tiny_cfg, QUERY_TIMEOUT=1.0))
    try:
        limited.query(COUNT)  # workers up
        answers = []
        slow = threading.Thread(target=lambda: answers.append(_error(limited, SLOW, timeout=30)))
        started = time.monotonic()
        slow.start()
        time.sleep(0.2)
        assert limited.query(LABELS).rows  # the second worker answers meanwhile
        slow.join()
        error = answers[0]
        assert isinstance(error, errors.QueryTimeout)
        assert 0.9 < time.monotonic() - started < 4
        assert error.status == 504
        assert error.details == {"limit": "time", "seconds": 1.0}
        assert "查询超过时间限制 1 秒" in error.message
        for _ in range(3):  # every worker, the replacement included, answers
            assert limited.query(COUNT, row_cap=50).rows[0]["n"]["value"] == "28"
            limited.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", row_cap=_ + 1)
    finally:
        limited.close()


def test_timeout_is_not_cached_and_lowered_per_query(embedded):
    for _ in range(2):
        started = time.monotonic()
        with pytest.raises(errors.QueryTimeout) as caught:
            embedded.query(SLOW, timeout=0.6)
        assert caught.value.details["seconds"] == 0.6
        assert time.monotonic() - started < 3


def _error(opened, text, **options):
    try:
        opened.query(text, **options)
    except errors.ServiceError as error:
        return error


def worker_pids():
    """This process's query workers, from /proc."""
    pids = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and store.WORKER.encode() in cmdline:
            pids.add(int(entry.name))
    return pids


def test_close_stops_the_workers(tiny_cfg):
    before = worker_pids()
    opened = store.open_store(tiny_cfg)
    opened.query(COUNT)
    workers = worker_pids() - before
    assert len(workers) == tiny_cfg["QUERY_WORKERS"]
    opened.close()
    assert not workers & worker_pids()


def test_workers_start_on_first_query(tiny_cfg):
    before = worker_pids()
    opened = store.open_store(tiny_cfg)
    assert worker_pids() == before
    opened.close()


def test_workers_do_not_run_the_main_script(tiny_cfg, tmp_path):
    """A script without a __main__ guard, or read from stdin, still gets its workers."""
    script = f"from policykg import config, store\nopened = store.open_store(config.settings({{'BUILD_DIR': {tiny_cfg['BUILD_DIR']!r}}}))\nprint(opened.triple_count())\nopened.close()\n"
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "28\n", "")


def test_workers_end_with_a_process_that_forgot_to_close(tiny_cfg):
    script = (
        "from policykg import config, store\n"
        f"opened = store.open_store(config.settings({{'BUILD_DIR': {tiny_cfg['BUILD_DIR']!r}}}))\n"
        "opened.triple_count()\n"
        "print(' '.join(str(worker.process.pid) for worker in opened._pools['service']._workers))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == tiny_cfg["QUERY_WORKERS"]
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in pids)


def running(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_query_workers_stay_light():
    """A worker imports this module; the build's libraries would slow every worker start."""
    script = "import sys, policykg.store; print(sorted({'rdflib', 'owlrl', 'pyshacl'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout == "[]\n"


def test_no_build_is_unavailable(tmp_path):
    with pytest.raises(errors.StoreUnavailable, match="policykg build"):
        store.open_store(config.settings({"BUILD_DIR": str(tmp_path)}))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"STORE": "remote", "ENDPOINT": ""}, "ENDPOINT"),
        ({"STORE": "fuseki"}, "STORE"),
    ],
)
def test_bad_store_settings(tiny_cfg, overrides, message):
    with pytest.raises(errors.StoreUnavailable, match=message):
        store.open_store(dict(tiny_cfg, **overrides))


def test_remote_without_build_still_queries_but_does_not_cache(tiny_server, tmp_path):
    cfg = config.settings({"BUILD_DIR": str(tmp_path), "STORE": "remote", "ENDPOINT": f"{tiny_server}/query"})
    opened = store.open_store(cfg)
    assert opened.data_version() is None
    assert opened.query(COUNT) is not opened.query(COUNT)


def test_remote_down_is_503_and_recovers_when_it_is_back(tiny_cfg, tmp_path):
    port = free_port()
    process = start_oxigraph(tmp_path, port)
    store.load_remote(tiny_cfg, f"http://127.0.0.1:{port}/store")
    endpoint = f"http://127.0.0.1:{port}/query"
    opened = store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=endpoint, CACHE_SIZE=0))
    assert opened.triple_count() == 28
    stop(process)
    with pytest.raises(errors.StoreUnavailable) as caught:
        opened.triple_count()
    assert caught.value.status == 503
    assert "远程 SPARQL 服务不可用" in caught.value.message
    assert "127.0.0.1" not in caught.value.message and str(port) not in caught.value.message
    process = start_oxigraph(tmp_path, port)
    try:
        assert opened.triple_count() == 28
    finally:
        stop(process)


def test_remote_silence_is_a_timeout(tiny_cfg):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        opened = store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=endpoint))
        started = time.monotonic()
        with pytest.raises(errors.QueryTimeout) as caught:
            opened.query(COUNT, timeout=0.5)
        assert time.monotonic() - started < 3
    assert caught.value.status == 504
    assert caught.value.details == {"limit": "time", "seconds": 0.5}


def test_remote_404_is_503(tiny_cfg, tiny_server):
    opened = store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=f"{tiny_server}/nowhere"))
    with pytest.raises(errors.StoreUnavailable):
        opened.query(COUNT)


def test_load_remote_refused_is_503(tiny_cfg):
    with pytest.raises(errors.StoreUnavailable, match=r"127\.0\.0\.1"):
        store.load_remote(tiny_cfg, f"http://127.0.0.1:{free_port()}/store")


def test_load_remote_http_error_names_the_status(tiny_cfg, tiny_server):
    with pytest.raises(errors.StoreUnavailable, match="HTTP 4"):
        store.load_remote(tiny_cfg, f"{tiny_server}/query")


def test_load_remote_fills_default_and_named_graphs(remote):
    graphs = remote.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    assert [(row["g"]["value"], row["n"]["value"]) for row in graphs.rows] == [
        (BASE + "graph/asserted", "25"),
        (BASE + "graph/inferred", "3"),
    ]


def test_canned_queries_run_on_both_stores(embedded, remote):
    catalog = queries.Catalog(FIXTURES / "queries")
    for query in catalog:
        text = query.bind()
        assert embedded.query(text) == remote.query(text), query.name


def test_real_build_on_either_store(app_cfg):
    opened = store.open_store(app_cfg)
    try:
        manifest = artifact.manifest(app_cfg)
        assert opened.data_version() == manifest["data_version"]
        assert opened.triple_count() == manifest["counts"]["total"]
    finally:
        opened.close()


class _Scripted(http.server.BaseHTTPRequestHandler):
    """A hostile remote store on 127.0.0.1: answers every query as `server.answer` says."""

    def do_POST(self):
        self.server.accepts.append(self.headers.get("Accept", ""))  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.answer(self)  # type: ignore[attr-defined]

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted():
    """Start a scripted remote with `answer(handler)`; yields its query endpoint and the Accept
    headers it was sent."""
    servers = []

    def start(answer):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
        server.daemon_threads = True
        server.answer, server.accepts = answer, []  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/query", server.accepts

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _drip(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/sparql-results+json")
    handler.end_headers()
    try:
        for _ in range(30):  # one byte a second: each read returns in time, the answer never ends
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


def test_a_remote_that_drips_stops_at_the_time_limit(tiny_cfg, scripted):
    endpoint, _ = scripted(_drip)
    opened = store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=endpoint))
    started = time.monotonic()
    with pytest.raises(errors.QueryTimeout) as caught:
        opened.query(COUNT, timeout=2)
    assert time.monotonic() - started < 4
    assert caught.value.details == {"limit": "time", "seconds": 2}


RDF_XML = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">
  <rdf:Description rdf:about="http://e/s"><e:p>&b;</e:p></rdf:Description>
</rdf:RDF>"""


def _rdf_xml(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rdf+xml")
    handler.send_header("Content-Length", str(len(RDF_XML)))
    handler.end_headers()
    handler.wfile.write(RDF_XML)


def test_remote_graphs_are_asked_and_read_as_n_triples_or_turtle_only(tiny_cfg, scripted):
    endpoint, accepts = scripted(_rdf_xml)
    opened = store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=endpoint))
    with pytest.raises(errors.StoreUnavailable) as caught:
        opened.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert "N-Triples 或 Turtle" in caught.value.message
    assert accepts[-1] == "application/n-triples, text/turtle;q=0.9"
    assert endpoint not in caught.value.message and "127.0.0.1" not in caught.value.message


def test_answers_of_an_empty_remote_are_not_served_once_it_is_loaded(tiny_cfg, tmp_path):
    port = free_port()
    process = start_oxigraph(tmp_path, port)
    try:
        opened = store.open_store(dict(tiny_cfg, STORE="remote", ENDPOINT=f"http://127.0.0.1:{port}/query"))
        assert opened.data_version() == "tiny-1"  # the local build's version: cacheable by it alone
        assert opened.query(COUNT).rows[0]["n"]["value"] == "0"
        store.load_remote(tiny_cfg, f"http://127.0.0.1:{port}/store")
        assert opened.query(COUNT).rows[0]["n"]["value"] == "28"
        assert opened.query(COUNT) is opened.query(COUNT)  # holding data, it caches
    finally:
        stop(process)


def test_no_build_is_503_without_the_build_folder(tmp_path):
    with pytest.raises(errors.StoreUnavailable) as caught:
        store.open_store(config.settings({"BUILD_DIR": str(tmp_path)}))
    assert str(tmp_path) not in caught.value.message and "policykg build" in caught.value.message


def test_native_rows_are_the_rows_built_term_by_term(tiny_cfg, monkeypatch):
    """A query worker takes SELECT rows from Oxigraph's JSON serializer (fast); an answer past
    its byte budget is taken row by row instead: both give what `_result` gives, cap and all."""
    opened = pyoxigraph.Store.read_only(str(Path(tiny_cfg["BUILD_DIR"]) / "store"))
    everything = "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    for text, cap in ((LABELS, 100), (everything, 100), (everything, 5), ("ASK { ?s ?p ?o }", 5)):
        expected = store._result(opened.query(text), cap)
        assert store._native_result(lambda text=text: opened.query(text), cap) == expected
    monkeypatch.setattr(store, "NATIVE_BYTES_PER_ROW", 0)
    monkeypatch.setattr(store, "_Bounded", lambda limit, real=store._Bounded: real(10))  # always too large
    runs = []

    def run():
        runs.append(1)
        return opened.query(everything)

    capped = store._native_result(run, 5)
    assert capped == store._result(opened.query(everything), 5) and capped.truncated and len(runs) == 2
