"""Linked data: /id/ → 303 → /doc/, content negotiation (a table of headers and extensions →
status and type, on both stores), what a description holds, JSON-LD compaction, caching
headers, the ontology under /def/, the JSON-LD context and the dataset description."""

import sys
import types
import warnings
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from werkzeug.http import parse_options_header

from policykg import artifact, linked

BASE = "https://w3id.org/policykg/"
PKG = rdflib.Namespace(BASE + "def/")
SCHEMA = rdflib.Namespace("http://schema.org/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
DCTERMS = rdflib.DCTERMS
POLICY = BASE + "id/policy/quality-awards"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDFLIB = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
}


@pytest.fixture
def web(client):
    """A test client of the app on either store (conftest's `client`)."""
    return client


def media_type(response):
    return parse_options_header(response.headers.get("Content-Type", ""))[0]


def parse(response):
    """The answer's RDF, read by rdflib (an independent check of the writers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser
        return rdflib.Graph().parse(data=response.data, format=RDFLIB[media_type(response)])


def without_pages(monkeypatch):
    """As if views/pages.py had no page for anything."""
    fake = types.ModuleType("policykg.views.pages")
    fake.render_resource = lambda iri: None
    monkeypatch.setitem(sys.modules, "policykg.views.pages", fake)


# ---- the conneg table ---------------------------------------------------------------------

DOC = "/doc/policy/quality-awards"
TABLE = [
    # path, request headers, status, media type (or Location for redirects)
    ("/id/policy/quality-awards", {}, 303, "/doc/policy/quality-awards"),
    ("/id/policy/quality-awards", {"Accept": "text/turtle"}, 303, "/doc/policy/quality-awards"),
    ("/id/policy/quality-awards", {"Accept": "text/html"}, 303, "/doc/policy/quality-awards"),
    ("/id/concept/applicant/individual", {}, 303, "/doc/concept/applicant/individual"),
    ("/id/handbook/linyi-amr-2023/section/4", {}, 303, "/doc/handbook/linyi-amr-2023/section/4"),
    ("/id/policy/quality-awards?format=nt", {}, 303, "/doc/policy/quality-awards?format=nt"),
    ("/id/policy/no-such-policy", {}, 404, "application/json"),
    ("/id/policy/quality-awards.ttl", {}, 404, "application/json"),
    (DOC, {"Accept": "text/turtle"}, 200, "text/turtle"),
    (DOC, {"Accept": "application/ld+json"}, 200, "application/ld+json"),
    (DOC, {"Accept": "application/rdf+xml"}, 200, "application/rdf+xml"),
    (DOC, {"Accept": "application/n-triples"}, 200, "application/n-triples"),
    (DOC, {"Accept": "text/html"}, 200, "text/html"),
    (DOC, {"Accept": BROWSER}, 200, "text/html"),
    (DOC, {}, 200, "text/turtle"),
    (DOC, {"Accept": "*/*"}, 200, "text/turtle"),
    (DOC, {"Accept": "application/json"}, 200, "application/ld+json"),
    (DOC, {"Accept": "application/x-turtle"}, 200, "text/turtle"),
    (DOC, {"Accept": "text/turtle;q=0.5, application/ld+json"}, 200, "application/ld+json"),
    (DOC, {"Accept": "text/html;q=0.2, application/rdf+xml;q=0.9"}, 200, "application/rdf+xml"),
    (DOC, {"Accept": "application/pdf"}, 406, "application/json"),
    (DOC, {"Accept": "text/turtle;q=0"}, 406, "application/json"),
    (DOC + ".ttl", {}, 200, "text/turtle"),
    (DOC + ".jsonld", {}, 200, "application/ld+json"),
    (DOC + ".rdf", {}, 200, "application/rdf+xml"),
    (DOC + ".nt", {}, 200, "application/n-triples"),
    (DOC + ".nq", {}, 200, "application/n-quads"),
    (DOC + ".html", {}, 200, "text/html"),
    (DOC + ".ttl", {"Accept": "text/html"}, 200, "text/turtle"),  # the extension wins
    (DOC + "?format=nt", {"Accept": "text/turtle"}, 200, "application/n-triples"),
    (DOC + ".csv", {}, 406, "application/json"),
    (DOC + ".json", {}, 406, "application/json"),
    ("/doc/policy/no-such-policy", {"Accept": "text/turtle"}, 404, "application/json"),
    ("/doc/policy/no-such-policy.ttl", {}, 404, "application/json"),
    ("/doc/policy/no-such-policy", {"Accept": "text/html"}, 404, "text/html"),
    ("/doc/no such thing <>", {}, 404, "application/json"),
    ("/def/Policy", {}, 303, "/def/#Policy"),
    ("/def/hasBenefit", {"Accept": "text/turtle"}, 303, "/def/#hasBenefit"),
    ("/def/NoSuchTerm", {}, 404, "application/json"),
    ("/def/", {"Accept": "text/turtle"}, 200, "text/turtle"),
    ("/def/", {"Accept": BROWSER}, 200, "text/html"),
    ("/def/", {"Accept": "application/ld+json"}, 200, "application/ld+json"),
    ("/def.ttl", {}, 200, "text/turtle"),
    ("/def.jsonld", {}, 200, "application/ld+json"),
    ("/def.rdf", {}, 200, "application/rdf+xml"),
    ("/def.nt", {}, 200, "application/n-triples"),
    ("/def.html", {}, 200, "text/html"),
    ("/def.xyz", {}, 404, "application/json"),
    ("/context.jsonld", {}, 200, "application/ld+json"),
    ("/.well-known/void", {}, 200, "text/turtle"),
    ("/.well-known/void", {"Accept": BROWSER}, 200, "text/html"),
    ("/.well-known/void", {"Accept": "application/ld+json"}, 200, "application/ld+json"),
    ("/.well-known/void.rdf", {}, 200, "application/rdf+xml"),
    ("/.well-known/void.nt", {}, 200, "application/n-triples"),
    ("/.well-known/void.xyz", {}, 404, "application/json"),
    ("/.well-known/void", {"Accept": "application/pdf"}, 406, "application/json"),
]


@pytest.mark.parametrize(
    "path, headers, status, expected",
    TABLE,
    ids=[f"{p} {h.get('Accept', '')}".strip() for p, h, _, _ in TABLE],
)
def test_conneg_table(web, monkeypatch, path, headers, status, expected):
    without_pages(monkeypatch)  # the browser pages are tested on their own
    response = web.get(path, headers=headers)
    assert response.status_code == status, response.data[:300]
    if status == 303:
        assert response.headers["Location"] == expected
        return
    assert media_type(response) == expected
    if status == 200 and expected in RDFLIB and path != "/context.jsonld":  # a context has no triples
        assert len(parse(response)) > 0
    if status == 200 and expected.endswith("html"):
        assert b"<html" in response.data
    if status >= 400 and expected == "application/json":
        body = response.get_json()
        assert body["ok"] is False and body["status"] == status and body["error"]


def test_406_names_what_is_offered(web):
    body = web.get(DOC, headers={"Accept": "application/pdf"}).get_json()
    assert {
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
        "text/html",
    } <= set(body["offered"])


def test_the_redirect_stays_on_the_requests_host(web):
    response = web.get("/id/policy/quality-awards", base_url="http://agency.example:8080")
    assert response.status_code == 303
    followed = web.get(
        "/id/policy/quality-awards",
        base_url="http://agency.example:8080",
        headers={"Accept": "text/turtle"},
        follow_redirects=True,
    )
    assert followed.request.host == "agency.example:8080"
    assert followed.request.path == "/doc/policy/quality-awards"
    assert (rdflib.URIRef(POLICY), None, None) in parse(followed)  # IRIs stay under the base


# ---- headers ------------------------------------------------------------------------------


def test_vary_link_and_content_location(web):
    response = web.get(DOC, headers={"Accept": "text/turtle"})
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for ext, media in [
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ]:
        assert f'<{DOC}.{ext}>; rel="alternate"; type="{media}"' in link
    assert f"<{DOC}.ttl>" not in link  # the answer itself is not its own alternate
    assert f'<{POLICY}>; rel="describes"' in link
    assert response.headers["Content-Location"] == DOC + ".ttl"


def test_cors(web):
    for path in [DOC, "/def/", "/context.jsonld", "/.well-known/void", "/dumps/asserted.nt"]:
        with web.get(path) as response:  # (a dump is a file: closed with the response)
            assert response.headers["Access-Control-Allow-Origin"] == "*", path
    preflight = web.options(
        DOC, headers={"Origin": "https://agency.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", [DOC, "/def/", "/context.jsonld", "/.well-known/void"])
def test_etag_last_modified_and_304(web, built_cfg, path):
    first = web.get(path, headers={"Accept": "text/turtle"})
    tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    built = artifact.manifest(built_cfg)["built_at"]
    assert first.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ") == built
    again = web.get(path, headers={"Accept": "text/turtle", "If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag
    by_date = web.get(path, headers={"Accept": "text/turtle", "If-Modified-Since": modified})
    assert by_date.status_code == 304
    stale = web.get(
        path, headers={"Accept": "text/turtle", "If-None-Match": '"other"', "If-Modified-Since": modified}
    )
    assert stale.status_code == 200  # an ETag that does not match wins over the date


def test_each_format_has_its_own_etag(web):
    tags = {web.get(f"{DOC}.{ext}").headers["ETag"] for ext in ("ttl", "jsonld", "rdf", "nt", "html")}
    assert len(tags) == 5


# ---- what a description holds -------------------------------------------------------------


def describe(web, path):
    response = web.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200
    return parse(response)


def test_a_policy_with_the_labels_of_what_it_points_to(web):
    g = describe(web, "/id/policy/quality-awards")
    policy = rdflib.URIRef(POLICY)
    assert (policy, rdflib.RDF.type, PKG.Policy) in g
    assert (policy, rdflib.RDFS.label, rdflib.Literal("中国、省质量奖奖励", lang="zh")) in g
    hotline = rdflib.URIRef(BASE + "id/hotline/0539-5977806")
    assert (policy, PKG.hotline, hotline) in g
    assert g.value(hotline, rdflib.RDFS.label) is not None  # the label of what it points to
    for document in g.objects(policy, PKG.hasLegalBasis):
        assert g.value(document, rdflib.RDFS.label) is not None
    assert g.value(rdflib.URIRef(BASE + "id/concept/theme/quality"), rdflib.SKOS.prefLabel) is not None
    assert len(set(g.objects(policy, PKG.hasCriterion))) == 22  # inferred triples are included


def test_a_policy_says_which_handbook_it_comes_from(web):
    g = describe(web, "/id/policy/ip-insurance")
    section = g.value(rdflib.URIRef(BASE + "id/policy/ip-insurance"), PKG.section)
    handbook = g.value(section, DCTERMS.isPartOf)
    assert handbook == rdflib.URIRef(BASE + "id/handbook/linyi-amr-2023")
    assert g.value(section, PKG.firstPage).toPython() == 29
    assert str(g.value(handbook, rdflib.RDFS.label)) == "惠企助企政策手册（临沂市市场监督管理局，2023年2月）"
    described = describe(web, "/id/handbook/linyi-amr-2023")  # the handbook dereferences too
    assert (handbook, rdflib.RDF.type, PKG.Handbook) in described
    assert described.value(handbook, DCTERMS.issued).toPython() is not None


def test_a_benefit_with_its_amounts_and_their_tier_constraints(web):
    g = describe(web, "/doc/benefit/ip-support-7")
    amounts = set(g.objects(rdflib.URIRef(BASE + "id/benefit/ip-support-7"), PKG.amount))
    assert len(amounts) == 3
    caps = {g.value(amount, SCHEMA.maxValue).toPython() for amount in amounts}
    assert caps == {50000, 100000, 200000}
    tiers = [g.value(amount, PKG.tierConstraint) for amount in amounts]
    assert sorted(g.value(tier, PKG.minInclusive).toPython() for tier in tiers) == [10, 20, 50]
    concept = g.value(tiers[0], PKG.concept)
    assert g.value(concept, rdflib.SKOS.prefLabel) is not None


def test_a_criterion_group_with_its_criteria_and_their_constraints(web):
    g = describe(web, "/doc/criterion-group/quality-awards-3")
    group = rdflib.URIRef(BASE + "id/criterion-group/quality-awards-3")
    members = set(g.subjects(PKG.inGroup, group))
    assert len(members) == 6
    first = rdflib.URIRef(BASE + "id/criterion/quality-awards-3-1")
    assert first in members and g.value(first, PKG.sourceText) is not None
    constraints = set(g.objects(first, PKG.hasConstraint))
    assert {g.value(c, PKG.minInclusive).toPython() for c in constraints} == {5, 3}


def test_descriptions_of_other_kinds(web):
    for path, kind in [
        ("/doc/document/lin-zheng-zi-2020-113", PKG.LegalDocument),
        ("/doc/organisation/linyi-amr", rdflib.URIRef("http://www.w3.org/ns/org#Organization")),
        ("/doc/hotline/0539-5977806", PKG.Hotline),
        ("/doc/amount/ip-support-7-1", PKG.CappedAmount),
        ("/doc/constraint/ip-support-7-1", PKG.Constraint),
        ("/doc/concept/applicant/individual", rdflib.SKOS.Concept),
    ]:
        g = describe(web, path)
        assert (rdflib.URIRef(BASE + "id/" + path[len("/doc/") :]), rdflib.RDF.type, kind) in g, path


def test_describe_is_a_plain_function_over_the_store(embedded_app):
    store, cfg = embedded_app.extensions["policykg.store"], embedded_app.config
    triples = linked.describe(store, cfg, POLICY)
    assert triples[0].subject.value == POLICY  # the resource leads
    assert linked.describe(store, cfg, BASE + "id/policy/no-such-policy") == []
    assert linked.describe(store, cfg, "not an iri") == []


# ---- JSON-LD ------------------------------------------------------------------------------


def test_jsonld_is_compacted_with_the_published_context(web):
    body = web.get(DOC + ".jsonld").get_json()
    published = web.get("/context.jsonld").get_json()["@context"]
    assert body["@context"] == published
    assert published["pkg"] == BASE + "def/" and published["policy"] == BASE + "id/policy/"
    first = body["@graph"][0]
    assert first["@id"] == "policy:quality-awards"
    assert "pkg:Policy" in first["@type"]
    assert first["pkg:hotline"] == {"@id": "hotline:0539-5977806"}


def test_jsonld_round_trips(web):
    for path in (
        DOC,
        "/doc/benefit/ip-support-7",
        "/doc/amount/quality-awards-2b-1",
        "/doc/concept/applicant",
        "/def/",
    ):  # (the scheme alone is a one-node graph)
        turtle = parse(web.get(path, headers={"Accept": "text/turtle"}))
        response = web.get(path, headers={"Accept": "application/ld+json"})
        assert isomorphic(turtle, parse(response)), path
        assert all("@context" not in node for node in response.get_json()["@graph"]), path


def test_every_format_says_the_same(web):
    graphs = [parse(web.get(f"{DOC}.{ext}")) for ext in ("ttl", "jsonld", "rdf", "nt")]
    assert all(isomorphic(graphs[0], other) for other in graphs[1:])


# ---- HTML ---------------------------------------------------------------------------------


def test_generic_page_links_labels_and_lists_every_property(web, monkeypatch):
    without_pages(monkeypatch)
    response = web.get("/doc/benefit/ip-support-7.html")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "知识产权保护奖励（按高价值发明专利拥有量分档）" in html
    assert 'href="/doc/amount/ip-support-7-1"' in html  # nested amounts get their own table
    assert 'href="/doc/constraint/ip-support-7-3"' in html
    assert ">知识产权奖补资助</a>" in html  # the policy, by its label
    assert 'href="/def/#amount"' in html  # properties by their ontology label, linked
    assert ">原文</a>" in html and "知识产权保护奖励。上一年度末" in html
    assert '<link rel="alternate" type="text/turtle" href="/doc/benefit/ip-support-7.ttl">' in html


def test_html_comes_from_the_browser_pages_when_they_have_one(web, monkeypatch):
    fake = lambda iri: "<p>政策页</p>" if "/id/policy/" in iri else None  # noqa: E731
    monkeypatch.setitem(web.application.extensions, "policykg.resource_page", fake)
    page = web.get(DOC, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.data == "<p>政策页</p>".encode()
    assert page.headers["Link"] and page.headers["ETag"]
    other = web.get("/doc/hotline/0539-5977806.html")
    assert other.status_code == 200 and b"<table>" in other.data  # no page for hotlines: generic


def test_the_real_browser_pages_answer_for_policies(web):
    response = web.get(DOC, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "中国、省质量奖奖励" in response.get_data(as_text=True)
    assert f'<{DOC}.ttl>; rel="alternate"' in response.headers["Link"]


def test_an_app_without_resource_pages_falls_back(web, monkeypatch):
    monkeypatch.delitem(web.application.extensions, "policykg.resource_page")
    response = web.get(DOC + ".html")
    assert response.status_code == 200 and b"<table>" in response.data


# ---- the ontology -------------------------------------------------------------------------


def test_ontology_documents_every_class_and_property(built_cfg):
    source = rdflib.Graph().parse(Path(built_cfg["ROOT"]) / "ontology/policy.ttl", publicID=BASE)
    doc = linked.ontology_doc(built_cfg, "test")
    documented = {t["iri"]: t for section in doc["sections"] for t in section["terms"]}
    declared = {
        str(s)
        for kind in (rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty)
        for s in source.subjects(rdflib.RDF.type, kind)
    }
    ours = {iri for iri in declared if iri.startswith(BASE + "def/")}
    assert ours and set(documented) == ours
    # the reused terms the ontology declares are listed with the axioms about reused terms
    assert declared - ours <= {f["term"]["iri"] for f in doc["foreign"]}
    for iri, term in documented.items():
        assert term["label"].get("zh") and term["label"].get("en"), iri
        assert term["definition"].get("zh") and term["definition"].get("en"), iri
    policy = documented[BASE + "def/Policy"]
    assert {
        "zh": "上位类",
        "en": "subclass of",
        "values": [
            {
                "text": "cpsv:PublicService",
                "href": "http://purl.org/vocab/cpsv#PublicService",
                "iri": "http://purl.org/vocab/cpsv#PublicService",
            }
        ],
    } in policy["mappings"]
    chain = next(
        row for row in documented[BASE + "def/hasCriterion"]["mappings"] if row["en"] == "property chain"
    )
    assert [v["text"] for v in chain["values"][0]["chain"]] == ["pkg:hasCriterionGroup", "pkg:hasMember"]
    inverse = next(row for row in documented[BASE + "def/benefitOf"]["mappings"] if row["en"] == "inverse of")
    assert inverse["values"][0]["href"] == "#hasBenefit"  # stated on the other side only
    assert {"prefix": "cpsv", "iri": "http://purl.org/vocab/cpsv#"} in doc["vocabularies"]


def test_ontology_page_has_an_anchor_per_term(web):
    html = web.get("/def/", headers={"Accept": "text/html"}).get_data(as_text=True)
    for name in ("Policy", "hasBenefit", "minInclusive", "sourceText"):
        assert f'id="{name}"' in html
    assert 'href="http://purl.org/vocab/cpsv#PublicService"' in html


def test_ontology_in_rdf_is_the_file(web, built_cfg):
    source = rdflib.Graph().parse(Path(built_cfg["ROOT"]) / "ontology/policy.ttl", publicID=BASE)
    for ext in ("ttl", "jsonld", "rdf", "nt"):
        assert isomorphic(parse(web.get(f"/def.{ext}")), source), ext


def test_every_term_iri_resolves_to_the_ontology(web):
    source = parse(web.get("/def.ttl"))
    terms = {
        s
        for s in source.subjects(rdflib.RDF.type, None)
        if isinstance(s, rdflib.URIRef) and str(s).startswith(BASE + "def/") and str(s) != BASE + "def/"
    }
    for term in terms:
        name = str(term)[len(BASE + "def/") :]
        response = web.get(f"/def/{name}")
        assert response.status_code == 303 and response.headers["Location"] == f"/def/#{name}"


# ---- the dataset description --------------------------------------------------------------


def test_void_counts_come_from_the_data(web, built_cfg):
    g = parse(web.get("/.well-known/void", headers={"Accept": "text/turtle"}))
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    counts = artifact.manifest(built_cfg)["counts"]
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in g and (dataset, rdflib.RDF.type, DCAT.Dataset) in g
    assert g.value(dataset, VOID.triples).toPython() == counts["total"]
    parts = [s for s in g.objects(dataset, VOID.subset) if "#handbook-" not in str(s)]
    assert {g.value(s, VOID.triples).toPython() for s in parts} == {counts["asserted"], counts["inferred"]}
    assert g.value(dataset, VOID.entities).toPython() > 400
    assert g.value(dataset, VOID.classes).toPython() == len(set(g.objects(dataset, VOID.classPartition)))
    assert g.value(dataset, VOID.properties).toPython() == len(
        set(g.objects(dataset, VOID.propertyPartition))
    )
    partitions = {
        g.value(p, VOID["class"]): g.value(p, VOID.entities).toPython()
        for p in g.objects(dataset, VOID.classPartition)
    }
    assert partitions[PKG.Policy] == 10
    vocabularies = {str(v) for v in g.objects(dataset, VOID.vocabulary)}
    assert {BASE + "def/", "http://data.europa.eu/m8g/", "http://schema.org/"} <= vocabularies
    assert g.value(dataset, DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(g.value(dataset, DCTERMS.publisher), rdflib.FOAF.name) is not None
    built = artifact.manifest(built_cfg)["built_at"]
    assert g.value(dataset, DCTERMS.modified).toPython().strftime("%Y-%m-%dT%H:%M:%SZ") == built
    assert g.value(dataset, DCTERMS.source) == rdflib.URIRef(BASE + "id/handbook/linyi-amr-2023")


def test_void_counts_are_precomputed_by_the_build(built_cfg):
    """The whole-graph scans of the description run once per build, not on a request."""
    folder = Path(built_cfg["BUILD_DIR"]) / "precomputed"
    for name in ("void-counts", "void-entities", "void-properties", "void-classes", "void-handbooks"):
        assert (folder / f"{name}.json").is_file(), name


def test_void_addresses_work_on_an_allowed_host(web):
    # 127.0.0.1 is in the default ALLOWED_HOSTS; other hosts see BASE_IRI (test_inputs.py)
    host = "http://127.0.0.1:8080"
    g = parse(web.get("/.well-known/void", base_url=host, headers={"Accept": "text/turtle"}))
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    endpoint = g.value(dataset, VOID.sparqlEndpoint)
    assert str(endpoint) == host + "/sparql"
    service = g.value(predicate=DCAT.servesDataset, object=dataset)
    assert g.value(service, DCAT.endpointURL) == endpoint
    dumps = [str(d) for d in g.objects(dataset, VOID.dataDump)]
    assert len(dumps) == 3
    # The whole graph's dumps (each handbook's are in test_void_describes_each_handbook_as_a_dataset).
    whole = [d for d in set(g.objects(None, DCAT.distribution)) if "#handbook-" not in str(d)]
    downloads = [str(g.value(d, DCAT.downloadURL)) for d in whole]
    assert len(downloads) == 18
    for url in dumps + downloads:
        assert url.startswith(host + "/dumps/")
        with web.get(url[len(host) :], base_url=host) as response:  # (a file: closed with it)
            assert response.status_code == 200, url
    gzipped = [d for d in whole if (d, DCAT.compressFormat, None) in g]
    assert len(gzipped) == 9


def test_void_describes_each_handbook_as_a_dataset(handbooks_client, handbooks_cfg):
    """Two handbooks: each a DCAT data set in the catalogue and a VoID subset, with its named
    graph, the size the build recorded, and dumps that answer."""
    g = parse(handbooks_client.get("/.well-known/void", headers={"Accept": "text/turtle"}))
    catalog = rdflib.URIRef(BASE + ".well-known/void#catalog")
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    listed = artifact.manifest(handbooks_cfg)["handbooks"]
    assert {entry["stem"] for entry in listed} == {"handbook", "handbook-c1"}
    for entry in listed:
        node = rdflib.URIRef(BASE + ".well-known/void#handbook-" + entry["stem"])
        assert (catalog, DCAT.dataset, node) in g and (dataset, VOID.subset, node) in g
        assert (node, rdflib.RDF.type, DCAT.Dataset) in g
        assert g.value(node, DCTERMS.source) == rdflib.URIRef(entry["iri"])
        assert g.value(node, SD.name) == rdflib.URIRef(entry["graph"])
        assert g.value(node, VOID.triples).toPython() == entry["triples"] > 1000
        dumps = sorted(str(url) for url in g.objects(node, VOID.dataDump))
        assert dumps == [f"http://localhost/dumps/handbook/{entry['stem']}.{fmt}" for fmt in ("nt", "ttl")]
        distributions = set(g.objects(node, DCAT.distribution))
        assert len(distributions) == 4
        for distribution in distributions:
            url = str(g.value(distribution, DCAT.downloadURL))
            answer = handbooks_client.get(url[len("http://localhost") :])
            assert answer.status_code == 200, url
            answer.close()
    copy = rdflib.URIRef(BASE + ".well-known/void#handbook-handbook-c1")
    assert str(g.value(copy, DCTERMS.spatial)) == BASE + "id/place/linyi-c1"
    html = handbooks_client.get("/.well-known/void?limit=1", headers={"Accept": BROWSER}).get_data(
        as_text=True
    )
    assert "各手册的数据集（2 本）" in html and 'href="http://localhost/dumps/handbook/handbook.nt"' in html
    assert (
        "handbook-c1.nt" not in html
        and 'rel="next" href="/.well-known/void?offset=1&amp;limit=1#handbooks"' in html
    )


def test_void_page_for_browsers(web):
    html = web.get("/.well-known/void", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "数据下载" in html and 'href="http://localhost/dumps/closure.ttl.gz"' in html
    assert 'href="/doc/handbook/linyi-amr-2023"' in html
    assert 'href="/def/#Policy"' in html


def test_context_maps_every_prefix(web, built_cfg):
    ctx = web.get("/context.jsonld").get_json()["@context"]
    assert ctx["pkg"] == BASE + "def/" and ctx["void"] == "http://rdfs.org/ns/void#"
    assert "sh" not in ctx and "shape" not in ctx  # the shapes are not part of the graph
    assert ctx == linked.context(built_cfg, "test")["@context"]
