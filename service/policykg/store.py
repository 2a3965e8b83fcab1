"""One small interface over the graph store: embedded pyoxigraph or a remote SPARQL 1.1 endpoint.

`open_store(cfg)` picks the backend from `cfg["STORE"]`. Both answer `query()` with a
`Result`, apply the same limits (a time limit a caller may lower but never raise, a row cap
with `truncated`) and cache answers per data version, since the data is read-only.

The embedded store runs queries in a few worker processes, each holding the build's store
open read-only, so that a query past its time limit can really be stopped: its worker is
killed and replaced while the others keep answering.
"""

import http.client
import json
import multiprocessing.connection
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph
from SPARQLWrapper import JSON, N3, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from policykg import artifact, errors, queries, sandbox
from policykg.cache import LRU
from policykg.namespaces import RDF_LANG_STRING, XSD_BOOLEAN, XSD_STRING

# xsd:boolean's canonical forms, for servers that answer with the other legal ones (Virtuoso: 1/0).
BOOLEAN_FORMS = {"1": "true", "0": "false"}
POSITION = re.compile(r"(\d+):(\d+)")
# Seconds allowed for one Graph Store Protocol upload.
LOAD_TIMEOUT = 600
REMOTE_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Result:
    """A query's answer, whatever the store. Cached and shared between callers: do not mutate."""

    form: str  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, dict[str, str]]] = field(default_factory=list)  # variable → SPARQL 1.1 JSON term
    boolean: bool | None = None
    triples: list[str] = field(default_factory=list)  # N-Triples lines
    truncated: bool = False


def open_store(cfg: queries.Settings) -> "Store":
    """The store `cfg["STORE"]` names, over the data of the build in `cfg["BUILD_DIR"]`."""
    manifest = artifact.manifest(cfg)
    version = manifest["data_version"] if manifest else None
    if cfg["STORE"] == "embedded":
        path = Path(cfg["BUILD_DIR"]) / "store"
        if version is None or not path.is_dir():
            raise errors.StoreUnavailable(
                f"{cfg['BUILD_DIR']} 中没有构建结果，请先运行 policykg build (no build found; run `policykg build`)"
            )
        return EmbeddedStore(cfg, version, str(path))
    if cfg["STORE"] == "remote":
        if not cfg["ENDPOINT"]:
            raise errors.StoreUnavailable("STORE=remote 需要 ENDPOINT (the remote store needs ENDPOINT)")
        return RemoteStore(cfg, version, cfg["ENDPOINT"])
    raise errors.StoreUnavailable(f"未知的 STORE {cfg['STORE']!r} (STORE is 'embedded' or 'remote')")


def _nothing():
    pass


class Newest:
    """A store that follows the build: every `RELOAD_SECONDS` (0: never) it looks whether
    `BUILD_DIR` holds a newer data version and, if so, answers from it from then on. The store
    it replaces is closed as soon as no request still uses it. Same interface as a store."""

    def __init__(self, cfg: queries.Settings):
        self.cfg = cfg
        self.current = open_store(cfg)
        self._looked = time.monotonic()
        self._lock = threading.Lock()

    @property
    def kind(self) -> str | None:
        return self.current.kind

    def data_version(self) -> str | None:
        return self.newest().data_version()

    def query(self, sparql: str, **limits: Any) -> Result:
        return self.newest().query(sparql, **limits)

    def triple_count(self) -> int:
        return self.newest().triple_count()

    def close(self) -> None:
        self.current.close()

    def newest(self) -> "Store":
        every = self.cfg["RELOAD_SECONDS"]
        if every > 0 and time.monotonic() - self._looked >= every:
            with self._lock:
                if time.monotonic() - self._looked >= every:
                    self._looked = time.monotonic()
                    self._follow()
        return self.current

    def _follow(self):
        manifest = artifact.manifest(self.cfg)
        if manifest is None or manifest["data_version"] == self.current.data_version():
            return
        try:
            fresh = open_store(self.cfg)
        except errors.ServiceError:
            return  # caught between two renames of a build: look again next time
        replaced, self.current = self.current, fresh
        weakref.finalize(replaced, replaced.closer())


