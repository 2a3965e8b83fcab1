"""A running service follows a rebuild: it answers from the new build without a restart, and
the store it replaced stops its query workers once nothing uses it."""

import gc
import shutil
import time
from pathlib import Path

from policykg import build, config
from policykg.app import close, create_app

ROOT = Path(__file__).resolve().parents[1]


def test_the_service_follows_a_rebuild(tmp_path):
    project = tmp_path / "project"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, project / folder)
    cfg = config.settings({"ROOT": str(project), "BUILD_DIR": str(tmp_path / "build"), "RELOAD_SECONDS": 0.2})
    build.build(cfg)
    app = create_app(dict(cfg, TESTING=True))
    client = app.test_client()
    try:
        before = client.get("/healthz").get_json()["data_version"]
        assert (
            client.get("/api/policies/mayor-quality-award").get_json()["policy"]["label"]
            == "临沂市市长质量奖"
        )
        old = app.extensions["policykg.store"].current
        workers = [worker.process for worker in old._pools["service"]._workers]
        assert workers and all(process.poll() is None for process in workers)

        handbook = project / "data/handbook.ttl"
        handbook.write_text(
            handbook.read_text("utf-8").replace(
                'rdfs:label "临沂市市长质量奖"@zh , "Linyi Mayor',
                'rdfs:label "临沂市市长质量奖（新）"@zh , "Linyi Mayor',
            ),
            "utf-8",
        )
        after = build.build(cfg)["data_version"]
        assert after != before
        time.sleep(0.3)

        assert client.get("/healthz").get_json()["data_version"] == after
        assert (
            client.get("/api/policies/mayor-quality-award").get_json()["policy"]["label"]
            == "临沂市市长质量奖（新）"
        )
        del old
        gc.collect()
        for process in workers:
            process.wait(timeout=5)
    finally:
        close(app)


def test_no_reload_when_switched_off(tmp_path, built_cfg):
    app = create_app(dict(built_cfg, TESTING=True, RELOAD_SECONDS=0))
    try:
        newest = app.extensions["policykg.store"]
        first = newest.current
        newest._looked -= 3600
        assert app.test_client().get("/healthz").status_code == 200 and newest.current is first
    finally:
        close(app)
