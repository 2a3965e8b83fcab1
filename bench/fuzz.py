"""Fuzz benchmark: `python bench/fuzz.py` (from the project root, with the project's .venv).

Builds the project's data into a scratch folder, starts `policykg serve` (gunicorn) on
127.0.0.1 and sends it a bounded number of hostile requests over every route the app
registers and every parameter its pages, API, canned queries and eligibility check read:
huge and malformed numbers, deep JSON, nested SPARQL, escapes, control characters, bad
encodings, invalid chunked bodies, odd methods and headers. Prints the status counts by
route and exits 1 when any answer is a 5xx other than a deliberate 503/504 (a JSON or HTML
error of the service's own shape, naming a limit or the store), or when a connection is
dropped without an answer. Nothing is sent anywhere but the server it started.
"""

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from run import free_port, wait_for

BIN = Path(sys.executable).parent
ROUTES = """\
import json, sys
from policykg.app import create_app, close
app = create_app({"TESTING": True, "RELOAD_SECONDS": 0})
rules = [{"rule": r.rule, "methods": sorted(r.methods - {"HEAD", "OPTIONS"}), "args": sorted(r.arguments)}
         for r in app.url_map.iter_rules() if r.endpoint != "static"]
close(app)
json.dump(rules, sys.stdout)
"""

# Values that have broken parsers somewhere: numbers past float and int limits, signs,
# exponents, control characters, escapes, markup, paths, nesting.
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e309",
    "-1e309",
    "1e32",
    "9" * 400,
    "9" * 5000,
    "1" + "0" * 40,
    "0.000001",
    "1e-400",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "0x10",
    "1_000",
    "１２３",
    "十万",
    "一千亿亿",
    "true",
    "null",
    "[]",
    "{}",
    "\x00",
    "%00",
    "\r\nX-Injected: 1",
    "\ud800",
    "😀" * 50,
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "//evil.example/x",
    "../../../../etc/passwd",
    "a" * 10_000,
    "泰山品质认证能拿多少钱",
    "临政字[2020]113号",
    "\\u0053ERVICE",
    "补贴超过 1" + "0" * 32 + " 元",
    "奖励不低于 " + "9" * 400 + " 万元",
    "补贴超过 99999999 亿元",
    "成立 " + "9" * 40 + " 年以上",
    "(" * 5000,
    "{" * 5000,
    "[" * 5000,
]
SPARQL = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    "DESCRIBE <https://w3id.org/policykg/id/policy/ip-support>",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT * WHERE { " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000 + " }",
    "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "SELECT * WHERE { BIND(" + "(" * 3000 + "1" + ")" * 3000 + " AS ?x) }",
    "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\#b AS ?x) SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "PREFIX ex: <http://e/> SELECT * WHERE { BIND(ex:a\\' AS ?x) SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } BIND('z' AS ?y) }",
    "SELECT * FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }",
    "INSERT DATA { <a:b> <a:c> <a:d> }",
    "LOAD <http://127.0.0.1:9/>",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g",
    "SELECT (1e309 AS ?x) {}",
    "SELECT (" + "9" * 5000 + " AS ?x) {}",
    'SELECT * WHERE { ?s ?p "\\uD800" }',
    "SELECT * WHERE { ?s ?p " + "[ ?q " * 3000 + "1" + " ]" * 3000 + " }",
    'SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }',
    'SELECT ?x WHERE { BIND(IRI("https://w3id.org/policykg//evil.example") AS ?x) }',
    "SELECT * WHERE { ?s ?p ?o ",
    "\x00",
]


def main():
    options = arguments()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="policykg-fuzz-") as scratch:
        env = dict(os.environ, POLICYKG_BUILD_DIR=str(Path(scratch) / "build"), POLICYKG_QUERY_TIMEOUT="2")
        subprocess.run([BIN / "policykg", "build"], env=env, check=True, stdout=subprocess.DEVNULL)
        rules = json.loads(
            subprocess.run([sys.executable, "-c", ROUTES], env=env, check=True, capture_output=True).stdout
        )
        port = free_port()
        log = Path(scratch) / "server.log"
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [BIN / "policykg", "serve", "--port", str(port), "--workers", str(options.workers)],
                env=env,
                stdout=sink,
                stderr=sink,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_for(base + "/healthz")
                cases = Cases(base, rules, rng)
                outcome = run(base, cases, options)
            finally:
                server.terminate()
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    server.kill()
        code = report(outcome, options)
        if code:
            errors_logged(log)
    sys.exit(code)


