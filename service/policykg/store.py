"""One small interface over the graph store: embedded pyoxigraph or a remote SPARQL 1.1 endpoint.

`open_store(cfg)` picks the backend from `cfg["STORE"]`. Both answer `query()` with a
`Result`, apply the same limits (a time limit a caller may lower but never raise, a row cap
with `truncated`) and cache answers per data version, since the data is read-only.

The embedded store runs queries in a few worker processes, each holding the build's store
open read-only, so that a query past its time limit can really be stopped: its worker is
killed and replaced while the others keep answering. Workers come in two lanes: "service"
(the service's own queries: canned, pages, linked data) and "adhoc" (`/sparql`), each with
its own processes, so that slow ad-hoc queries never make the service's own wait. Each worker
runs under an address-space limit (`QUERY_MEMORY_MB`) and dies with the process that started it.
"""

import http.client
import io
import json
import logging
import multiprocessing.connection
import os
import queue
import re
import signal
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
from concurrent.futures import ThreadPoolExecutor
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
log = logging.getLogger(__name__)

POSITION = re.compile(r"(\d+):(\d+)")
LANES = ("service", "adhoc")
# Graphs from a remote store: N-Triples or Turtle only (never RDF/XML, whose entities expand).
GRAPH_TYPES = {"application/n-triples": "N_TRIPLES", "text/turtle": "TURTLE"}
# Seconds allowed for one Graph Store Protocol upload.
LOAD_TIMEOUT = 600
REMOTE_CHUNK_BYTES = 1 << 16
# Seconds a new query process may take to start and open the store (not part of a time limit).
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class Result:
    """A query's answer, whatever the store. Cached and shared between callers: do not mutate."""

    form: str  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, dict[str, str]]] = field(default_factory=list)  # variable → SPARQL 1.1 JSON term
    boolean: bool | None = None
    triples: list[str] = field(default_factory=list)  # N-Triples lines
    truncated: bool = False


def weigh(result: Result) -> int:
    """The bytes `result` holds in memory (its lists, dicts and strings, as sys.getsizeof
    counts them; the names of variables and of term keys are shared and not counted)."""
    size = sys.getsizeof(result) + sys.getsizeof(result.rows) + sys.getsizeof(result.triples)
    for row in result.rows:
        size += sys.getsizeof(row)
        for term in row.values():
            size += sys.getsizeof(term) + sum(sys.getsizeof(value) for value in term.values())
    return size + sum(sys.getsizeof(line) for line in result.triples)


def open_store(cfg: queries.Settings) -> "Store":
    """The store `cfg["STORE"]` names, over the data of the build in `cfg["BUILD_DIR"]`."""
    manifest = artifact.manifest(cfg)
    version = manifest["data_version"] if manifest else None
    if cfg["STORE"] == "embedded":
        path = Path(cfg["BUILD_DIR"]) / "store"
        if version is None or not path.is_dir():
            log.warning("no build found in %s", cfg["BUILD_DIR"])
            raise errors.StoreUnavailable(
                "构建目录中没有构建结果，请先运行 policykg build (no build found; run `policykg build`)"
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
        try:
            manifest = artifact.manifest(self.cfg)
            if manifest is None or manifest["data_version"] == self.current.data_version():
                return
            fresh = open_store(self.cfg)
        except errors.ServiceError:
            # Caught between two renames of a build, or a damaged manifest: keep answering from
            # the store we have, and look again next time.
            return
        replaced, self.current = self.current, fresh
        weakref.finalize(replaced, replaced.closer())


class Store:
    """Limits and the answer cache; subclasses run the query (`_run`)."""

    kind: str | None = None

    def __init__(self, cfg: queries.Settings, version: str | None):
        self.cfg = cfg
        self._version = version
        # Answers are cached only when we know which data the store holds: at most
        # CACHE_BYTES of them (as `weigh` counts) and CACHE_SIZE answers.
        self._cache: LRU[Result] = LRU(cfg["CACHE_BYTES"] if version else 0, weigh, most=cfg["CACHE_SIZE"])
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
        lane: str = "service",
    ) -> Result:
        """Run `sparql`; `default_graphs`/`named_graphs` (IRIs) set the dataset as in the protocol.
        `lane` is "service" for the service's own queries, "adhoc" for clients' (`/sparql`).
        A time limit below MIN_TIMEOUT is raised to it: stopping a query costs a process."""
        limit = self.cfg["QUERY_TIMEOUT"]
        seconds = min(_positive(timeout, limit, "timeout"), limit)
        seconds = max(seconds, min(self.cfg["MIN_TIMEOUT"], limit))
        # The row cap protects clients; the service's own queries (dumps, lexicons) may raise it.
        cap = int(_positive(row_cap, self.cfg["ROW_CAP"], "row_cap"))
        if default_graphs is not None or named_graphs is not None:
            default_graphs, named_graphs = tuple(default_graphs or ()), tuple(named_graphs or ())
        key = (self._version, sparql, default_graphs, named_graphs, cap)
        result = self._cache.get(key)
        if result is None:
            result = self._run(sparql, seconds, cap, default_graphs, named_graphs, lane)
            if self._cache.limit and self._holds_data():
                self._cache.put(key, result)
        return result

    def triple_count(self) -> int:
        """Triples in the default graph (the whole closure)."""
        return int(self.query(self._count_query).rows[0]["triples"]["value"])

    def _holds_data(self) -> bool:
        """Whether the store holds data, so that its answers may be cached."""
        return True

    def _run(self, sparql, seconds, cap, default_graphs, named_graphs, lane) -> Result:
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


