"""`/sparql`: the SPARQL 1.1 Protocol, read-only.

Queries come by GET `?query=`, POST form (`query=`) or POST `application/sparql-query`, with
`default-graph-uri` / `named-graph-uri` (repeatable, the store's own graphs only) and
`timeout=` seconds (may lower the configured limit, never raise it). Updates are refused (403).
A GET without `query` describes the service (SPARQL 1.1 Service Description), or shows a
query form to a browser. Every query passes `guard.check` before the store sees it.
"""

import math

from flask import Blueprint, current_app, request
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from .. import errors, guard, negotiate, render
from ..namespaces import FORMATS, RDF, SD, VOID
from . import cacheable, etag, get_store, not_modified, public_root, respond

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
KINDS = {"select": "results", "ask": "results", "graph": "graph"}

RDF_TYPE = NamedNode(RDF + "type")
SD_PREFIXES = {"sd": SD, "void": VOID, "formats": FORMATS}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    query, default_graphs, named_graphs = read_request()
    if query is None:
        return describe()
    cfg = current_app.config
    inspection = guard.check(query, cfg)
    guard.check_graphs(default_graphs, cfg, "default-graph-uri")
    guard.check_graphs(named_graphs, cfg, "named-graph-uri")
    timeout = read_timeout(cfg["QUERY_TIMEOUT"])
    if inspection.form:  # refuse an unacceptable format before running anything
        negotiate.choose(request, (KINDS[inspection.form], "page"))
    tag = etag(
        "sparql",
        query,
        default_graphs,
        named_graphs,
        cfg["ROW_CAP"],
        request.headers.get("Accept"),
        request.values.get("format"),
    )
    if response := not_modified(tag):
        return response
    dataset = {}
    if default_graphs or named_graphs:
        dataset = {"default_graphs": default_graphs, "named_graphs": named_graphs}
    result = get_store().query(query, timeout=timeout, row_cap=cfg["ROW_CAP"], lane="adhoc", **dataset)
    fmt = negotiate.choose(request, (KINDS[result.form], "page"))
    if fmt.kind == "results":
        payload = result
    elif fmt.kind == "graph":
        payload = render.Triples(render.triples(result), inspection.prefixes)
    else:
        payload = render.Page("query.html", page_context(query, result))
    response = respond(fmt, payload)
    if result.truncated:
        response.headers["X-PolicyKG-Truncated"] = "true"
    return cacheable(response, tag)


def read_request():
    """(query or None, default graphs, named graphs) from a protocol request."""
    if (request.method == "POST" and request.mimetype == UPDATE) or "update" in request.values:
        raise errors.Forbidden("只读服务：不接受 SPARQL 更新")
    texts = request.values.getlist("query")
    if request.method == "POST":
        if request.mimetype == DIRECT:
            texts.append(read_body())
        elif request.mimetype != FORM:
            raise errors.ServiceError(
                f"不支持的内容类型 {request.mimetype or '（未给出）'}：请用 {FORM} 或 {DIRECT}",
                415,
                offered=[FORM, DIRECT],
            )
        if not texts:
            raise errors.BadRequest("缺少 query 参数", param="query")
    if len(texts) > 1:
        raise errors.BadRequest("一次只能提交一个查询", param="query")
    if texts and not texts[0].strip():
        raise errors.BadRequest("query 参数是空的", param="query")
    return (
        (texts[0] if texts else None),
        request.values.getlist("default-graph-uri"),
        request.values.getlist("named-graph-uri"),
    )


def read_body():
    """The query of a direct POST, which must be UTF-8."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise errors.ServiceError(f"查询文本须为 UTF-8（收到 charset={charset}）", 415)
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise errors.BadRequest("查询文本不是有效的 UTF-8") from None


def read_timeout(limit):
    """`timeout=` seconds, at most `limit`; the limit when absent."""
    raw = request.values.get("timeout")
    if raw is None or raw == "":
        return limit
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise errors.BadRequest(f"timeout 应为正的秒数（收到 {raw}）", param="timeout")
    return min(seconds, limit)


def page_context(query, result=None):
    cfg = current_app.config
    context = {
        "title": "SPARQL 查询",
        "query": query,
        "editor": True,
        "limits": {"timeout": cfg["QUERY_TIMEOUT"], "row_cap": cfg["ROW_CAP"]},
    }
    if result is not None:
        columns, rows = render.table(result)
        context.update(columns=columns, rows=rows, truncated=result.truncated)
    return context


def describe():
    """The service description (RDF), or the query form for a browser."""
    fmt = negotiate.choose(request, ("graph", "page"))
    endpoint = public_root() + "sparql"
    tag = etag("description", endpoint, fmt.name)
    if response := not_modified(tag):
        return response
    if fmt.kind == "page":
        payload = render.Page("query.html", page_context(""))
    else:
        triples = description(endpoint, get_store().triple_count(), guard.own_graphs(current_app.config))
        payload = render.Triples(triples, SD_PREFIXES)
    return cacheable(respond(fmt, payload), tag)


def description(endpoint, triple_count, graphs):
    """SPARQL 1.1 Service Description triples for the endpoint at `endpoint`."""
    service, dataset, default = NamedNode(endpoint), BlankNode(), BlankNode()
    triples = [
        Triple(service, RDF_TYPE, NamedNode(SD + "Service")),
        Triple(service, NamedNode(SD + "endpoint"), service),
        Triple(service, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query")),
        Triple(service, NamedNode(SD + "feature"), NamedNode(SD + "UnionDefaultGraph")),
        *(
            Triple(service, NamedNode(SD + "resultFormat"), NamedNode(fmt.w3c))
            for fmt in negotiate.FORMATS
            if fmt.w3c
        ),
        Triple(service, NamedNode(SD + "defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, NamedNode(SD + "Dataset")),
        Triple(dataset, NamedNode(SD + "defaultGraph"), default),
        Triple(default, RDF_TYPE, NamedNode(SD + "Graph")),
        Triple(default, NamedNode(VOID + "triples"), Literal(triple_count)),
    ]
    for iri in graphs:
        named = BlankNode()
        triples += [
            Triple(dataset, NamedNode(SD + "namedGraph"), named),
            Triple(named, RDF_TYPE, NamedNode(SD + "NamedGraph")),
            Triple(named, NamedNode(SD + "name"), NamedNode(iri)),
        ]
    return triples
