"""The policy browser in Chinese: home, policy list with search and filters, hotline directory,
questions, the SPARQL editor, and (through `render_resource`) the pages of policies, legal
documents and bodies.

Every page draws its data from `policykg.browse`, the functions whose dicts the JSON API
returns as they are, and names its JSON and RDF twins (`Link` header and visible links). Pages
work without JavaScript; `static/pages.js` and `static/editor.js` improve them. Every page is
sent with a Content-Security-Policy: no inline script, nothing from other origins.
"""

from urllib.parse import urlencode

from flask import Blueprint, current_app, request

from .. import artifact, browse, errors, linked, negotiate, render, wording
from . import CSP, cacheable, data_source, etag, get_catalog, not_modified, protect, respond, root

bp = Blueprint("pages", __name__)

# The editor (YASGUI, CodeMirror, DataTables) sets style attributes and injects <style>
# elements as it draws, which CSP treats as inline styles. Scripts stay 'self' only.
EDITOR_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# Thresholds offered by the policy list's "least amount" filter (yuan).
AMOUNT_STEPS = (10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
HTML = negotiate.by_name("html", ("page",))


def page(template, context, links=(), csp=CSP):
    """The HTML response for `template`, cacheable for this data version, naming its twins."""
    tag = etag("page", request.full_path, template)
    response = not_modified(tag)
    if response is None:
        response = cacheable(respond(HTML, render.Page(template, dict(context, links=links)), links), tag)
    return protect(response, csp)


def next_link(path, given, listed):
    """The address of the page after `listed` (a `browse.paged` dict) with the same
    arguments `given`; None on the last page."""
    if listed["nextOffset"] is None:
        return None
    return root(f"{path}?{urlencode({**given, 'offset': listed['nextOffset'], 'limit': listed['limit']})}")


def previous_link(path, given, listed):
    """The address of the page before `listed`; None on the first page."""
    if listed["offset"] == 0:
        return None
    offset = max(0, listed["offset"] - listed["limit"])
    return root(f"{path}?{urlencode({**given, 'offset': offset, 'limit': listed['limit']})}")


def pager(path, given, listed, name):
    """A page of a list for a template: its items under `name`, and the links to the pages
    before and after it."""
    return {
        **{key: value for key, value in listed.items() if key != "items"},
        name: listed["items"],
        "next": next_link(path, given, listed),
        "previous": previous_link(path, given, listed),
    }


@bp.get("/")
def home():
    src = data_source()
    home = browse.home(src, browse.read_paging({}))
    home["policies"] = pager("/policies", {}, home["policies"], "policies")
    return page("home.html", {"title": "首页", "home": home}, [(root("/api/policies"), "application/json")])


@bp.get("/policies")
def policies():
    src = data_source()
    filters = browse.read_filters(request.args, src.base)
    paging = browse.read_paging(request.args)
    results = pager("/policies", filters.given, browse.policies(src, filters, paging), "policies")
    query = f"?{urlencode(filters.given)}" if filters.given else ""
    steps = [(str(value), wording.yuan(value)) for value in AMOUNT_STEPS]
    given = filters.given.get("minAmount")
    if given and given not in dict(steps):
        steps.append((given, wording.yuan(given)))
    options, left_out = browse.shown_options(browse.filter_options(src, filters), filters.given)
    return page(
        "policies.html",
        {
            "title": "政策检索",
            "filters": filters.given,
            "results": results,
            "options": options,
            "left_out": left_out,
            "amounts": steps,
        },
        [(root(f"/api/policies{query}"), "application/json")],
    )


@bp.get("/hotlines")
def hotlines():
    listed = browse.hotlines(data_source(), browse.read_paging(request.args))
    return page(
        "hotlines.html",
        {"title": "咨询电话", "hotlines": pager("/hotlines", {}, listed, "hotlines")},
        [(root("/api/hotlines"), "application/json")],
    )


@bp.get("/questions")
def questions():
    return page(
        "questions.html",
        {"title": "常见问题", "questions": list(get_catalog())},
        [(root("/queries.json"), "application/json")],
    )


@bp.get("/editor")
def editor():
    """The editor with a tab per canned query; `?query=` (e.g. from the ask page) opens first."""
    cfg = current_app.config
    tabs = [{"name": query.name, "title": query.title, "query": query.bind()} for query in get_catalog()]
    shared = request.args.get("query", "")
    if len(shared.encode("utf-8")) > cfg["MAX_QUERY_BYTES"]:
        raise errors.PayloadTooLarge(
            f"查询太长，最多 {cfg['MAX_QUERY_BYTES']} 字节 (query too long)", limit=cfg["MAX_QUERY_BYTES"]
        )
    if shared.strip():
        tabs.insert(0, {"name": "linked", "title": "链接带来的查询", "query": shared})
    return page(
        "editor.html",
        {
            "title": "SPARQL 编辑器",
            "tabs": tabs,
            "endpoint": root("/sparql"),
            "limits": {"timeout": cfg["QUERY_TIMEOUT"], "row_cap": cfg["ROW_CAP"]},
        },
        [(root("/api/vocabulary"), "application/json")],
        csp=EDITOR_CSP,
    )


# --- Pages of resources, for the linked-data view of /doc/<kind>/<slug> ------------------------


def resource_links(kind, slug, api):
    doc = root(f"/doc/{kind}/{slug}")
    return [
        (root(api), "application/json"),
        (f"{doc}.ttl", "text/turtle"),
        (f"{doc}.jsonld", "application/ld+json"),
    ]


def policy_page(slug):
    policy = browse.policy(data_source(), slug)
    return page(
        "policy.html",
        {"title": policy["label"], "policy": policy},
        resource_links("policy", slug, policy["api"]),
    )


def document_page(slug):
    document = browse.document(data_source(), slug, browse.read_paging(request.args))
    document["policies"] = pager(f"/doc/document/{slug}", {}, document["policies"], "policies")
    return page(
        "document.html",
        {"title": document["title"], "document": document},
        resource_links("document", slug, document["api"]),
    )


def body_page(slug):
    body = browse.organisation(data_source(), slug, browse.read_paging(request.args))
    body["policies"] = pager(f"/doc/organisation/{slug}", {}, body["policies"], "policies")
    return page(
        "body.html", {"title": body["label"], "body": body}, resource_links("organisation", slug, body["api"])
    )


def handbook_page(slug):
    paging = browse.read_paging(request.args)
    handbook = browse.handbook(data_source(), slug, paging)
    handbook["policies"] = pager(f"/doc/handbook/{slug}", {}, handbook["policies"], "policies")
    handbook["downloads"] = handbook_downloads(handbook["iri"])
    return page(
        "handbook.html",
        {"title": handbook["title"] or handbook["label"], "handbook": handbook},
        resource_links("handbook", slug, handbook["api"]),
    )


def handbook_downloads(iri):
    """The dumps of the handbook `iri` (its data file's stem, from the manifest): [(name, path)];
    [] when the build lists no handbooks."""
    entry = next(
        (e for e in linked.handbook_files(artifact.manifest(current_app.config)) if e.get("iri") == iri), None
    )
    if entry is None:
        return []
    return [
        (name, root(f"/dumps/{name}"))
        for fmt in linked.HANDBOOK_FORMATS
        for name in (
            linked.handbook_dump_name(entry["stem"], fmt),
            linked.handbook_dump_name(entry["stem"], fmt, True),
        )
    ]


RESOURCE_PAGES = {
    "policy": policy_page,
    "document": document_page,
    "organisation": body_page,
    "handbook": handbook_page,
}


def render_resource(iri):
    """The HTML page of `iri` (a Flask response) when it is one of our policies, legal documents
    or organisations; None for any other kind. NotFound (404) when there is no such resource."""
    prefix = current_app.config["BASE_IRI"] + "id/"
    if not iri.startswith(prefix):
        return None
    kind, _, slug = iri[len(prefix) :].partition("/")
    view = RESOURCE_PAGES.get(kind)
    if view is None or (kind == "handbook" and not browse.is_handbook(data_source(), slug)):
        return None  # (under id/handbook/ are also its sections and distributions: no page of their own)
    return view(slug)