# A SELECT answer is written by Oxigraph's own SPARQL JSON serializer and read back by Python's
# json: the same rows as building each term in Python (`_result`), at a fraction of the cost per
# term. Past this many bytes per allowed row (an answer the row cap will cut) the writing stops
# and the rows are taken one at a time up to the cap instead.
NATIVE_BYTES_PER_ROW = 1024


class _Full(Exception):
    """The answer outgrew the bytes allowed for it."""


class _Bounded(io.BytesIO):
    """A buffer for pyoxigraph's serializer that refuses to hold more than `limit` bytes."""

    def __init__(self, limit):
        super().__init__()
        self.limit = limit

    def write(self, data):
        if self.tell() + len(data) > self.limit:
            raise _Full()
        return super().write(data)


def _native_result(run, cap):
    """The Result of the answer `run()` gives (a fresh one each call), SELECT rows through the
    native serializer; run again, row by row, when it is too large for that."""
    answer = run()
    if not isinstance(answer, pyoxigraph.QuerySolutions):
        return _result(answer, cap)
    names = [variable.value for variable in answer.variables]
    sink = _Bounded((1 << 20) + cap * NATIVE_BYTES_PER_ROW)
    try:
        answer.serialize(sink, format=pyoxigraph.QueryResultsFormat.JSON)
    except _Full:
        return _result(run(), cap)
    rows = json.loads(sink.getvalue())["results"]["bindings"]
    return Result("select", names, rows[:cap], truncated=len(rows) > cap)


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
        self._path = path
        sizes = {"service": cfg["QUERY_WORKERS"], "adhoc": cfg["ADHOC_WORKERS"]}
        self._pools = {
            lane: _Pool(path, sizes[lane], cfg.get("SANDBOX", "on"), cfg["QUERY_MEMORY_MB"]) for lane in LANES
        }

    def _run(self, sparql, seconds, cap, default_graphs, named_graphs, lane):
        if lane not in self._pools:
            raise ValueError(f"unknown lane {lane!r}")
        status, value = self._pools[lane].run((sparql, cap, default_graphs, named_graphs), seconds)
        if status == "ok":
            return value
        if status == "syntax":
            raise _syntax_error(value)
        if status == "bad":
            raise errors.BadRequest(f"查询无法执行 (the query cannot run): {value}")
        if status == "memory":
            raise _memory_limit(self.cfg["QUERY_MEMORY_MB"])
        log.warning("store failed: %s", value)
        raise errors.StoreUnavailable(f"存储出错 (the store failed): {value.replace(self._path, '…')}")

    def closer(self):
        closers = [pool.close for pool in self._pools.values()]

        def close():
            for each in closers:
                each()

        return close


def _memory_limit(megabytes):
    return errors.StoreUnavailable(
        f"查询超过内存限制 {megabytes} MB (the query ran past the memory limit of {megabytes} MB)",
        limit="memory",
        megabytes=megabytes,
    )


def _serve(path, fd, parent, megabytes):
    """A worker process: open the store read-only, answer requests until the pipe closes."""
    sandbox.die_with_parent(parent)  # killed by the kernel when the web worker goes, even mid-query
    sandbox.forbid_network()  # no query this process runs can open a network socket
    sandbox.limit_memory(megabytes)  # before the store is opened: every allocation counts
    connection = multiprocessing.connection.Connection(fd)
    store = pyoxigraph.Store.read_only(path)
    connection.send(("ready", None))
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        reply = _answer(store, *request)
        connection.send(reply)
        if reply[0] == "memory":
            return  # its heap may be in pieces: the pool replaces it


