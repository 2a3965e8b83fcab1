"""Benchmark of the whole product at scale: `python bench/product.py` (from the project root, with
the project's .venv; `--quick` for a two-minute check, `--help` for the options).

For each size N (handbooks; 1 handbook = 10 policies) it writes a scratch project — `ontology/`
and `queries/` linked from the checkout, `data/handbook.ttl` (the seed handbook as it is) and
N - 1 copies `data/handbook-cNNNN.ttl` with every IRI minted under `<BASE>id/` (but code lists)
renamed by appending `-c<k>` (the method of bench/synthetic.py), one Turtle file per copy — and
measures the product through its command line and HTTP only, with `POLICYKG_ROOT`,
`POLICYKG_BUILD_DIR` and `POLICYKG_CACHE_SIZE=0` (no answer is served from the cache):
- `policykg build`: wall time per stage (the manifest's `seconds`) and peak RSS; a build past
  `--build-timeout` is stopped, reported as "did not finish", and larger sizes are skipped;
- the rebuild after one triple of one handbook file changed (one label), time and peak RSS;
- `policykg serve` (gunicorn, default workers): cold start to the first 200 on /healthz and on a
  policy page, and the service's RSS (master, workers and their query processes) after the run;
- every user route, each request with its own parameters (another policy, document, body; a
  number parameter another value): p50/p95, counts of 504 and of other 5xx;
- every canned query's SPARQL (as the canned route bound it) through policykg's `/sparql` and
  through `oxigraph serve-read-only` over the build's own store folder (the very same data,
  nothing loaded or copied): requests/s, p50/p95.
Every request goes to 127.0.0.1; every loop is bounded in count and time; the servers are
stopped at the end, on Ctrl-C and on error. Prints one Markdown table per section, one column
per size; docs/performance.md records a run.
"""

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from importlib.metadata import version
from pathlib import Path

import pyoxigraph

CHECKOUT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BASE = "https://w3id.org/policykg/"  # the base the project's data files mint their IRIs under
MINTED = re.compile(r"<(" + re.escape(BASE) + r"id/(?!concept/)[^>]*)>")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = re.compile(r'((?:rdfs:label|<http://www\.w3\.org/2000/01/rdf-schema#label>)\s+"[^"\\]*)"@zh')
PAGES = {"policy": "policy", "document": "document", "body": "organisation"}  # page → IRI folder
HITS = ("专利", "标准", "质量奖", "品牌", "商标")
QUESTIONS = (
    "哪些奖励要求运行{n}年以上",
    "奖励超过{n}万的有哪些",
    "给个人的奖励有哪些",
    "哪些奖励是分档的",
    "泰山品质认证的咨询电话是多少",
    "申报省长质量奖需要什么条件",  # queries/ask/conditions.rq
    "质量沂站是干什么的",  # about.rq
    "质量沂站怎么收费",  # texts.rq
)
PROFILE = {
    "applicant-type": "organisation",
    "registration-place": "山东省",
    "operating-years": 6,
    "high-value-invention-patents": 25,
    "major-accidents": [{"years_ago": 2}],
    "credit-blemishes": 0,
}
SPARQL_JSON = "application/sparql-results+json"
COUNT = (Path(__file__).parent / "count.rq").read_text(encoding="utf-8")


def main():
    options = arguments()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C: servers stopped, report
    if options.reuse:
        options.keep, scratch = True, options.reuse.resolve()
    else:
        scratch = Path(tempfile.mkdtemp(prefix="policykg-product-", dir=options.scratch))
    results, started = [], time.monotonic()
    try:
        for size in options.sizes:
            progress(f"== {size} handbook(s)")
            result = {"size": size}
            results.append(result)  # filled in as measured, so that Ctrl-C prints what was
            measure(result, scratch / f"n{size}", options)
            if not result["build"]["finished"]:
                results += [{"size": later, "skipped": True} for later in options.sizes if later > size]
                break
    except KeyboardInterrupt:
        progress("interrupted: printing what was measured")
    finally:
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    report(results, options, time.monotonic() - started)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", help="handbooks per size (default 1 100 1000)")
    parser.add_argument("--quick", action="store_true", help="sizes 1 and 10, few requests: < 2 minutes")
    parser.add_argument("--requests", type=int, help="requests per route and server (default 20; quick 3)")
    parser.add_argument(
        "--route-seconds", type=float, help="most seconds spent on one route (default 30; quick 3)"
    )
    parser.add_argument("--clients", type=int, default=2, help="client threads for the SPARQL comparison")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="client-side limit per request")
    parser.add_argument(
        "--build-timeout", type=float, default=900.0, help="seconds a build may take (default 15 min)"
    )
    parser.add_argument(
        "--start-timeout", type=float, default=120.0, help="seconds a server may take to start"
    )
    parser.add_argument("--dump-requests", type=int, default=3, help="requests of /dumps/asserted.nt")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the product's)")
    parser.add_argument("--scratch", help="folder for the scratch projects (default: the system's temp)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch projects")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="a scratch folder an earlier --keep run left: its built projects are served as they are "
        "(the build is brought up to date, not measured; no rebuild)",
    )
    options = parser.parse_args()
    quick = options.quick
    options.sizes = sorted(set(options.sizes or ([1, 10] if quick else [1, 100, 1000])))
    options.requests = options.requests or (3 if quick else 20)
    options.route_seconds = options.route_seconds or (3.0 if quick else 30.0)
    if quick:
        options.build_timeout = min(options.build_timeout, 90.0)
        options.dump_requests = min(options.dump_requests, 1)
    return options