def errors_logged(log):
    """The distinct exceptions the server logged (the last line of each traceback)."""
    lines = log.read_text("utf-8", "replace").splitlines()
    ends = Counter(
        line.strip()[:200]
        for line, following in zip(lines, [*lines[1:], ""], strict=True)
        if line
        and not line.startswith((" ", "Traceback", "["))
        and not following.startswith(" ")
        and ("Error" in line or "Exception" in line)
    )
    if ends:
        print("\nexceptions in the server log:", file=sys.stderr)
        for line, count in ends.most_common(20):
            print(f"  {count} × {line}", file=sys.stderr)


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests to send (default 10 000)")
    parser.add_argument("--seconds", type=float, default=600, help="stop sending after this long")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=1, help="random seed (the same seed, the same requests)")
    return parser.parse_args()


class Cases:
    """Request makers: each returns (route label, method, path, headers, body) or a raw request."""

    def __init__(self, base, rules, rng):
        self.rng = rng
        self.rules = rules
        self.slugs = self._slugs(base)
        self.canned = get_json(base + "/queries.json")["queries"]
        self.fields = [item["key"] for item in get_json(base + "/match.json")["fields"]]
        self.params = sorted(
            {"q", "format", "timeout", "query", "default-graph-uri", "named-graph-uri", "level", "kind"}
            | {"applicant", "theme", "body", "document", "minAmount", "iri", "page", "offset", "limit"}
            | {"handbook", "city", "year", "profile"}
        )

    def _slugs(self, base):
        policies = get_json(base + "/api/policies")["policies"]
        slugs = {"policy": [item["slug"] for item in policies]}
        slugs["document"] = [d["iri"].rsplit("/", 1)[-1] for p in policies[:3] for d in self._docs(base, p)]
        slugs["organisation"] = [b["iri"].rsplit("/", 1)[-1] for p in policies for b in p["body"]]
        return slugs

    def _docs(self, base, item):
        return get_json(base + item["api"])["policy"]["legalBases"]

    def value(self):
        pick = self.rng.random()
        if pick < 0.6:
            return self.rng.choice(NASTY)
        if pick < 0.8:
            return self.rng.choice(SPARQL)
        return "".join(chr(self.rng.randrange(1, 0x3000)) for _ in range(self.rng.randrange(1, 40)))

    def path_for(self, rule):
        path = rule["rule"]
        for name in rule["args"]:
            options = [
                self.rng.choice(self.slugs.get("policy", ["x"])),
                "policy/" + self.rng.choice(self.slugs["policy"]),
                "organisation/" + self.rng.choice(self.slugs["organisation"] or ["x"]),
                self.rng.choice([q["name"] for q in self.canned]),
                "asserted.nt",
                "closure.ttl.gz",
                urllib.parse.quote(self.value(), safe="", errors="surrogatepass"),
                "x" * 3000,
            ]
            path = path.replace(f"<{name}>", self.rng.choice(options)).replace(
                f"<path:{name}>", self.rng.choice(options)
            )
        return path

    def query_string(self):
        names = self.rng.sample(self.params, self.rng.randrange(0, 4))
        canned = self.rng.choice(self.canned)
        names += [p["name"] for p in canned.get("params", [])][: self.rng.randrange(0, 2)]
        return urllib.parse.urlencode([(name, self.value()) for name in names], errors="surrogatepass")

    def profile(self):
        pick = self.rng.random()
        if pick < 0.2:
            depth = self.rng.choice([10, 999, 1000, 5000])
            return f'{{"{self.rng.choice(self.fields)}": ' + "[" * depth + "1" + "]" * depth + "}"
        if pick < 0.3:
            return "[" * 5000 + "]" * 5000
        profile = {}
        for key in self.rng.sample(self.fields, min(len(self.fields), self.rng.randrange(1, 6))):
            profile[key] = self.rng.choice(
                [
                    10**400,
                    -(10**50),
                    1e308,
                    1e32,
                    0.000001,
                    self.value(),
                    {"national": 10**5000 if self.rng.random() < 0.1 else 3},
                    [{"years_ago": self.rng.choice([1, -1, 10**40, "x"])}],
                    None,
                    True,
                ]
            )
        try:
            return json.dumps(profile)
        except ValueError:  # an int past Python's own digit limit: write it by hand
            field = self.rng.choice(self.fields)
            return f'{{"{field}": {"9" * 5000}}}'

    def make(self):
        """One request: (label, method, path, headers, body) or ("raw", label, bytes)."""
        roll = self.rng.random()
        if roll < 0.05:
            return self.raw()
        rule = self.rng.choice(self.rules)
        method = self.rng.choice(rule["methods"])
        path = self.path_for(rule)
        query = self.query_string()
        url = f"{path}?{query}" if query else path
        headers = {"Accept": self.rng.choice(ACCEPTS)}
        if self.rng.random() < 0.1:
            headers["Host"] = self.rng.choice(
                [
                    "evil.example",
                    "a" * 300,
                    "127.0.0.1:1",
                    "[::1]",
                    "例子.example".encode(),
                    "a..b",
                    "x y",
                    "",
                ]
            )
        if self.rng.random() < 0.05:
            headers["If-None-Match"] = "".join(c for c in self.value()[:200] if " " <= c <= "~")
        body = None
        if method == "POST":
            kind = self.rng.random()
            if "match" in rule["rule"] and kind < 0.5:
                headers["Content-Type"] = "application/json"
                body = self.profile().encode("utf-8", "surrogatepass")
            elif kind < 0.7:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                fields = [(name, self.value()) for name in self.rng.sample(self.fields + self.params, 3)]
                body = urllib.parse.urlencode(fields, errors="surrogatepass").encode("ascii")
            elif kind < 0.85:
                headers["Content-Type"] = "application/sparql-query"
                body = self.rng.choice(SPARQL).encode("utf-8", "surrogatepass")
            else:
                headers["Content-Type"] = self.rng.choice(
                    ["text/plain", "application/json; charset=latin-1", ""]
                )
                body = self.value().encode("utf-8", "surrogatepass")
        return rule["rule"], method, url, headers, body

    def raw(self):
        """Requests http.client will not send: broken chunked bodies, lying lengths."""
        target = self.rng.choice(["/sparql", "/match.json", "/match", "/api/policies"])
        shapes = [
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nASK {}\r\n",
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nquery=1\r\n0\r\n\r\n",
            b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}",
            b"GET %s?q=%%ff%%fe HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
        return "raw", "raw " + target, self.rng.choice(shapes).replace(b"%s", target.encode())


