"""Virtuoso (Debian's `virtuoso-opensource`) as a remote store for the tests: started on 127.0.0.1
with free ports and a temporary database, loaded with the build by Virtuoso's bulk loader, stopped
at the end. Tests skip, saying why, where Virtuoso is not installed or does not start. When any
selected test uses it, it is started as soon as the tests are collected, so that it creates its
database while the build runs.

Virtuoso has no separate default graph: a query without a dataset reads the union of every graph
the user may read, as a bag (a triple in two graphs is matched twice). So the closure is not
loaded a third time as a "default graph" as on Oxigraph: only the named graphs `graph/asserted`
and `graph/inferred` (disjoint, each triple in one) are loaded, and graph-level security hides
Virtuoso's own system graphs from the anonymous SPARQL user. The default graph is then exactly the
closure, and `default-graph-uri`, `named-graph-uri` and `FROM` pick graphs as in any store.
See docs/stores.md."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from policykg import artifact

BINARY = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql-v")  # Debian's isql is unixODBC's, not Virtuoso's
START_SECONDS = 120  # 5 s on a quiet machine; up to a minute on a busy one
SETUP = Path(__file__).with_name("fixtures") / "virtuoso" / "load.sql"

# Both listeners on loopback only; no zeroconf, no plugins, no replication. Answers are never cut
# short by Virtuoso (ResultSetMaxRows 0: no cap; the store applies ROW_CAP), and its own time limit
# is above the client's, since Virtuoso answers a query past it with partial results.
INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 0
MaxQueryExecutionTime = 600
"""


def free_ports(count):
    """`count` distinct free ports on 127.0.0.1 (held together while picked, so never the same)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Virtuoso:
    """One Virtuoso server on a fresh database in a temporary folder, removed when it stops."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="policykg-virtuoso-"))
        self.sql_port, self.http_port = free_ports(2)
        self.base = f"http://127.0.0.1:{self.http_port}"
        ini = INI.format(db=self.folder, sql_port=self.sql_port, http_port=self.http_port)
        (self.folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
        with open(self.folder / "console.log", "wb") as console:  # what it says in the foreground
            self.process = subprocess.Popen(
                [BINARY, "+foreground", "+configfile", str(self.folder / "virtuoso.ini")],
                cwd=self.folder,
                stdout=console,
                stderr=subprocess.STDOUT,
            )

    def wait(self, seconds=START_SECONDS):
        """True once the server says it is online; False if it exits or is not up in time.
        Its log is read rather than its ports probed: Virtuoso 7.2 can crash (GPF in Dkernel.c)
        on connections made while it is still starting."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            if "Server online at" in self.log():
                return True
            time.sleep(0.2)
        return False

    def log(self):
        path = self.folder / "console.log"
        return path.read_text("utf-8", "replace")[-600:] if path.exists() else ""

    def isql(self, script, **values):
        """Run an SQL script file through isql, `values` as its `$U{name}` macros; fail on an error."""
        macros = [f"{name}={value}" for name, value in values.items()]
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", str(script)]
            + (["-u", *macros] if macros else []),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode or "*** Error" in done.stderr:
            raise RuntimeError(f"isql {script.name}: {done.stderr.strip() or done.returncode}")
        return done.stdout

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def load_build(server, cfg):
    """Bulk-load the build's asserted and inferred graphs (copied into the server's folder, the
    only one it may read) and hide every other graph from the anonymous user."""
    files = server.folder / "load"
    files.mkdir()
    for name in ("asserted.nt", "inferred.nt"):
        shutil.copy(Path(cfg["BUILD_DIR"]) / name, files / name)
    base = artifact.manifest(cfg)["base_iri"]
    failed = server.isql(
        SETUP, folder=files, asserted=f"{base}graph/asserted", inferred=f"{base}graph/inferred"
    )
    if failed.strip():
        raise RuntimeError(f"Virtuoso's bulk loader failed: {failed.strip()}")


EARLY = []  # the server started when the tests were collected, not yet taken by the fixture


def start_early(items):
    """Start Virtuoso now if any of the collected tests will use it."""
    wanted = any(
        getattr(item, "callspec", None) and item.callspec.params.get("store_kind") == "virtuoso"
        for item in items
    )
    if BINARY and ISQL and wanted and not EARLY:
        EARLY.append(Virtuoso())


def stop_early():
    """Stop a server started early that no test took (say, after `-x`)."""
    while EARLY:
        EARLY.pop().stop()


@pytest.fixture(scope="session")
def virtuoso_server(built_cfg):
    """A real Virtuoso on 127.0.0.1 holding the build; yields its base URL (`/sparql` is the endpoint)."""
    if not (BINARY and ISQL):
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    server = EARLY.pop() if EARLY else Virtuoso()
    try:
        if not server.wait():
            pytest.skip(f"Virtuoso did not start within {START_SECONDS} s: {server.log() or '(no log)'}")
        load_build(server, built_cfg)
        yield server.base
    finally:
        server.stop()
