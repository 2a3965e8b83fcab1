"""`/healthz`: is the service up, on which store and which data.

The triple count comes from the build's manifest when it describes the data the store serves
(no query, so the answer costs the same at any size); only a store without a matching build (a
remote store loaded some other way) is asked to count."""

from flask import Blueprint, Response, current_app

from .. import artifact, render
from . import get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    cfg, store = current_app.config, get_store()
    manifest = artifact.manifest(cfg) or {}
    version = store.data_version()
    counted = (
        manifest.get("counts", {}).get("total")
        if version and manifest.get("data_version") == version
        else None
    )
    body = {
        "ok": True,
        "status": 200,
        "store": store.kind,
        "triples": counted if isinstance(counted, int) else store.triple_count(),
        "data_version": version,
        "built_at": manifest.get("built_at"),
        "limits": {
            "timeout_seconds": cfg["QUERY_TIMEOUT"],
            "row_cap": cfg["ROW_CAP"],
            "max_query_bytes": cfg["MAX_QUERY_BYTES"],
        },
    }
    response = Response(render.data_json(body), mimetype="application/json")
    response.cache_control.no_store = True
    return response
