"""SPARQL 1.1 Protocol conformance at /sparql, after the W3C protocol test cases, on every store:
embedded Oxigraph, a real `oxigraph serve` and, where installed, Virtuoso.

Bodies are parsed (JSON, XML, CSV, TSV results; RDF with rdflib), not only status codes.
"""

import csv
import gzip
import io
import json
import warnings
import xml.etree.ElementTree as ET

import pytest
import rdflib
from werkzeug.http import parse_options_header

from policykg import artifact, negotiate

SELECT = "SELECT * WHERE { ?s ?p ?o } LIMIT 3"
ASK = "ASK { ?s a ?c }"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
DESCRIBE = "DESCRIBE ?s WHERE { ?s a ?c } LIMIT 1"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
BASE = "https://w3id.org/policykg/"
RESULTS = "{http://www.w3.org/2005/sparql-results#}"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
STORES = ["embedded", "remote", "virtuoso"]


def send(client, how, query, headers=None, **params):
    """One protocol request: `get`, `form` (POST urlencoded) or `direct` (POST sparql-query)."""
    if how == "get":
        return client.get("/sparql", query_string={"query": query, **params}, headers=headers)
    if how == "form":
        return client.post("/sparql", data={"query": query, **params}, headers=headers)
    return client.post(
        "/sparql",
        data=query.encode("utf-8"),
        query_string=params,
        content_type="application/sparql-query",
        headers=headers,
    )


def media_type(response):
    return parse_options_header(response.headers["Content-Type"])[0]


def parse_results(body, fmt):
    """(variables, rows as {var: plain value}, boolean) from a SPARQL results body."""
    text = body.decode("utf-8")
    if fmt == "json":
        data = json.loads(text)
        if "boolean" in data:
            return [], [], data["boolean"]
        rows = [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]
        return data["head"]["vars"], rows, None
    if fmt == "xml":
        root = ET.fromstring(body)
        boolean = root.find(f"{RESULTS}boolean")
        if boolean is not None:
            return [], [], boolean.text == "true"
        names = [v.get("name") for v in root.iter(f"{RESULTS}variable")]
        rows = [
            {b.get("name"): b[0].text for b in result.iter(f"{RESULTS}binding")}
            for result in root.iter(f"{RESULTS}result")
        ]
        return names, rows, None
    if fmt == "csv":
        assert not text.startswith("\ufeff")
        header, *lines = list(csv.reader(io.StringIO(text)))
        if header == ["boolean"]:
            return [], [], lines[0][0] == "true"
        return header, [dict(zip(header, line, strict=False)) for line in lines], None
    header, *lines = text.rstrip("\n").split("\n")
    names = [name[1:] for name in header.split("\t")]
    if names == ["boolean"]:
        return [], [], lines[0] == "true"
    return names, [dict(zip(names, line.split("\t"), strict=False)) for line in lines], None


RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt", "nq": "nquads"}


def parse_rdf(body, fmt):
    """An rdflib graph (its own parser: an independent check of pyoxigraph's writers)."""
    with warnings.catch_warnings():
        # rdflib 7.6 warns about its own ConjunctiveGraph when reading JSON-LD and N-Quads.
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = rdflib.Dataset()
        dataset.parse(data=body, format=RDFLIB_FORMATS[fmt])
    g = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def triples_of(body, fmt):
    return len(parse_rdf(body, fmt))


@pytest.fixture
def counts(built_cfg):
    return artifact.manifest(built_cfg)["counts"]


# ---- queries, by every method, in every format ------------------------------------------

METHODS = ["get", "form", "direct"]
RESULT_FORMATS = ["json", "xml", "csv", "tsv"]
GRAPH_FORMATS = ["ttl", "jsonld", "rdf", "nt", "nq"]


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("fmt", RESULT_FORMATS)
def test_select_in_each_results_format(client, how, fmt):
    response = send(client, how, SELECT, format=fmt)
    assert response.status_code == 200
    assert media_type(response) == negotiate.by_name(fmt, ("results",)).media_type
    names, rows, _ = parse_results(response.data, fmt)
    assert sorted(names) == ["o", "p", "s"]
    assert len(rows) == 3 and all(row["s"] and row["p"] for row in rows)


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("fmt", RESULT_FORMATS)
def test_ask_in_each_results_format(client, how, fmt):
    response = send(client, how, ASK, format=fmt)
    assert response.status_code == 200
    assert parse_results(response.data, fmt)[2] is True
    response = send(client, how, "ASK { <urn:nothing> ?p ?o }", format=fmt)
    assert parse_results(response.data, fmt)[2] is False


