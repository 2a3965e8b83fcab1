"""Benchmark: `python bench/guard.py` (from the project root, with the project's .venv).

The guard reads every ad-hoc query before any store does, so its own time must not grow
faster than the text: each case below is a hostile text of MAX_QUERY_BYTES built to make a
backtracking reader re-read it (runs of dotted names, unterminated strings and IRIs, long
runs of one token). Prints the seconds per case; exits 1 when one takes over LIMIT seconds.
"""

import sys
import time

from policykg import config, errors, guard

LIMIT = 1.0
PREFIX = "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p "
CASES = {
    "dotted words a.a.a…": PREFIX + "a." * 20000,
    "hyphenated words a-a-a…": PREFIX + "a-" * 20000,
    "dotted local name ex:a.a…": PREFIX + "ex:a" + ".a" * 20000,
    "escaped local name ex:\\.\\.…": PREFIX + "ex:" + "\\." * 20000,
    "blank node then dots": PREFIX + "_:b" + "." * 40000,
    "unterminated long string": PREFIX + "'''" + "a''" * 14000,
    "unterminated IRI": PREFIX + "<" + "a" * 40000,
    "many IRI openers": PREFIX + "<a" * 20000,
    "many short strings": PREFIX + "'a'" * 14000,
    "many comments": PREFIX + "#\n" * 20000,
    "digits and dots": PREFIX + "1." * 20000,
    "one long word": PREFIX + "a" * 40000,
}


def main():
    cfg = config.settings()
    limit = cfg["MAX_QUERY_BYTES"]
    slowest = 0.0
    print(f"| case ({limit} bytes) | seconds | answer |\n|---|---|---|")
    for name, text in CASES.items():
        text = text[:limit]
        start = time.perf_counter()
        try:
            guard.check(text, cfg)
            answer = "passes"
        except errors.ServiceError as error:
            answer = str(error.status)
        seconds = time.perf_counter() - start
        slowest = max(slowest, seconds)
        print(f"| {name} | {seconds:.3f} | {answer} |")
    print(f"\nslowest: {slowest:.3f} s (limit {LIMIT} s)")
    return 1 if slowest > LIMIT else 0


if __name__ == "__main__":
    sys.exit(main())
