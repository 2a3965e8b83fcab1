"""Bounds of the embedded store: memory (answer cache in bytes, an address-space limit per query
process), fairness (a floor on time limits, a lane of its own for ad-hoc queries) and query
processes that die with the process that started them."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from policykg import errors, store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# Sorting a two-way cartesian product of the whole graph: far more memory than the limit below.
CARTESIAN = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d"
# Counting a four-way product: runs for minutes in little memory.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Enough for a query process to start and answer (its address space is ~600 MB at rest, most of
# it reserved and never touched), too little for CARTESIAN.
SMALL_MEMORY_MB = 900


@pytest.fixture
def opened(built_cfg):
    made = []

    def open_store(**overrides):
        made.append(store.open_store(dict(built_cfg, CACHE_SIZE=0, **overrides)))
        return made[-1]

    yield open_store
    for each in made:
        each.close()


def test_a_query_past_the_memory_limit_is_503_and_the_next_query_works(opened):
    small = opened(QUERY_MEMORY_MB=SMALL_MEMORY_MB, QUERY_TIMEOUT=60.0, ADHOC_WORKERS=1)
    total = small.triple_count()
    with pytest.raises(errors.StoreUnavailable) as caught:
        small.query(CARTESIAN, lane="adhoc")
    assert caught.value.status == 503
    assert caught.value.details == {"limit": "memory", "megabytes": SMALL_MEMORY_MB}
    assert f"查询超过内存限制 {SMALL_MEMORY_MB} MB" in caught.value.message
    assert small.query(COUNT, lane="adhoc").rows[0]["n"]["value"] == str(total)  # the replacement answers


def test_the_memory_limit_through_sparql_is_503_with_limit_memory(built_cfg):
    from policykg.app import close, create_app

    app = create_app(
        dict(built_cfg, QUERY_MEMORY_MB=SMALL_MEMORY_MB, QUERY_TIMEOUT=60.0, CACHE_SIZE=0, TESTING=True)
    )
    try:
        client = app.test_client()
        answer = client.get(
            "/sparql", query_string={"query": CARTESIAN}, headers={"Accept": "application/json"}
        )
        assert answer.status_code == 503
        assert answer.json["limit"] == "memory"
        again = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "application/json"})
        assert again.status_code == 200
    finally:
        close(app)


def test_a_short_timeout_is_raised_to_the_floor_and_costs_no_process(opened):
    floor = opened(MIN_TIMEOUT=0.5)
    floor.query(COUNT, timeout=0.000001)  # a cheap query answers within the floor
    pool = floor._pools["service"]
    started = pool.started
    for _ in range(5):
        floor.query(COUNT + " LIMIT 1", timeout=0.000001)
    assert pool.started == started
    with pytest.raises(errors.QueryTimeout) as caught:
        floor.query(SLOW, timeout=0.000001)
    assert caught.value.details == {"limit": "time", "seconds": 0.5}


def test_the_service_lane_answers_while_adhoc_queries_hold_every_adhoc_process(opened):
    lanes = opened(QUERY_TIMEOUT=20.0, ADHOC_WORKERS=2, QUERY_WORKERS=1)
    lanes.query(COUNT)  # service process up
    slow = [threading.Thread(target=_error, args=(lanes, SLOW, "adhoc")) for _ in range(3)]
    for thread in slow:
        thread.start()
    time.sleep(1.0)  # both ad-hoc processes busy, the third ad-hoc query waiting
    assert lanes.query(COUNT + " LIMIT 1").rows
    assert all(thread.is_alive() for thread in slow)  # answered before any ad-hoc query ended
    lanes.close()
    for thread in slow:
        thread.join()


def _error(opened, text, lane):
    try:
        opened.query(text, lane=lane)
    except errors.ServiceError as error:
        return error


def test_the_cache_weight_is_what_the_answer_holds(opened):
    # The cached copy of an answer is the one unpickled from the query process's pipe.
    answer = opened().query("SELECT * WHERE { ?s ?p ?o }", row_cap=5000)
    assert len(answer.rows) == 5000
    data = pickle.dumps(answer)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    copy = pickle.loads(data)
    held = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()
    assert copy == answer
    assert 0.8 < store.weigh(copy) / held < 1.25


def test_the_answer_cache_stays_within_its_bytes(built_cfg):
    limit = 2_000_000
    bounded = store.open_store(dict(built_cfg, CACHE_BYTES=limit, CACHE_SIZE=10_000))
    try:
        for offset in range(20):
            bounded.query(f"SELECT * WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o OFFSET {offset} LIMIT 1000")
            assert bounded._cache.weight <= limit
        kept = len(bounded._cache)
        assert 0 < kept < 20
    finally:
        bounded.close()


def descendants(pid):
    """Query processes whose parent is `pid` and that are not yet zombies, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == pid and state != "Z" and store.WORKER.encode() in cmdline:
            found.add(int(entry.name))
    return found


def alive(pid):
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_query_process_dies_with_its_parent_killed_mid_query(built_cfg):
    script = (
        "import sys\nfrom policykg import config, store\n"
        f"opened = store.open_store(config.settings({{'BUILD_DIR': {built_cfg['BUILD_DIR']!r}, "
        "'QUERY_TIMEOUT': 120.0}))\n"
        "opened.triple_count()\nprint('up', flush=True)\n"
        f"opened.query({SLOW!r})\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().strip() == "up"
        workers = descendants(owner.pid)
        assert len(workers) == built_cfg["QUERY_WORKERS"]
        time.sleep(0.5)  # mid-query
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        deadline = time.monotonic() + 1.0
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()
