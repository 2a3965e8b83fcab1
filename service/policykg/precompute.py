"""Rows computed once per build, so that no web worker reads the whole graph on a request.

An internal query (`queries/internal/*.rq`) whose header says `#+ precompute: true` is run by
the build on the artifact's store, with its example values, and its rows are written to
`precomputed/<name>.json` in the artifact, with the data version they belong to and a digest
of the query's text (a query edited since the build is run, not read from there). Rows are
SPARQL 1.1 JSON terms, exactly as a query worker gives them (`store.Result.rows`).
`queries.internal_rows` reads them from there and runs the query only when the artifact has
none for the data version the store serves (an older artifact, a remote store without a build).

A query marked `#+ precompute: per-handbook` is one whose every row comes from one handbook
(with the ontology): its rows are computed by the build's handbook worker on that handbook's own
small store (`handbook_rows`), cached with the handbook's other results, and merged here
(`merge`): the rows of the ontology alone once, plus what each handbook adds to them, ordered by
the query's ORDER BY. That is the whole store's answer when no handbook's rows depend on
another's; where they might (handbooks that share or refer to each other's resources, rows of
the ontology that a handbook changes, an ORDER BY on anything but variables, a base IRI other
than the canonical one), the query is run on the whole store instead, as for
`#+ precompute: true`. A one-handbook edit then recomputes one handbook's rows, not every
row of the graph.

No row cap applies, but past `queries.INTERNAL_HARD_CAP` rows the build stops: a list that
long, read whole into every web worker, is a design error to fix, not to cut.
"""

import json
import re
import time
from collections import Counter
from pathlib import Path

import pyoxigraph

from policykg import config, queries, store
from policykg.errors import BuildError

# The artifact's folder of precomputed rows.
FOLDER = queries.PRECOMPUTED


def marked(root: str | Path, base_iri: str) -> list[queries.CannedQuery]:
    """The internal queries marked `#+ precompute: true`, in name order."""
    found = [queries.load(path, base_iri) for path in sorted((Path(root) / queries.INTERNAL).glob("*.rq"))]
    return [query for query in found if query.precompute]


