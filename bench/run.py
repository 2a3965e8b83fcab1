"""Benchmark: `python bench/run.py` (from the project root, with the project's .venv).

On one fresh build of the project's data, for every canned query (bound with its examples)
and the triple count behind /healthz:
(a) over HTTP: requests/s and p50/p99 latency of `policykg serve` (gunicorn, embedded store)
    against `oxigraph serve` loaded with the same closure, both on 127.0.0.1, each hit with
    the same requests from a small pool of client threads (keep-alive connections);
(b) in process: the median time of one query in pyoxigraph against rdflib's in-memory
    Graph (the same closure; rdflib's queries prepared once).
Prints one Markdown table; docs/performance.md records a run.
"""

import argparse
import http.client
import multiprocessing
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

import pyoxigraph
import rdflib
from rdflib.plugins.sparql import prepareQuery

from policykg import build, config, queries, store

BIN = Path(sys.executable).parent
ACCEPT = {
    "select": "application/sparql-results+json",
    "ask": "application/sparql-results+json",
    "construct": "application/n-triples",
    "describe": "application/n-triples",
}


def main():
    options = arguments()
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as scratch:
        cfg = config.settings({"BUILD_DIR": str(Path(scratch) / "build")})
        manifest = build.build(cfg)
        workload = workload_of(cfg)
        http_rows = {}
        with (
            policykg_server(cfg, options.workers) as policykg_url,
            oxigraph_server(cfg, scratch) as oxigraph_url,
        ):
            for name, form, text in workload:
                progress(f"HTTP: {name}")
                http_rows[name] = (
                    hammer(policykg_url, form, text, options),
                    hammer(oxigraph_url, form, text, options),
                )
        local_rows = in_process(cfg, workload, options)
    report(manifest, workload, http_rows, local_rows, options)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="HTTP requests per query and server")
    parser.add_argument("--clients", type=int, default=4, help="client threads sending them")
    parser.add_argument("--repeat", type=int, default=30, help="in-process runs per query and engine")
    parser.add_argument(
        "--rdflib-limit",
        type=float,
        default=60,
        help="seconds rdflib may spend on one query before it is stopped",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: SERVE_WORKERS)")
    parser.add_argument(
        "--revalidate",
        action="store_true",
        help="clients send If-None-Match with the ETag they last got, like a browser cache",
    )
    return parser.parse_args()


def workload_of(cfg):
    """(name, form, text) of every canned query bound with its examples, and /healthz's count."""
    root = Path(cfg["ROOT"]) / "queries"
    work = [(query.name, query.form, query.bind()) for query in queries.Catalog(root, cfg["BASE_IRI"])]
    count = (root / "internal" / "triple_count.rq").read_text(encoding="utf-8")
    return work + [("internal/triple_count", queries.form(count), count)]


class policykg_server:
    """`policykg serve` on a free port, as a subprocess; yields the /sparql URL."""

    def __init__(self, cfg, workers):
        self.cfg, self.workers = cfg, workers

    def __enter__(self):
        port = free_port()
        command = [str(BIN / "policykg"), "serve", "--port", str(port)]
        if self.workers:
            command += ["--workers", str(self.workers)]
        env = dict(os.environ, POLICYKG_BUILD_DIR=self.cfg["BUILD_DIR"])
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(f"http://127.0.0.1:{port}/healthz")
        return f"http://127.0.0.1:{port}/sparql"

    def __exit__(self, *exc):
        stop(self.process)


