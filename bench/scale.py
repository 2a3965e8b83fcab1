"""Benchmark: `python bench/scale.py` (from the project root, with the project's .venv).

Build-time inference at scale, owlrl against the rules (`queries/rules/*.ru` in Oxigraph), on
N handbooks' worth of data (bench/synthetic.py: the handbook's policies repeated with fresh
IRIs, ontology and code lists once). For each N, in a fresh interpreter each:
- rules in Oxigraph: bulk-load the N-Triples, run the rules to their fixpoint (what the rules
  add, owlrl's trivia among it);
- rules as the build runs them: `build.infer(asserted, "rules", root)`, rdflib graph in and out,
  trivia removed;
- owlrl: `build.infer(asserted, "owlrl", root)`, stopped after --cap seconds and then not tried on
  larger N.
The two `build.infer` runs start from the same rdflib graph (parsing it is not timed) and must
give the same triples (sha256 of their sorted N-Triples). Times are CPU seconds of the worker
process, which other jobs on a shared machine disturb far less than wall-clock time; the cap
is on CPU time too. Prints one Markdown table; docs/inference.md records a run.
"""

import argparse
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import pyoxigraph
import synthetic
from rdflib import Graph
from run import machine

from policykg import build, config, inference


def main():
    options = arguments()
    if options.worker:
        print(json.dumps(WORKERS[options.worker](options.worker, options.file, options.cap)))
        return
    rows, owlrl_open = [], True
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="policykg-scale-") as scratch:
        for copies in options.copies:
            path = Path(scratch) / f"{copies}.nt"
            size = synthetic.write(path, copies)
            row = {"copies": copies, **size, "engine": best("engine", path, options)}
            if copies <= options.rdflib_up_to:
                row["rules"] = best("rules", path, options)
            if not owlrl_open:
                row["owlrl"] = {"timeout": options.cap, "not_run": True}  # a smaller N already timed out
            elif copies <= options.rdflib_up_to:
                row["owlrl"] = best("owlrl", path, options)
                owlrl_open = "seconds" in row["owlrl"]
            path.unlink()
            rows.append(row)
            print(f"done: {copies} handbooks", file=sys.stderr)
    report(rows, options, load_before)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--copies",
        type=int,
        nargs="+",
        default=[1, 10, 100, 1000],
        help="handbooks' worth of data to try (1 is the handbook itself)",
    )
    parser.add_argument(
        "--cap", type=float, default=120.0, help="CPU seconds an rdflib-side inference may take"
    )
    parser.add_argument(
        "--rdflib-up-to", type=int, default=100, help="largest N to hand to rdflib (owlrl and the build path)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest counts")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args()


def best(kind, path, options):
    """The fastest of --repeat runs of one worker, each in a fresh interpreter."""
    runs = []
    for _ in range(options.repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--worker", kind, "--file", str(path), "--cap", str(options.cap)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout))
        if "seconds" not in runs[-1]:
            return runs[-1]
    return min(runs, key=lambda run: run["seconds"])


def engine_worker(kind, path, cap):
    store = pyoxigraph.Store()
    started = time.process_time()
    store.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_TRIPLES)
    loaded = time.process_time()
    before = len(store)
    rounds = inference.saturate(store, inference.load(inference.folder(config.ROOT)))
    return {
        "load": loaded - started,
        "seconds": time.process_time() - loaded,
        "rounds": rounds,
        "added": len(store) - before,
    }


def infer_worker(engine, path, cap):
    asserted = Graph().parse(path, format="nt")

    def stop(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, cap)
    started = time.process_time()
    try:
        inferred = build.infer(asserted, engine, config.ROOT)
    except TimeoutError:
        return {"timeout": cap}
    seconds = time.process_time() - started
    signal.setitimer(signal.ITIMER_PROF, 0)
    digest = hashlib.sha256(build.ntriples(inferred).encode("utf-8")).hexdigest()
    return {"seconds": seconds, "inferred": len(inferred), "digest": digest}


WORKERS = {"engine": engine_worker, "rules": infer_worker, "owlrl": infer_worker}


def report(rows, options, load_before):
    print(
        f"machine: {machine()}; load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"versions: python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
        f"owlrl {version('owlrl')}, rdflib {version('rdflib')}; CPU seconds, fastest of {options.repeat} "
        f"run(s); rdflib-side runs stopped after {options.cap:.0f} s"
    )
    print()
    print(
        "| handbooks | policies | asserted | Oxigraph bulk load s | rules in Oxigraph s (rounds) | added in Oxigraph "
        "| rules, build path s | owlrl s | inferred | same triples | owlrl / rules in Oxigraph "
        "| owlrl / rules, build path |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|")
    for row in rows:
        engine, ours, theirs = row["engine"], row.get("rules"), row.get("owlrl")
        cells = [
            f"{row['copies']}",
            f"{row['policies']}",
            f"{row['triples']}",
            f"{engine['load']:.2f}",
            f"{engine['seconds']:.2f} ({engine['rounds']})",
            f"{engine['added']}",
            seconds(ours),
            seconds(theirs),
            str(ours["inferred"]) if ours and "inferred" in ours else "–",
            same(ours, theirs),
            ratio(theirs, engine),
            ratio(theirs, ours),
        ]
        print("| " + " | ".join(cells) + " |")


def seconds(run):
    if run is None:
        return "–"
    if "seconds" in run:
        return f"{run['seconds']:.2f}"
    return f"> {run['timeout']:.0f}" + (" (not run)" if run.get("not_run") else "")


def same(ours, theirs):
    if not ours or not theirs or "digest" not in ours or "digest" not in theirs:
        return "–"
    return "yes" if ours["digest"] == theirs["digest"] else "**no**"


def ratio(theirs, ours):
    if not theirs or not ours or "seconds" not in ours:
        return "–"
    if "seconds" in theirs:
        return f"{theirs['seconds'] / ours['seconds']:.0f}×"
    return f"> {theirs['timeout'] / ours['seconds']:.0f}×"


if __name__ == "__main__":
    main()
