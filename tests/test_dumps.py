"""Dumps at stable addresses: the build's asserted, inferred and closure graphs in Turtle,
N-Triples and JSON-LD; a round trip (dump → parse → isomorphic with the store's graph) on both
stores; gzip as a `.gz` file or as a content coding; caching per data version."""

import gzip
import time
import warnings
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from policykg import artifact, config, linked, queries
from policykg.app import close, create_app

FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "nt": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "json-ld"),
}


def parse(body, fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser
        return rdflib.Graph().parse(data=body, format=FORMATS[fmt][1])


def store_graph(app, part):
    """The store's own copy of a part, through the store interface (queries/internal/all-triples.rq)."""
    store, cfg = app.extensions["policykg.store"], app.config
    text = queries.load(Path(cfg["ROOT"]) / "queries/internal/all-triples.rq", cfg["BASE_IRI"]).bind()
    graphs = None if part == "closure" else [f"{cfg['BASE_IRI']}graph/{part}"]
    result = store.query(text, default_graphs=graphs)
    assert not result.truncated
    return rdflib.Graph().parse(data="\n".join(result.triples), format="nt")


@pytest.mark.parametrize("part", linked.PARTS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_round_trip(app, part, fmt):
    response = app.test_client().get(f"/dumps/{part}.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == FORMATS[fmt][0]
    dumped = parse(response.data, fmt)
    counts = artifact.manifest(app.config)["counts"]
    assert len(dumped) == counts["total" if part == "closure" else part]
    assert isomorphic(dumped, store_graph(app, part))


def test_jsonld_dump_is_compact_and_turtle_uses_the_prefixes(app):
    client = app.test_client()
    body = client.get("/dumps/asserted.jsonld").get_json()
    assert body["@context"] == client.get("/context.jsonld").get_json()["@context"]
    assert any(node.get("@id") == "policy:quality-awards" for node in body["@graph"])
    turtle = client.get("/dumps/asserted.ttl").get_data(as_text=True)
    assert "@prefix pkg: <https://w3id.org/policykg/def/> ." in turtle
    assert "policy:quality-awards" in turtle


def test_gz_suffix_is_a_gzip_file(app):
    client = app.test_client()
    plain = client.get("/dumps/closure.nt")
    packed = client.get("/dumps/closure.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.mimetype == "application/gzip"
    assert "Content-Encoding" not in packed.headers  # the file is gzip; no coding on top
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]


def test_gzip_content_coding_when_accepted(app):
    client = app.test_client()
    plain = client.get("/dumps/inferred.ttl", headers={"Accept-Encoding": "identity"})
    coded = client.get("/dumps/inferred.ttl", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert coded.headers["Content-Encoding"] == "gzip" and coded.mimetype == "text/turtle"
    assert gzip.decompress(coded.data) == plain.data
    assert len(coded.data) < len(plain.data) / 4
    for response in (plain, coded):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert coded.headers["ETag"] != plain.headers["ETag"]  # different bytes, different tags


def test_revalidation_ranges_and_cors(app):
    client = app.test_client()
    first = client.get("/dumps/asserted.nt")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Last-Modified"] and first.cache_control.max_age == app.config["CACHE_SECONDS"]
    again = client.get("/dumps/asserted.nt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    part = client.get("/dumps/asserted.nt", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == first.data[:100]


def test_bytes_are_cached_per_data_version(built_cfg):
    started = time.perf_counter()
    first = linked.dump(built_cfg, "version-a", "inferred", "jsonld")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    again = linked.dump(built_cfg, "version-a", "inferred", "jsonld")
    warm = time.perf_counter() - started
    assert again is first and warm < cold / 10
    assert linked.dump(built_cfg, "version-b", "inferred", "jsonld") is not first


@pytest.mark.parametrize("name", ["everything.nt", "asserted.csv", "asserted", "asserted.nt.zip", "..nt"])
def test_unknown_dumps_are_404_naming_the_offer(app, name):
    response = app.test_client().get(f"/dumps/{name}")
    assert response.status_code == 404
    assert "closure.ttl" in response.get_json()["offered"]


def test_no_build_no_dumps(tmp_path, oxigraph_server):
    cfg = config.settings(
        {"BUILD_DIR": str(tmp_path), "STORE": "remote", "ENDPOINT": f"{oxigraph_server}/query"}
    )
    app = create_app(dict(cfg, TESTING=True))
    response = app.test_client().get("/dumps/asserted.nt")
    assert response.status_code == 503 and "no build" in response.get_json()["error"]
    close(app)


# --- One handbook's dumps (two handbooks: the seed's and its synthetic copy) -----------------


def handbook_entry(cfg, stem):
    return next(entry for entry in artifact.manifest(cfg)["handbooks"] if entry["stem"] == stem)


@pytest.mark.parametrize("stem", ["handbook", "handbook-c1"])
def test_a_handbook_dump_is_its_file_streamed(handbooks_client, handbooks_cfg, stem):
    entry = handbook_entry(handbooks_cfg, stem)
    file = (Path(handbooks_cfg["BUILD_DIR"]) / "handbooks" / f"{stem}.nt").read_bytes()
    plain = handbooks_client.get(f"/dumps/handbook/{stem}.nt", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.mimetype == "application/n-triples"
    assert plain.is_streamed and plain.data == file and plain.data.count(b"\n") == entry["triples"]
    assert 'filename="' + stem + '.nt"' in plain.headers["Content-Disposition"]
    packed = handbooks_client.get(f"/dumps/handbook/{stem}.nt.gz")
    assert packed.mimetype == "application/gzip" and gzip.decompress(packed.data) == file
    coded = handbooks_client.get(f"/dumps/handbook/{stem}.nt", headers={"Accept-Encoding": "gzip"})
    assert coded.headers["Content-Encoding"] == "gzip" and gzip.decompress(coded.data) == file
    assert "Accept-Encoding" in coded.headers["Vary"]
    turtle = handbooks_client.get(f"/dumps/handbook/{stem}.ttl").get_data(as_text=True)
    assert isomorphic(parse(turtle, "ttl"), parse(file.decode("utf-8"), "nt"))
    again = handbooks_client.get(
        f"/dumps/handbook/{stem}.ttl.gz",
        headers={"If-None-Match": handbooks_client.get(f"/dumps/handbook/{stem}.ttl.gz").headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_handbook_dumps_are_the_handbooks_own_triples(handbooks_client, handbooks_cfg):
    """Each dump holds its handbook and not the other's; together they are the data part of the
    asserted dump (which holds the ontology and code lists besides)."""
    seed = parse(handbooks_client.get("/dumps/handbook/handbook.nt").get_data(as_text=True), "nt")
    copy = parse(handbooks_client.get("/dumps/handbook/handbook-c1.nt").get_data(as_text=True), "nt")
    handbook = rdflib.URIRef(config.CANONICAL_BASE + "id/handbook/linyi-amr-2023")
    assert (handbook, None, None) in seed and (handbook, None, None) not in copy
    assert (rdflib.URIRef(str(handbook) + "-c1"), None, None) in copy
    asserted = parse(handbooks_client.get("/dumps/asserted.nt").get_data(as_text=True), "nt")
    assert len(seed + copy) < len(asserted) and not set(seed + copy) - set(asserted)


@pytest.mark.parametrize(
    "name", ["nope.nt", "handbook.jsonld", "handbook.xml", "..%2Fmanifest.nt", "handbook", "handbook.nt.zip"]
)
def test_unknown_handbook_dumps_are_404(handbooks_client, name):
    response = handbooks_client.get(f"/dumps/handbook/{name}")
    assert response.status_code == 404 and response.get_json()["ok"] is False


def test_the_handbook_page_links_its_dumps(handbooks_client):
    html = handbooks_client.get("/doc/handbook/linyi-amr-2023-c1", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    for name in ("handbook-c1.nt", "handbook-c1.nt.gz", "handbook-c1.ttl", "handbook-c1.ttl.gz"):
        assert f'href="/dumps/handbook/{name}"' in html
