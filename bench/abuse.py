"""Benchmark: `python bench/abuse.py` (from the project root, with the project's .venv).

Fairness of the embedded store under abuse, as one web worker sees it:
(a) the p99 latency of a cheap uncached query of the service's own (the triple count behind
    /healthz, lane "service") alone, then while 4 clients keep pathological ad-hoc queries
    running (a four-way cartesian count, lane "adhoc", each stopped at the time limit);
(b) the query processes started while 4 clients send a cheap ad-hoc query with
    `timeout=0.000001` for a while, with the floor on time limits (MIN_TIMEOUT) and without.
Prints both side by side; exits 1 when the p99 under abuse is over 3× the baseline.
"""

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from policykg import build, config, errors, queries, store

PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CLIENTS = 4


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="cheap queries per measurement")
    parser.add_argument("--seconds", type=float, default=10, help="length of each timeout=0.000001 run")
    parser.add_argument("--build-dir", help="an existing build (default: build one in a temporary folder)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policykg-abuse-") as scratch:
        cfg = config.settings(
            {"BUILD_DIR": options.build_dir or str(Path(scratch) / "build"), "CACHE_SIZE": 0}
        )
        if not options.build_dir:
            build.build(cfg)
        cheap = queries.internal(cfg, "triple_count").bind()
        alone, abused = latencies(cfg, cheap, options.requests)
        floored = respawns(dict(cfg), cheap, options.seconds)
        unfloored = respawns(dict(cfg, MIN_TIMEOUT=0.0), cheap, options.seconds)
    ratio = abused / alone
    print("| measurement | figure |")
    print("|---|---|")
    print(f"| cheap query p99 alone | {alone * 1000:.1f} ms |")
    print(
        f"| cheap query p99, {CLIENTS} pathological ad-hoc clients | {abused * 1000:.1f} ms ({ratio:.1f}×) |"
    )
    print(
        f"| respawns, {CLIENTS} clients × timeout=0.000001, {options.seconds:g} s, MIN_TIMEOUT {cfg['MIN_TIMEOUT']:g} s "
        f"| {floored[0]} ({floored[1]} answered) |"
    )
    print(
        f"| respawns, the same without a floor (MIN_TIMEOUT 0) | {unfloored[0]} ({unfloored[1]} answered) |"
    )
    return 1 if ratio > 3 else 0


def p99(opened, text, count):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        opened.query(text)
        times.append(time.perf_counter() - started)
    return statistics.quantiles(times, n=100)[98]


def latencies(cfg, cheap, count):
    opened = store.open_store(cfg)
    try:
        opened.query(cheap)
        opened.query(cheap, lane="adhoc")  # every process up
        alone = p99(opened, cheap, count)
        stop = threading.Event()

        def abuse():
            while not stop.is_set():
                with contextlib.suppress(errors.ServiceError):
                    opened.query(PATHOLOGICAL, lane="adhoc")

        clients = [threading.Thread(target=abuse) for _ in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(1)
        abused = p99(opened, cheap, count)
        stop.set()
    finally:
        opened.close()
    for client in clients:
        client.join()
    return alone, abused


def respawns(cfg, cheap, seconds):
    """(query processes started, queries answered) while CLIENTS send `timeout=0.000001`."""
    opened = store.open_store(cfg)
    lane = opened._pools["adhoc"]
    opened.query(cheap, lane="adhoc")
    before = lane.started
    answered = []
    deadline = time.monotonic() + seconds

    def client():
        while time.monotonic() < deadline:
            try:
                opened.query(cheap, timeout=0.000001, lane="adhoc")
                answered.append(1)
            except errors.ServiceError:
                pass

    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for each in clients:
        each.start()
    for each in clients:
        each.join()
    started = lane.started - before
    opened.close()
    return started, len(answered)


if __name__ == "__main__":
    sys.exit(main())
