"""Hostile input gets 4xx with a message, never a 500: unusable Host headers, unreadable
bodies, deep JSON, huge numbers in /match and /ask, deeply nested SPARQL; and nothing a client
sends is echoed as a public address or a link (docs/security.md)."""

import io
from types import SimpleNamespace

import pytest
import rdflib
from gunicorn.http.body import Body, ChunkedReader
from gunicorn.http.unreader import IterUnreader
from markupsafe import escape
from werkzeug.serving import DechunkedInput

from policykg import guard, linked
from policykg.app import close, create_app
from policykg.views import MAX_JSON_DEPTH, json_depth

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TRACE_MARKS = ("Traceback", 'File "', "policykg/", ".py", "/tmp", "/work")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


@pytest.fixture
def web(embedded_app):
    return embedded_app.test_client()


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["ok"] is False and body["status"] == status and body["error"]
    assert not any(mark in body["error"] for mark in TRACE_MARKS)
    return body


# ---- the Host header --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["a" * 300, "a" * 64 + ".example", "ex ample", "例子.example", "a..b", "x:port", "[zz]"]
)
@pytest.mark.parametrize("accept", ["application/json", BROWSER])
def test_an_unusable_host_header_is_400(web, host, accept):
    response = web.get("/policies", headers={"Host": host, "Accept": accept})
    assert "Host" in error_of(response, 400)["error"]


@pytest.mark.parametrize(
    "host", ["evil.example", "127.0.0.1:1", "[::1]:8080", "a" * 63 + ".example", "my_host"]
)
def test_an_ordinary_host_header_is_served(web, host):
    assert web.get("/healthz", headers={"Host": host}).status_code == 200


# ---- bodies -----------------------------------------------------------------------------------


def werkzeug_reader(data):
    return DechunkedInput(io.BytesIO(data))


def gunicorn_reader(data):
    return Body(ChunkedReader(SimpleNamespace(trailers=[]), IterUnreader([data])))


@pytest.mark.parametrize(
    "path, media_type",
    [
        ("/sparql", "application/sparql-query"),
        ("/sparql", "application/x-www-form-urlencoded"),
        ("/match", "application/json"),
        ("/match.json", "application/x-www-form-urlencoded"),
    ],
)
@pytest.mark.parametrize(
    "reader, chunks",
    [
        (werkzeug_reader, b"zz\r\n{}\r\n0\r\n\r\n"),
        (werkzeug_reader, b"5\r\nASK {}"),
        (gunicorn_reader, b"zz\r\n{}\r\n0\r\n\r\n"),
        (gunicorn_reader, b"5\r\nASK {}"),
        (gunicorn_reader, b"ffffffffffffffff\r\nx=1\r\n"),
    ],
)
def test_a_broken_chunked_body_is_400(web, path, media_type, chunks, reader):
    # The body as the WSGI server's own chunked decoder reads it (each raises its own errors).
    environ = {"wsgi.input": reader(chunks), "wsgi.input_terminated": True}
    response = web.post(
        path,
        headers={"Content-Type": media_type, "Transfer-Encoding": "chunked", "Accept": "application/json"},
        environ_overrides=environ,
    )
    assert 400 <= response.status_code < 500
    assert response.get_json()["error"]
    if reader is gunicorn_reader:
        assert response.status_code == 400 and "请求体" in response.get_json()["error"]


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth('{"a": [[1], {"b": "[[[[{{{{"}]}') == 3
    assert json_depth('"\\"[[["') == 0
    assert json_depth("[" * 5000 + "]" * 5000) == 5000


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 999, 1000, 10_000])
def test_deep_json_is_400_naming_the_limit(web, depth):
    text = '{"operating-years": ' + "[" * depth + "1" + "]" * depth + "}"
    by_body = web.post("/match", data=text, content_type="application/json")
    assert error_of(by_body, 400)["limit"] == MAX_JSON_DEPTH
    by_form = web.post("/match.json", data={"profile": text})
    assert error_of(by_form, 400)["limit"] == MAX_JSON_DEPTH


def test_json_as_deep_as_the_limit_is_read(web):
    depth = MAX_JSON_DEPTH - 1
    text = '{"major-accidents": ' + "[" * depth + "]" * depth + "}"
    response = web.post("/match", data=text, content_type="application/json")
    assert response.status_code == 400  # read, then refused by the profile's own checks
    assert "嵌套" not in response.get_json()["error"]


# ---- numbers ----------------------------------------------------------------------------------

HUGE_JSON = [
    '{"operating-years": ' + "9" * 5000 + "}",  # past Python's int digit limit
    '{"operating-years": ' + "9" * 400 + "}",  # past float
    '{"operating-years": 1e308}',
    '{"operating-years": 1e400}',  # inf
    '{"operating-years": -1e32}',
    '{"high-value-invention-patents": {"national": ' + "9" * 400 + "}}",
    '{"major-accidents": [{"years_ago": ' + "9" * 400 + "}]}",
    '{"major-accidents": [{"years_ago": 1e32}]}',
]


@pytest.mark.parametrize("text", HUGE_JSON)
def test_huge_numbers_in_a_json_profile_are_400(web, text):
    error_of(web.post("/match", data=text, content_type="application/json"), 400)
    error_of(web.post("/match.json", data={"profile": text}), 400)


@pytest.mark.parametrize("value", ["9" * 400, "9" * 5000, "1e309", "1e32", "-1e40", "1" + "0" * 40])
def test_huge_numbers_in_form_fields_are_400(web, value):
    body = error_of(web.post("/match.json", data={"operating-years": value}), 400)
    assert body["field"] == "operating-years"


