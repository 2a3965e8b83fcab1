"""Canned queries against golden answers worked out by hand from the handbook.

Every `queries/*.rq` must have `tests/expected/<name>.json`: `params` (as a user would type them),
and `rows` with the columns that matter. Rows are compared as a multiset; a list value stands
for a "；"-joined cell compared as a set; numbers compare by value; `null` means unbound.
Runs on every store: embedded Oxigraph, a real `oxigraph serve` and, where installed, Virtuoso."""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from policykg import queries, store

ROOT = Path(__file__).resolve().parents[1]
NAMES = sorted(path.stem for path in (ROOT / "queries").glob("*.rq"))
SEPARATOR = "；"
STORES = ["embedded", "remote", "virtuoso"]


def expected(name):
    return json.loads((ROOT / "tests/expected" / f"{name}.json").read_text("utf-8"))


def canon(value, is_list):
    """One form for actual and expected cells: sets for lists, plain decimals for numbers."""
    if is_list:
        parts = value if isinstance(value, list) else (value or "").split(SEPARATOR)
        return sorted(part for part in parts if part)
    try:
        return format(Decimal(value).normalize(), "f")
    except (InvalidOperation, TypeError, ValueError):
        return value


def key(row):
    return json.dumps(row, ensure_ascii=False, sort_keys=True)


@pytest.fixture
def canned_store(app_cfg):
    opened = store.open_store(app_cfg)
    yield opened
    opened.close()


def test_every_canned_query_has_a_golden_answer():
    missing = [name for name in NAMES if not (ROOT / "tests/expected" / f"{name}.json").exists()]
    assert NAMES and not missing, f"canned queries without tests/expected/<name>.json: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_canned_query_matches_golden_answer(canned_store, name):
    golden = expected(name)
    query = queries.Catalog(ROOT / "queries").get(name)
    result = canned_store.query(query.bind(golden["params"]))
    columns = sorted({column for row in golden["rows"] for column in row})
    missing = set(columns) - set(result.variables)
    assert not missing, f"{name}: the query has no column {missing}"
    lists = {column for row in golden["rows"] for column, value in row.items() if isinstance(value, list)}

    def table(rows, value):
        return sorted(key({c: canon(value(row, c), c in lists) for c in columns}) for row in rows)

    actual = table(result.rows, lambda row, c: row[c]["value"] if row.get(c) else None)
    assert actual == table(golden["rows"], lambda row, c: row[c])


@pytest.mark.parametrize("name", NAMES)
def test_pages_of_a_canned_query_make_its_whole_answer(canned_store, name):
    """Every canned query is paged inside SPARQL: pages of two keys, walked to the count, give
    the rows of one page holding every key, in the same order (a "；"-joined list as a set);
    the count is the keys'."""
    golden = expected(name)
    query = queries.Catalog(ROOT / "queries").get(name)
    assert query.page is not None, f"{name}: no '#+ page:' header"
    whole = canned_store.query(query.bind(golden["params"], limit=1000)).rows
    count = int(canned_store.query(query.count(golden["params"])).rows[0]["count"]["value"])
    walked = []
    for offset in range(0, count + 2, 2):
        walked += canned_store.query(query.bind(golden["params"], limit=2, offset=offset)).rows

    def cells(rows):
        return [{c: sorted(term["value"].split(SEPARATOR)) for c, term in row.items()} for row in rows]

    assert cells(walked) == cells(whole) and count > 0
    if any(query.page.key in row for row in whole):
        assert count == len({row[query.page.key]["value"] for row in whole})
