"""Dumps at stable addresses: the build's asserted, inferred and closure graphs in Turtle,
N-Triples and JSON-LD; a round trip (dump → parse → isomorphic with the store's graph) on both
stores; gzip as a `.gz` file or as a content coding; caching per data version."""

import gzip
import os
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
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


def get(client, path, **kwargs):
    """The answer to GET `path`, read and closed (a dump is sent as a file, closed with its answer)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


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
    response = get(app.test_client(), f"/dumps/{part}.{fmt}")
    assert response.status_code == 200
    assert response.mimetype == FORMATS[fmt][0]
    dumped = parse(response.data, fmt)
    counts = artifact.manifest(app.config)["counts"]
    assert len(dumped) == counts["total" if part == "closure" else part]
    assert isomorphic(dumped, store_graph(app, part))


def test_jsonld_dump_is_compact_and_turtle_uses_the_prefixes(app):
    client = app.test_client()
    body = get(client, "/dumps/asserted.jsonld").get_json()
    assert body["@context"] == client.get("/context.jsonld").get_json()["@context"]
    assert any(node.get("@id") == "policy:quality-awards" for node in body["@graph"])
    turtle = get(client, "/dumps/asserted.ttl").get_data(as_text=True)
    assert "@prefix pkg: <https://w3id.org/policykg/def/> ." in turtle
    assert "policy:quality-awards" in turtle


def test_gz_suffix_is_a_gzip_file(app):
    client = app.test_client()
    plain = get(client, "/dumps/closure.nt")
    packed = get(client, "/dumps/closure.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.mimetype == "application/gzip"
    assert "Content-Encoding" not in packed.headers  # the file is gzip; no coding on top
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]


def test_gzip_content_coding_when_accepted(app):
    client = app.test_client()
    plain = get(client, "/dumps/inferred.ttl", headers={"Accept-Encoding": "identity"})
    coded = get(client, "/dumps/inferred.ttl", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert coded.headers["Content-Encoding"] == "gzip" and coded.mimetype == "text/turtle"
    assert gzip.decompress(coded.data) == plain.data
    assert len(coded.data) < len(plain.data) / 4
    for response in (plain, coded):
        assert "Accept-Encoding" in response.headers["Vary"]
    assert coded.headers["ETag"] != plain.headers["ETag"]  # different bytes, different tags


def test_revalidation_ranges_and_cors(app):
    client = app.test_client()
    first = get(client, "/dumps/asserted.nt")
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Last-Modified"] and first.cache_control.max_age == app.config["CACHE_SECONDS"]
    again = get(client, "/dumps/asserted.nt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    part = get(client, "/dumps/asserted.nt", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == first.data[:100]


def test_a_dump_is_made_once_per_data_version_as_a_file_in_the_artifact(built_cfg):
    first = linked.dump(built_cfg, "version-a", "inferred", "jsonld")
    assert first == Path(built_cfg["BUILD_DIR"]) / "dumps" / "version-a" / "inferred.jsonld"
    made = first.stat().st_mtime_ns
    again = linked.dump(built_cfg, "version-a", "inferred", "jsonld")
    assert again == first and again.stat().st_mtime_ns == made  # served, not made again
    other = linked.dump(built_cfg, "version-b", "inferred", "jsonld")
    assert other != first and other.read_bytes() == first.read_bytes()
    assert not list(first.parent.glob(".*.part"))  # nothing half-written left behind


def test_concurrent_requests_make_a_dump_once(built_cfg, monkeypatch):
    made = []
    write = linked._write_dump

    def counted(*args):
        made.append(args)
        time.sleep(0.2)  # long enough for the other threads to find no file yet
        write(*args)

    monkeypatch.setattr(linked, "_write_dump", counted)
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: linked.dump(built_cfg, "version-c", "asserted", "nt"), range(4)))
    assert len(made) == 1 and len(set(paths)) == 1 and paths[0].stat().st_size > 0


def test_a_gz_asked_before_its_plain_dump_makes_both(built_cfg):
    packed = linked.dump(built_cfg, "version-e", "inferred", "nt", compressed=True)
    plain = packed.parent / "inferred.nt"
    assert plain.is_file() and gzip.decompress(packed.read_bytes()) == plain.read_bytes()


def test_a_read_only_artifact_keeps_its_dumps_in_the_temp_folder(built_cfg, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode: False if str(path).startswith(built_cfg["BUILD_DIR"]) else real(path, mode),
    )
    path = linked.dump(built_cfg, "version-d", "asserted", "nt")
    assert path.is_relative_to(tmp_path) and path.stat().st_size > 0


@pytest.mark.parametrize("name", ["everything.nt", "asserted.csv", "asserted", "asserted.nt.zip", "..nt"])
def test_unknown_dumps_are_404_naming_the_offer(app, name):
    response = get(app.test_client(), f"/dumps/{name}")
    assert response.status_code == 404
    assert "closure.ttl" in response.get_json()["offered"]


def test_no_build_no_dumps(tmp_path, oxigraph_server):
    cfg = config.settings(
        {"BUILD_DIR": str(tmp_path), "STORE": "remote", "ENDPOINT": f"{oxigraph_server}/query"}
    )
    app = create_app(dict(cfg, TESTING=True))
    response = get(app.test_client(), "/dumps/asserted.nt")
    assert response.status_code == 503 and "no build" in response.get_json()["error"]
    close(app)


# --- One handbook's dumps (two handbooks: the seed's and its synthetic copy) -----------------


def handbook_entry(cfg, stem):
    return next(entry for entry in artifact.manifest(cfg)["handbooks"] if entry["stem"] == stem)


@pytest.mark.parametrize("stem", ["handbook", "handbook-c1"])
def test_a_handbook_dump_says_what_its_named_graph_holds(
    handbooks_client, handbooks_app, handbooks_cfg, stem
):
    entry = handbook_entry(handbooks_cfg, stem)
    store, cfg = handbooks_app.extensions["policykg.store"], handbooks_app.config
    text = queries.load(Path(cfg["ROOT"]) / "queries/internal/all-triples.rq", cfg["BASE_IRI"]).bind()
    result = store.query(text, default_graphs=[entry["graph"]])
    assert not result.truncated and len(result.triples) == entry["triples"]
    graph = rdflib.Graph().parse(data="\n".join(result.triples), format="nt")
    plain = handbooks_client.get(f"/dumps/handbook/{stem}.nt", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.mimetype == "application/n-triples" and plain.is_streamed
    assert plain.data.count(b"\n") == entry["triples"]
    assert isomorphic(parse(plain.get_data(as_text=True), "nt"), graph)  # the store's literal forms
    assert 'filename="' + stem + '.nt"' in plain.headers["Content-Disposition"]
    packed = handbooks_client.get(f"/dumps/handbook/{stem}.nt.gz")
    assert packed.mimetype == "application/gzip" and gzip.decompress(packed.data) == plain.data
    coded = handbooks_client.get(f"/dumps/handbook/{stem}.nt", headers={"Accept-Encoding": "gzip"})
    assert coded.headers["Content-Encoding"] == "gzip" and gzip.decompress(coded.data) == plain.data
    assert "Accept-Encoding" in coded.headers["Vary"]
    turtle = handbooks_client.get(f"/dumps/handbook/{stem}.ttl").get_data(as_text=True)
    assert isomorphic(parse(turtle, "ttl"), graph)
    tag = handbooks_client.get(f"/dumps/handbook/{stem}.ttl.gz").headers["ETag"]
    assert (
        handbooks_client.get(f"/dumps/handbook/{stem}.ttl.gz", headers={"If-None-Match": tag}).status_code
        == 304
    )


def test_the_handbook_dumps_are_the_handbooks_own_triples(handbooks_client, handbooks_cfg):
    """Each dump holds its handbook and not the other's; together they are the data part of the
    asserted dump (which holds the ontology and code lists besides)."""
    seed = parse(handbooks_client.get("/dumps/handbook/handbook.nt").get_data(as_text=True), "nt")
    copy = parse(handbooks_client.get("/dumps/handbook/handbook-c1.nt").get_data(as_text=True), "nt")
    handbook = rdflib.URIRef(config.CANONICAL_BASE + "id/handbook/linyi-amr-2023")
    assert (handbook, None, None) in seed and (handbook, None, None) not in copy
    assert (rdflib.URIRef(str(handbook) + "-c1"), None, None) in copy
    asserted = parse(get(handbooks_client, "/dumps/asserted.nt").get_data(as_text=True), "nt")
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