def test_the_largest_number_is_still_checked(web):
    response = web.post("/match", json={"operating-years": 10**15, "applicant-type": "organisation"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "question",
    [
        "补贴超过 1" + "0" * 32 + " 元的政策",
        "奖励不低于 " + "9" * 400 + " 万元",
        "补贴超过 99999999 亿元的政策",
        "成立 " + "9" * 40 + " 年以上的企业",
    ],
)
@pytest.mark.parametrize("path", ["/ask.json", "/ask.html"])
def test_huge_amounts_in_a_question_are_400(web, question, path):
    response = web.get(path, query_string={"q": question}, headers={"Accept": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    if path == "/ask.json":
        assert "太大" in error_of(response, 400)["error"]


# ---- nested SPARQL ----------------------------------------------------------------------------


def nested(depth, open_="(", close=")"):
    return "SELECT * WHERE { FILTER(" + open_ * depth + "1" + close * depth + ") }"


@pytest.mark.parametrize(
    "query",
    [
        nested(guard.MAX_NESTING),
        nested(5000),
        "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000,
        "SELECT * WHERE { ?s ?p " + "[ ?q " * 2000 + "1" + " ]" * 2000 + " }",
        "SELECT * WHERE { BIND(" + "(" * 3000 + "1" + ")" * 3000 + " AS ?x) }",
    ],
)
def test_nesting_past_the_limit_is_400_before_the_store_parses(web, query):
    body = error_of(web.get("/sparql", query_string={"query": query}), 400)
    assert body["limit"] == guard.MAX_NESTING and str(guard.MAX_NESTING) in body["error"]
    # the query process is alive and answers
    assert web.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True


def test_brackets_in_strings_iris_and_comments_do_not_count(web):
    noise = "(" * 1000 + "{" * 1000
    query = (
        f"SELECT * WHERE {{ BIND('{noise}' AS ?a) BIND(<http://e/{'(' * 500}> AS ?b)\n"
        f"# {noise}\n FILTER({'(' * 50}1{')' * 50}) }}"
    )
    assert web.get("/sparql", query_string={"query": query}).status_code == 200


def test_nesting_up_to_the_limit_runs(web):
    # FILTER( is one level, the query's braces one more
    response = web.get("/sparql", query_string={"query": nested(guard.MAX_NESTING - 2)})
    assert response.status_code == 200


# ---- public addresses -------------------------------------------------------------------------


def test_the_service_description_names_base_iri_for_an_unknown_host(web, embedded_app):
    base = embedded_app.config["BASE_IRI"]
    response = web.get("/sparql", headers={"Host": "evil.example", "Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=response.data, format="turtle")
    assert set(g.subjects(SD.endpoint, None)) == {rdflib.URIRef(base + "sparql")}
    assert b"evil.example" not in response.data


def test_void_names_base_iri_for_an_unknown_host(web, embedded_app):
    base = embedded_app.config["BASE_IRI"]
    for accept in ("text/turtle", BROWSER):
        response = web.get("/.well-known/void", headers={"Host": "evil.example", "Accept": accept})
        assert response.status_code == 200
        assert b"evil.example" not in response.data
    g = rdflib.Graph().parse(
        data=web.get("/.well-known/void", headers={"Host": "evil.example", "Accept": "text/turtle"}).data,
        format="turtle",
    )
    assert {str(o) for o in g.objects(None, VOID.sparqlEndpoint)} == {base + "sparql"}


def test_an_allowed_host_sees_its_own_address(built_cfg):
    app = create_app(dict(built_cfg, TESTING=True, ALLOWED_HOSTS="agency.example, other.example"))
    try:
        web = app.test_client()
        response = web.get(
            "/sparql", base_url="http://agency.example:8080", headers={"Accept": "text/turtle"}
        )
        g = rdflib.Graph().parse(data=response.data, format="turtle")
        assert set(g.subjects(SD.endpoint, None)) == {rdflib.URIRef("http://agency.example:8080/sparql")}
        response = web.get("/sparql", base_url="http://localhost", headers={"Accept": "text/turtle"})
        assert b"http://localhost" not in response.data  # no longer listed
    finally:
        close(app)


# ---- links --------------------------------------------------------------------------------------

HOSTILE_IRIS = ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "//evil.example/x"]


@pytest.mark.parametrize("iri", HOSTILE_IRIS + ["OWN//evil.example/x"])
def test_hostile_iris_in_results_are_no_links(web, embedded_app, iri):
    iri = iri.replace("OWN", embedded_app.config["BASE_IRI"])
    query = f'SELECT ?x WHERE {{ BIND(IRI("{iri}") AS ?x) }}'
    response = web.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="javascript' not in html.lower() and 'href="data:text' not in html
    assert 'href="//' not in html and 'href="/\\' not in html
    assert str(escape(iri)) in html  # still shown, as text


@pytest.mark.parametrize("iri", HOSTILE_IRIS)
def test_href_links_only_http_iris(iri):
    base = "https://w3id.org/policykg/"
    assert linked.href(iri, base) == ""
    for own in ("/evil.example", "\\evil.example"):  # "//" and "/\\" would leave the site
        assert linked.href(base + own, base) == base + own  # linked to itself, absolute
    assert linked.href("https://schema.org/Thing", base) == "https://schema.org/Thing"
    assert linked.href(base + "id/policy/x", base) == "/doc/policy/x"