class Store:
    """Limits and the answer cache; subclasses run the query (`_run`)."""

    kind: str | None = None

    def __init__(self, cfg: queries.Settings, version: str | None):
        self.cfg = cfg
        self._version = version
        # Answers are cached only when we know which data the store holds.
        self._cache: LRU[Result] = LRU(cfg["CACHE_SIZE"] if version else 0)
        self._count_query = queries.internal(cfg, "triple_count").bind()

    def data_version(self) -> str | None:
        return self._version

    def query(
        self,
        sparql: str,
        *,
        timeout: float | None = None,
        row_cap: int | None = None,
        default_graphs: Iterable[str] | None = None,
        named_graphs: Iterable[str] | None = None,
    ) -> Result:
        """Run `sparql`; `default_graphs`/`named_graphs` (IRIs) set the dataset as in the protocol."""
        seconds = min(_positive(timeout, self.cfg["QUERY_TIMEOUT"], "timeout"), self.cfg["QUERY_TIMEOUT"])
        # The row cap protects clients; the service's own queries (dumps, lexicons) may raise it.
        cap = int(_positive(row_cap, self.cfg["ROW_CAP"], "row_cap"))
        if default_graphs is not None or named_graphs is not None:
            default_graphs, named_graphs = tuple(default_graphs or ()), tuple(named_graphs or ())
        key = (self._version, sparql, default_graphs, named_graphs, cap)
        result = self._cache.get(key)
        if result is None:
            result = self._run(sparql, seconds, cap, default_graphs, named_graphs)
            self._cache.put(key, result)
        return result

    def triple_count(self) -> int:
        """Triples in the default graph (the whole closure)."""
        return int(self.query(self._count_query).rows[0]["triples"]["value"])

    def _run(self, sparql, seconds, cap, default_graphs, named_graphs) -> Result:
        raise NotImplementedError

    def close(self) -> None:
        self.closer()()

    def closer(self) -> Callable[[], None]:
        """What releases this store's resources, without holding on to the store itself."""
        return _nothing


def _positive(value, default, name):
    """`value`, or `default` when it is None."""
    if value is None:
        return default
    if value <= 0:
        raise errors.BadRequest(f"{name} 应为正数 ({name} must be positive)", param=name)
    return value


def _time_limit(seconds):
    return errors.QueryTimeout(
        f"查询超过时间限制 {seconds:g} 秒 (the query ran past the time limit of {seconds:g} s)",
        limit="time",
        seconds=seconds,
    )


def _syntax_error(message):
    position = POSITION.search(message)
    details = {"line": int(position[1]), "column": int(position[2])} if position else {}
    return errors.QuerySyntaxError(f"SPARQL 语法错误 (syntax error): {message}", **details)


def _json_term(term):
    """A SPARQL 1.1 JSON term; simple literals carry no datatype, as both stores write them."""
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        if term.datatype.value != XSD_STRING:
            return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
        return {"type": "literal", "value": term.value}
    return {
        "type": "triple",
        "value": {part: _json_term(getattr(term, part)) for part in ("subject", "predicate", "object")},
    }


def _ntriple(statement):
    return f"{statement.subject} {statement.predicate} {statement.object} ."


def _result(answer, cap):
    """A pyoxigraph answer as a Result, keeping at most `cap` rows or triples."""
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return Result("ask", boolean=bool(answer))
    if isinstance(answer, pyoxigraph.QuerySolutions):
        names = [variable.value for variable in answer.variables]
        rows = [
            {name: _json_term(solution[name]) for name in names if solution[name] is not None}
            for solution in islice(answer, cap + 1)
        ]
        return Result("select", names, rows[:cap], truncated=len(rows) > cap)
    triples = [_ntriple(triple) for triple in islice(answer, cap + 1)]
    return Result("graph", triples=triples[:cap], truncated=len(triples) > cap)


class EmbeddedStore(Store):
    """The build's on-disk pyoxigraph store, queried in worker processes."""

    kind = "embedded"

    def __init__(self, cfg, version, path):
        super().__init__(cfg, version)
        self._pool = _Pool(path, cfg["QUERY_WORKERS"], cfg.get("SANDBOX", "on"))

    def _run(self, sparql, seconds, cap, default_graphs, named_graphs):
        status, value = self._pool.run((sparql, cap, default_graphs, named_graphs), seconds)
        if status == "ok":
            return value
        if status == "syntax":
            raise _syntax_error(value)
        if status == "bad":
            raise errors.BadRequest(f"查询无法执行 (the query cannot run): {value}")
        raise errors.StoreUnavailable(f"存储出错 (the store failed): {value}")

    def closer(self):
        return self._pool.close


def _serve(path, fd):
    """A worker process: open the store read-only, answer requests until the pipe closes."""
    sandbox.forbid_network()  # first: no query this process runs can open a network socket
    connection = multiprocessing.connection.Connection(fd)
    store = pyoxigraph.Store.read_only(path)
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        connection.send(_answer(store, *request))


