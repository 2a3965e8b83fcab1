"""Linked data on the web, for other agencies' RDF tools and for browsers:

- `/id/<path>`: a thing's IRI (`<BASE>id/<path>`); 303 See Other to its description, 404 when
  the graph does not hold it;
- `/doc/<path>[.ttl|.jsonld|.rdf|.nt|.nq|.html]`: the description, by extension or `Accept`;
- `/def/` and `/def.<ext>`: the ontology (documentation page or RDF); `/def/<Term>`: 303 to
  `/def/#<Term>`;
- `/context.jsonld`: the JSON-LD context every JSON-LD answer is compacted with;
- `/dumps/<part>.<ext>[.gz]`: the build's asserted, inferred and closure graphs;
- `/dumps/handbook/<stem>.<nt|ttl>[.gz]`: one handbook's triples, streamed from the artifact;
- `/.well-known/void[.<ext>]`: the DCAT catalogue and VoID description, from live counts.

Answers carry `Link` alternates, an ETag and Last-Modified from the data version (304 on
revalidation); CORS, `Vary: Accept` and gzip come from the app. The work is in `policykg.linked`.
"""

import functools
import json
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    request,
    send_file,
    url_for,
)

from .. import artifact, browse, errors, linked, negotiate, render
from . import cacheable, etag, get_store, not_modified, public_root, resource_page, respond, twins
from . import root as root_path

bp = Blueprint("linked", __name__)

# The local names the ontology uses (anything else cannot be one of its terms).
TERM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

KINDS = ("graph", "page")


# ---------------------------------------------------------------------------------------------
# /id/… and /doc/…
# ---------------------------------------------------------------------------------------------


@bp.get("/id/<path:rest>")
def identifier(rest):
    iri = base() + "id/" + rest
    if not linked.describe(get_store(), current_app.config, iri):
        raise not_found(iri)
    query = request.query_string.decode("latin-1")  # `?format=` carries over to the description
    response = redirect(url_for("linked.description", rest=rest) + (f"?{query}" if query else ""), 303)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_SECONDS"]
    return response


@bp.get("/doc/<path:rest>")
def description(rest):
    cfg = current_app.config
    fmt = negotiate.choose(request, KINDS)
    name = negotiate.stem(rest)
    iri = base() + "id/" + name
    tag, when = etag("doc", iri, fmt.name), built_at()
    if response := not_modified(tag, when):
        return response
    triples = linked.describe(get_store(), cfg, iri)
    if not triples:
        raise not_found(iri)
    path = url_for("linked.description", rest=name)
    links = twins(path, KINDS, fmt)
    if fmt.kind == "page":
        page = resource_page(iri)
        response = (
            make_response(page)
            if page is not None
            else respond(
                fmt,
                render.Page(
                    "resource.html", dict(linked.resource_page(iri, triples, cfg, version()), links=links)
                ),
            )
        )
    else:
        response = rdf(fmt, triples, first=iri)
    link(response, links, iri)
    response.headers["Content-Location"] = f"{path}.{fmt.name}"
    return cacheable(response, tag, when)


def not_found(iri):
    return errors.NotFound(f"图中没有这个资源：{iri}（IRI not in the graph）", iri=iri)


# ---------------------------------------------------------------------------------------------
# /def/: the ontology
# ---------------------------------------------------------------------------------------------


@bp.get("/def/")
@bp.get("/def.<ext>")
def ontology(ext=None):
    if ext is not None and negotiate.extension(request.path) is None:
        raise errors.NotFound(f"没有这种格式：{request.path}")
    cfg = current_app.config
    fmt = negotiate.choose(request, KINDS)
    tag, when = etag("def", fmt.name), built_at()
    if response := not_modified(tag, when):
        return response
    links = twins("/def", KINDS, fmt)
    if fmt.kind == "page":
        doc = linked.ontology_doc(cfg, version())
        title = doc["title"].get("zh") or doc["iri"]
        response = respond(fmt, render.Page("ontology.html", {"title": title, "doc": doc, "links": links}))
    else:
        response = rdf(fmt, linked.ontology_triples(cfg, version()), first=base() + "def/")
    link(response, links)
    response.headers["Content-Location"] = f"/def.{fmt.name}"
    return cacheable(response, tag, when)


