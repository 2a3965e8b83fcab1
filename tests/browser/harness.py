"""What the browser tests and the screenshot script share: Debian's chromium and how to start
it, the app served by a real server (werkzeug) on 127.0.0.1 at a free port in a thread, and
pages that record script errors and Content-Security-Policy refusals."""

import threading
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def serve(app):
    """Serve `app` on 127.0.0.1 at a free port in a thread; (base URL, stop function)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join()

    return f"http://127.0.0.1:{server.server_port}", stop


def open_page(browser, width=1280, height=900, javascript=True):
    """A page in a fresh context; `page.problems` collects uncaught errors and CSP refusals."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=javascript, locale="zh-CN"
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and page.problems.append(f"CSP: {message.text}")
        ),
    )
    return page