def _answer(store, sparql, cap, default_graphs, named_graphs):
    """(status, Result or message) for one request; statuses: ok, syntax, bad, memory, failed.
    Past the memory limit, an allocation in Python raises MemoryError; one in Oxigraph (Rust)
    aborts the process, which the pool reads from its exit signal."""
    dataset = {}
    if default_graphs is not None:
        dataset = {
            "default_graph": [pyoxigraph.NamedNode(iri) for iri in default_graphs],
            "named_graphs": [pyoxigraph.NamedNode(iri) for iri in named_graphs],
        }
    try:
        return "ok", _native_result(lambda: store.query(sparql, **dataset), cap)
    except SyntaxError as error:
        return "syntax", str(error)
    except ValueError as error:
        return "bad", str(error)
    except OSError as error:
        return "failed", str(error)
    except MemoryError:
        return "memory", ""


# A worker is a fresh interpreter that imports this module, never a fork of a threaded server.
# It is started with subprocess: multiprocessing's "spawn" would also re-run the parent's
# __main__ script in it (and fails when there is none, as under `python -`).
WORKER = (
    "import sys; from policykg.store import _serve; "
    "_serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))"
)


class _Worker:
    """One query process and the pipe to it."""

    def __init__(self, path, sandbox, megabytes):
        self.connection, child = multiprocessing.connection.Pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER, path, str(child.fileno()), str(os.getpid()), str(megabytes)],
            pass_fds=[child.fileno()],
            env=dict(os.environ, POLICYKG_SANDBOX=sandbox),  # the setting, whatever set it
            start_new_session=True,  # Ctrl-C in a terminal is for the server, which stops its workers
        )
        child.close()
        self._ready = False

    def ready(self):
        """Wait until the process has opened the store; the seconds it took (0 once started)."""
        if self._ready:
            return 0.0
        started = time.monotonic()
        if not self.connection.poll(STARTUP_SECONDS):
            raise EOFError("the query process did not start")
        self.connection.recv()
        self._ready = True
        return time.monotonic() - started

    def ask(self, request, seconds):
        """The worker's reply, or None when it has not answered within `seconds`."""
        self.connection.send(request)
        if not self.connection.poll(max(seconds, 0)):
            return None
        return self.connection.recv()

    def died_of_memory(self):
        """Whether the process ended by abort(), as Rust does when an allocation fails."""
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return False
        return code == -signal.SIGABRT

    def stop(self):
        self.process.kill()
        self.process.wait()
        self.connection.close()


