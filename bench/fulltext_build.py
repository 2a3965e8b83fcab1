"""Benchmark: `python bench/fulltext_build.py` (from the project root, with the project's .venv).

Where the time of `policykg.fulltext.build_index` goes, at 100 and 1 000 handbooks (1 000 and
10 000 policies; bench/synthetic.py: the handbook repeated under fresh IRIs). For each size, in
a fresh interpreter: the synthetic N-Triples are bulk-loaded into an Oxigraph store and the
rules run to their fixpoint, as the build would (not timed); then three builds, each with its
stages (the three internal queries, the names for jieba's dictionary, reading the words cache,
segmentation and documents, writing the cache, writing the tantivy index):
- "full": no cache folder;
- "full, cold cache": an empty cache folder, which the build fills;
- "after one edit": one policy's how-to-apply text changed in one handbook (a SPARQL update on
  the store), then a build with the cache the previous one left.
Prints one Markdown table; docs/search.md records a run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph
import synthetic
from run import machine

from policykg import config, fulltext, inference

BASE = config.DEFAULTS["BASE_IRI"]
# One text of one handbook (copy 7) changed, as an editor would change a clause.
EDIT = """
PREFIX pkg: <https://w3id.org/policykg/def/>
DELETE { ?policy pkg:howToApply ?text }
INSERT { ?policy pkg:howToApply ?edited }
WHERE {
  { SELECT ?policy ?text WHERE { ?policy pkg:howToApply ?text . FILTER(STRENDS(STR(?policy), "-c7")) }
    ORDER BY ?policy LIMIT 1 }
  BIND(CONCAT(?text, "（本条已修订：申报材料一律网上提交。）") AS ?edited)
}
"""


def main():
    options = arguments()
    if options.worker:
        print(json.dumps(worker(options.worker)))
        return
    rows = []
    for copies in options.copies:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(copies)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(done.stdout))
        print(f"done: {copies} handbooks", file=sys.stderr)
    report(rows)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[100, 1000], help="handbooks")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def worker(copies):
    with tempfile.TemporaryDirectory(prefix="policykg-fulltext-build-") as scratch:
        scratch = Path(scratch)
        size = synthetic.write(scratch / "data.nt", copies)
        store = pyoxigraph.Store()
        store.bulk_load(path=scratch / "data.nt", format=pyoxigraph.RdfFormat.N_TRIPLES)
        inference.saturate(store, inference.load(inference.folder(config.ROOT)))
        builds = {}
        for name, cache in (("full", None), ("full, cold cache", scratch / "cache")):
            builds[name] = timed_build(store, scratch / "fulltext", cache)
        store.update(EDIT)
        builds["after one edit"] = timed_build(store, scratch / "fulltext", scratch / "cache")
        return {"copies": copies, "policies": size["policies"], "builds": builds}


def timed_build(store, folder, cache):
    seconds = {}
    started = time.perf_counter(), time.process_time()
    counts = fulltext.build_index(store, folder, config.ROOT, BASE, cache=cache, seconds=seconds)
    total = time.perf_counter() - started[0], time.process_time() - started[1]
    return {"total": total, "stages": seconds, "documents": counts["policies"] + counts["clauses"]}


def report(rows):
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}\n")
    columns = [(row, name) for row in rows for name in row["builds"]]
    print("| | " + " | ".join(f"{row['copies']} handbooks, {name}" for row, name in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    print(
        "| documents | " + " | ".join(f"{row['builds'][name]['documents']:,}" for row, name in columns) + " |"
    )
    stages = list(dict.fromkeys(_stage(s) for row, name in columns for s in row["builds"][name]["stages"]))
    for stage in stages:
        cells = []
        for row, name in columns:
            found = {_stage(s): (s, v) for s, v in row["builds"][name]["stages"].items()}
            label, value = found.get(stage, ("", None))
            note = label[len(stage) :].strip()
            cells.append(
                "" if value is None else f"{value[0]:.1f} / {value[1]:.1f} s" + (f" {note}" if note else "")
            )
        print(f"| {stage} | " + " | ".join(cells) + " |")
    print(
        "| **`build_index`** | "
        + " | ".join("**{:.1f} / {:.1f} s**".format(*row["builds"][name]["total"]) for row, name in columns)
        + " |"
    )


def _stage(label):
    """A stage's name without its figures in brackets: "segment (12 of 300 texts)" → "segment"."""
    return label.split(" (")[0]


if __name__ == "__main__":
    main()
