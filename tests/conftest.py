"""Shared fixtures: one real build per test session, the app on either store, a real
Oxigraph server for the remote store (started on 127.0.0.1 and stopped by the fixture)."""

import select
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import virtuoso
from handbooks import handbooks_app, handbooks_cfg, handbooks_client  # noqa: F401  (fixtures: two handbooks)
from virtuoso import virtuoso_server  # noqa: F401  (a fixture)

from policykg import config

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def built_cfg(tmp_path_factory):
    """Settings whose BUILD_DIR holds a fresh build of the real project."""
    from policykg import build

    cfg = config.settings({"BUILD_DIR": str(tmp_path_factory.mktemp("build"))})
    build.build(cfg)
    return cfg


SECOND_HANDBOOK = ROOT / "tests/fixtures/handbooks/fixture-example-2024.ttl"


@pytest.fixture(scope="session")
def two_handbooks(tmp_path_factory):
    """Settings of a copy of the real project with a second handbook added as one more file under
    data/ (tests/fixtures/handbooks/fixture-example-2024.ttl), built; no code knows of it."""
    from policykg import build

    root = tmp_path_factory.mktemp("two-handbooks") / "project"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.copy(SECOND_HANDBOOK, root / "data" / SECOND_HANDBOOK.name)
    cfg = config.settings({"ROOT": str(root), "BUILD_DIR": str(root.parent / "build")})
    build.build(cfg)
    return cfg


@pytest.fixture(scope="session")
def oxigraph_server(built_cfg, tmp_path_factory):
    """A real `oxigraph serve` on 127.0.0.1 loaded with the build; yields its base URL."""
    from policykg import store

    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            binary,
            "serve",
            "--location",
            str(tmp_path_factory.mktemp("oxigraph")),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            "10",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"{base}/query?query=ASK%7B%7D")
        store.load_remote(built_cfg, f"{base}/store")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def pytest_collection_finish(session):
    """Virtuoso creates its database while the build runs, when a selected test will use it."""
    virtuoso.start_early(session.items)


def pytest_sessionfinish(session):
    virtuoso.stop_early()


def pytest_generate_tests(metafunc):
    """Tests on a store run on each kind their module lists in `STORES` (default: embedded, remote)."""
    if "store_kind" in metafunc.fixturenames:
        kinds = getattr(metafunc.module, "STORES", ["embedded", "remote"])
        metafunc.parametrize("store_kind", kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def store_kind(request):
    return request.param


@pytest.fixture(scope="session")
def app_cfg(built_cfg, store_kind, request):
    if store_kind == "embedded":
        return dict(built_cfg, STORE="embedded")
    if store_kind == "virtuoso":
        return dict(
            built_cfg, STORE="remote", ENDPOINT=request.getfixturevalue("virtuoso_server") + "/sparql"
        )
    base = request.getfixturevalue("oxigraph_server")
    return dict(built_cfg, STORE="remote", ENDPOINT=f"{base}/query", GSP_ENDPOINT=f"{base}/store")


@pytest.fixture(scope="session")
def app(app_cfg):
    """One app per store kind for the whole session (views keep no state between requests)."""
    from policykg.app import close, create_app

    app = create_app(dict(app_cfg, TESTING=True))
    yield app
    close(app)


@pytest.fixture(scope="session")
def embedded_app(built_cfg):
    from policykg.app import close, create_app

    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True))
    yield app
    close(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1; yields (port, connected()), where connected() waits
    a little for a connection and tells whether one came."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()

    def connected(wait=0.5):
        readable, _, _ = select.select([sock], [], [], wait)
        if readable:
            sock.accept()[0].close()
        return bool(readable)

    yield sock.getsockname()[1], connected
    sock.close()
