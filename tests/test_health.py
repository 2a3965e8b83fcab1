"""/healthz: up, which store, which data; the triple count from the build's manifest, not a query."""

import json
import shutil
from pathlib import Path

import pytest

from policykg.app import close, create_app


def test_health_counts_from_the_manifest_without_a_query(embedded_app, built_cfg, monkeypatch):
    manifest = json.loads((Path(built_cfg["BUILD_DIR"]) / "manifest.json").read_text("utf-8"))
    served = embedded_app.extensions["policykg.store"]

    def no_count():
        raise AssertionError("the store was asked to count")

    monkeypatch.setattr(served, "triple_count", no_count)
    body = embedded_app.test_client().get("/healthz").get_json()
    assert body["ok"] is True and body["store"] == "embedded"
    assert body["triples"] == manifest["counts"]["total"] > 0
    assert body["data_version"] == manifest["data_version"] and body["built_at"] == manifest["built_at"]


@pytest.fixture
def drifted_cfg(built_cfg, tmp_path):
    """A build whose manifest, read by /healthz, no longer describes the store (another version)."""
    folder = tmp_path / "build"
    shutil.copytree(built_cfg["BUILD_DIR"], folder)
    return dict(built_cfg, BUILD_DIR=str(folder), STORE="embedded", TESTING=True, RELOAD_SECONDS=0)


def test_health_asks_the_store_when_the_manifest_is_of_other_data(drifted_cfg):
    app = create_app(drifted_cfg)
    try:
        path = Path(drifted_cfg["BUILD_DIR"]) / "manifest.json"
        manifest = json.loads(path.read_text("utf-8"))
        total = manifest["counts"]["total"]
        path.write_text(json.dumps(dict(manifest, data_version="0" * 16, counts={"total": 1})), "utf-8")
        body = app.test_client().get("/healthz").get_json()
        assert body["triples"] == total  # counted by the store, not the manifest's 1
    finally:
        close(app)
