"""A project of two handbooks, built once per test session: the seed handbook and a synthetic
copy of it under fresh IRIs (the method of bench/synthetic.py: every IRI the data mints under
`<BASE>id/`, code lists aside, gets `-c1`), so a test can see handbooks side by side.

The copy is not a real handbook: its place is `place:linyi-c1` (still labelled 临沂市) and, so
that the year filter has two values to tell apart, it is dated 2024-02 instead of 2023-02.
Nothing in data/ changes.

The build writes each handbook's asserted triples to `handbooks/<stem>.nt` and lists them in the
manifest's `handbooks` (stem, file: the data file, graph, iri, triples and sha256 of the
`.nt`); where the build at hand does not yet, `write_handbook_files` writes them
the same way (sorted N-Triples of the file's triples, sha256 and line count in the manifest).
"""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest

from policykg import build, config

ROOT = Path(__file__).resolve().parents[1]
SEED = "handbook"
COPY = "handbook-c1"
MINTED = re.compile(r"<(" + re.escape(build.CANONICAL_BASE) + r"id/(?!concept/)[^>]*)>")
ISSUED = '"2023-02"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>'
HANDBOOK_TYPE = f"<{build.CANONICAL_BASE}def/Handbook>"


def ntriples(path):
    """The triples of the Turtle file `path` as N-Triples lines."""
    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE, base_iri=build.CANONICAL_BASE)
    text = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    return text.decode("utf-8").splitlines(keepends=True)


def copied(lines, k=1):
    """The lines renamed as copy `k`; the copy's handbook dated 2024-02."""
    out = []
    for line in lines:
        line = MINTED.sub(lambda match: f"<{match[1]}-c{k}>", line)
        if ISSUED in line:
            line = line.replace('"2023-02"', '"2024-02"')
        out.append(line)
    return out


def make_project(root):
    """A project folder at `root` with data/handbook.ttl and its copy data/handbook-c1.ttl."""
    root = Path(root)
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data/handbook.ttl", root / "data/handbook.ttl")
    shutil.copytree(ROOT / "data/source", root / "data/source")
    (root / "data" / f"{COPY}.ttl").write_text("".join(copied(ntriples(ROOT / "data/handbook.ttl"))))
    return root


def handbook_iri(lines):
    """The IRI of the one pkg:Handbook the lines declare."""
    for line in lines:
        if line.rstrip().endswith(f"{HANDBOOK_TYPE} .") and "#type>" in line:
            return line.split(" ", 1)[0][1:-1]
    raise ValueError("no pkg:Handbook in the file")


def write_handbook_files(cfg):
    """`handbooks/<stem>.nt` and the manifest's `handbooks`, as the build writes them, when the
    build did not (a build from before handbooks were named graphs)."""
    folder = Path(cfg["BUILD_DIR"])
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    if manifest.get("handbooks"):
        return manifest["handbooks"]
    (folder / "handbooks").mkdir(exist_ok=True)
    listed = []
    for path in sorted(Path(cfg["ROOT"]).glob("data/*.ttl")):
        lines = sorted(set(ntriples(path)))
        body = "".join(lines).encode("utf-8")
        name = f"handbooks/{path.stem}.nt"
        (folder / name).write_bytes(body)
        listed.append(
            {
                "stem": path.stem,
                "file": f"data/{path.stem}.ttl",
                "graph": f"{cfg['BASE_IRI']}graph/handbook/{path.stem}",
                "iri": handbook_iri(lines),
                "triples": len(lines),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
    manifest["handbooks"] = listed
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    return listed


@pytest.fixture(scope="session")
def handbooks_cfg(tmp_path_factory):
    """Settings of a built project of two handbooks (the seed's and its copy)."""
    root = make_project(tmp_path_factory.mktemp("handbooks") / "project")
    cfg = config.settings({"ROOT": str(root), "BUILD_DIR": str(tmp_path_factory.mktemp("handbooks-build"))})
    build.build(cfg)
    write_handbook_files(cfg)
    return cfg


@pytest.fixture(scope="session")
def handbooks_app(handbooks_cfg):
    from policykg.app import close, create_app

    app = create_app(dict(handbooks_cfg, STORE="embedded", TESTING=True))
    yield app
    close(app)


@pytest.fixture
def handbooks_client(handbooks_app):
    return handbooks_app.test_client()