def write(store_path, folder, cfg, version, per_handbook=None, ontology=None):
    """Run every marked query on the store at `store_path` and write its rows to `folder`;
    {name: {"rows", "seconds", "from"}} of what was written. With `per_handbook` (each handbook's
    `handbook_rows`, in handbook order) and `ontology` (the ontology's closure, N-Triples), a
    query marked per-handbook is merged from those instead, where `merge` can. BuildError past
    the hard cap."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    opened = pyoxigraph.Store.read_only(str(store_path))
    alone = None
    written = {}
    for query in marked(cfg["ROOT"], cfg["BASE_IRI"]):
        if query.form != "select":
            raise BuildError(
                f"{query.name}.rq: 只有 SELECT 查询可以预先计算 (only SELECT queries are precomputed)"
            )
        started = time.perf_counter()
        rows, variables, source = None, None, "store"
        if query.precompute == "per-handbook" and per_handbook is not None and ontology is not None:
            if alone is None:
                alone = pyoxigraph.Store()
                alone.load(ontology, format=pyoxigraph.RdfFormat.N_TRIPLES)
            variables, base_rows = _rows(alone, query)
            rows = merge(query, base_rows, [book.get(query.name) for book in per_handbook])
            source = "handbooks" if rows is not None else source
        if rows is None:
            variables, rows = _rows(opened, query)
        record = {
            "query": query.name,
            "query_sha256": queries.digest(query),
            "data_version": version,
            "variables": variables,
            "rows": rows,
        }
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        (folder / f"{query.name}.json").write_text(text, encoding="utf-8")
        written[query.name] = {
            "rows": len(rows),
            "seconds": round(time.perf_counter() - started, 3),
            "from": source,
        }
    return written


def handbook_rows(store, root):
    """{name: {"query_sha256", "rows"}} of every query marked per-handbook, on one handbook's
    store (its closure with the ontology's; canonical IRIs), for the build's handbook cache; the
    rows as JSON text, read back one query at a time when merged (less memory than objects)."""
    found = {}
    for query in marked(root, config.CANONICAL_BASE):
        if query.precompute == "per-handbook" and query.form == "select":
            _, rows = _rows(store, query)
            found[query.name] = {
                "query_sha256": queries.digest(query),
                "rows": json.dumps(rows, ensure_ascii=False, separators=(",", ":")),
            }
    return found


def merge(query, alone, books):
    """The whole store's rows of `query`, from its rows on the ontology `alone` and
    each handbook's (`handbook_rows` entries); None where that cannot be known to be exact."""
    order = order_variables(query.text)
    if order is None or any(
        book is None or book.get("query_sha256") != queries.digest(query) for book in books
    ):
        return None
    common = Counter(_key(row) for row in alone)
    rows = list(alone)
    for book in books:
        book_rows = json.loads(book["rows"])
        own = Counter(_key(row) for row in book_rows)
        if any(own[key] < count for key, count in common.items()):
            return None  # a handbook changes a row of the ontology's: rows depend on each other
        left = Counter(common)
        for row in book_rows:
            key = _key(row)
            if left[key]:
                left[key] -= 1
            else:
                rows.append(row)
    if DISTINCT.search(query.text):  # the same row from two handbooks is one row of the whole
        rows = list({_key(row): row for row in reversed(rows)}.values())[::-1]
    if len(rows) > queries.INTERNAL_HARD_CAP:
        _too_many(query)
    rows.sort(key=lambda row: tuple(_order_key(row.get(name)) for name in order))
    return rows


DISTINCT = re.compile(r"\bSELECT\s+DISTINCT\b", re.IGNORECASE)
ORDER_BY = re.compile(r"\bORDER\s+BY\s+((?:\?\w+\s*)+)$", re.IGNORECASE)


def order_variables(text):
    """The variables of the query's closing `ORDER BY ?a ?b …` (all ascending); None when it
    orders otherwise, has anything after it (LIMIT…) or does not order at all."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")).strip()
    found = ORDER_BY.search(body)
    return found[1].replace("?", " ").split() if found else None


def _order_key(term):
    """SPARQL's ascending order for the terms these queries order by: unbound first, then blank
    nodes, IRIs and literals, each by its text (code points)."""
    if term is None:
        return (0, "")
    return ({"bnode": 1, "uri": 2}.get(term["type"], 3), term["value"])


def _key(row):
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


def _rows(store_, query):
    """The rows as a query worker gives them, each GROUP_CONCAT's parts in order (`settled`)."""
    result = store._result(store_.query(query.bind()), queries.INTERNAL_HARD_CAP)
    if result.truncated:
        _too_many(query)
    return result.variables, settled(query, result.rows)


GROUP_CONCAT = re.compile(
    r"GROUP_CONCAT\s*\([^;()]*(?:\([^()]*\)[^;()]*)*;\s*separator\s*=\s*\"([^\"]*)\"\s*\)\s+AS\s+\?(\w+)",
    re.IGNORECASE,
)


# The portable form of a list (docs/stores.md): SUBSTR(GROUP_CONCAT(CONCAT("、", ?x); separator=""), 2).
PREFIXED_CONCAT = re.compile(
    r"SUBSTR\s*\(\s*GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?CONCAT\s*\(\s*\"([^\"]+)\"(?:@[\w-]+)?\s*,"
    r"[^;]*;\s*separator\s*=\s*\"\"\s*\)\s*,\s*2\s*\)\s+AS\s+\?(\w+)",
    re.IGNORECASE,
)


def settled(query, rows):
    """`rows` with the parts of each GROUP_CONCAT column sorted: the order SPARQL leaves to the
    engine (and which differs between a handbook's store and the whole one) made one; a list
    written in the portable form (`PREFIXED_CONCAT`) is split on the text put before each part."""
    joined = {name: separator for separator, name in GROUP_CONCAT.findall(query.text)}
    joined.update({name: separator for separator, name in PREFIXED_CONCAT.findall(query.text)})
    if not joined:
        return rows
    rows = [dict(row) for row in rows]  # the given rows are left as they are
    for row in rows:
        for name, separator in joined.items():
            term = row.get(name)
            if term is not None and separator:
                row[name] = dict(term, value=separator.join(sorted(term["value"].split(separator))))
    return rows


def _too_many(query):
    raise BuildError(
        f"{query.name}.rq 的结果超过 {queries.INTERNAL_HARD_CAP} 行 (more rows than the hard cap "
        f"of precomputed queries, {queries.INTERNAL_HARD_CAP}): narrow the query"
    )
