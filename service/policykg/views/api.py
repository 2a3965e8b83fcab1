"""The JSON API of the policy browser: `/api/…` gives the very dicts the pages render
(`policykg.browse`), as `{"ok": true, …}`. Each answer names its HTML page and RDF description
(`Link: <…>; rel="alternate"`) where it has them. Errors take the service's one JSON shape.

- `/api/policies` (filters as query arguments: `q`, `level`, `kind`, `applicant`, `theme`,
  `minAmount`, `body`, `document`), `/api/policies/<slug>`, `/api/filters`
- `/api/documents/<slug>`, `/api/organisations/<slug>`, `/api/handbooks/<slug>`, `/api/hotlines`
- `/api/vocabulary` (prefixes, classes, properties: the SPARQL editor's completions) and
  `/api/labels?iri=…&iri=…` (Chinese names of our IRIs, for result tables)
"""

from urllib.parse import urlencode

from flask import Blueprint, current_app, request

from .. import browse, guard, negotiate, queries
from . import cacheable, data_source, etag, get_catalog, not_modified, respond, root

bp = Blueprint("api", __name__, url_prefix="/api")

JSON = negotiate.by_name("json", ("data",))


def reply(build, links=()):
    """`{"ok": true, **build()}` as JSON, cacheable for this data version."""
    tag = etag("api", request.full_path)
    if response := not_modified(tag):
        return response
    return cacheable(respond(JSON, {"ok": True, **build()}, links), tag)


def listing(path, given, listed, name):
    """A page of a list (`browse.paged`) as the API gives it: its items under `name`, the count,
    where the page is, and `next`, the address of the next page (null on the last)."""
    items = listed.pop("items")
    following = listed.pop("nextOffset")
    query = {**given, "offset": following, "limit": listed["limit"]}
    return {
        **listed,
        "next": root(f"{path}?{urlencode(query)}") if following is not None else None,
        name: items,
    }


def described(kind, slug):
    """The HTML page and RDF twins of a resource with a page."""
    doc = root(f"/doc/{kind}/{slug}")
    return [(doc, "text/html"), (f"{doc}.ttl", "text/turtle"), (f"{doc}.jsonld", "application/ld+json")]


@bp.get("/policies")
def policies():
    src = data_source()
    filters = browse.read_filters(request.args, src.base)

    paging = browse.read_paging(request.args)

    def build():
        return {
            "filters": filters.given,
            **listing("/api/policies", filters.given, browse.policies(src, filters, paging), "policies"),
        }

    query = f"?{urlencode(filters.given)}" if filters.given else ""
    return reply(build, [(root(f"/policies{query}"), "text/html")])


@bp.get("/policies/<slug>")
def policy(slug):
    slug = slug.removesuffix(".json")
    return reply(lambda: {"policy": browse.policy(data_source(), slug)}, described("policy", slug))


@bp.get("/filters")
def filters():
    return reply(
        lambda: {"filters": browse.filter_options(data_source())}, [(root("/policies"), "text/html")]
    )


def _with_policies(kind, collection, read, slug):
    """One resource of `kind` read by `read` (a document, an organisation, a handbook) with its
    policies a page at a time, listed under /api/<collection>/<slug>."""
    slug = slug.removesuffix(".json")
    paging = browse.read_paging(request.args)

    def build():
        found = read(data_source(), slug, paging)
        found["policies"] = listing(f"/api/{collection}/{slug}", {}, found["policies"], "policies")
        return {kind: found}

    return reply(build, described(kind, slug))


@bp.get("/documents/<slug>")
def document(slug):
    return _with_policies("document", "documents", browse.document, slug)


@bp.get("/organisations/<slug>")
def organisation(slug):
    return _with_policies("organisation", "organisations", browse.organisation, slug)


@bp.get("/handbooks/<slug>")
def handbook(slug):
    return _with_policies("handbook", "handbooks", browse.handbook, slug)


@bp.get("/hotlines")
def hotlines():
    paging = browse.read_paging(request.args)
    return reply(
        lambda: listing("/api/hotlines", {}, browse.hotlines(data_source(), paging), "hotlines"),
        [(root("/hotlines"), "text/html")],
    )


@bp.get("/vocabulary")
def vocabulary():
    return reply(
        lambda: browse.vocabulary(data_source(), prefixes()),
        [(root("/editor"), "text/html")],
    )


@bp.get("/labels")
def labels():
    return reply(lambda: {"labels": browse.labels(data_source(), request.args.getlist("iri"))})


def prefixes():
    """The namespace prefixes our own queries declare (canned, API and the vocabulary's), by name."""
    cfg = current_app.config
    found = {}
    for query in (*get_catalog(), *queries.api(cfg), queries.internal(cfg, "editor-vocabulary")):
        found.update(guard.check(query.text, cfg).prefixes)
    return dict(sorted(found.items()))
