"""Settings: one mapping of defaults, overridden by POLICYKG_* environment or by tests."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent


def find_root() -> Path:
    """The folder holding ontology/, data/ and queries/: the copy an installed wheel carries
    inside the package (the subpackage `policykg.root`), else the checkout the package sits in."""
    shipped = PACKAGE / "root"
    return shipped if shipped.is_dir() else PACKAGE.parents[1]


def find_build_dir(root: Path) -> Path:
    """`build/` in a checkout; for an installed wheel (whose folder may not be writable), the
    user's cache folder."""
    if root != PACKAGE / "root":
        return root / "build"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "policykg" / "build"


ROOT = find_root()

# The base IRI the project's files are written with (data, ontology, queries); a build for
# another BASE_IRI rewrites it.
CANONICAL_BASE = "https://w3id.org/policykg/"

DEFAULTS: dict[str, str | int | float] = {
    # Where the project's inputs live (ontology/, data/, queries/).
    "ROOT": str(ROOT),
    # Where `policykg build` writes its artifact and the service reads it.
    "BUILD_DIR": str(find_build_dir(ROOT)),
    # Base of every IRI the data mints; the service answers for it on any host.
    "BASE_IRI": CANONICAL_BASE,
    # Build-time reasoner: "owlrl" (the reference), "rules" (queries/rules/*.ru in Oxigraph, same
    # triples, much faster) or "auto" (the rules when the graph uses only what they cover, else owlrl).
    "INFERENCE": "auto",
    # "embedded" (pyoxigraph over the build artifact) or "remote" (SPARQL 1.1 endpoint).
    "STORE": "embedded",
    # Remote store: query endpoint, and Graph Store Protocol endpoint used by `policykg load`.
    "ENDPOINT": "",
    "GSP_ENDPOINT": "",
    # Query limits: seconds per query (a request may lower it), rows returned, query text size.
    "QUERY_TIMEOUT": 10.0,
    "ROW_CAP": 10000,
    "MAX_QUERY_BYTES": 32768,
    # Embedded store: worker processes (per web worker) that run the service's own queries
    # (canned, pages, linked data) and, apart from them, clients' ad-hoc `/sparql` queries.
    "QUERY_WORKERS": 2,
    "ADHOC_WORKERS": 2,
    # Address space of each query process, in MB (0: no limit); past it, 503 `limit: "memory"`.
    "QUERY_MEMORY_MB": 2048,
    # Shortest time limit a request may ask for (`timeout=`), in seconds.
    "MIN_TIMEOUT": 0.5,
    # Seconds between looks for a newer build in BUILD_DIR (the service then answers from it); 0: never.
    "RELOAD_SECONDS": 2.0,
    # Answers kept per data version (least recently used go first), and their size in bytes.
    "CACHE_SIZE": 512,
    "CACHE_BYTES": 64 << 20,
    # `policykg serve`: gunicorn worker processes (one per core, at least 2) and threads in each.
    # Not gunicorn's usual 2 × cores + 1: each web worker has its own QUERY_WORKERS + ADHOC_WORKERS
    # query processes (where the CPU goes), each holding its own caches of the store, so workers
    # beyond the cores only multiply memory (docs/performance.md, "Web workers").
    "SERVE_WORKERS": max(2, os.cpu_count() or 1),
    "SERVE_THREADS": 4,
    # Host names (comma-separated, any port) whose requests see their own address in the VoID
    # description and the SPARQL service description; any other Host header sees BASE_IRI.
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
    # Seconds clients and proxies may reuse an answer before asking again (with its ETag).
    "CACHE_SECONDS": 60,
    # Embedded store: "on" runs query processes under a seccomp filter that forbids network
    # sockets (docs/security.md); "off" only where the filter cannot be installed.
    "SANDBOX": "on",
}


def settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then POLICYKG_* environment variables, then explicit overrides."""
    result: dict[str, Any] = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        raw = os.environ.get(f"POLICYKG_{key}")
        if raw is not None:
            result[key] = type(default)(raw)
    result.update(overrides or {})
    return result
