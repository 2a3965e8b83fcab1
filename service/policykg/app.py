"""The Flask application factory: settings, one store and one catalog per process, the
blueprints of `views/`, and what every answer shares: one error shape, CORS, `Vary: Accept`
and gzip."""

import gzip
import weakref

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException

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
    app.after_request(shared_headers)
    return app


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
