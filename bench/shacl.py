"""Benchmark: `python bench/shacl.py` (from the project root, with the project's .venv).

SHACL validation of the closure at scale, pyshacl (as the build ran it) against policykg.shacl,
on N handbooks' worth of data (bench/synthetic.py: the handbook repeated with fresh IRIs,
ontology and code lists once), closed under the rules in Oxigraph (`inference.saturate`, not
timed). For each N and engine, in a fresh interpreter:
- policykg.shacl: bulk-load the closure into a pyoxigraph Store ("load"), then read
  ontology/shapes.ttl and `shacl.validate(store, shapes)` ("validate");
- policykg.shacl per handbook, as the build calls it: each copy's closure in a named graph of
  its own, the ontology in another, `shacl.validate(store, shapes, graphs=[copy, ontology])`
  once per copy ("per handbook", the sum of the calls);
- pyshacl: parse the closure into an rdflib Graph ("load"), then
  `pyshacl.validate(closure, shapes, inference="none", advanced=True)`, the build's call
  ("validate"), stopped after --cap CPU seconds and then not tried on larger N.
Times are CPU seconds of the worker (steadier than wall-clock time on a shared machine), the
fastest of --repeat runs; peak RSS is the worker's. Both engines must agree on conformance and
the number of results ("same"). Prints one Markdown table; docs/inference.md records a run.
"""

import argparse
import json
import os
import platform
import resource
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

from policykg import build, config, inference, shacl

SHAPES = config.ROOT / "ontology/shapes.ttl"


def main():
    options = arguments()
    if options.worker:
        print(json.dumps(WORKERS[options.worker](options.file, options.cap)))
        return
    rows, pyshacl_open = [], True
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="policykg-shacl-") as scratch:
        for copies in options.copies:
            path = Path(scratch) / f"{copies}.nt"
            size = synthetic.write(path, copies)
            size["closure"] = close(path)
            row = {"copies": copies, **size, "policykg": best("policykg", path, options)}
            row["per_handbook"] = best("per-handbook", Path(str(copies)), options)
            if not pyshacl_open or copies > options.pyshacl_up_to:
                row["pyshacl"] = {"timeout": options.cap, "not_run": True}
            else:
                row["pyshacl"] = best("pyshacl", path, options)
                pyshacl_open = "seconds" in row["pyshacl"]
            path.unlink()
            rows.append(row)
            print(f"done: {copies} handbooks", file=sys.stderr)
    report(rows, options, load_before)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--copies", type=int, nargs="+", default=[1, 100, 1000], help="handbooks' worth of data to try"
    )
    parser.add_argument("--cap", type=float, default=300.0, help="CPU seconds pyshacl may take")
    parser.add_argument(
        "--pyshacl-up-to", type=int, default=100, help="largest N to hand to pyshacl (rdflib holds it all)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest counts")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    return parser.parse_args()


def close(path):
    """Replace the asserted N-Triples at `path` by their closure under the rules; its size."""
    store = pyoxigraph.Store()
    store.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_TRIPLES)
    inference.saturate(store, inference.load(inference.folder(config.ROOT)))
    store.dump(path, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    return len(store)


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


def ours_worker(path, cap):
    started = time.process_time()
    store = pyoxigraph.Store()
    store.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_TRIPLES)
    loaded = time.process_time()
    shapes = shacl.load_shapes(SHAPES, base_iri=build.CANONICAL_BASE)
    report = shacl.validate(store, shapes)
    return {
        "load": loaded - started,
        "seconds": time.process_time() - loaded,
        "conforms": report.conforms,
        "results": len(report.results),
        "rss": peak_rss(),
    }