def _answer(store, sparql, cap, default_graphs, named_graphs):
    """(status, Result or message) for one request; statuses: ok, syntax, bad, failed."""
    dataset = {}
    if default_graphs is not None:
        dataset = {
            "default_graph": [pyoxigraph.NamedNode(iri) for iri in default_graphs],
            "named_graphs": [pyoxigraph.NamedNode(iri) for iri in named_graphs],
        }
    try:
        return "ok", _result(store.query(sparql, **dataset), cap)
    except SyntaxError as error:
        return "syntax", str(error)
    except ValueError as error:
        return "bad", str(error)
    except OSError as error:
        return "failed", str(error)


# A worker is a fresh interpreter that imports this module, never a fork of a threaded server.
# It is started with subprocess: multiprocessing's "spawn" would also re-run the parent's
# __main__ script in it (and fails when there is none, as under `python -`).
WORKER = "import sys; from policykg.store import _serve; _serve(sys.argv[1], int(sys.argv[2]))"


class _Worker:
    """One query process and the pipe to it."""

    def __init__(self, path, sandbox):
        self.connection, child = multiprocessing.connection.Pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, path, str(child.fileno())],
            pass_fds=[child.fileno()],
            env=dict(os.environ, POLICYKG_SANDBOX=sandbox),  # the setting, whatever set it
            start_new_session=True,  # Ctrl-C in a terminal is for the server, which stops its workers
        )
        child.close()

    def ask(self, request, seconds):
        """The worker's reply, or None when it has not answered within `seconds`."""
        self.connection.send(request)
        if not self.connection.poll(max(seconds, 0)):
            return None
        return self.connection.recv()

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.connection.close()


class _Pool:
    """Query workers, started on first use; a worker that overruns its deadline is replaced."""

    def __init__(self, path, size, sandbox="on"):
        self._path = path
        self._size = size
        self._sandbox = sandbox
        self._lock = threading.Lock()
        self._owner = None  # the process that started the workers
        self._workers = []
        self._idle: queue.SimpleQueue = queue.SimpleQueue()

    def run(self, request, seconds):
        deadline = time.monotonic() + seconds
        self._start()
        try:
            worker = self._idle.get(timeout=seconds)
        except queue.Empty:
            raise _time_limit(seconds) from None
        try:
            reply = worker.ask(request, deadline - time.monotonic())
        except (OSError, EOFError):
            self._replace(worker)
            raise errors.StoreUnavailable("查询进程意外退出 (the query worker died)") from None
        if reply is None:
            self._replace(worker)
            raise _time_limit(seconds)
        self._idle.put(worker)
        return reply

    def _start(self):
        with self._lock:
            # Workers started by another process (a parent we were forked from) are not ours.
            if self._owner == os.getpid():
                return
            self._workers = [_Worker(self._path, self._sandbox) for _ in range(self._size)]
            self._idle = queue.SimpleQueue()
            for worker in self._workers:
                self._idle.put(worker)
            self._owner = os.getpid()

    def _replace(self, worker):
        # Whoever takes a worker out of the list under the lock stops it, once: here, or close().
        with self._lock:
            if worker not in self._workers:
                return  # the pool was closed meanwhile, and close() stops it
            fresh = _Worker(self._path, self._sandbox)
            self._workers[self._workers.index(worker)] = fresh
        worker.stop()
        self._idle.put(fresh)

    def close(self):
        with self._lock:
            workers = self._workers if self._owner == os.getpid() else []
            self._workers, self._owner = [], None
        for worker in workers:
            worker.stop()


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint; nothing kept between requests but the answer cache."""

    kind = "remote"

    def __init__(self, cfg, version, endpoint):
        super().__init__(cfg, version)
        self.endpoint = endpoint

    def _run(self, sparql, seconds, cap, default_graphs, named_graphs):
        if queries.form(sparql) is None:  # (SPARQLWrapper would only warn, and guess SELECT)
            raise _syntax_error("找不到 SELECT、ASK、CONSTRUCT 或 DESCRIBE (not a SPARQL query)")
        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setOnlyConneg(True)
        client.setQuery(sparql)
        client.timeout = seconds  # setTimeout() would round it to whole seconds
        for iri in default_graphs or ():
            client.addDefaultGraph(iri)
        for iri in named_graphs or ():
            client.addNamedGraph(iri)
        is_graph = client.queryType in ("CONSTRUCT", "DESCRIBE")
        client.setReturnFormat(N3 if is_graph else JSON)
        deadline = time.monotonic() + seconds
        try:
            response = client.query().response
            body = _read_until(response, deadline, seconds)
        except QueryBadFormed as error:
            raise _syntax_error(_located(sparql, _server_message(error))) from None
        except SPARQLWrapperException as error:
            raise self._unavailable(_server_message(error)) from None
        except urllib.error.HTTPError as error:
            raise self._unavailable(f"HTTP {error.code}") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, socket.timeout):
                raise _time_limit(seconds) from None
            raise self._unavailable(error.reason) from None
        except TimeoutError:
            raise _time_limit(seconds) from None
        except (OSError, http.client.HTTPException) as error:  # reset, closed mid-answer
            raise self._unavailable(error) from None
        try:
            return _remote_result(
                body, response.headers.get_content_type(), cap, is_graph, queries.form(sparql)
            )
        except (ValueError, KeyError, SyntaxError) as error:
            raise self._unavailable(f"无法读取的答复 (unreadable answer): {error}") from None

    def _unavailable(self, reason):
        return errors.StoreUnavailable(
            f"远程 SPARQL 服务不可用 (the remote SPARQL service is unavailable): {self.endpoint}: {reason}"
        )


def _read_until(response, deadline, seconds):
    """The whole body, read in chunks so that an answer still streaming at the deadline is
    abandoned there (the socket timeout alone bounds each read, not the whole answer)."""
    chunks = []
    try:
        while chunk := response.read(REMOTE_CHUNK_BYTES):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _time_limit(seconds)
    finally:
        response.close()
    return b"".join(chunks)


def _remote_result(body, media_type, cap, is_graph, form):
    if is_graph:
        rdf_format = pyoxigraph.RdfFormat.from_media_type(media_type) or pyoxigraph.RdfFormat.TURTLE
        triples = [_ntriple(quad) for quad in islice(pyoxigraph.parse(body, format=rdf_format), cap + 1)]
        return Result("graph", triples=triples[:cap], truncated=len(triples) > cap)
    answer = json.loads(body)
    if "boolean" in answer:
        return Result("ask", boolean=answer["boolean"])
    if form == "ask":  # Virtuoso answers ASK as a table: one row for true, none for false
        return Result("ask", boolean=bool(answer["results"]["bindings"]))
    rows = [
        {name: _remote_term(term) for name, term in binding.items()}
        for binding in answer["results"]["bindings"][: cap + 1]
    ]
    return Result("select", answer["head"]["vars"], rows[:cap], truncated=len(rows) > cap)


def _located(sparql, message):
    """The server's syntax error message, with a line:column from Oxigraph's parser when the
    server gives none (Virtuoso names the line only), so that every store tells the position."""
    if POSITION.search(message):
        return message
    try:
        pyoxigraph.Store().query(sparql)  # parsed, not run: the store is empty and the answer unread
    except SyntaxError as error:
        if position := POSITION.search(str(error)):
            return f"{message} (at {position[0]})"
    except (ValueError, OSError):
        pass
    return message


def _server_message(error):
    """The body of an endpoint's error answer, as text."""
    body = error.args[0] if error.args else ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return text.split("Response:\n", 1)[-1].strip()


