"""What every view shares: the app's store and catalog, answering in a chosen format, and
conditional requests (an answer is fixed for one data version, so it carries an ETag).

Each module in this package is one blueprint (`bp`); `app.BLUEPRINTS` lists them.
"""

import hashlib

from flask import Response, current_app, request


def get_store():
    return current_app.extensions["policykg.store"]


def get_catalog():
    return current_app.extensions["policykg.catalog"]


def answer(fmt, payload, links=()):
    """The response for `payload` rendered in `fmt`; `links` are (href, media type) alternates."""
    response = Response(fmt.render(payload), mimetype=fmt.media_type)
    if links:
        response.headers["Link"] = ", ".join(
            f'<{href}>; rel="alternate"; type="{media_type}"' for href, media_type in links
        )
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


def not_modified(tag):
    """A 304 when the client already holds the answer tagged `tag`, else None."""
    if tag is None or not request.if_none_match.contains_weak(tag):
        return None
    return cacheable(Response(status=304), tag)


def cacheable(response, tag):
    """Mark `response` as reusable for CACHE_SECONDS and revalidated by its (weak) ETag.

    Weak, because gzip may change the bytes but never the answer."""
    if tag is None:
        return response
    response.set_etag(tag, weak=True)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_SECONDS"]
    return response
