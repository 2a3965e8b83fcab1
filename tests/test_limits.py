"""Limits users can see, and the guard that keeps /sparql read-only and closed to the outside."""

import contextlib
import json
import threading
import time
import uuid

import pyoxigraph
import pytest

from policykg import config, errors, guard
from policykg.app import close, create_app

BASE = "https://w3id.org/policykg/"
# Never ends: the embedded store must kill it.
FIVE_WAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o FILTER(?c != ?o) }"
)
# A remote server without a time limit of its own keeps running a query after the client
# has given up, so the remote variant is bounded: about 3 s of server work, far above 1 s.
BOUNDED = (
    "SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { ?a ?b ?c . ?d ?e ?f "
    "FILTER(?b != ?e) } LIMIT 12000000 } }"
)


@pytest.fixture
def heavy(store_kind):
    return FIVE_WAY if store_kind == "embedded" else BOUNDED


@pytest.fixture
def make_app(app_cfg):
    """An app with some settings changed; closed after the test."""
    apps = []

    def make(**settings):
        apps.append(create_app(dict(app_cfg, TESTING=True, **settings)))
        return apps[-1]

    yield make
    for app in apps:
        close(app)


def fresh_ask():
    """An ASK no cache has seen."""
    return f'ASK {{ ?s ?p ?o FILTER(?o != "{uuid.uuid4()}") }}'


# ---- time limit -------------------------------------------------------------------------


def test_timeout_stops_a_heavy_query_while_others_are_answered(app, heavy):
    outcome = {}

    def run_heavy():
        start = time.monotonic()
        response = app.test_client().get("/sparql", query_string={"query": heavy, "timeout": "1"})
        outcome["heavy"] = (response, time.monotonic() - start)

    thread = threading.Thread(target=run_heavy)
    thread.start()
    time.sleep(0.2)
    start = time.monotonic()
    meanwhile = app.test_client().get("/sparql", query_string={"query": fresh_ask()})
    answered_in = time.monotonic() - start
    thread.join(10)
    assert meanwhile.status_code == 200 and meanwhile.get_json()["boolean"] is True
    assert "heavy" in outcome, "the heavy query did not return"
    response, seconds = outcome["heavy"]
    assert answered_in < seconds, "the other request waited for the heavy one"
    assert response.status_code == 504
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 504 and body["seconds"] == 1
    assert "时间限制" in body["error"]
    assert seconds < 3
    after = app.test_client().get("/sparql", query_string={"query": fresh_ask()})
    assert after.status_code == 200 and after.get_json()["boolean"] is True


def test_limits_hold_while_answers_stream(client):
    """A query whose rows keep coming: stopped at the time limit or cut at the row cap, in
    time either way (a per-read socket timeout alone would wait for the whole stream)."""
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 300000"
    start = time.monotonic()
    response = client.get("/sparql", query_string={"query": query, "timeout": "1"})
    assert time.monotonic() - start < 3
    assert response.status_code == 504 or response.headers["X-PolicyKG-Truncated"] == "true"


def test_timeout_parameter_cannot_raise_the_limit(make_app, heavy):
    app = make_app(QUERY_TIMEOUT=1.0)
    start = time.monotonic()
    response = app.test_client().get("/sparql", query_string={"query": heavy, "timeout": "100"})
    assert response.status_code == 504
    assert response.get_json()["seconds"] == 1
    assert time.monotonic() - start < 3


# ---- row cap ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, count",
    [
        ("json", lambda body: len(json.loads(body)["results"]["bindings"])),
        ("xml", lambda body: body.count(b"<result>")),
        ("csv", lambda body: len(body.decode().strip().split("\r\n")) - 1),
        ("tsv", lambda body: len(body.decode().strip().split("\n")) - 1),
    ],
)
def test_row_cap_truncates_visibly(make_app, fmt, count):
    client = make_app(ROW_CAP=5).test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }", "format": fmt})
    assert response.status_code == 200
    assert response.headers["X-PolicyKG-Truncated"] == "true"
    assert count(response.data) == 5
    if fmt == "json":
        assert json.loads(response.data)["truncated"] is True


def test_row_cap_applies_to_graphs(make_app):
    client = make_app(ROW_CAP=5).test_client()
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query, "format": "nt"})
    assert response.headers["X-PolicyKG-Truncated"] == "true"
    assert len(response.data.decode().strip().splitlines()) == 5


