"""Canned queries at scale, policykg beside `oxigraph serve`: `python bench/canned.py` (from the
project root, with the project's .venv; `--help` for the options).

It makes the scratch project of bench/product.py (`--handbooks` synthetic handbooks: the seed
handbook and N - 1 renamed copies) and builds it, or reuses a built one (`--project`, a folder
holding `data/`, `ontology/`, `queries/` and `build/`). Then it starts, on 127.0.0.1:
- `policykg serve` over that build (gunicorn, default workers, `POLICYKG_CACHE_SIZE=0`: no answer
  comes from the cache);
- `oxigraph serve-read-only` over the very same store folder (`build/store`), so both answer
  from the same files on disk.
and measures, per canned query, in `--rounds` rounds (each round: every query against policykg,
then against Oxigraph, so that both see the same load on a shared machine):
- the canned route `/queries/<name>.json` (its first page, with parameters varied per request as
  bench/product.py varies them): p50 / p95;
- the SPARQL that route ran (its JSON's `sparql`), the same requests to policykg's `/sparql` and
  to Oxigraph's `/query` (SPARQL JSON results, `--clients` threads on keep-alive connections):
  requests/s and p50 / p95, and policykg's requests/s as a share of Oxigraph's.
The figures are the medians of the rounds. Prints Markdown tables; docs/performance.md records
a run. Every server is stopped at the end, on an error and on Ctrl-C.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import product  # bench/product.py: the project, the servers, the requests

SPARQL_JSON = "application/sparql-results+json"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--handbooks", type=int, default=100, help="synthetic handbooks to build (100)")
    parser.add_argument("--project", type=Path, help="a scratch project already built (skips the build)")
    parser.add_argument("--scratch", help="where the scratch project is made (a temporary folder)")
    parser.add_argument("--requests", type=int, default=60, help="requests per query, server and round (60)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are their medians (3)")
    parser.add_argument("--clients", type=int, default=2, help="client threads for SPARQL (2)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (the product's default)")
    parser.add_argument("--only", nargs="*", help="only these canned queries")
    parser.add_argument("--route-seconds", type=float, default=60, help="at most this long per batch (60)")
    parser.add_argument("--request-timeout", type=float, default=30)
    parser.add_argument("--start-timeout", type=float, default=120)
    parser.add_argument("--build-timeout", type=float, default=1800)
    return parser.parse_args()


def project(options, stack):
    """The built project folder: the one given, or one made and built here."""
    if options.project:
        return options.project.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="policykg-canned-", dir=options.scratch))
    stack.callback(shutil.rmtree, scratch, True)
    root = scratch / f"p{options.handbooks}"
    product.progress(f"writing {options.handbooks} handbooks to {root}")
    product.write_project(root, options.handbooks)
    product.progress("policykg build …")
    built = product.build(environment(root), root, options.build_timeout)
    if not built["finished"]:
        raise SystemExit(f"the build did not finish: {built['error']}")
    product.progress(f"built in {built['seconds']:.0f} s")
    return root


def environment(root):
    return dict(
        os.environ,
        POLICYKG_ROOT=str(root),
        POLICYKG_BUILD_DIR=str(root / "build"),
        POLICYKG_CACHE_SIZE="0",
    )


def route_requests(query, count):
    return [
        ("GET", f"{query['url']}.json?{urllib.parse.urlencode(product.bound(query['params'], i))}", None, {})
        for i in range(count)
    ]


def sparql_requests(texts, count):
    return [
        ("GET", "?" + urllib.parse.urlencode({"query": texts[i % len(texts)]}), None, {"Accept": SPARQL_JSON})
        for i in range(count)
    ]


def measure(options):
    with ExitStack() as stack:
        root = project(options, stack)
        manifest = json.loads((root / "build" / "manifest.json").read_text("utf-8"))
        policykg = stack.enter_context(product.PolicykgServer(environment(root), options))
        policykg.wait_for("/healthz", options.start_timeout)
        oxigraph = stack.enter_context(product.OxigraphServer(root / "build" / "store", options))
        _, body = product.fetch(policykg.url, "GET", "/queries.json")
        canned = [q for q in json.loads(body)["queries"] if not options.only or q["name"] in options.only]
        # Untimed: every web worker starts its query processes; the SPARQL texts are read.
        patient = argparse.Namespace(**{**vars(options), "route_seconds": options.start_timeout})
        warm = [request for query in canned for request in route_requests(query, 2)]
        product.hammer(policykg.url, warm * 4, patient, 4, len(warm) * 4)
        texts = product.sparql_texts(policykg.url, canned, patient)
        rounds = {query["name"]: [] for query in canned}
        for number in range(options.rounds):
            product.progress(f"round {number + 1} of {options.rounds}")
            for query in canned:
                name = query["name"]
                route = product.hammer(policykg.url, route_requests(query, options.requests), options)
                sparql = sparql_requests(texts.get(name, []), options.requests) if name in texts else []
                ours = product.hammer(policykg.url + "/sparql", sparql, options, options.clients)
                theirs = product.hammer(oxigraph.url + "/query", sparql, options, options.clients)
                rounds[name].append((route, ours, theirs))
        return {"manifest": manifest, "rounds": rounds, "options": options}


def report(measured):
    options, manifest = measured["options"], measured["manifest"]
    counts = manifest.get("counts", {})
    print(f"machine: {product.machine()}; load average {os.getloadavg()[0]:.1f} at the end")
    print(
        f"data: {counts.get('policies', '?')} policies, {counts.get('total', '?')} triples; "
        f"{options.requests} requests per query, server and round, {options.rounds} rounds (medians), "
        f"{options.clients} clients for SPARQL, one for routes; POLICYKG_CACHE_SIZE=0\n"
    )
    print(
        "| query | route p50 / p95 ms | policykg `/sparql` req/s | p50 / p95 ms | oxigraph req/s | p50 / p95 ms | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    ratios = []
    for name, runs in measured["rounds"].items():
        route = merged([run[0] for run in runs])
        ours, theirs = merged([run[1] for run in runs]), merged([run[2] for run in runs])
        ratio = ours["rate"] / theirs["rate"] if theirs["rate"] else 0
        if ratio:
            ratios.append(ratio)
        print(
            f"| `{name}` | {spread(route)} | {ours['rate']:.1f} | {spread(ours)} | {theirs['rate']:.1f} | "
            f"{spread(theirs)} | {100 * ratio:.0f}% |"
        )
    if ratios:
        print(
            f"| **all** (geometric mean of the ratios) | | | | | | **{100 * statistics.geometric_mean(ratios):.0f}%** |"
        )


def merged(runs):
    """One figure from the rounds: the median rate, and the latencies of every round; the
    errors of every round."""
    latencies = sorted(value for run in runs for value in run["latencies"])
    statuses = {}
    for run in runs:
        for status, count in run["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    return {
        "rate": statistics.median(run["rate"] for run in runs) if runs else 0,
        "latencies": latencies,
        "statuses": statuses,
    }


def spread(run):
    values = run["latencies"]
    if not values:
        return "–"
    text = f"{1000 * statistics.median(values):,.1f} / {1000 * product.percentile(values, 0.95):,.1f}"
    problems = product.errors(run)
    return text + (f" **{problems}**" if problems else "")


def main():
    options = arguments()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    measured = measure(options)
    report(measured)
    product.progress(f"wall time {(time.monotonic() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