@bp.get("/def/<term>")
def ontology_term(term):
    iri = base() + "def/" + term
    if not TERM_NAME.fullmatch(term) or not linked.defines(current_app.config, version(), iri):
        raise errors.NotFound(f"本体中没有这个术语：{iri}（term not in the ontology）", iri=iri)
    response = redirect(url_for("linked.ontology") + "#" + term, 303)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["CACHE_SECONDS"]
    return response


# ---------------------------------------------------------------------------------------------
# /context.jsonld, /dumps/…, /.well-known/void
# ---------------------------------------------------------------------------------------------


@bp.get("/" + linked.CONTEXT_PATH)
def context():
    tag, when = etag("context", base()), built_at()
    if response := not_modified(tag, when):
        return response
    body = json.dumps(linked.context(current_app.config, version()), ensure_ascii=False, indent=2)
    return cacheable(Response(body, mimetype="application/ld+json"), tag, when)


@bp.get("/dumps/<name>")
def dump(name):
    """A dump as a file. `.gz` names a gzip file (application/gzip); otherwise the format's own
    media type, sent with `Content-Encoding: gzip` when the client accepts it."""
    part, fmt_name, compressed = linked.parse_dump_name(name)
    cfg = current_app.config
    data_version = (artifact.manifest(cfg) or {}).get("data_version")
    if data_version is None:
        raise errors.StoreUnavailable("还没有构建结果，无法提供数据下载 (no build)")
    encoded = not compressed and request.accept_encodings.quality("gzip") > 0
    path = linked.dump(cfg, data_version, part, fmt_name, compressed or encoded)
    mimetype = "application/gzip" if compressed else negotiate.by_name(fmt_name, ("graph",)).media_type
    response = send_file(
        path,
        mimetype=mimetype,
        download_name=name,
        etag=f"{data_version}-{name}" + ("-gzip" if encoded else ""),
        last_modified=built_at(),
        max_age=cfg["CACHE_SECONDS"],
    )
    if not compressed:
        response.vary.add("Accept-Encoding")
        if encoded and response.status_code in (200, 206):
            response.headers["Content-Encoding"] = "gzip"
    return response


@bp.get("/dumps/handbook/<name>")
def handbook_dump(name):
    """One handbook's triples (its named graph's, as asserted), from the artifact's
    `handbooks/<stem>.nt` in the store's literal forms: `.nt` or `.ttl`; `.gz` names a gzip file,
    and without it the answer is gzip-encoded when the client accepts it."""
    stem, fmt_name, compressed = linked.parse_handbook_dump_name(name)
    cfg = current_app.config
    manifest = artifact.manifest(cfg)
    if manifest is None:
        raise errors.StoreUnavailable("还没有构建结果，无法提供数据下载 (no build)")
    entry, path = linked.handbook_file(cfg, manifest, stem)
    encoded = not compressed and request.accept_encodings.quality("gzip") > 0
    tag, when = etag("handbook-dump", entry.get("sha256"), name, encoded), built_at()
    if response := not_modified(tag, when):
        return response
    chunks = linked.handbook_dump(cfg, manifest["data_version"], path, fmt_name, compressed or encoded)
    mimetype = "application/gzip" if compressed else negotiate.by_name(fmt_name, ("graph",)).media_type
    response = Response(chunks, mimetype=mimetype)  # (the chunks need no request context)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if not compressed:
        response.vary.add("Accept-Encoding")
        if encoded:
            response.headers["Content-Encoding"] = "gzip"
    return cacheable(response, tag, when)