@pytest.mark.parametrize("how", METHODS)
@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_construct_in_each_graph_format(client, how, fmt):
    response = send(client, how, CONSTRUCT, format=fmt)
    assert response.status_code == 200
    assert media_type(response) == negotiate.by_name(fmt, ("graph",)).media_type
    assert triples_of(response.data, fmt) == 3


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_describe(client, fmt):
    response = send(client, "get", DESCRIBE, format=fmt)
    assert response.status_code == 200
    assert triples_of(response.data, fmt) > 0


def test_construct_uses_the_query_prefixes(client):
    query = f"PREFIX pkgid: <{BASE}id/> CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT 3"
    body = send(client, "get", query, format="ttl").data.decode()
    assert f"@prefix pkgid: <{BASE}id/>" in body


def test_select_terms_keep_language_and_datatype(client):
    query = 'SELECT ?l ?n WHERE { BIND("政策"@zh AS ?l) BIND(5 AS ?n) }'
    data = json.loads(send(client, "get", query).data)
    row = data["results"]["bindings"][0]
    assert row["l"] == {"type": "literal", "value": "政策", "xml:lang": "zh"}
    assert row["n"]["datatype"].endswith("#integer")
    xml = ET.fromstring(send(client, "get", query, format="xml").data)
    literal = next(xml.iter(f"{RESULTS}literal"))
    assert literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"
    tsv = send(client, "get", query, format="tsv").data.decode()
    assert tsv.splitlines()[1] == '"政策"@zh\t"5"^^<http://www.w3.org/2001/XMLSchema#integer>'


def test_csv_quotes_commas_and_newlines(client):
    query = 'SELECT ?x WHERE { BIND("a,b\\n\\"c\\"" AS ?x) }'
    body = send(client, "get", query, format="csv").data.decode()
    assert list(csv.reader(io.StringIO(body))) == [["x"], ['a,b\n"c"']]
    assert body.startswith("x\r\n")