class oxigraph_server:
    """`oxigraph serve` on a free port, loaded with the build; yields the /query URL."""

    def __init__(self, cfg, scratch):
        self.cfg, self.location = cfg, Path(scratch) / "oxigraph"

    def __enter__(self):
        port = free_port()
        binary = shutil.which("oxigraph") or str(BIN / "oxigraph")
        self.process = subprocess.Popen(
            [binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
        store.load_remote(self.cfg, f"http://127.0.0.1:{port}/store")
        return f"http://127.0.0.1:{port}/query"

    def __exit__(self, *exc):
        stop(self.process)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Client:
    """One keep-alive connection per thread; reconnects when the server closed it."""

    def __init__(self, url, form, text, revalidate):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.target = f"{parts.path}?{urllib.parse.urlencode({'query': text})}"
        self.headers = {"Accept": ACCEPT[form]}
        self.revalidate = revalidate
        self.local = threading.local()
        self.connections = []

    def get(self):
        """Seconds one request took; raises unless the answer is 200 or 304."""
        local = self.local
        for attempt in (1, 2):
            if getattr(local, "connection", None) is None:
                local.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                local.etag = None
                self.connections.append(local.connection)
            headers = dict(self.headers)
            if self.revalidate and local.etag:
                headers["If-None-Match"] = local.etag
            started = time.perf_counter()
            try:
                local.connection.request("GET", self.target, headers=headers)
                response = local.connection.getresponse()
                response.read()
            except (http.client.HTTPException, ConnectionError):
                local.connection.close()
                local.connection = None
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.status not in (200, 304):
                raise RuntimeError(f"HTTP {response.status} from {self.host}:{self.port}")
            local.etag = response.getheader("ETag") or local.etag
            if response.getheader("Connection", "").lower() == "close":
                local.connection.close()
                local.connection = None
            return elapsed


def hammer(url, form, text, options):
    """(requests/s, p50 ms, p99 ms) for `options.requests` requests from `options.clients` threads."""
    client = Client(url, form, text, options.revalidate)
    with ThreadPoolExecutor(options.clients) as pool:
        list(pool.map(lambda _: client.get(), range(options.clients * 5)))  # warm up
        started = time.perf_counter()
        latencies = sorted(pool.map(lambda _: client.get(), range(options.requests)))
        wall = time.perf_counter() - started
    for connection in client.connections:
        connection.close()
    return (
        options.requests / wall,
        1000 * statistics.median(latencies),
        1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    )


def in_process(cfg, workload, options):
    """{name: (pyoxigraph ms, rdflib ms or why not)}: medians, answers read to the end."""
    folder = Path(cfg["BUILD_DIR"])
    closure = (folder / "asserted.nt").read_bytes() + (folder / "inferred.nt").read_bytes()
    oxigraph = pyoxigraph.Store()
    oxigraph.load(closure, format=pyoxigraph.RdfFormat.N_TRIPLES)
    memory = rdflib.Graph()
    memory.parse(data=closure.decode("utf-8"), format="nt")
    rows = {}
    for name, _, text in workload:
        progress(f"in process: {name}")
        rows[name] = (
            median_ms(lambda text=text: list(oxigraph.query(text)), options.repeat),
            rdflib_ms(memory, text, options),
        )
    return rows


def rdflib_ms(memory, text, options):
    """rdflib's median ms for `text`, or why there is none: it failed, or overran the limit.

    Runs in a forked child (sharing the parsed graph) that is killed past the limit, since
    rdflib takes minutes over some joins that Oxigraph plans well."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_rdflib_child, args=(memory, text, options.repeat, sender))
    child.start()
    sender.close()
    answered = receiver.poll(options.rdflib_limit)
    answer = receiver.recv() if answered else f"> {options.rdflib_limit:g} s"
    child.kill()
    child.join()
    return answer


def _rdflib_child(memory, text, repeat, sender):
    try:
        prepared = prepareQuery(text)
        sender.send(median_ms(lambda: list(memory.query(prepared)), repeat))
    except Exception as error:  # rdflib cannot run every query; the table says which
        sender.send(f"fails ({type(error).__name__})")


def median_ms(run, repeat, budget=10.0):
    """Median of up to `repeat` timed runs after a warm-up, fewer when they add up past `budget` s."""
    run()
    times = []
    while len(times) < repeat and sum(times) < budget:
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def progress(message):
    print(message, file=sys.stderr, flush=True)


def report(manifest, workload, http_rows, local_rows, options):
    counts = manifest["counts"]
    print(
        f"data version {manifest['data_version']}: {counts['total']} triples "
        f"({counts['asserted']} asserted + {counts['inferred']} inferred)"
    )
    print(f"machine: {machine()}")
    print(
        f"versions: python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
        f"oxigraph {version('oxigraph')}, rdflib {version('rdflib')}, gunicorn {version('gunicorn')}"
    )
    print(
        f"HTTP: {options.requests} requests per query and server from {options.clients} client threads"
        f"{', revalidating with If-None-Match' if options.revalidate else ''}; "
        f"in process: median of up to {options.repeat} runs (fewer past 10 s), rdflib stopped after "
        f"{options.rdflib_limit:g} s"
    )
    print()
    print(
        "| query | policykg req/s | oxigraph req/s | policykg/oxigraph | policykg p50 / p99 ms "
        "| oxigraph p50 / p99 ms | pyoxigraph ms | rdflib ms | rdflib/pyoxigraph |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _, _ in workload:
        (ours, ours_p50, ours_p99), (theirs, theirs_p50, theirs_p99) = http_rows[name]
        oxi_ms, rdflib_ms = local_rows[name]
        rdflib_cells = (
            f"{rdflib_ms:.2f} | {rdflib_ms / oxi_ms:.0f}×"
            if isinstance(rdflib_ms, float)
            else f"{rdflib_ms} | –"
        )
        print(
            f"| {name} | {ours:.0f} | {theirs:.0f} | {ours / theirs:.0%} | {ours_p50:.1f} / {ours_p99:.1f} "
            f"| {theirs_p50:.1f} / {theirs_p99:.1f} | {oxi_ms:.2f} | {rdflib_cells} |"
        )
    ours_all = statistics.harmonic_mean([http_rows[name][0][0] for name, _, _ in workload])
    theirs_all = statistics.harmonic_mean([http_rows[name][1][0] for name, _, _ in workload])
    speedup = statistics.geometric_mean(
        [theirs / ours for ours, theirs in local_rows.values() if isinstance(theirs, float)]
    )
    print(
        f"| **all** (harmonic mean req/s; geometric mean ratio) | {ours_all:.0f} | {theirs_all:.0f} "
        f"| **{ours_all / theirs_all:.0%}** | | | | | {speedup:.0f}× |"
    )


def machine():
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


if __name__ == "__main__":
    main()