@bp.get("/" + linked.VOID_PATH)
@bp.get("/" + linked.VOID_PATH + ".<ext>")
def dataset(ext=None):
    if ext is not None and negotiate.extension(request.path) is None:
        raise errors.NotFound(f"没有这种格式：{request.path}")
    cfg = current_app.config
    fmt = negotiate.choose(request, KINDS)
    root = public_root()
    tag, when = etag("void", root, fmt.name, request.query_string), built_at()
    if response := not_modified(tag, when):
        return response
    stats = linked.statistics(get_store(), cfg)
    urls = linked.addresses(root)
    manifest = artifact.manifest(cfg)
    handbooks = linked.handbook_datasets(get_store(), cfg, manifest)
    path = "/" + linked.VOID_PATH
    links = twins(path, KINDS, fmt)
    if fmt.kind == "page":
        response = respond(
            fmt,
            render.Page(
                "dataset.html",
                {
                    "title": "数据集说明",
                    "name": linked.TITLE,
                    "stats": stats,
                    "urls": urls,
                    "manifest": manifest or {},
                    "handbooks": handbook_table(handbooks, root),
                    "parts": linked.PARTS,
                    "dump_formats": linked.DUMP_FORMATS,
                    "part_titles": linked.PART_TITLES,
                    "licence": linked.licence(cfg, version()),
                    "links": links,
                    "base": base(),
                    "href": functools.partial(linked.href, base=base()),
                    "short": functools.partial(
                        linked.compact, names=linked.context(cfg, version())["@context"]
                    ),
                },
            ),
        )
    else:
        triples = linked.void(stats, cfg, version(), manifest, urls, handbooks)
        response = rdf(fmt, triples, names=linked.void_prefixes(cfg, version()))
    link(response, links)
    response.headers["Content-Location"] = f"{path}.{fmt.name}"
    return cacheable(response, tag, when)


def handbook_table(handbooks, root):
    """One page of the handbook data sets for the HTML description (`?offset=&limit=`): the
    RDF forms list them all, a page never does."""
    paging = browse.read_paging(request.args)
    chosen = handbooks[paging.offset : paging.offset + paging.limit]
    rows = [
        dict(
            handbook,
            page=linked.href(handbook["iri"], base()) if handbook.get("iri") else "",
            dumps={
                (fmt, gz): linked.handbook_dump_url(root, handbook["stem"], fmt, gz)
                for fmt in linked.HANDBOOK_FORMATS
                for gz in (False, True)
            },
        )
        for handbook in chosen
    ]
    listed = browse.paged(rows, len(handbooks), paging)
    path = "/" + linked.VOID_PATH

    def at(offset):
        return root_path(f"{path}?{urlencode({'offset': offset, 'limit': paging.limit})}")

    listed["next"] = at(listed["nextOffset"]) if listed["nextOffset"] is not None else None
    listed["previous"] = at(max(0, paging.offset - paging.limit)) if paging.offset else None
    listed["rows"] = listed.pop("items")
    return listed


# ---------------------------------------------------------------------------------------------
# Shared
# ---------------------------------------------------------------------------------------------


def base():
    return current_app.config["BASE_IRI"]


def version():
    return get_store().data_version()


def built_at():
    """When the data was built (the manifest's `built_at`), for Last-Modified; None if unknown."""
    stamp = (artifact.manifest(current_app.config) or {}).get("built_at")
    if not stamp:
        return None
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def rdf(fmt, triples, first=None, names=None):
    body = linked.serialize(fmt, triples, current_app.config, version(), first, names)
    return Response(body, mimetype=fmt.media_type)


def link(response, alternates, described=None):
    """`Link`: the other formats of this answer, and the resource it describes."""
    values = [f'<{href}>; rel="alternate"; type="{media_type}"' for href, media_type in alternates]
    if described:
        values.append(f'<{described}>; rel="describes"')
    # A page from `pages.render_resource` already names its JSON twin: keep it.
    present = [value.strip() for value in response.headers.get("Link", "").split(", ") if value.strip()]
    response.headers["Link"] = ", ".join(present + [value for value in values if value not in present])
