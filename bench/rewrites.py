"""A query rewrite, measured: `python bench/rewrites.py STORE [NAME …] [--base REV]` (from the
project root, with the project's .venv).

For each canned query NAME (default: every one), the query as it is in the working copy beside the
same file at git revision REV (default `HEAD`), both bound with their examples, run in this
process on the built store at STORE (a `build/store` folder, opened read-only; build a large one
with bench/product.py --keep): the first and the second page and the count, each run `--runs`
times (the median is printed), and whether both give the same rows. Prints one Markdown table.
A rewrite that changes any row is reported as such: a faster query that answers otherwise is
not a rewrite.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph

from policykg import config, queries

CANNED = config.ROOT / "queries"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path, help="a built store folder (build/store)")
    parser.add_argument("names", nargs="*", help="canned queries (default: all)")
    parser.add_argument("--base", default="HEAD", help="the git revision to compare with (HEAD)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query; the median is shown (3)")
    options = parser.parse_args()
    store = pyoxigraph.Store.read_only(str(options.store))
    names = options.names or queries.Catalog(CANNED).names()
    print(f"| query ({options.base} → working copy) | page 1 ms | page 2 ms | count ms | rows |")
    print("|---|---:|---:|---:|---|")
    for name in names:
        new = queries.load(CANNED / f"{name}.rq")
        old = _at_revision(name, options.base)
        if old is None:
            print(f"| `{name}` | — | — | — | not at {options.base} |")
            continue
        cells, same = [], True
        for text_of in (_first_page, _second_page, _count):
            if new.page is None and text_of is not _first_page:
                cells.append("—")
                continue
            (before, old_ms), (after, new_ms) = (_timed(store, text_of(q), options.runs) for q in (old, new))
            same = same and before == after
            cells.append(f"{old_ms:,.0f} → {new_ms:,.0f}")
        print(f"| `{name}` | {' | '.join(cells)} | {'same' if same else '**differ**'} |")


def _first_page(query):
    return query.bind()


def _second_page(query):
    return query.bind(offset=queries.PAGE_SIZE)


def _count(query):
    return query.count()


def _at_revision(name, revision):
    """The canned query `name` as it was at `revision`, or None when it was not there."""
    shown = subprocess.run(
        ["git", "-C", str(config.ROOT), "show", f"{revision}:queries/{name}.rq"],
        capture_output=True,
        text=True,
    )
    if shown.returncode:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.rq"
        path.write_text(shown.stdout, encoding="utf-8")
        return queries.load(path)


def _timed(store, text, runs):
    """(the rows, as text, in order; the median milliseconds of `runs` runs)."""
    times, rows = [], None
    for _ in range(runs):
        started = time.perf_counter()
        rows = [tuple(str(term) for term in solution) for solution in store.query(text)]
        times.append((time.perf_counter() - started) * 1000)
    return rows, statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
