"""Benchmark: `python bench/ask.py [--copies 1 100]` (from the project root, with the project's .venv).

Ask's time per question: for each N, an artifact of N handbooks (bench/pages.py's `prepare`: the
synthetic handbooks of bench/synthetic.py, rules applied, full-text index; no SHACL), the
lexicon and eligibility rules built once (they are built once per data version in the service),
then every question of the development part of the evaluation set answered --rounds times.
Prints one Markdown table: N, policies, questions timed, median, p95 and max ms, and the time to
build the lexicon. Only the development part's questions are used: the test part is not read.
`--project FOLDER` times a project bench/product.py kept (its `n<size>` folder, with `project/`
and `build/`: the product's own build, precomputed rows included) instead.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pages

from policykg import ask, config, match, queries, store


def measure(folder, questions, rounds, root=None):
    # The lexicon's rows grow with the data (about 26 000 at 1 000 policies): past the service's
    # ROW_CAP until internal queries are precomputed into the artifact (issue 11), so lifted here;
    # so is the time limit, which match's rules (built once per data version) pass at 1 000 policies.
    cfg = config.settings(
        {
            "BUILD_DIR": str(folder),
            **({"ROOT": str(root)} if root else {}),
            "CACHE_SIZE": 0,
            "ROW_CAP": 10**7,
            "QUERY_TIMEOUT": 300,
            "MAX_TIMEOUT": 300,
        }
    )
    opened = store.open_store(cfg)
    try:
        catalog = queries.canned(cfg)
        started = time.perf_counter()
        ask.lexicon(opened, cfg)
        match.eligibility(opened, cfg)
        warm = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(rounds):
            for question in questions:
                started = time.perf_counter()
                ask.answer(question, opened, cfg, catalog, matcher=match)
                times.append((time.perf_counter() - started) * 1000)
    finally:
        opened.close()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "questions": len(times),
        "median": statistics.median(times),
        "p95": p95,
        "max": times[-1],
        "warm": warm,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--project", type=Path, help="a folder bench/product.py kept (its n<size> folder)")
    options = parser.parse_args()
    questions = [case.question for case in ask.load_set(part="dev")]
    print("| handbooks | policies | questions | median ms | p95 ms | max ms | lexicon + rules ms |")
    print("|---|---|---|---|---|---|---|")
    if options.project:
        root = options.project.resolve() / "project"
        copies = len(list((root / "data").glob("*.ttl")))
        print_row(copies, measure(options.project.resolve() / "build", questions, options.rounds, root))
        return
    for copies in options.copies:
        with tempfile.TemporaryDirectory(prefix="policykg-ask-") as scratch:
            folder = Path(scratch)
            pages.prepare(folder, copies)
            row = measure(folder, questions, options.rounds)
        print_row(copies, row)


def print_row(copies, row):
    print(
        f"| {copies} | {copies * 10} | {row['questions']} | {row['median']:.0f} | {row['p95']:.0f} "
        f"| {row['max']:.0f} | {row['warm']:.0f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
