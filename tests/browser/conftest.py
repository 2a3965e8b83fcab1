"""Browser tests: Playwright's sync API driving Debian's chromium (never `playwright install`)
against the app served by a real server (werkzeug) on 127.0.0.1 at a free port, in a thread."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from policykg.app import close, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# Short enough for a test to see a query stopped, long enough for every page's queries.
QUERY_TIMEOUT = 4.0


def serve(app):
    """Serve `app` on 127.0.0.1 at a free port in a thread; (base URL, stop function)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join()

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture(scope="module")
def site(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", QUERY_TIMEOUT=QUERY_TIMEOUT, TESTING=True))
    base, stop = serve(app)
    yield base
    stop()
    close(app)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def open_page(browser, width=1280, height=900, javascript=True):
    """A page in a fresh context that records uncaught errors and CSP refusals."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  java_script_enabled=javascript, locale="zh-CN")
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"uncaught: {error}"))
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.problems.append(f"CSP: {message.text}"))
    return page


@pytest.fixture
def page(browser):
    opened = open_page(browser)
    yield opened
    problems = opened.problems
    opened.context.close()
    assert problems == []