# ---------------------------------------------------------------------------------------------
# One size
# ---------------------------------------------------------------------------------------------


def measure(result, folder, options):
    size = result["size"]
    reused = options.reuse and (folder / "build" / "manifest.json").exists()
    project = (describe_project if reused else write_project)(folder / "project", size)
    env = dict(
        os.environ,
        POLICYKG_ROOT=str(project["root"]),
        POLICYKG_BUILD_DIR=str(folder / "build"),
        POLICYKG_CACHE_SIZE="0",
    )
    result.update(policies=len(project["iris"]["policy"]), data_bytes=project["bytes"])
    progress("build")
    result["build"] = build(env, folder, options.build_timeout)
    if not result["build"]["finished"]:
        return
    if reused:
        result["build"]["reused"] = True
    else:
        progress("rebuild after one handbook changed")
        edit_one_triple(project["last"])
        result["rebuild"] = build(env, folder, options.build_timeout)
        if not result["rebuild"]["finished"]:
            return
    with ExitStack() as stack:
        progress("serve")
        server = stack.enter_context(PolicykgServer(env, options))
        result["start"] = server.cold_start(page_path(project["iris"]["policy"][0]))
        warm_up(server.url, project["iris"]["policy"], options)
        result["routes"] = {}
        texts = routes(result["routes"], server.url, project["iris"], options)
        progress("oxigraph serve")
        oxigraph = stack.enter_context(OxigraphServer(folder / "build" / "store", options))
        result["sparql"] = {}
        compare(result["sparql"], server.url + "/sparql", oxigraph.url + "/query", texts, options)
        result["rss"] = tree_memory(server.process.pid)
        result["oxigraph_rss"] = tree_memory(oxigraph.process.pid)


def write_project(root, size):
    """A project folder: the checkout's ontology and queries, and `size` handbook files."""
    data = root / "data"
    data.mkdir(parents=True)
    for name in ("ontology", "queries"):
        (root / name).symlink_to(CHECKOUT / name, target_is_directory=True)
    (data / "source").symlink_to(CHECKOUT / "data" / "source", target_is_directory=True)
    seed = sorted((CHECKOUT / "data").glob("*.ttl"))
    for path in seed:
        shutil.copyfile(path, data / path.name)
    text = ntriples(seed)
    for k in range(1, size):
        copy = data / f"handbook-c{k:04d}.ttl"
        copy.write_text(MINTED.sub(lambda match, k=k: f"<{match[1]}-c{k}>", text), encoding="utf-8")
    return describe_project(root, size)


def describe_project(root, size):
    """What the benchmark needs of a project folder `write_project` wrote: the IRIs of its
    pages, its last handbook file and the size of its data files."""
    data = root / "data"
    seed = sorted((CHECKOUT / "data").glob("*.ttl"))
    text = ntriples(seed)
    iris = {
        page: sorted(set(re.findall(rf"<({re.escape(BASE)}id/{folder}/[^>]*)> <{RDF_TYPE}>", text)))
        for page, folder in PAGES.items()
    }
    copies = {
        page: [f"{iri}-c{k}" if k else iri for k in range(size) for iri in found]
        for page, found in iris.items()
    }
    last = data / (f"handbook-c{size - 1:04d}.ttl" if size > 1 else seed[-1].name)
    written = sum(path.stat().st_size for path in data.glob("*.ttl"))
    return {"root": root, "iris": copies, "last": last, "bytes": written}


