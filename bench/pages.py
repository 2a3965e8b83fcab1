"""The browser's routes at scale: an artifact of N synthetic handbooks, then route timings.

    python bench/pages.py prepare FOLDER --copies 100   # store (rules applied) + full-text index
    python bench/pages.py measure FOLDER [--requests 20]

`prepare` writes what `policykg build` writes for the service to read (store, full-text index,
manifest) from bench/synthetic.py's N-Triples, without SHACL and checks (what `bench/scale.py`
measures). `measure` opens the service on FOLDER with the answer cache off and times each route
through Flask's test client: median and p95 in ms, and the status codes seen.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph

sys.path.insert(0, str(Path(__file__).parent))
import synthetic

from policykg import config, fulltext, inference

ROUTES = (
    ("home", "/"),
    ("list", "/policies"),
    ("list, page 5", "/policies?page=5"),
    ("search 专利", "/policies?q=专利"),
    ("search miss", "/policies?q=不存在的词"),
    ("api list", "/api/policies"),
    ("api search", "/api/policies?q=专利"),
    ("policy page", "/doc/policy/ip-insurance"),
    ("hotlines", "/hotlines"),
)


def prepare(folder, copies):
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    size = synthetic.write(folder / "data.nt", copies)
    store = pyoxigraph.Store(str(folder / "store"))
    store.bulk_load(path=folder / "data.nt", format=pyoxigraph.RdfFormat.N_TRIPLES)
    inference.saturate(store, inference.load(inference.folder(config.ROOT)))
    counts = fulltext.build_index(store, folder / "fulltext", config.ROOT, config.DEFAULTS["BASE_IRI"])
    store.flush()
    manifest = {"data_version": f"synthetic-{copies}", "base_iri": config.DEFAULTS["BASE_IRI"], "counts": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    print(size, counts, f"{time.perf_counter() - started:.0f} s")


def measure(folder, requests):
    from policykg.app import create_app

    app = create_app({"BUILD_DIR": str(folder), "CACHE_SIZE": 0, "FOLLOW_SECONDS": 0})
    client = app.test_client()
    print("| route | median ms | p95 ms | statuses |\n|---|---|---|---|")
    for name, path in ROUTES:
        times, statuses = [], set()
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"| {name} `{path}` | {statistics.median(times):.0f} | {p95:.0f} | {sorted(statuses)} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("prepare", "measure"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    if options.action == "prepare":
        prepare(options.folder, options.copies)
    else:
        measure(options.folder, options.requests)


if __name__ == "__main__":
    main()
