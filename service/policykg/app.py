"""The Flask application factory: settings, one store and one catalog per process, the
blueprints of `views/`, and what every answer shares: one error shape, CORS, `Vary: Accept`
and gzip."""

import gzip
import json
import re
import weakref

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException

from . import config, errors, negotiate, queries, render, store
from .views import api, ask, canned, health, linked, match, pages, protect, sparql

# Adding a page: write views/<name>.py with a blueprint `bp`, then list it here.
BLUEPRINTS = (health.bp, sparql.bp, canned.bp, linked.bp, pages.bp, api.bp, ask.bp, match.bp)

# Bodies smaller than this are sent as they are.
GZIP_MIN_BYTES = 1024

HTTP_MESSAGES = {
    404: "找不到这个地址",
    405: "不支持这个请求方法",
    413: "请求体太大",
}

UNREADABLE_BODY = "请求体无法读取 (the request body could not be read)"

# A Host header the service can read: DNS labels of 1–63 letters, digits, "-" or "_" (253 at
# most in all) or a bracketed IPv6 address, then an optional port. Anything else (a 300-character
# label, non-ASCII, spaces) is refused before Flask reads it: its URL building cannot encode it.
HOST = re.compile(
    r"(?:(?=.{1,253}(?::|$))[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
    r"(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


def create_app(test_config=None):
    """The application; `test_config` overrides settings (see `config.settings`)."""
    cfg = config.settings(test_config)
    app = Flask(__name__)
    app.config.update(cfg)
    # Form-encoding can triple a query's size (%XX per byte), plus the other fields.
    app.config["MAX_CONTENT_LENGTH"] = 3 * cfg["MAX_QUERY_BYTES"] + 4096

    opened = store.Newest(cfg)
    app.extensions["policykg.store"] = opened
    app.extensions["policykg.catalog"] = queries.canned(cfg)
    # /doc/… of a policy, document or body is its browser page (views/linked.py asks for it).
    app.extensions["policykg.resource_page"] = pages.render_resource
    # Stops the store's worker processes when the app is collected or the interpreter exits.
    app.extensions["policykg.close"] = weakref.finalize(app, opened.close)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(errors.ServiceError, service_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    app.before_request(read_body)
    app.after_request(shared_headers)
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]  # Flask's way to wrap it
    return app


class HostCheck:
    """WSGI middleware: a request whose Host header is no host name gets 400 with a message,
    before Flask builds its URL adapter from it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST")
        if host is None or HOST.fullmatch(host):
            return self.wsgi_app(environ, start_response)
        error = errors.BadRequest("请求头 Host 不是有效的主机名 (the Host header is not a host name)")
        body = json.dumps(error.as_json(), ensure_ascii=False).encode("utf-8")
        start_response(
            "400 BAD REQUEST",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


def read_body():
    """Read the whole request body once, up front (form, JSON and query views then read the
    copy): a body that cannot be read, such as a broken chunked encoding, is 400 here rather
    than an exception inside a view. Too large a body stays werkzeug's 413."""
    try:
        request.get_data(cache=True)
    except HTTPException as error:
        if not isinstance(error, BadRequest):  # 413 stays 413
            raise
        raise errors.BadRequest(UNREADABLE_BODY) from None
    except Exception:
        # The WSGI server reads the body and raises its own types (gunicorn: InvalidChunkSize,
        # ChunkMissingTerminator, NoMoreData; werkzeug's server: OSError): all the client's doing.
        raise errors.BadRequest(UNREADABLE_BODY) from None


def close(app):
    """Stop the app's store now (idempotent); tests call it when they are done with an app."""
    app.extensions["policykg.close"]()


def error_response(error):
    """A ServiceError as JSON, or as the error page for browsers."""
    if negotiate.wants_html(request):
        body = render_template("error.html", error=error)
        return Response(body, error.status, mimetype="text/html")
    return Response(render.data_json(error.as_json()), error.status, mimetype="application/json")


def service_error(error):
    return error_response(error)


def http_error(error):
    """Werkzeug's own errors (404, 405, 413…) in the same shape as ours."""
    details = {}
    if error.code == 405:
        details["allowed"] = sorted(error.valid_methods or ())
    if error.code == 413:
        details["limit"] = request.max_content_length
    message = HTTP_MESSAGES.get(error.code, error.name)
    response = error_response(errors.ServiceError(f"{message}：{request.path}", error.code, **details))
    if error.code == 405:
        response.headers["Allow"] = ", ".join(details["allowed"])
    return response


def unexpected_error(error):
    """A bug: logged with its trace here, a plain 500 for the client."""
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(errors.ServiceError("服务器内部错误，已记录", 500))


def shared_headers(response):
    """CORS for every (read-only) endpoint, the pages' security headers (a page may have set a
    looser content policy of its own first), `Vary: Accept`, and gzip for larger bodies."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link, X-PolicyKG-Truncated, Content-Location"
    protect(response)
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    response.vary.add("Accept")
    compress(response)
    return response


def compress(response):
    """gzip the body when the client accepts it and it is worth it."""
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
    ):
        return
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return
    response.vary.add("Accept-Encoding")
    if request.accept_encodings.quality("gzip") <= 0:
        return
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