def ntriples(paths):
    """The triples of Turtle files as N-Triples (itself Turtle), one triple a line."""
    store = pyoxigraph.Store()
    for path in paths:
        store.load(path=path, format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE)
    text = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    text = text.decode("utf-8")
    if re.search(r"(^|\s)_:", text, re.MULTILINE):
        raise ValueError("the seed data has blank nodes, which the copies would share")
    return text


def edit_one_triple(path):
    """Change one label of one handbook file (append “（修订）” to its first rdfs:label)."""
    text = path.read_text(encoding="utf-8")
    edited, count = LABEL.subn(r'\1（修订）"@zh', text, count=1)
    if count != 1:
        raise ValueError(f"no rdfs:label to edit in {path.name}")
    path.write_text(edited, encoding="utf-8")


def build(env, folder, timeout):
    """`policykg build` in its own session: wall seconds, the manifest's stages, peak RSS."""
    log = folder / "build.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "policykg"), "build"], env=env, stdout=out, stderr=out, start_new_session=True
        )
    started, peak, usage, status = time.monotonic(), 0, None, None
    try:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                status, usage = kill_group(process.pid)
                break
            peak = max(peak, tree_memory(process.pid)["rss"])
            time.sleep(0.2)
    except BaseException:  # Ctrl-C: the build must not outlive the benchmark
        kill_group(process.pid)
        raise
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    seconds = time.monotonic() - started
    peak = max(peak, usage.ru_maxrss * 1024)
    finished = process.returncode == 0
    manifest = json.loads((folder / "build" / "manifest.json").read_text("utf-8")) if finished else {}
    tail = log.read_text("utf-8", errors="replace").strip().splitlines()[-1:] if not finished else []
    return {
        "finished": finished,
        "timed_out": seconds > timeout,
        "seconds": seconds,
        "peak_rss": peak,
        "stages": manifest.get("seconds", {}),
        "counts": manifest.get("counts", {}),
        "error": tail[0] if tail else "",
    }


def kill_group(pid):
    """Stop a process group we started: SIGTERM, then SIGKILL after 10 s; reap the leader."""
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    return status, usage


# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------


class Server:
    """A server started in its own session on a free 127.0.0.1 port; stopped on exit."""

    def __enter__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn stops its workers on SIGTERM
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # anything of the session left behind

    def wait_for(self, path, timeout):
        """Seconds since the start until `path` answers 200."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command()[0]} exited with {self.process.returncode}")
            try:
                status, _ = fetch(self.url, "GET", path, timeout=5)
                if status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{path} did not answer 200 within {timeout:.0f} s")


class PolicykgServer(Server):
    def __init__(self, env, options):
        self.env, self.options = env, options

    def command(self):
        command = [str(BIN / "policykg"), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        return command + (["--workers", str(self.options.workers)] if self.options.workers else [])

    def cold_start(self, page):
        return {
            "healthz": self.wait_for("/healthz", self.options.start_timeout),
            "page": self.wait_for(page, self.options.start_timeout),
        }


class OxigraphServer(Server):
    """`oxigraph serve-read-only` over a store folder that another process may read too."""

    def __init__(self, location, options):
        self.location, self.options, self.env = location, options, dict(os.environ)

    def command(self):
        binary = shutil.which("oxigraph") or str(BIN / "oxigraph")
        return [
            binary,
            "serve-read-only",
            "--location",
            str(self.location),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout-s",
            str(int(self.options.request_timeout)),
        ]

    def __enter__(self):
        super().__enter__()
        self.wait_for("/query?query=ASK%7B%7D", self.options.start_timeout)
        return self


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_memory(root):
    """RSS and PSS (bytes) summed over `root` and all its descendants, and how many they are."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children.get(pid, [])
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return {"rss": rss, "pss": pss, "processes": len(pids)}


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


class Connections:
    """One keep-alive connection per thread and server; a closed one is opened again."""

    def __init__(self, timeout):
        self.timeout, self.local = timeout, threading.local()

    def request(self, url, method, path, body=None, headers=None):
        """(status, seconds); the body is read to the end."""
        parts = urllib.parse.urlsplit(url)
        pool = self.local.__dict__.setdefault("pool", {})
        for attempt in (1, 2):
            connection = pool.get(parts.netloc)
            if connection is None:
                connection = pool[parts.netloc] = http.client.HTTPConnection(
                    parts.hostname, parts.port, timeout=self.timeout
                )
            started = time.perf_counter()
            try:
                connection.request(method, parts.path + path, body=body, headers=headers or {})
                response = connection.getresponse()
                while response.read(1 << 20):
                    pass
            except (http.client.HTTPException, ConnectionError):
                connection.close()
                pool.pop(parts.netloc, None)
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                pool.pop(parts.netloc, None)
            return response.status, time.perf_counter() - started, response