# ---- content negotiation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        (None, "application/sparql-results+json"),
        (
            "application/sparql-results+xml;q=0.9, application/sparql-results+json;q=0.5",
            "application/sparql-results+xml",
        ),
        ("text/csv;q=0, text/tab-separated-values;q=0.2, text/*;q=0.1", "text/tab-separated-values"),
        ("text/*;q=0.4, text/csv;q=0.6, */*;q=0.1", "text/csv"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_accept_for_select(client, accept, expected):
    response = send(client, "get", SELECT, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert media_type(response) == expected
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("*/*", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml;q=1, text/turtle;q=0.5", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("text/turtle;q=0, */*;q=0.1", "application/ld+json"),
    ],
)
def test_accept_for_construct(client, accept, expected):
    response = send(client, "get", CONSTRUCT, headers={"Accept": accept})
    assert response.status_code == 200
    assert media_type(response) == expected


def test_format_parameter_beats_accept(client):
    response = send(
        client, "get", SELECT, headers={"Accept": "application/sparql-results+json"}, format="csv"
    )
    assert media_type(response) == "text/csv"


@pytest.mark.parametrize(
    "query, headers, params",
    [
        (SELECT, {"Accept": "image/png"}, {}),
        (SELECT, {"Accept": "text/turtle"}, {}),
        (SELECT, {"Accept": "application/sparql-results+json;q=0"}, {"format": "nope"}),
        (SELECT, {}, {"format": "ttl"}),
        (CONSTRUCT, {"Accept": "text/csv"}, {}),
        (CONSTRUCT, {}, {"format": "json"}),
    ],
)
def test_nothing_acceptable_is_406_listing_the_offer(client, query, headers, params):
    response = send(client, "get", query, headers=headers, **params)
    assert response.status_code == 406
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 406
    assert body["offered"] and all("/" in media for media in body["offered"])
    assert "text/html" in body["offered"]


def test_accept_parsing():
    ranges = negotiate.parse_accept("text/*;q=0.5, text/csv;q=0, */*;q=0.1, application/json")
    assert negotiate.quality(ranges, "text/csv") == 0
    assert negotiate.quality(ranges, "text/turtle") == 0.5
    assert negotiate.quality(ranges, "image/png") == 0.1
    assert negotiate.quality(ranges, "application/json") == 1
    assert negotiate.quality(negotiate.parse_accept("text/html;q=bogus"), "text/html") == 1


# ---- the dataset: default-graph-uri, named-graph-uri, FROM -----------------------------


@pytest.mark.parametrize("how", METHODS)
def test_default_graph_uri_selects_the_asserted_graph(client, counts, how):
    response = send(client, how, COUNT, **{"default-graph-uri": BASE + "graph/asserted"})
    assert int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"]) == counts["asserted"]
    response = send(client, how, COUNT)
    assert int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"]) == counts["total"]


def test_named_graph_uri_limits_the_named_graphs(client, counts):
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = send(client, "get", query, **{"named-graph-uri": BASE + "graph/inferred"})
    rows = json.loads(response.data)["results"]["bindings"]
    assert [(r["g"]["value"], int(r["n"]["value"])) for r in rows] == [
        (BASE + "graph/inferred", counts["inferred"])
    ]


def test_default_and_named_graphs_together(client, counts):
    query = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    response = client.get(
        "/sparql",
        query_string=[
            ("query", query),
            ("default-graph-uri", BASE + "graph/asserted"),
            ("named-graph-uri", BASE + "graph/inferred"),
        ],
    )
    n = int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])
    assert n == counts["asserted"] + counts["inferred"]


def test_from_our_own_graph(client, counts):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/inferred> WHERE {{ ?s ?p ?o }}"
    response = send(client, "get", query)
    assert int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"]) == counts["inferred"]


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_graphs_not_ours_are_refused(client, param):
    response = send(client, "get", SELECT, **{param: "http://example.org/elsewhere"})
    assert response.status_code == 400
    assert response.get_json()["graph"] == "http://example.org/elsewhere"


# ---- the real data ----------------------------------------------------------------------


def test_ten_public_services(client):
    query = (
        "PREFIX cpsv: <http://purl.org/vocab/cpsv#> "
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a cpsv:PublicService }"
    )
    for fmt in RESULT_FORMATS:
        _names, rows, _ = parse_results(send(client, "get", query, format=fmt).data, fmt)
        assert rows[0]["n"].strip('"').split('"')[0] == "10", fmt


def test_services_have_chinese_labels(client):
    query = (
        "PREFIX cpsv: <http://purl.org/vocab/cpsv#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a cpsv:PublicService ; rdfs:label ?l "
        "FILTER(lang(?l) = 'zh') }"
    )
    g = parse_rdf(send(client, "get", query, format="ttl").data, "ttl")
    labels = list(g.objects(None, rdflib.RDFS.label))
    assert len(set(g.subjects())) == 10
    assert all(label.language == "zh" and label.strip() for label in labels)


# ---- bad requests -----------------------------------------------------------------------


def error_of(response, status):
    assert response.status_code == status, response.data
    body = response.get_json()
    assert body["ok"] is False and body["status"] == status and body["error"]
    return body


def test_post_form_without_query(client):
    error_of(client.post("/sparql", data={"default-graph-uri": BASE + "graph/asserted"}), 400)


def test_post_direct_with_empty_body(client):
    error_of(client.post("/sparql", data=b"  ", content_type="application/sparql-query"), 400)


