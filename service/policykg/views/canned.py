"""`/queries` and `/queries/<name>`: the canned queries as pages, JSON and CSV.

Every answer names its twins (`Link: <…>; rel="alternate"`) and the pages link them
visibly. Parameters come from the query string and are bound by `CannedQuery.bind`. A paged
query (`#+ page:`) answers a page at a time (`limit` keys, default 100, from `offset`, or
`page`): the store cuts the page inside the query (its page subquery's LIMIT and OFFSET) and
counts every key with one aggregate (`CannedQuery.count`), so the answer says how many there
are and where the next page is, and costs a page, not the whole list. Another SELECT query's
page is cut here from its one answer (up to the row cap).
"""

from flask import Blueprint, current_app, request, url_for

from .. import browse, negotiate, render
from . import cacheable, etag, get_catalog, get_store, not_modified, respond, twins

bp = Blueprint("canned", __name__)

LIST_KINDS = ("page", "data")
QUERY_KINDS = ("page", "table")
# Paging arguments of a SELECT query's answer (`limit` rows from `offset`, or `page` × `limit`).
PAGING = ("limit", "offset", "page")
PAGE_SIZE = 100


@bp.get("/queries.json")
@bp.get("/queries.html")
@bp.get("/queries")  # added first, so url_for("canned.index") builds this one
def index():
    fmt = negotiate.choose(request, LIST_KINDS)
    items = [summary(query) for query in get_catalog()]
    links = twins(url_for("canned.index"), LIST_KINDS, fmt)
    if fmt.kind == "page":
        payload = render.Page("queries.html", {"title": "预设查询", "queries": items, "links": links})
    else:
        payload = {"ok": True, "queries": items}
    return respond(fmt, payload, links)


def summary(query):
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "params": [
            {"name": p.name, "type": p.type, "example": p.example, "description": p.description}
            for p in query.params
        ],
        "url": url_for("canned.show", name=query.name),
    }


@bp.get("/queries/<name>")
def show(name):
    query = get_catalog().get(negotiate.stem(name))
    fmt = negotiate.choose(request, QUERY_KINDS)
    given = {key: value for key, value in request.args.items() if key not in ("format", *PAGING)}
    paging = browse.read_paging(request.args, PAGE_SIZE) if query.form == "select" else None
    in_sparql = paging is not None and query.page is not None
    sparql = query.bind(given, limit=paging.limit, offset=paging.offset) if in_sparql else query.bind(given)
    cfg = current_app.config
    tag = etag("canned", sparql, paging, cfg["ROW_CAP"], fmt.name)
    if response := not_modified(tag):
        return response
    store, limits = get_store(), {"timeout": cfg["QUERY_TIMEOUT"], "row_cap": cfg["ROW_CAP"]}
    result = store.query(sparql, **limits)
    columns, rows = render.table(result)
    page = None
    if in_sparql:
        counted = store.query(query.count(given), **limits).rows
        page = browse.paged([], int(counted[0]["count"]["value"]) if counted else 0, paging, result.truncated)
    elif paging is not None:  # a SELECT without a page subquery: cut here from its one answer
        page = browse.paged([], len(rows), paging, result.truncated)
        rows = rows[paging.offset : paging.offset + paging.limit]
    params = {p.name: given.get(p.name, p.example) for p in query.params}
    if page is not None:
        del page["items"]
        page["key"] = query.page.key if query.page else None
        following = page.pop("nextOffset")
        page["next"] = (
            url_for("canned.show", name=name, **params, offset=following, limit=paging.limit)
            if following is not None
            else None
        )
        page["previous"] = (
            url_for(
                "canned.show",
                name=name,
                **params,
                offset=max(0, paging.offset - paging.limit),
                limit=paging.limit,
            )
            if paging.offset
            else None
        )
    links = twins(url_for("canned.show", name=query.name), QUERY_KINDS, fmt, params)
    if fmt.kind == "page":
        payload = render.Page(
            "query.html",
            {
                "title": query.title,
                "description": query.description,
                "query": sparql,
                "fields": [dict(item, value=params[item["name"]]) for item in summary(query)["params"]],
                "columns": columns,
                "rows": rows,
                "paging": page,
                "truncated": result.truncated,
                "links": links,
                "limits": {"timeout": cfg["QUERY_TIMEOUT"], "row_cap": cfg["ROW_CAP"]},
            },
        )
    else:
        payload = {
            "ok": True,
            "query": query.name,
            "params": params,
            **(page or {}),
            "columns": columns,
            "rows": [{c: render.plain(row[c]) for c in columns if c in row} for row in rows],
            "truncated": result.truncated,
            "sparql": sparql,
        }
    response = respond(fmt, payload, links)
    if result.truncated:
        response.headers["X-PolicyKG-Truncated"] = "true"
    if page and page["next"]:
        response.headers["Link"] += f', <{page["next"]}>; rel="next"'
    return cacheable(response, tag)