def fetch(url, method, path, body=None, headers=None, timeout=30):
    """One request on a fresh connection: (status, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def hammer(url, requests, options, clients=1, count=None):
    """Send requests[i] (method, path, body, headers) for i < count, bounded by --route-seconds:
    latencies (s), status counts, requests/s."""
    count = min(count or options.requests, len(requests))
    connections = Connections(options.request_timeout)
    deadline = time.monotonic() + options.route_seconds
    latencies, statuses, lock = [], {}, threading.Lock()

    def one(i):
        if time.monotonic() > deadline:
            return
        method, path, body, headers = requests[i]
        try:
            status, seconds, _ = connections.request(url, method, path, body, headers)
        except (OSError, http.client.HTTPException):
            status, seconds = "timeout", options.request_timeout
        with lock:
            latencies.append(seconds)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    wall = time.monotonic() - started
    return {
        "latencies": sorted(latencies),
        "statuses": statuses,
        "rate": len(latencies) / wall if wall else 0,
    }


def warm_up(url, policies, options):
    """Untimed: a policy page from every web worker (several clients at once, so that each worker
    gets some), so that the routes measure requests, not workers starting their query processes."""
    clients = options.workers or 2 * (os.cpu_count() or 1) + 1
    requests = [("GET", page_path(iri), None, {}) for iri in spread(policies, 4 * clients)]
    patient = argparse.Namespace(**{**vars(options), "route_seconds": options.start_timeout})
    hammer(url, requests, patient, clients, len(requests))


def page_path(iri):
    return "/doc/" + iri.removeprefix(BASE + "id/")


def spread(items, count):
    """`count` items spread evenly over `items` (every handbook's, not only the first's)."""
    step = max(1, len(items) // max(1, count))
    return [items[(i * step) % len(items)] for i in range(count)]


def routes(results, url, iris, options):
    """Fill `results` {route: hammer result}; return the canned queries' bound SPARQL texts
    {query: [text, …]}."""
    n = options.requests
    html = {"Accept": "text/html"}
    get = lambda path, headers=html: ("GET", path, None, headers)  # noqa: E731
    quote = urllib.parse.quote
    work = {
        "home `/`": [get("/")] * n,
        "`/policies`": [get("/policies")] * n,
        "search hit `/policies?q=专利…`": [
            get(f"/policies?q={quote(HITS[i % len(HITS)])}") for i in range(n)
        ],
        "search miss `/policies?q=…`": [get(f"/policies?q={quote(f'火星殖民补贴{i}')}") for i in range(n)],
        **{f"{page} page": [get(page_path(iri)) for iri in spread(iris[page], n)] for page in PAGES},
        "`/hotlines`": [get("/hotlines")] * n,
    }
    status, body = fetch(url, "GET", "/queries.json", headers={"Accept": "application/json"})
    canned = json.loads(body)["queries"] if status == 200 else []
    for query in canned:
        work[f"`{query['name']}`"] = [
            get(f"{query['url']}.json?{urllib.parse.urlencode(bound(query['params'], i))}", {})
            for i in range(n)
        ]
    work |= {
        "`/ask.json`": [get(f"/ask.json?q={quote(question(i))}", {}) for i in range(n)],
        "`POST /match.json`": [
            ("POST", "/match.json", json.dumps(profile(i)).encode(), {"Content-Type": "application/json"})
            for i in range(n)
        ],
        "`/sparql` COUNT": [
            get(f"/sparql?{urllib.parse.urlencode({'query': f'{COUNT}# {i}'})}", {"Accept": SPARQL_JSON})
            for i in range(n)
        ],
        "`/.well-known/void`": [get("/.well-known/void", {"Accept": "text/turtle"})] * n,
        "`/dumps/asserted.nt`": [get("/dumps/asserted.nt", {})] * min(n, options.dump_requests),
        "`/api/policies`": [get("/api/policies", {"Accept": "application/json"})] * n,
    }
    for name, requests in work.items():
        progress(f"  {name}")
        results[name] = hammer(url, requests, options)
    progress("  the canned queries' SPARQL")
    return sparql_texts(url, canned, options)


def bound(params, i):
    """The example parameters; a number the example ± a step (another value per request)."""
    values = {}
    for param in params:
        example = param.get("example")
        if example in (None, ""):
            continue
        try:
            number = float(example)
        except (TypeError, ValueError):
            values[param["name"]] = example
            continue
        step = 10 ** max(0, len(str(int(abs(number)))) - 2)  # 5 → 1, 500000 → 10000
        offset = (i + 1) // 2 * (1 if i % 2 else -1)  # 0, +1, -1, +2, -2, …
        value = number + offset * step
        value = value if value >= 0 else number + (i + 1) * step
        values[param["name"]] = f"{value:g}" if value != int(value) else str(int(value))
    return values


def question(i):
    template = QUESTIONS[i % len(QUESTIONS)]
    return template.format(n=3 + i // len(QUESTIONS))


def profile(i):
    return dict(PROFILE, **{"operating-years": 1 + i % 12, "high-value-invention-patents": 5 + i})


def sparql_texts(url, canned, options):
    """Each canned query's SPARQL as the service binds it ({query: [text per request]}), read
    from the canned route's JSON (`sparql`); a query that does not answer is left out."""
    texts = {}
    for query in canned:
        deadline = time.monotonic() + options.route_seconds
        for i in range(options.requests):
            if time.monotonic() > deadline:
                break
            path = f"{query['url']}.json?{urllib.parse.urlencode(bound(query['params'], i))}"
            try:
                status, body = fetch(url, "GET", path, timeout=options.request_timeout)
            except OSError:
                break
            if status != 200:
                break
            text = json.loads(body).get("sparql")
            if not text:
                break
            texts.setdefault(query["name"], []).append(text)
            if not query["params"]:
                break  # one text; the same request again is uncached (CACHE_SIZE=0)
    return texts