class _Pool:
    """Query workers, started on first use; a worker that overruns its deadline, or its
    memory limit, is replaced. Workers are started from one thread of the pool's own, which
    lives as long as the pool: a worker dies with the thread that started it (PDEATHSIG), and
    request threads come and go."""

    def __init__(self, path, size, sandbox="on", megabytes=0):
        self._path = path
        self._size = size
        self._sandbox = sandbox
        self._megabytes = megabytes
        self._lock = threading.Lock()
        self._owner = None  # the process that started the workers
        self._starter: ThreadPoolExecutor | None = None
        self._workers = []
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        self.started = 0  # workers started, replacements included

    def _new_worker(self):
        self.started += 1
        assert self._starter is not None
        return self._starter.submit(_Worker, self._path, self._sandbox, self._megabytes).result()

    def run(self, request, seconds):
        deadline = time.monotonic() + seconds
        self._start()
        try:
            worker = self._idle.get(timeout=seconds)
        except queue.Empty:
            raise _time_limit(seconds) from None
        try:
            deadline += worker.ready()  # starting a process is not the query's time
            reply = worker.ask(request, deadline - time.monotonic())
        except (OSError, EOFError):
            memory = worker.died_of_memory()
            self._replace(worker)
            if memory:
                raise _memory_limit(self._megabytes) from None
            raise errors.StoreUnavailable("查询进程意外退出 (the query worker died)") from None
        if reply is None:
            self._replace(worker)
            raise _time_limit(seconds)
        if reply[0] == "memory":
            self._replace(worker)
        else:
            self._idle.put(worker)
        return reply

    def _start(self):
        with self._lock:
            # Workers started by another process (a parent we were forked from) are not ours.
            if self._owner == os.getpid():
                return
            self._starter = ThreadPoolExecutor(1, thread_name_prefix="policykg-query-workers")
            self._workers = [self._new_worker() for _ in range(self._size)]
            self._idle = queue.SimpleQueue()
            for worker in self._workers:
                self._idle.put(worker)
            self._owner = os.getpid()

    def _replace(self, worker):
        # Whoever takes a worker out of the list under the lock stops it, once: here, or close().
        with self._lock:
            if worker not in self._workers:
                return  # the pool was closed meanwhile, and close() stops it
            fresh = self._new_worker()
            self._workers[self._workers.index(worker)] = fresh
        worker.stop()
        self._idle.put(fresh)

    def close(self):
        with self._lock:
            mine = self._owner == os.getpid()
            workers = self._workers if mine else []
            starter = self._starter if mine else None
            self._workers, self._owner, self._starter = [], None, None
        for worker in workers:
            worker.stop()
        if starter is not None:
            starter.shutdown(wait=False)


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint; nothing kept between requests but the answer cache."""

    kind = "remote"

    def __init__(self, cfg, version, endpoint):
        super().__init__(cfg, version)
        self.endpoint = endpoint
        self._loaded = False

    def _holds_data(self):
        """Answers are cached only once the remote reports triples: what it answered while
        empty (before `policykg load`) must not be served after it is loaded."""
        if not self._loaded:
            count = self._run(self._count_query, self.cfg["QUERY_TIMEOUT"], 1, None, None, "service")
            self._loaded = bool(count.rows) and int(count.rows[0]["triples"]["value"]) > 0
        return self._loaded

    def _run(self, sparql, seconds, cap, default_graphs, named_graphs, lane):
        form = queries.form(sparql)
        if form is None:  # (SPARQLWrapper would only warn, and guess SELECT)
            raise _syntax_error("找不到 SELECT、ASK、CONSTRUCT 或 DESCRIBE (not a SPARQL query)")
        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setOnlyConneg(True)
        client.setQuery(sparql)
        # The form as our own grammar reads it: SPARQLWrapper's guess takes a word in a comment
        # ("… drops …") for an update, and sends the query where the server wants an update.
        client.queryType = form.upper()
        client.timeout = seconds  # setTimeout() would round it to whole seconds
        for iri in default_graphs or ():
            client.addDefaultGraph(iri)
        for iri in named_graphs or ():
            client.addNamedGraph(iri)
        is_graph = client.queryType in ("CONSTRUCT", "DESCRIBE")
        client.setReturnFormat(N3 if is_graph else JSON)
        if is_graph:
            client.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9")
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
            return _remote_result(body, response.headers.get_content_type(), cap, is_graph, form)
        except (ValueError, KeyError, SyntaxError) as error:
            raise self._unavailable(f"无法读取的答复 (unreadable answer): {error}") from None

    def _unavailable(self, reason):
        log.warning("remote SPARQL service %s unavailable: %s", self.endpoint, reason)
        reason = str(reason).replace(self.endpoint, "…")
        return errors.StoreUnavailable(
            f"远程 SPARQL 服务不可用 (the remote SPARQL service is unavailable): {reason}"
        )


def _read_until(response, deadline, seconds):
    """The whole body, read as it arrives (`read1`: what one read of the socket gives) so that
    an answer still streaming at the deadline, however slowly, is abandoned there (the socket
    timeout alone bounds each read, not the whole answer)."""
    chunks = []
    try:
        while chunk := response.read1(REMOTE_CHUNK_BYTES):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _time_limit(seconds)
    finally:
        response.close()
    return b"".join(chunks)


def _remote_result(body, media_type, cap, is_graph, form):
    if is_graph:
        if media_type not in GRAPH_TYPES:
            raise ValueError(
                f"图应为 N-Triples 或 Turtle (a graph must come as N-Triples or Turtle, not {media_type})"
            )
        rdf_format = getattr(pyoxigraph.RdfFormat, GRAPH_TYPES[media_type])
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
    graph, the named graphs `<BASE>graph/asserted` and `<BASE>graph/inferred`, the ontology's
    `<BASE>graph/ontology` and each handbook's `<BASE>graph/handbook/<stem>`."""
    manifest = artifact.manifest(cfg)
    if manifest is None:
        raise errors.BuildError(f"{cfg['BUILD_DIR']}: 没有构建结果 (no build; run `policykg build`)")
    folder = Path(cfg["BUILD_DIR"])
    base = manifest["base_iri"]

    def named(iri):
        return "graph=" + urllib.parse.quote(iri, safe="")

    def read(name):
        return lambda: (folder / name).read_bytes()

    uploads = [
        ("default", lambda: (folder / "asserted.nt").read_bytes() + (folder / "inferred.nt").read_bytes()),
        (named(f"{base}graph/asserted"), read("asserted.nt")),
        (named(f"{base}graph/inferred"), read("inferred.nt")),
    ]
    if (folder / "ontology.nt").exists():
        uploads.append((named(f"{base}graph/ontology"), read("ontology.nt")))
    for book in manifest.get("handbooks", []):
        uploads.append((named(book["graph"]), read(f"handbooks/{book['stem']}.nt")))
    for target, body in uploads:
        request = urllib.request.Request(
            f"{gsp_endpoint}?{target}",
            data=body(),
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
