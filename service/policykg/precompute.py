"""Rows computed once per build, so that no web worker reads the whole graph on a request.

An internal query (`queries/internal/*.rq`) whose header says `#+ precompute: true` is run by
the build on the artifact's store, with its example values, and its rows are written to
`precomputed/<name>.json` in the artifact, with the data version they belong to and a digest
of the query's text (a query edited since the build is run, not read from there). Rows are
SPARQL 1.1 JSON terms, exactly as a query worker gives them (`store.Result.rows`).
`queries.internal_rows` reads them from there and runs the query only when the artifact has
none for the data version the store serves (an older artifact, a remote store without a build).

No row cap applies, but past `queries.INTERNAL_HARD_CAP` rows the build stops: a list that
long, read whole into every web worker, is a design error to fix, not to cut.
"""

import json
import time
from pathlib import Path
from typing import Any

import pyoxigraph

from policykg import queries, store
from policykg.errors import BuildError

# The artifact's folder of precomputed rows.
FOLDER = queries.PRECOMPUTED


def marked(root: str | Path, base_iri: str) -> list[queries.CannedQuery]:
    """The internal queries marked `#+ precompute: true`, in name order."""
    found = [queries.load(path, base_iri) for path in sorted((Path(root) / queries.INTERNAL).glob("*.rq"))]
    return [query for query in found if query.precompute]


def write(store_path: str | Path, folder: str | Path, cfg: queries.Settings, version: str) -> dict[str, Any]:
    """Run every marked query on the store at `store_path` and write its rows to `folder`;
    {name: {"rows", "seconds"}} of what was written. BuildError past the hard cap."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    opened = pyoxigraph.Store.read_only(str(store_path))
    written = {}
    for query in marked(cfg["ROOT"], cfg["BASE_IRI"]):
        if query.form != "select":
            raise BuildError(
                f"{query.name}.rq: 只有 SELECT 查询可以预先计算 (only SELECT queries are precomputed)"
            )
        started = time.perf_counter()
        # The rows exactly as a query worker gives them.
        result = store._result(opened.query(query.bind()), queries.INTERNAL_HARD_CAP)
        if result.truncated:
            raise BuildError(
                f"{query.name}.rq 的结果超过 {queries.INTERNAL_HARD_CAP} 行 (more rows than the hard cap "
                f"of precomputed queries, {queries.INTERNAL_HARD_CAP}): narrow the query"
            )
        record = {
            "query": query.name,
            "query_sha256": queries.digest(query),
            "data_version": version,
            "variables": result.variables,
            "rows": result.rows,
        }
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        (folder / f"{query.name}.json").write_text(text, encoding="utf-8")
        written[query.name] = {"rows": len(result.rows), "seconds": round(time.perf_counter() - started, 3)}
    return written