def compare(rows, policykg, oxigraph, texts, options):
    """Fill `rows` {query: (policykg, oxigraph)}: the same SPARQL requests to both servers."""
    for name, bound_texts in texts.items():
        progress(f"  SPARQL {name}")
        requests = [
            (
                "GET",
                "?" + urllib.parse.urlencode({"query": bound_texts[i % len(bound_texts)]}),
                None,
                {"Accept": SPARQL_JSON},
            )
            for i in range(options.requests)
        ]
        rows[name] = tuple(hammer(url, requests, options, options.clients) for url in (policykg, oxigraph))


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def report(results, options, wall):
    measured = [r for r in results if not r.get("skipped")]
    print(f"machine: {machine()}")
    print(
        f"versions: python {platform.python_version()}, pyoxigraph {version('pyoxigraph')}, "
        f"oxigraph {version('oxigraph')}, gunicorn {version('gunicorn')}; POLICYKG_CACHE_SIZE=0; "
        f"{options.requests} requests per route (at most {options.route_seconds:g} s per route, "
        f"{options.request_timeout:g} s per request), one client for routes, {options.clients} for SPARQL; "
        f"benchmark wall time {wall / 60:.1f} min; load average {os.getloadavg()[0]:.1f} at the end"
    )
    head = [f"{r['size']} handbook{'s' if r['size'] > 1 else ''}" for r in results]

    def table(title, rows):
        print(f"\n### {title}\n")
        print("| | " + " | ".join(head) + " |")
        print("|---|" + "---:|" * len(head))
        for label, cells in rows:
            print(f"| {label} | " + " | ".join(cells) + " |")

    def cells(get):
        out = []
        for r in results:
            if r.get("skipped"):
                out.append("not run")
                continue
            try:
                out.append(get(r))
            except KeyError:
                out.append("–")
        return out

    table(
        "Data",
        [
            ("policies", cells(lambda r: f"{r['policies']:,}")),
            ("data files", cells(lambda r: mb(r["data_bytes"]))),
            (
                "triples (asserted + inferred)",
                cells(lambda r: "{asserted:,} + {inferred:,}".format(**r["build"]["counts"])),
            ),
        ],
    )
    stages = unique(
        stage for r in measured for b in ("build", "rebuild") for stage in r.get(b, {}).get("stages", {})
    )
    for key, title in (
        ("build", "Build (`policykg build`)"),
        ("rebuild", "Rebuild after one handbook changed"),
    ):
        table(
            title,
            [
                ("wall", cells(lambda r, key=key: finished(r[key]))),
                *[
                    (f"stage `{s}` s", cells(lambda r, s=s, key=key: f"{r[key]['stages'][s]:.1f}"))
                    for s in stages
                ],
                ("peak RSS", cells(lambda r, key=key: mb(r[key]["peak_rss"]))),
            ],
        )
    table(
        "Service",
        [
            ("cold start: first 200 on `/healthz`", cells(lambda r: f"{r['start']['healthz']:.2f} s")),
            ("cold start: first 200 on a policy page", cells(lambda r: f"{r['start']['page']:.2f} s")),
            (
                "service RSS after the run (PSS)",
                cells(
                    lambda r: (
                        f"{mb(r['rss']['rss'])} ({mb(r['rss']['pss'])}), {r['rss']['processes']} processes"
                    )
                ),
            ),
            (
                "`oxigraph serve-read-only` RSS (same store)",
                cells(lambda r: mb(r["oxigraph_rss"]["rss"])),
            ),
        ],
    )
    names = unique(name for r in measured for name in r.get("routes", {}))
    table(
        "Routes: p50 / p95 ms (requests; errors)",
        [(name, cells(lambda r, name=name: latency(r["routes"][name]))) for name in names],
    )
    queries = unique(name for r in measured for name in r.get("sparql", {}))
    print("\n### Canned SPARQL: policykg `/sparql` and `oxigraph serve`, same requests\n")
    print("| query | " + " | ".join(f"{h}: policykg | oxigraph | ratio" for h in head) + " |")
    print("|---|" + "---:|---:|---:|" * len(head))
    ratios = {r["size"]: [] for r in results}
    for name in queries:
        row = []
        for r in results:
            pair = r.get("sparql", {}).get(name)
            if not pair:
                row += ["–", "–", "–"]
                continue
            ours, theirs = pair
            ratio = ours["rate"] / theirs["rate"] if theirs["rate"] else 0
            if not errors(ours) and not errors(theirs):
                ratios[r["size"]].append(ratio)
            row += [rate(ours), rate(theirs), f"{ratio:.0%}"]
        print(f"| `{name}` | " + " | ".join(row) + " |")
    summary = []
    for r in results:
        got = ratios[r["size"]]
        summary += ["", "", f"**{statistics.geometric_mean(got):.0%}**" if got else "–"]
    print("| **all** (geometric mean of the ratios) | " + " | ".join(summary) + " |")
    print("\nratio: policykg's requests/s ÷ oxigraph's; a cell: req/s, p50 / p95 ms, errors if any")


