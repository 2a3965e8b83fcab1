"""Query processes cannot reach the network, whatever the query says: the kernel refuses them
any socket but AF_UNIX (sandbox.py). The guard is left out here on purpose: these queries go
to the store directly, as if the guard had let them through."""

import subprocess
import sys

import pytest

from policykg import errors, sandbox, store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def service(port):
    return f"SELECT * WHERE {{ BIND(1 AS ?one) SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"


@pytest.fixture
def fresh_store(built_cfg):
    """An embedded store of its own, so its query processes start under this test's environment."""
    opened = store.open_store(dict(built_cfg, CACHE_SIZE=0, QUERY_WORKERS=1))
    yield opened
    opened.close()


def test_control_without_the_sandbox_the_store_calls_out(built_cfg, listener):
    """SANDBOX=off: the same query does connect, so the listener can tell."""
    port, connected = listener
    opened = store.open_store(dict(built_cfg, CACHE_SIZE=0, QUERY_WORKERS=1, SANDBOX="off"))
    try:
        with pytest.raises(errors.ServiceError):
            opened.query(service(port), timeout=3)
    finally:
        opened.close()
    assert connected(wait=0)


def test_a_service_query_past_the_guard_makes_no_connection(fresh_store, built_cfg, listener):
    port, connected = listener
    for query in (service(port), service(port).replace("SERVICE", "SERVICE SILENT")):
        try:
            answer = fresh_store.query(query, timeout=5)
        except errors.StoreUnavailable as error:
            assert error.status == 503
            assert "127.0.0.1" not in error.message and str(port) not in error.message
            assert built_cfg["BUILD_DIR"] not in error.message
        else:  # SILENT: the failed call is an empty answer
            assert answer.rows in ([], [{"one": {"type": "literal", "value": "1", "datatype": XSD_INTEGER}}])
    assert not connected()
    # The same process answers on through its pipe.
    assert int(fresh_store.query(COUNT).rows[0]["n"]["value"]) > 1000


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

PROBE = r"""
import socket, threading
from policykg import sandbox
assert sandbox.forbid_network()
left, right = socket.socketpair()
left.send(b"ok")
assert right.recv(2) == b"ok"
socket.socket(socket.AF_UNIX).close()
refused = []
def attempt(family, kind):
    try:
        socket.socket(family, kind).close()
    except PermissionError:
        refused.append(family)
for family in (socket.AF_INET, socket.AF_INET6, socket.AF_NETLINK, socket.AF_PACKET):
    attempt(family, socket.SOCK_DGRAM if family != socket.AF_INET else socket.SOCK_STREAM)
thread = threading.Thread(target=attempt, args=(socket.AF_INET, socket.SOCK_DGRAM))
thread.start()
thread.join()
print(len(refused))
"""


def test_only_unix_sockets_can_be_made_in_any_thread():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "5"


def test_a_child_of_the_worker_is_bound_too():
    probe = (
        "import subprocess, sys; from policykg import sandbox; sandbox.forbid_network(); "
        "sys.exit(subprocess.run([sys.executable, '-c', 'import socket; socket.socket()']).returncode)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "PermissionError" in done.stderr


def test_a_machine_without_a_filter_refuses_to_run_queries(monkeypatch):
    monkeypatch.setattr(sandbox.platform, "machine", lambda: "riscv64")
    monkeypatch.delenv("POLICYKG_SANDBOX", raising=False)
    with pytest.raises(sandbox.SandboxError, match="POLICYKG_SANDBOX=off"):
        sandbox.forbid_network()
    monkeypatch.setenv("POLICYKG_SANDBOX", "off")
    assert sandbox.forbid_network() is False


def test_the_worker_fails_loudly_when_it_cannot_be_sandboxed(tmp_path):
    """A worker that cannot install the filter stops before it opens the store or reads a request."""
    code = (
        "import os, platform; platform.machine = lambda: 'riscv64'; "
        "from policykg.store import _serve; _serve('unused', 99, os.getppid(), 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "SandboxError" in done.stderr