ACCEPTS = [
    "*/*",
    "text/html",
    "application/json",
    "application/sparql-results+json",
    "text/turtle",
    "application/rdf+xml",
    "text/csv",
    "application/ld+json",
    "text/html;q=0, application/json;q=0",
    "image/png",
    "",
]


def run(base, cases, options):
    counts = defaultdict(Counter)
    failures = []
    lock = threading.Lock()
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    deadline = time.monotonic() + options.seconds
    requests = [cases.make() for _ in range(options.requests)]

    def send(request):
        if time.monotonic() > deadline:
            return
        if request[0] == "raw":
            label, status, body = request[1], *raw(host, port, request[2])
            method, url = "RAW", request[1]
        else:
            label, method, url, headers, body_out = request
            status, body = fetch(host, port, method, url, headers, body_out)
        with lock:
            counts[label][status] += 1
            if not acceptable(status, body):
                failures.append((status, method, url[:300], (body or b"")[:300]))

    with ThreadPoolExecutor(options.clients) as pool:
        list(pool.map(send, requests))
    return counts, failures


def fetch(host, port, method, url, headers, body):
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.putrequest(method, url, skip_host="Host" in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        return f"dropped ({type(error).__name__})", None
    finally:
        connection.close()


def raw(host, port, data):
    with socket.create_connection((host, port), timeout=30) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        except OSError as error:
            return f"dropped ({type(error).__name__})", None
    if not reply:
        return "closed", b""
    line = reply.split(b"\r\n", 1)[0].split()
    status = int(line[1]) if len(line) > 1 and line[1].isdigit() else "unreadable"
    return status, reply.split(b"\r\n\r\n", 1)[-1]


def acceptable(status, body):
    """A 5xx is fine only as the service's own 503/504 error; a dropped connection never is
    (gunicorn itself closes a connection it cannot parse: "closed" with no answer is fine)."""
    if status == "closed":
        return True
    if not isinstance(status, int):
        return False
    if status < 500:
        return True
    if status in (503, 504):
        text = (body or b"").decode("utf-8", "replace")
        return '"ok": false' in text or "<html" in text.lower()
    return False


def report(outcome, options):
    counts, failures = outcome
    statuses = sorted({status for per in counts.values() for status in per}, key=str)
    total = sum(sum(per.values()) for per in counts.values())
    print(f"# policykg fuzz: {total} requests, seed {options.seed}, {options.clients} clients\n")
    print("| route | " + " | ".join(str(s) for s in statuses) + " |")
    print("|---|" + "---|" * len(statuses))
    for route in sorted(counts):
        print(f"| `{route}` | " + " | ".join(str(counts[route].get(s, "")) for s in statuses) + " |")
    overall = Counter()
    for per in counts.values():
        overall.update(per)
    print("| **all** | " + " | ".join(str(overall.get(s, "")) for s in statuses) + " |")
    if failures:
        print(f"\n{len(failures)} unacceptable answers (first 20):", file=sys.stderr)
        for status, method, url, body in failures[:20]:
            print(f"  {status} {method} {url!r} {body!r}", file=sys.stderr)
        return 1
    if total < options.requests:
        print(
            f"\nonly {total} of {options.requests} requests sent within {options.seconds:g} s",
            file=sys.stderr,
        )
    return 0


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


if __name__ == "__main__":
    main()