def per_handbook_worker(copies, cap):
    """`copies` (the --file argument) handbooks, each in its graph; one validate call per handbook."""
    copies = int(Path(copies).name)
    root = config.ROOT
    schema = synthetic._ntriples(sorted(p for p in root.glob("ontology/*.ttl") if build.is_graph_file(p)))
    closed = pyoxigraph.Store()
    closed.bulk_load(
        schema + synthetic._ntriples(sorted(root.glob("data/*.ttl"))), pyoxigraph.RdfFormat.N_TRIPLES
    )
    inference.saturate(closed, inference.load(inference.folder(root)))
    ontology_lines = set(schema.splitlines())
    closure = closed.dump(
        format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph()
    ).decode()
    handbook = "\n".join(line for line in closure.splitlines() if line not in ontology_lines) + "\n"
    store = pyoxigraph.Store()
    ontology = pyoxigraph.NamedNode(build.CANONICAL_BASE + "graph/ontology")
    store.bulk_load(schema, pyoxigraph.RdfFormat.N_TRIPLES, to_graph=ontology)
    graphs = [pyoxigraph.NamedNode(f"{build.CANONICAL_BASE}graph/handbook/c{k}") for k in range(copies)]
    for k, graph in enumerate(graphs):
        text = handbook if k == 0 else synthetic._renamed(handbook, k)
        store.bulk_load(text, pyoxigraph.RdfFormat.N_TRIPLES, to_graph=graph)
    started = time.process_time()
    shapes = shacl.load_shapes(SHAPES, base_iri=build.CANONICAL_BASE)
    results = sum(len(shacl.validate(store, shapes, graphs=[graph, ontology]).results) for graph in graphs)
    return {"seconds": time.process_time() - started, "results": results, "rss": peak_rss()}


def pyshacl_worker(path, cap):
    import pyshacl

    started = time.process_time()
    closure = Graph().parse(path, format="nt")
    loaded = time.process_time()

    def stop(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, cap)
    try:
        shapes = Graph().parse(SHAPES, format="turtle", publicID=build.CANONICAL_BASE)
        conforms, report, _ = pyshacl.validate(
            data_graph=closure, shacl_graph=shapes, inference="none", advanced=True
        )
    except TimeoutError:
        return {"timeout": cap, "load": loaded - started}
    seconds = time.process_time() - loaded
    signal.setitimer(signal.ITIMER_PROF, 0)
    top = next(report.subjects(shacl._rdflib(shacl.RDF_TYPE), shacl._rdflib(shacl.sh("ValidationReport"))))
    results = len(list(report.objects(top, shacl._rdflib(shacl.sh("result")))))
    return {
        "load": loaded - started,
        "seconds": seconds,
        "conforms": conforms,
        "results": results,
        "rss": peak_rss(),
    }


def peak_rss():
    """The worker's peak resident memory, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


WORKERS = {"policykg": ours_worker, "per-handbook": per_handbook_worker, "pyshacl": pyshacl_worker}


def report(rows, options, load_before):
    print(
        f"machine: {machine()}; load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"versions: python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
        f"pyshacl {version('pyshacl')}, rdflib {version('rdflib')}; CPU seconds, fastest of {options.repeat} "
        f"run(s); pyshacl stopped after {options.cap:.0f} s"
    )
    print()
    print(
        "| handbooks | policies | closure triples | policykg load s | policykg validate ms | policykg RSS MB "
        "| per handbook, sum ms (RSS MB) "
        "| pyshacl load s | pyshacl validate ms | pyshacl RSS MB | same | pyshacl / policykg |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|")
    for row in rows:
        ours, theirs = row["policykg"], row["pyshacl"]
        cells = [
            f"{row['copies']}",
            f"{row['policies']}",
            f"{row['closure']}",
            f"{ours['load']:.2f}",
            f"{ours['seconds'] * 1000:.0f}",
            f"{ours['rss']:.0f}",
            f"{row['per_handbook']['seconds'] * 1000:.0f} ({row['per_handbook']['rss']:.0f})"
            + ("" if row["per_handbook"]["results"] == ours["results"] else " **results differ**"),
            f"{theirs['load']:.2f}" if "load" in theirs else "–",
            milliseconds(theirs),
            f"{theirs['rss']:.0f}" if "rss" in theirs else "–",
            same(ours, theirs),
            ratio(theirs, ours),
        ]
        print("| " + " | ".join(cells) + " |")


def milliseconds(run):
    if "seconds" in run:
        return f"{run['seconds'] * 1000:.0f}"
    return "not run" if run.get("not_run") else f"> {run['timeout'] * 1000:.0f}"


def same(ours, theirs):
    if "seconds" not in theirs:
        return "–"
    agree = ours["conforms"] == theirs["conforms"] and ours["results"] == theirs["results"]
    return "yes" if agree else "**no**"


def ratio(theirs, ours):
    if "seconds" in theirs:
        return f"{theirs['seconds'] / ours['seconds']:.0f}×"
    if theirs.get("not_run"):
        return "–"
    return f"> {theirs['timeout'] / ours['seconds']:.0f}×"


if __name__ == "__main__":
    main()
