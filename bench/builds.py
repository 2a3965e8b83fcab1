"""Benchmark: `python bench/builds.py [--sizes 1 100 1000]` (from the project root, with the .venv).

`policykg build` on N handbooks, each its own file under data/: the seed handbook, and N − 1
copies of it under fresh IRIs (bench/synthetic.py's renaming, one `data/handbook-c<k>.ttl` each).
For each N, in a fresh project folder, three builds in a fresh process each:
- full: no build, no cache;
- unchanged: the same inputs again (the build checks the artifact and stops);
- one edited: one handbook's file changed (a label added to one of its policies).
Prints, per N, wall-clock and CPU seconds (user + system, the build and its workers) of each
build, the stages the manifest records (wall seconds), and the peak resident memory of the build
and its worker processes together (sampled every 0.1 s). On a shared machine CPU seconds are the
steadier figure.
Prints one Markdown table; docs/inference.md records a run.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import synthetic
from run import machine

from policykg import build, config

SEED = config.ROOT / "data/handbook.ttl"
POLICY_LABEL = (
    '<{base}id/policy/quality-awards-c{k}> <http://www.w3.org/2000/01/rdf-schema#label> "已编辑"@zh .\n'
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--keep", help="make the projects in this folder and keep them")
    options = parser.parse_args()
    rows = []
    scratch = Path(options.keep or tempfile.mkdtemp(prefix="policykg-builds-"))
    try:
        for size in options.sizes:
            project = scratch / f"{size}"
            make_project(project, size)
            for leftover in (f"{size}.build", f"{size}.build.cache"):
                shutil.rmtree(scratch / leftover, ignore_errors=True)
            row = {"handbooks": size}
            for run in ("full", "unchanged", "one edited"):
                if run == "one edited":
                    edit(project, size)
                row[run] = measure(project)
                print(f"{size} handbooks, {run}: {row[run]['seconds']:.1f} s", file=sys.stderr)
            rows.append(row)
            if not options.keep:
                shutil.rmtree(project)
                shutil.rmtree(scratch / f"{size}.build", ignore_errors=True)
                shutil.rmtree(scratch / f"{size}.build.cache", ignore_errors=True)
    finally:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(table(rows))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def make_project(project, size):
    """A copy of the project whose data/ holds the seed handbook and size − 1 renamed copies."""
    if project.exists():
        shutil.rmtree(project)
    for folder in ("ontology", "queries"):
        shutil.copytree(config.ROOT / folder, project / folder)
    data = project / "data"
    data.mkdir(parents=True)
    shutil.copy(SEED, data / SEED.name)
    seed = synthetic._ntriples([SEED])
    for k in range(1, size):
        (data / f"handbook-c{k}.ttl").write_text(synthetic._renamed(seed, k), encoding="utf-8")


def edit(project, size):
    """Change one handbook: the last copy's (the seed's when it is alone) gets one more label."""
    if size == 1:
        path, line = project / "data/handbook.ttl", "\n# edited\n"
    else:
        path = project / f"data/handbook-c{size - 1}.ttl"
        line = POLICY_LABEL.format(base=build.CANONICAL_BASE, k=size - 1)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(line)


def measure(project):
    """One `policykg build` in a fresh process: wall seconds, peak RSS (MB) of it and its
    children, and the manifest's stage seconds."""
    env = dict(
        os.environ,
        POLICYKG_ROOT=str(project),
        POLICYKG_BUILD_DIR=str(project.parent / f"{project.name}.build"),
    )
    command = [str(Path(sys.executable).with_name("policykg")), "build", "--progress", "--allow-shrink"]
    started, cpu = time.perf_counter(), cpu_seconds()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    sampler = threading.Thread(target=sample, args=(process, peak), daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    sampler.join()
    if process.returncode:
        raise SystemExit(f"build failed ({process.returncode}):\n{err[-3000:]}")
    manifest = json.loads(
        (project.parent / f"{project.name}.build/manifest.json").read_text(encoding="utf-8")
    )
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": peak[0] >> 20,
        "stages": manifest["seconds"],
        "triples": manifest["counts"]["total"],
        "policies": manifest["counts"]["policies"],
    }


def cpu_seconds():
    """CPU seconds (user + system) of every finished child process and their children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sample(process, peak):
    while process.poll() is None:
        peak[0] = max(peak[0], tree_rss(process.pid))
        time.sleep(0.1)


def tree_rss(pid):
    """Resident bytes of `pid` and every process under it."""
    total, todo = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, ValueError, IndexError):
            continue
        todo.extend(int(child) for child in children)
    return total


def table(rows):
    # the build's stages in their order; a stage this list does not know yet comes last, by name
    stages = sorted(
        {stage for row in rows for stage in row["full"]["stages"]},
        key=lambda stage: (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), stage),
    )
    lines = [
        f"Machine: {machine()}",
        "",
        "| handbooks | policies | triples | full build s | "
        + " | ".join(f"{s} s" for s in stages)
        + " | peak MB | unchanged s | one edited s | edited peak MB |",
        "|" + "---|" * (8 + len(stages)),
    ]
    for row in rows:
        full = row["full"]
        lines.append(
            f"| {row['handbooks']} | {full['policies']} | {full['triples']} | {timing(full)} | "
            + " | ".join(f"{full['stages'].get(stage, 0):.1f}" for stage in stages)
            + f" | {full['peak_mb']} | {timing(row['unchanged'])} | {timing(row['one edited'])}"
            f" | {row['one edited']['peak_mb']} |"
        )
    return "\n".join(lines)


def timing(run):
    return f"{run['seconds']:.1f} ({run['cpu']:.1f})"


STAGE_ORDER = ["ontology", "handbooks", "union", "write", "store", "fulltext", "precompute"]


if __name__ == "__main__":
    main()