def test_two_queries(client):
    error_of(client.get("/sparql", query_string=[("query", ASK), ("query", SELECT)]), 400)
    response = client.post(
        "/sparql?query=ASK%7B%7D", data=ASK.encode(), content_type="application/sparql-query"
    )
    error_of(response, 400)


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_wrong_content_type(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    body = error_of(client.post("/sparql", data=ASK.encode(), headers=headers), 415)
    assert "application/sparql-query" in body["offered"]


def test_direct_post_must_be_utf8(client):
    error_of(
        client.post(
            "/sparql", data=ASK.encode("utf-16"), content_type="application/sparql-query; charset=utf-16"
        ),
        415,
    )
    error_of(
        client.post("/sparql", data=b'ASK { ?s ?p "\xff" }', content_type="application/sparql-query"), 400
    )


@pytest.mark.parametrize("how", METHODS)
def test_malformed_query_gives_the_position(client, how):
    body = error_of(send(client, how, "SELECT * WHERE {\n  ?s ?p \n}"), 400)
    assert body["line"] >= 1 and body["column"] >= 1
    assert "syntax" in body["error"]


@pytest.mark.parametrize("request_kind", ["get-update", "form-update", "sparql-update", "insert-as-query"])
def test_updates_are_refused(client, request_kind):
    update = f"INSERT DATA {{ <{BASE}id/x> <{BASE}def/p> 1 }}"
    if request_kind == "get-update":
        response = client.get("/sparql", query_string={"update": update})
    elif request_kind == "form-update":
        response = client.post("/sparql", data={"update": update})
    elif request_kind == "sparql-update":
        response = client.post("/sparql", data=update.encode(), content_type="application/sparql-update")
    else:
        response = send(client, "get", update)
    assert "只读" in error_of(response, 403)["error"]
    assert send(client, "get", f"ASK {{ <{BASE}id/x> ?p ?o }}").get_json()["boolean"] is False


def test_other_methods_are_405(client):
    for method in (client.put, client.delete, client.patch):
        response = method("/sparql")
        body = error_of(response, 405)
        assert set(body["allowed"]) >= {"GET", "POST"}
        assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_bad_timeout_is_400(client, value):
    assert error_of(send(client, "get", ASK, timeout=value), 400)["param"] == "timeout"


# ---- the service description ----------------------------------------------------------


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_service_description(client, fmt):
    response = client.get("/sparql", query_string={"format": fmt})
    assert response.status_code == 200
    g = parse_rdf(response.data, fmt)
    service = rdflib.URIRef("http://localhost/sparql")
    assert (service, rdflib.RDF.type, SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = set(g.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert len(formats) == 9
    names = set(g.objects(None, SD.name))
    # the fixed graphs, the ontology's and one per handbook
    assert names == {
        rdflib.URIRef(BASE + f"graph/{name}") for name in ("asserted", "inferred", "ontology")
    } | {rdflib.URIRef(BASE + "graph/handbook/handbook")}
    void_triples = rdflib.URIRef("http://rdfs.org/ns/void#triples")
    total = client.get("/healthz").get_json()["triples"]
    assert [int(n) for n in g.objects(None, void_triples)] == [total]


def test_service_description_defaults_to_turtle_and_a_form_for_browsers(client):
    assert media_type(client.get("/sparql")) == "text/turtle"
    page = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert media_type(page) == "text/html"
    html = page.data.decode()
    assert "<form" in html and 'name="query"' in html and "<textarea" in html


def test_html_results_page(client):
    page = send(client, "get", ASK, headers={"Accept": "text/html"})
    html = page.data.decode()
    assert page.status_code == 200 and "<table" in html and "true" in html
    assert ASK in html


# ---- caching, CORS, gzip ----------------------------------------------------------------


def test_etag_and_304(client):
    first = send(client, "get", SELECT)
    tag = first.headers["ETag"]
    assert tag and first.headers["Cache-Control"].startswith("public")
    again = send(client, "get", SELECT, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag
    other = send(client, "get", SELECT, headers={"If-None-Match": tag}, format="csv")
    assert other.status_code == 200 and other.headers["ETag"] != tag
    assert send(client, "get", ASK, headers={"If-None-Match": tag}).status_code == 200


def test_cors_preflight_and_header(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert send(client, "get", ASK).headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_for_large_bodies_only(client):
    big = "SELECT * WHERE { ?s ?p ?o } LIMIT 200"
    response = send(client, "get", big, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    data = json.loads(gzip.decompress(response.data))
    assert len(data["results"]["bindings"]) == 200
    small = send(client, "get", ASK, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and json.loads(small.data)["boolean"] is True
    plain = send(client, "get", big)
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data)["results"]
