"""Every IRI the data mints resolves on the service: a link checker collects each IRI under the
base from the store (subjects, predicates, objects), dereferences it over HTTP (the Flask test
client, on a host that is not the base's), follows the 303, asks for Turtle and parses the answer
with rdflib. Each distinct document is fetched once. `tel:` IRIs and other vocabularies are not
ours and are not dereferenced. The same holds when the service is built for another base IRI."""

import time

import pytest
import rdflib

from policykg import build, config, linked
from policykg.app import close, create_app

TURTLE = {"Accept": "text/turtle"}
HOST = "http://127.0.0.1:8000"
OTHER_BASE = "http://data.agency.example/policy-kg/"
# Seconds the whole check may take on this machine (2 shared cores); it takes about 4.
BUDGET = 30


def minted(app):
    """Every IRI under the base the store holds (queries/internal/local-iris.rq)."""
    store, cfg = app.extensions["policykg.store"], app.config
    result = linked.run(store, cfg, "local-iris", space=cfg["BASE_IRI"])
    assert not result.truncated
    return [row["iri"]["value"] for row in result.rows]


def check(client, base, iris):
    """(failures, documents fetched) after dereferencing `iris` as an agency's tool would."""
    documents, failures = {}, []

    def fetch(path):
        if path not in documents:
            response = client.get(path, headers=TURTLE, base_url=HOST)
            try:
                parsed = rdflib.Graph().parse(data=response.data, format="turtle")
            except Exception as error:
                parsed = error
            documents[path] = (response.status_code, response.mimetype, parsed)
        return documents[path]

    for iri in iris:
        path = "/" + iri[len(base) :]
        first = client.get(path, headers=TURTLE, base_url=HOST)
        if first.status_code == 303:
            path = first.headers["Location"].split("#")[0]  # a fragment is not sent
        status, mimetype, parsed = fetch(path)
        if status != 200 or mimetype != "text/turtle":
            failures.append(f"{iri}: {path} answered {status} {mimetype}")
        elif isinstance(parsed, Exception):
            failures.append(f"{iri}: {path} does not parse: {parsed}")
        elif len(parsed) == 0:
            failures.append(f"{iri}: {path} is empty")
        elif (rdflib.URIRef(iri), None, None) not in parsed:
            failures.append(f"{iri}: {path} does not describe it")
    return failures, len(documents)


@pytest.fixture(scope="module")
def app(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True))
    yield app
    close(app)


def test_every_minted_iri_resolves_to_a_parseable_description(app):
    iris = minted(app)
    kinds = {iri[len(app.config["BASE_IRI"]) :].rsplit("/", 1)[0] for iri in iris}
    for kind in (
        "id/policy",
        "id/benefit",
        "id/amount",
        "id/criterion",
        "id/criterion-group",
        "id/constraint",
        "id/document",
        "id/organisation",
        "id/hotline",
        "def",
    ):
        assert kind in kinds  # the checker sees every kind of thing the data mints
    started = time.perf_counter()
    failures, fetched = check(app.test_client(), app.config["BASE_IRI"], iris)
    seconds = time.perf_counter() - started
    assert not failures, "\n".join(failures[:20])
    assert fetched == len([i for i in iris if "/def/" not in i]) + 1  # one ontology document
    assert seconds < BUDGET, f"{len(iris)} IRIs took {seconds:.1f} s"


def test_tel_iris_are_not_checked(app):
    store, cfg = app.extensions["policykg.store"], app.config
    hotline = linked.describe(store, cfg, cfg["BASE_IRI"] + "id/hotline/0539-5977806")
    tel = [t.object.value for t in hotline if t.object.value.startswith("tel:")]
    assert tel == ["tel:+86-539-5977806"]
    assert not set(tel) & set(minted(app))  # not ours: the checker never asks for them


@pytest.fixture(scope="module")
def other_base(tmp_path_factory):
    """The project built for another base IRI, served on a host that is not that base's."""
    cfg = config.settings({"BUILD_DIR": str(tmp_path_factory.mktemp("other-base")), "BASE_IRI": OTHER_BASE})
    build.build(cfg)
    app = create_app(dict(cfg, STORE="embedded", TESTING=True))
    yield app
    close(app)


def test_another_base_resolves_on_the_requests_host(other_base):
    iris = minted(other_base)
    assert iris and all(iri.startswith(OTHER_BASE) for iri in iris)
    sample = sorted({iri.rsplit("/", 1)[0]: iri for iri in iris}.values())  # one IRI of each kind
    failures, _ = check(other_base.test_client(), OTHER_BASE, sample)
    assert not failures, "\n".join(failures)
    client = other_base.test_client()
    context = client.get("/context.jsonld").get_json()["@context"]
    assert context["pkg"] == OTHER_BASE + "def/" and context["policy"] == OTHER_BASE + "id/policy/"
    ontology = rdflib.Graph().parse(data=client.get("/def.ttl").data, format="turtle")
    assert (rdflib.URIRef(OTHER_BASE + "def/Policy"), rdflib.RDF.type, rdflib.OWL.Class) in ontology
    void = rdflib.Graph().parse(data=client.get("/.well-known/void", base_url=HOST).data, format="turtle")
    dataset = rdflib.URIRef(OTHER_BASE + ".well-known/void#dataset")
    assert str(void.value(dataset, rdflib.URIRef("http://rdfs.org/ns/void#uriSpace"))) == OTHER_BASE
