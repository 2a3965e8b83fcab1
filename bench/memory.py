"""Benchmark: `python bench/memory.py` (from the project root, with the project's .venv).

What one web worker holds with its answer cache full: 1 000 distinct 10 000-row answers are
asked of an embedded store (as a web worker asks them) with the cache at its configured bytes
(`CACHE_BYTES`), then this process's resident memory (RSS) and the peak of each query process
are printed, with the formula of docs/security.md ("Memory, as a formula of the settings")
filled in with this run's figures. Exits 1 when the cache holds more than CACHE_BYTES as
`store.weigh` counts, or when the RSS grew past the formula's share of one web worker.
"""

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from policykg import build, config, store

MB = 1 << 20
# 10 000 rows each, distinct by their offset; cheap to run (no sort), costly to keep.
ANSWER = "SELECT * WHERE {{ ?s ?p ?o . ?x ?y ?z }} OFFSET {offset} LIMIT 10000"


def status(pid, field):
    """A figure of /proc/<pid>/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--build-dir", help="an existing build (default: build one in a temporary folder)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policykg-memory-") as scratch:
        cfg = config.settings({"BUILD_DIR": options.build_dir or str(Path(scratch) / "build")})
        if not options.build_dir:
            build.build(cfg)
        return measure(cfg, options.answers)


def measure(cfg, answers):
    opened = store.open_store(cfg)
    opened.triple_count()
    rest = status("self", "VmRSS")
    started = time.monotonic()
    biggest = 0

    def ask(offset):
        return store.weigh(opened.query(ANSWER.format(offset=offset)))

    with ThreadPoolExecutor(cfg["QUERY_WORKERS"]) as pool:
        for done, weight in enumerate(pool.map(ask, range(answers)), 1):
            biggest = max(biggest, weight)
            if done % 100 == 0:
                print(f"  {done} answers, cache {opened._cache.weight / MB:.1f} MB", file=sys.stderr)
    seconds = time.monotonic() - started
    full = status("self", "VmRSS")
    peaks = [
        status(worker.process.pid, "VmHWM") for pool in opened._pools.values() for worker in pool._workers
    ]
    cache = opened._cache.weight
    opened.close()

    workers, threads = cfg["SERVE_WORKERS"], cfg["SERVE_THREADS"]
    processes = cfg["QUERY_WORKERS"] + cfg["ADHOC_WORKERS"]
    share = rest + cfg["CACHE_BYTES"] + threads * biggest  # one web worker's bound
    print(f"answers asked        {answers} distinct, 10 000 rows each, in {seconds:.0f} s")
    print(f"one answer           {biggest / MB:.1f} MB (store.weigh)")
    print(
        f"cache                {len(opened._cache)} answers, {cache / MB:.1f} MB of CACHE_BYTES {cfg['CACHE_BYTES'] / MB:.0f} MB"
    )
    print(f"web worker RSS       {rest / MB:.0f} MB at rest, {full / MB:.0f} MB with the cache full")
    print(
        f"query process peaks  {', '.join(f'{peak / MB:.0f}' for peak in peaks)} MB RSS (limit {cfg['QUERY_MEMORY_MB']} MB each)"
    )
    print(
        f"formula              SERVE_WORKERS {workers} × (base {rest / MB:.0f} MB + CACHE_BYTES {cfg['CACHE_BYTES'] / MB:.0f} MB"
        f" + SERVE_THREADS {threads} × answer {biggest / MB:.1f} MB)"
        f" + {workers} × {processes} query processes × QUERY_MEMORY_MB {cfg['QUERY_MEMORY_MB']}"
        f" = {(workers * share + workers * processes * cfg['QUERY_MEMORY_MB'] * MB) / MB / 1024:.1f} GB"
    )
    failed = cache > cfg["CACHE_BYTES"] or full > share
    print(
        "FAILED: past the bound"
        if failed
        else f"ok: RSS {full / MB:.0f} MB within one worker's share {share / MB:.0f} MB"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
