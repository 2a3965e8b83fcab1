"""One error shape everywhere: JSON `{"ok": false, "error", "status", ...}` for programs, the
error page for browsers, never a traceback."""

import socket

import pytest

from policykg.app import close, create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TRACE_MARKS = ("Traceback", 'File "', "werkzeug", "policykg/", ".py")

CASES = [
    ("get", "/no/such/page", {}, 404),
    ("post", "/healthz", {}, 405),
    ("delete", "/queries", {}, 405),
    ("get", "/queries/operating-years-at-least", {"years": "many"}, 400),
    ("get", "/queries/no-such-query", {}, 404),
    ("get", "/sparql", {"query": "SELECT * WHERE { ?s ?p }"}, 400),
    ("get", "/sparql", {"query": "ASK {}", "format": "png"}, 406),
    ("get", "/queries", {"format": "ttl"}, 406),
    ("get", "/sparql", {"update": "CLEAR ALL"}, 403),
    ("get", "/sparql", {"query": "ASK { ?s ?p ?o } #" + "x" * 40000}, 413),
]


def no_trace(text):
    return not any(mark in text for mark in TRACE_MARKS)


def request(client, method, path, params, headers=None):
    return getattr(client, method)(path, query_string=params, headers=headers or {})


@pytest.mark.parametrize("method, path, params, status", CASES)
def test_json_shape(client, method, path, params, status):
    response = request(client, method, path, params)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert no_trace(response.data.decode())
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method, path, params, status", CASES)
def test_page_for_browsers(client, method, path, params, status):
    response = request(client, method, path, params, {"Accept": BROWSER})
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.data.decode()
    assert f"错误 {status}" in html and "<main " in html
    assert no_trace(html)


def test_asking_for_json_by_name_gets_json_errors(client):
    response = client.get(
        "/queries/operating-years-at-least.json", query_string={"years": "x"}, headers={"Accept": BROWSER}
    )
    assert response.status_code == 400 and response.get_json()["param"] == "years"


def test_details_are_kept(client):
    body = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p }"}).get_json()
    assert body["line"] == 2 and body["column"] >= 1
    body = client.get("/queries/operating-years-at-least.json", query_string={"years": "x"}).get_json()
    assert body["param"] == "years"
    response = client.post("/healthz")
    assert response.get_json()["allowed"] == ["GET", "HEAD", "OPTIONS"]
    assert "GET" in response.headers["Allow"]


def test_unexpected_errors_are_a_plain_500_and_logged(embedded_app, monkeypatch, caplog):
    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(embedded_app.extensions["policykg.store"], "data_version", broken)
    for headers in ({}, {"Accept": BROWSER}):
        response = embedded_app.test_client().get("/healthz", headers=headers)
        assert response.status_code == 500
        text = response.data.decode()
        assert "secret internals" not in text and no_trace(text)
        assert "服务器内部错误" in text
    assert response.mimetype == "text/html"
    assert "secret internals" in caplog.text and "RuntimeError" in caplog.text


def test_unreachable_remote_store_is_503(built_cfg):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(dict(built_cfg, TESTING=True, STORE="remote", ENDPOINT=f"http://127.0.0.1:{port}/query"))
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 503 and no_trace(body["error"])
    close(app)
