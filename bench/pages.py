"""The browser's routes at scale: an artifact of N synthetic handbooks, then route timings.

    python bench/pages.py prepare FOLDER --copies 100   # store (rules applied) + full-text index
    python bench/pages.py measure FOLDER [--requests 20]

`prepare` writes what `policykg build` writes for the service to read (store, full-text index,
manifest, and each handbook's `handbooks/<stem>.nt` listed in the manifest's `handbooks`) from
bench/synthetic.py's N-Triples, without SHACL and checks (what `bench/scale.py` measures). `measure` opens the service on FOLDER with the answer cache off and times each route
through Flask's test client (`Accept: text/html`, as a browser asks; the dumps and `.ttl`
addresses answer in their own format): median and p95 in ms, and the status codes seen.
"""

import argparse
import hashlib
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
    # Many handbooks: a copy in the middle of the data (copy k's IRIs end in -c<k>).
    ("list by handbook", "/policies?handbook=linyi-amr-2023-c{mid}"),
    ("list by year + search", "/policies?year=2023&q=专利"),
    ("policy page, a copy", "/doc/policy/ip-insurance-c{mid}"),
    ("body page", "/doc/organisation/linyi-amr-c{mid}"),
    ("document page", "/doc/document/lin-zheng-zi-2020-113-c{mid}"),
    ("handbook page", "/doc/handbook/linyi-amr-2023-c{mid}"),
    ("handbook dump", "/dumps/handbook/handbook-c{mid}.nt"),
    ("VoID (Turtle)", "/.well-known/void.ttl"),
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
    manifest = {
        "data_version": f"synthetic-{copies}",
        "base_iri": config.DEFAULTS["BASE_IRI"],
        "counts": {},
        "handbooks": handbook_files(folder, copies),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    print(size, counts, f"{time.perf_counter() - started:.0f} s")


def handbook_files(folder, copies):
    """Each copy's triples as `handbooks/<stem>.nt` (sorted), listed as the build lists them."""
    data = synthetic._ntriples(sorted(config.ROOT.glob("data/*.ttl")))
    (folder / "handbooks").mkdir(exist_ok=True)
    listed = []
    for k in range(copies):
        text = data if k == 0 else synthetic._renamed(data, k)
        lines = sorted(set(text.splitlines(keepends=True)))
        body = "".join(lines).encode("utf-8")
        stem = "handbook" if k == 0 else f"handbook-c{k}"
        (folder / "handbooks" / f"{stem}.nt").write_bytes(body)
        iri = next(line.split(" ", 1)[0][1:-1] for line in lines if line.endswith("/def/Handbook> .\n"))
        listed.append(
            {
                "stem": stem,
                "file": f"data/{stem}.ttl",
                "graph": f"{config.DEFAULTS['BASE_IRI']}graph/handbook/{stem}",
                "iri": iri,
                "triples": len(lines),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
    return listed


def measure(folder, requests):
    from policykg.app import create_app

    app = create_app({"BUILD_DIR": str(folder), "CACHE_SIZE": 0, "FOLLOW_SECONDS": 0})
    client = app.test_client()
    copies = len(json.loads((folder / "manifest.json").read_text("utf-8")).get("handbooks") or [1])
    print("| route | median ms | p95 ms | statuses |\n|---|---|---|---|")
    for name, path in ROUTES:
        path = path.format(mid=copies // 2)
        times, statuses = [], set()
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path, headers={"Accept": "text/html"})  # pages as a browser asks
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
