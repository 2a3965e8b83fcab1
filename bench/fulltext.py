"""Benchmark: `python bench/fulltext.py` (from the project root, with the project's .venv).

The full-text index (policykg.fulltext) at 1, 100 and 1 000 handbooks (10, 1 000, 10 000
policies; bench/synthetic.py: the handbook repeated under fresh IRIs). For each size, in a
fresh interpreter: the synthetic N-Triples are bulk-loaded into an Oxigraph store and the
rules (queries/rules/*.ru) run to their fixpoint, as the build would (not timed as part of the
index); then `build_index` (wall-clock seconds, the index folder's size), opening a `Searcher`,
and p50/p95 over --requests calls each of: `search` that hits (words, names, an English word,
a document number), `search` that misses, `search` with a filter, `search` with no text (the
plain list, one filter), `facet_counts` of a hit, and `clauses` of a question. Prints one
Markdown table; docs/search.md records a run.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph
import synthetic
from run import machine

from policykg import config, fulltext, inference

HITS = [
    "专利",
    "泰山品质",
    "质量奖",
    "标准化",
    "知识产权保险",
    "certification",
    "临政字[2020]113号",
    "首席质量官培训",
    "奖励 补贴",
    "臨沂市專利獎勵",
]
MISSES = ["火星移民", "xyzzy", "量子计算补助", "海洋牧场", "芯片流片", "nothing"]
QUESTIONS = ["泰山品质认证能拿多少钱", "我们公司成立6年了，能申请什么质量奖", "质量沂站的网址是什么"]
INDIVIDUAL = f"{config.DEFAULTS['BASE_IRI']}id/concept/applicant/individual"
MUNICIPAL = f"{config.DEFAULTS['BASE_IRI']}id/concept/level/municipal"


def main():
    options = arguments()
    if options.worker:
        print(json.dumps(worker(options.worker, options.requests)))
        return
    rows = []
    for copies in options.copies:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(copies), "--requests", str(options.requests)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout))
        print(f"done: {copies} handbooks", file=sys.stderr)
    report(rows)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--copies", type=int, nargs="+", default=[1, 100, 1000], help="handbooks' worth of data"
    )
    parser.add_argument("--requests", type=int, default=200, help="calls per kind of request")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def worker(copies, requests):
    with tempfile.TemporaryDirectory(prefix="policykg-fulltext-") as scratch:
        scratch = Path(scratch)
        size = synthetic.write(scratch / "data.nt", copies)
        store = pyoxigraph.Store()
        store.bulk_load(path=scratch / "data.nt", format=pyoxigraph.RdfFormat.N_TRIPLES)
        inference.saturate(store, inference.load(inference.folder(config.ROOT)))
        started = time.perf_counter()
        counts = fulltext.build_index(store, scratch / "fulltext", config.ROOT, config.DEFAULTS["BASE_IRI"])
        built = time.perf_counter() - started
        rss_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        del store
        started = time.perf_counter()
        searcher = fulltext.Searcher(scratch / "fulltext")
        searcher.search("预热")  # jieba's first call builds its prefix dictionary
        opened = time.perf_counter() - started
        figures = {
            "copies": copies,
            "policies": size["policies"],
            "clauses": counts["clauses"],
            "build": built,
            "rss_build": rss_build,
            "bytes": sum(path.stat().st_size for path in (scratch / "fulltext").rglob("*") if path.is_file()),
            "segments": searcher._searcher.num_segments,
            "open": opened,
            "hit_total": searcher.search("专利").total,
        }
        calls = {
            "search hit": lambda i: searcher.search(HITS[i % len(HITS)]),
            "search miss": lambda i: searcher.search(MISSES[i % len(MISSES)]),
            "search hit, filtered": lambda i: searcher.search(HITS[i % len(HITS)], {"applicant": INDIVIDUAL}),
            "list (no text), filtered": lambda i: searcher.search("", {"level": MUNICIPAL}, offset=i % 50),
            "facet counts": lambda i: searcher.facet_counts(HITS[i % len(HITS)]),
            "clauses of a question": lambda i: searcher.clauses(QUESTIONS[i % len(QUESTIONS)]),
        }
        for name, call in calls.items():
            figures[name] = timed(call, requests)
        figures["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        return figures


def timed(call, requests):
    """p50 and p95 in milliseconds of `requests` calls."""
    call(0)
    times = []
    for i in range(requests):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return {"p50": cuts[49], "p95": cuts[94]}


def report(rows):
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}\n")
    print(
        "| | "
        + " | ".join(f"{row['copies']} handbooks ({row['policies']:,} policies)" for row in rows)
        + " |"
    )
    print("|---" * (len(rows) + 1) + "|")
    lines = [
        ("documents (clauses + policies)", lambda row: f"{row['clauses'] + row['policies']:,}"),
        ("`build_index`", lambda row: f"{row['build']:.1f} s"),
        ("index size", lambda row: f"{row['bytes'] / 1e6:.1f} MB ({row['segments']} segment)"),
        ("peak RSS (store + index build)", lambda row: f"{row['rss_build']} MB"),
        ("open a `Searcher` + first search", lambda row: f"{row['open'] * 1000:.0f} ms"),
        ("policies matching 专利", lambda row: f"{row['hit_total']:,}"),
    ]
    for name in (
        "search hit",
        "search miss",
        "search hit, filtered",
        "list (no text), filtered",
        "facet counts",
        "clauses of a question",
    ):
        lines.append(
            (
                f"{name}, p50 / p95",
                lambda row, name=name: f"{row[name]['p50']:.1f} / {row[name]['p95']:.1f} ms",
            )
        )
    for title, cell in lines:
        print(f"| {title} | " + " | ".join(cell(row) for row in rows) + " |")


if __name__ == "__main__":
    main()
