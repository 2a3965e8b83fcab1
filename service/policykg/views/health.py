"""`/healthz`: is the service up, on which store and which data."""

from flask import Blueprint, Response, current_app

from .. import artifact, render
from . import get_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    cfg, store = current_app.config, get_store()
    manifest = artifact.manifest(cfg) or {}
    body = {
        "ok": True,
        "status": 200,
        "store": store.kind,
        "triples": store.triple_count(),
        "data_version": store.data_version(),
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
