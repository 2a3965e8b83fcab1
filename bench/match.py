"""Benchmark of the guided eligibility check at scale: `python bench/match.py` (from the project
root, with the project's .venv; `--help` for the options).

For each size N (handbooks; 1 handbook = 10 policies) it writes a scratch project as
bench/product.py does (the seed handbook and N - 1 renamed copies, the method of
bench/synthetic.py), builds it, and walks the hand-worked company profile
(tests/fixtures/match/profiles.json) through the questionnaire in the app, in process (Flask's
test client: the service's own time, without HTTP): every step's page `GET /match?…`, its
`GET /match/questions.json?…` and the whole profile's `POST /match.json`, `--rounds` times
after one warm-up walk. Prints the build time, the first request (the rules read once per data
version), and p50 / p95 / max per route in one Markdown table per size.

`--project FOLDER` measures a project that bench/product.py kept (`--keep`: FOLDER is its
`n<size>` folder, with `project/` and `build/`) instead of writing one; it is built again only if
stale, so a 1 000-handbook build is not paid twice.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT / "bench"))
sys.path.insert(0, str(CHECKOUT / "tests"))

from product import write_project  # noqa: E402
from test_questionnaire import PROFILES, answer  # noqa: E402

from policykg import build, config, match  # noqa: E402
from policykg.app import close, create_app  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100], help="handbooks per size")
    parser.add_argument("--rounds", type=int, default=10, help="walks through the questionnaire per size")
    parser.add_argument("--profile", default="company", choices=sorted(PROFILES))
    parser.add_argument("--project", type=Path, help="a folder bench/product.py kept (its n<size> folder)")
    options = parser.parse_args()
    if options.project:
        handbooks = len(list((options.project / "project" / "data").glob("*.ttl")))
        report(handbooks, measure(options.project.resolve(), handbooks, options, kept=True))
        return
    for size in options.sizes:
        with tempfile.TemporaryDirectory() as folder:
            report(size, measure(Path(folder), size, options))


def measure(folder, size, options, kept=False):
    root = folder / "project" if kept else write_project(folder / "project", size)["root"]
    cfg = config.settings({"ROOT": str(root), "BUILD_DIR": str(folder / "build"), "CACHE_SIZE": 0})
    started = time.perf_counter()
    build.build(cfg)
    built = time.perf_counter() - started
    match.ELIGIBILITY.clear()
    app = create_app(dict(cfg, STORE="embedded"))
    client = app.test_client()
    facts = PROFILES[options.profile]["facts"]
    times: dict = {"GET /match (a step)": [], "GET /match/questions.json": [], "POST /match.json": []}
    try:
        started = time.perf_counter()
        first = client.get("/match?applicant-type=organisation&asked=applicant-type")
        assert first.status_code == 200, first.status_code
        cold = time.perf_counter() - started
        steps, policies = walk(client, facts, None), None
        for _ in range(options.rounds):
            walk(client, facts, times)
        body = client.post("/match.json", json=facts).get_json()
        policies = body["paging"]["policies"]
    finally:
        close(app)
    return {"build": built, "cold": cold, "steps": steps, "policies": policies, "times": times}


def walk(client, facts, times):
    """Answer the questionnaire step by step, timing each request; the number of steps."""
    pairs, steps = [], 0
    while True:
        query = urlencode(pairs)
        timed(times, "GET /match (a step)", client.get, f"/match?{query}", headers={"Accept": "text/html"})
        response = timed(
            times, "GET /match/questions.json", client.get, f"/match/questions.json?{query}&asked="
        )
        step = response.get_json()["next_questions"]
        if not step:
            break
        steps += 1
        for question in step:
            pairs += answer(question, facts)
    profile = client.get(f"/match/questions.json?{urlencode(pairs)}").get_json()["profile"]
    timed(times, "POST /match.json", client.post, "/match.json", json=profile)
    return steps


def timed(times, name, request, *args, **kwargs):
    started = time.perf_counter()
    response = request(*args, **kwargs)
    if times is not None:
        times[name].append(time.perf_counter() - started)
    assert response.status_code == 200, (name, response.status_code)
    return response


def report(size, result):
    print(f"\n### {size} handbooks ({result['policies']} policies evaluated for an organisation)\n")
    print(
        f"build {result['build']:.1f} s; first request (rules read) {result['cold'] * 1000:.0f} ms; "
        f"{result['steps']} steps to the verdict\n"
    )
    print("| route | requests | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for name, values in result["times"].items():
        values = sorted(values)
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(
            f"| {name} | {len(values)} | {statistics.median(values) * 1000:.0f} | {p95 * 1000:.0f} | {values[-1] * 1000:.0f} |"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
