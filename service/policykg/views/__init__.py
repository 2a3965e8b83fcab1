"""What every view shares: the app's store and catalog, the browse data source, answering in a
chosen format (`respond`) with its twins, the pages' security headers, and conditional
requests (an answer is fixed for one data version, so it carries an ETag).

Each module in this package is one blueprint (`bp`); `app.BLUEPRINTS` lists them. A view uses
only what is here, never another view's functions: what two views need lives here, and what
the app wires between them (the browser page of a resource) it puts in `app.extensions`.
"""

import hashlib
import json
import re
from urllib.parse import urlencode, urlsplit

from flask import Response, current_app, request
from werkzeug.http import is_resource_modified

from .. import browse, errors, negotiate

# Scripts, styles, images, fonts and requests from this origin only; no plugins, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# JSON bodies nest at most this deep (a profile needs 3); Python's parser recurses per level and
# fails near 1 000, so depth is counted first, by a scan that skips strings.
MAX_JSON_DEPTH = 32
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"')
JSON_BRACKET = re.compile(r"[\[\]{}]")


def get_store():
    return current_app.extensions["policykg.store"]


def get_catalog():
    return current_app.extensions["policykg.catalog"]


def data_source():
    """Where the browser pages and the JSON API read their data (`browse.Source`)."""
    return browse.source(get_store(), current_app.config)


def root(path):
    """`path` under the application's root (it may be mounted below `/`)."""
    return request.script_root + path


def public_root():
    """The root URL that descriptions name as this service's address (ending in "/"): the
    request's own when its host is one of ALLOWED_HOSTS, else BASE_IRI, so an arbitrary
    `Host` header is never echoed into a public description."""
    allowed = {name.strip().lower() for name in current_app.config["ALLOWED_HOSTS"].split(",")}
    host = urlsplit("//" + request.host).hostname or ""
    if host and host.lower() in allowed:
        return request.url_root
    return current_app.config["BASE_IRI"]


def resource_page(iri):
    """The browser page of `iri` (a response) when the app has one for its kind, else None.

    The app factory wires the function that makes it (`views.pages.render_resource`)."""
    render_resource = current_app.extensions.get("policykg.resource_page")
    page = render_resource(iri) if render_resource else None
    return page


def json_depth(text):
    """How deep the arrays and objects of JSON `text` nest (brackets inside strings left out)."""
    depth = deepest = 0
    for bracket in JSON_BRACKET.findall(JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_json(text, field):
    """The value of JSON `text` from a client (a body or a form field named `field`): 400 with
    a message when it nests deeper than MAX_JSON_DEPTH, is not JSON, or holds an integer of more
    digits than Python reads (4 300)."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise errors.BadRequest(
            f"JSON 嵌套太深，最多 {MAX_JSON_DEPTH} 层 (JSON nested deeper than {MAX_JSON_DEPTH})",
            field=field,
            limit=MAX_JSON_DEPTH,
        )
    try:
        return json.loads(text)
    except ValueError as error:  # JSONDecodeError, or an integer past the digit limit
        raise errors.BadRequest(f"JSON 无效 (invalid JSON)：{error}", field=field) from None


def json_body(field):
    """The request body as JSON (see `read_json`); it must be UTF-8."""
    try:
        text = request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise errors.BadRequest("请求体不是有效的 UTF-8 (the body is not UTF-8)", field=field) from None
    return read_json(text, field)


def respond(fmt, payload, links=()):
    """The response for `payload` rendered in `fmt`; `links` are (href, media type) alternates."""
    response = Response(fmt.render(payload), mimetype=fmt.media_type)
    if links:
        response.headers["Link"] = ", ".join(
            f'<{href}>; rel="alternate"; type="{media_type}"' for href, media_type in links
        )
    return response


def twins(path, kinds, current, params=None):
    """(href, media type) of the other formats of this answer, one per extension."""
    query = f"?{urlencode(params)}" if params else ""
    seen, links = {current.name}, []
    for fmt in negotiate.offered(kinds):
        if fmt.name not in seen:
            seen.add(fmt.name)
            links.append((f"{path}.{fmt.name}{query}", fmt.media_type))
    return links


def protect(response, csp=CSP):
    """The security headers of a page: its content policy (a page may have set a looser one),
    no type sniffing, no referrer outside this site."""
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def etag(*parts):
    """A tag for an answer: the data version plus whatever else decides the answer; None
    when the data version is unknown (a remote store without a build), so nothing is cached."""
    version = get_store().data_version()
    if version is None:
        return None
    digest = hashlib.sha256()
    for part in (version, *parts):
        digest.update(repr(part).encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


def not_modified(tag, when=None):
    """A 304 when the client already holds the answer tagged `tag` (or, when it sent no ETag,
    one as new as `when`, a datetime), else None."""
    if (tag is None and when is None) or is_resource_modified(request.environ, etag=tag, last_modified=when):
        return None
    return cacheable(Response(status=304), tag, when)


def cacheable(response, tag, when=None):
    """Mark `response` as reusable for CACHE_SECONDS and revalidated by its (weak) ETag and
    its Last-Modified `when`.

    Weak, because gzip may change the bytes but never the answer."""
    if when is not None:
        response.last_modified = when
    if tag is None:
        return response
    response.set_etag(tag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_SECONDS"]
    return response