def _remote_term(term):
    """A server's JSON term written as our own: `literal` only, no xsd:string/rdf:langString,
    booleans in canonical form."""
    term = dict(term, type="literal") if term["type"] == "typed-literal" else dict(term)
    if term.get("datatype") in (XSD_STRING, RDF_LANG_STRING):
        del term["datatype"]
    if term.get("datatype") == XSD_BOOLEAN:
        term["value"] = BOOLEAN_FORMS.get(term["value"], term["value"])
    return term


def load_remote(cfg, gsp_endpoint):
    """Put the build into a SPARQL 1.1 Graph Store Protocol endpoint: the closure as the default
    graph, and the named graphs `<BASE>graph/asserted` and `<BASE>graph/inferred`."""
    manifest = artifact.manifest(cfg)
    if manifest is None:
        raise errors.BuildError(f"{cfg['BUILD_DIR']}: 没有构建结果 (no build; run `policykg build`)")
    folder = Path(cfg["BUILD_DIR"])
    asserted = (folder / "asserted.nt").read_bytes()
    inferred = (folder / "inferred.nt").read_bytes()
    base = manifest["base_iri"]
    uploads = [
        ("default", asserted + inferred),
        ("graph=" + urllib.parse.quote(f"{base}graph/asserted", safe=""), asserted),
        ("graph=" + urllib.parse.quote(f"{base}graph/inferred", safe=""), inferred),
    ]
    for target, body in uploads:
        request = urllib.request.Request(
            f"{gsp_endpoint}?{target}",
            data=body,
            method="PUT",
            headers={"Content-Type": "application/n-triples"},
        )
        try:
            with urllib.request.urlopen(request, timeout=LOAD_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            message = error.read().decode("utf-8", "replace").strip()
            raise errors.StoreUnavailable(
                f"上传到 {gsp_endpoint}?{target} 失败 (upload failed): HTTP {error.code} {message}"
            ) from None
        except OSError as error:
            raise errors.StoreUnavailable(
                f"远程 SPARQL 服务不可用 (the remote store is unavailable): {gsp_endpoint}: {error}"
            ) from None
    return manifest