def test_no_truncation_flag_under_the_cap(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert "X-PolicyKG-Truncated" not in response.headers
    assert "truncated" not in json.loads(response.data)


# ---- query size -------------------------------------------------------------------------


def padded(size):
    """A valid query of at least `size` UTF-8 bytes (the padding is Chinese: 3 bytes each)."""
    return "ASK { ?s ?p ?o } # " + "长" * (size // 3 + 1)


@pytest.mark.parametrize("how", ["get", "form", "direct"])
def test_query_over_the_size_limit_is_413(make_app, how):
    client = make_app(MAX_QUERY_BYTES=1000).test_client()
    query = padded(1001)
    if how == "get":
        response = client.get("/sparql", query_string={"query": query})
    elif how == "form":
        response = client.post("/sparql", data={"query": query})
    else:
        response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    body = response.get_json()
    assert body["limit"] == 1000 and body["size"] > 1000 and "1000" in body["error"]
    ok = client.get("/sparql", query_string={"query": padded(900)})
    assert ok.status_code == 200


def test_request_body_far_over_the_limit_is_413_in_the_same_shape(make_app):
    client = make_app(MAX_QUERY_BYTES=1000).test_client()
    response = client.post("/sparql", data=b"#" * 100_000, content_type="application/sparql-query")
    assert response.status_code == 413
    assert response.get_json()["ok"] is False and response.get_json()["status"] == 413


# ---- the guard --------------------------------------------------------------------------

CFG = config.settings()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p true.SERVICE <http://example.org/sparql> { ?a ?b ?c } }",
        "SELECT * WHERE { ?s ?p ?o # a comment\n SERVICE ?endpoint { ?s ?p ?o } }",
        'SELECT * WHERE { ?s ?p "x" . { SERVICE <http://example.org/> { ?s ?p ?o } } }',
        r"SELECT * WHERE { \u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        r"SELECT * WHERE { \U00000053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused(query):
    with pytest.raises(errors.BadRequest, match="SERVICE"):
        guard.check(query, CFG)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX ex: <http://example.org/> SELECT * FROM ex:data WHERE { ?s ?p ?o }",
        "BASE <http://example.org/> SELECT * FROM <graph/asserted> WHERE { ?s ?p ?o }",
        "SELECT * FROM <graph/asserted> WHERE { ?s ?p ?o }",
        f"SELECT * FROM <{BASE}graph/other> WHERE {{ ?s ?p ?o }}",
    ],
)
def test_from_elsewhere_is_refused(query):
    with pytest.raises(errors.BadRequest) as caught:
        guard.check(query, CFG)
    assert caught.value.details["allowed"] == [
        BASE + "graph/asserted",
        BASE + "graph/inferred",
        BASE + "graph/ontology",
        BASE + "graph/handbook/{stem}",
    ]


def test_escaped_update_and_from_are_refused():
    """Codepoint escapes may be read anywhere before parsing (SPARQL 1.1 §19.2)."""
    with pytest.raises(errors.Forbidden):
        guard.check(r"\u0049NSERT DATA { <http://a/b> <http://a/c> <http://a/d> }", CFG)
    with pytest.raises(errors.BadRequest):
        guard.check(r"SELECT * \u0046ROM <http://example.org/x> WHERE { ?s ?p ?o }", CFG)
    assert guard.check(r'SELECT * WHERE { ?s ?p "\u4e2d\u6587" }', CFG).form == "select"


@pytest.mark.parametrize(
    "query, form",
    [
        ('SELECT * WHERE { ?s ?p "SERVICE <http://example.org/> { }" }', "select"),
        ("SELECT * WHERE { <http://example.org/#SERVICE> ?p ?o } # SERVICE", "select"),
        ("SELECT ?service WHERE { ?service <http://example.org/SERVICE> ?o }", "select"),
        ("PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:DELETE ?o }", "select"),
        ('ASK { ?s ?p """a long\n"string" with INSERT and FROM <x>""" }', "ask"),
        (f"PREFIX g: <{BASE}graph/> SELECT * FROM g:asserted FROM NAMED g:inferred {{ ?s ?p ?o }}", "select"),
        (f"BASE <{BASE}> SELECT * FROM <graph/inferred> WHERE {{ ?s ?p ?o }}", "select"),
        ("CONSTRUCT WHERE { ?s ?p ?o FILTER(?o<5&&?o>3) }", "graph"),
        ("DESCRIBE <http://example.org/x>", "graph"),
    ],
)
def test_harmless_lookalikes_pass(query, form):
    assert guard.check(query, CFG).form == form


@pytest.mark.parametrize(
    "keyword",
    [
        "INSERT DATA",
        "DELETE DATA",
        "LOAD",
        "CLEAR GRAPH",
        "CREATE GRAPH",
        "DROP GRAPH",
        "COPY",
        "MOVE",
        "ADD",
        "WITH",
    ],
)
def test_updates_are_forbidden(keyword):
    with pytest.raises(errors.Forbidden, match="只读服务"):
        guard.check(f"{keyword.lower()} <http://example.org/g> {{ }}", CFG)


def test_prefixes_are_read_for_the_writers():
    inspection = guard.check("PREFIX a: <http://a/>\nPREFIX : <http://b/> CONSTRUCT WHERE { ?s ?p ?o }", CFG)
    assert inspection.prefixes == {"a": "http://a/", "": "http://b/"}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
    ],
)
def test_refusals_through_the_endpoint(client, query):
    response = client.post("/sparql", data={"query": query})
    assert response.status_code == 400
    assert response.get_json()["ok"] is False


# ---- nothing leaves the machine ---------------------------------------------------------


# `listener` (a TCP listener on 127.0.0.1) comes from conftest.py.


def test_the_listener_sees_a_store_that_calls_out(listener):
    """Control: pyoxigraph itself does connect for SERVICE, so the listener can tell."""
    port, connected = listener
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    thread = threading.Thread(target=lambda: _swallow(pyoxigraph.Store().query, query), daemon=True)
    thread.start()
    assert connected(wait=5)
    thread.join(5)


def _swallow(function, *args):
    with contextlib.suppress(OSError):
        function(*args)


def test_no_query_reaches_outside(client, listener):
    port, connected = listener
    here = f"http://127.0.0.1:{port}"
    attempts = [
        {"query": f"SELECT * WHERE {{ SERVICE <{here}/sparql> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * WHERE {{ SERVICE SILENT <{here}/sparql> {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT * FROM <{here}/data.ttl> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{here}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": f"{here}/data.ttl"},
        {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", "named-graph-uri": f"{here}/g"},
    ]
    for params in attempts:
        for response in (client.get("/sparql", query_string=params), client.post("/sparql", data=params)):
            assert response.status_code == 400, params
    assert not connected()