def unique(items):
    return list(dict.fromkeys(items))


def finished(build):
    if build.get("reused"):
        return f"kept build ({build['seconds']:.1f} s to check it; stages as it was built)"
    if build["finished"]:
        return f"{build['seconds']:.1f} s"
    if build["timed_out"]:
        return f"**did not finish** in {build['seconds'] / 60:.0f} min"
    return f"**failed** after {build['seconds']:.0f} s: {build['error'][:80]}"


def mb(count):
    return f"{count / 1e9:.2f} GB" if count >= 1e9 else f"{count / 1e6:.0f} MB"


def percentile(values, share):
    return values[min(len(values) - 1, int(share * len(values)))]


def errors(run):
    statuses = run["statuses"]
    parts = []
    if statuses.get(504):
        parts.append(f"{statuses[504]}×504")
    other = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 504)
    if other:
        parts.append(f"{other}×5xx")
    client = sum(n for s, n in statuses.items() if isinstance(s, int) and 400 <= s < 500)
    if client:
        parts.append(f"{client}×4xx")
    if statuses.get("timeout"):
        parts.append(f"{statuses['timeout']}× no answer")
    return ", ".join(parts)


def latency(run):
    values = run["latencies"]
    if not values:
        return "–"
    text = f"{1000 * statistics.median(values):,.0f} / {1000 * percentile(values, 0.95):,.0f} ({len(values)}"
    problems = errors(run)
    return text + (f"; **{problems}**)" if problems else ")")


def rate(run):
    values = run["latencies"]
    problems = errors(run)
    return (
        f"{run['rate']:.1f}/s, {1000 * statistics.median(values):,.0f} / {1000 * percentile(values, 0.95):,.0f}"
        + (f", **{problems}**" if problems else "")
    )


def machine():
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return (
        f"{model}, {os.cpu_count()} cores, {memory / 2**30:.0f} GiB, {platform.system()} {platform.release()}"
    )


def progress(message):
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
