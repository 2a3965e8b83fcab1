"""/queries and /queries/<name>: pages, JSON and CSV twins, parameters, on both stores."""

import csv
import io
import re

import pyoxigraph
import pytest

from policykg import config, queries
from policykg.app import close, create_app

CATALOG = queries.Catalog(config.ROOT / "queries")
NAMES = CATALOG.names()
KEYS = {"ok", "query", "params", "columns", "rows", "truncated", "sparql"}
# A SELECT query's answer is one page: where the page is, how many keys in all (`key` names
# the variable a page counts).
PAGING_KEYS = {"count", "offset", "limit", "page", "pages", "next", "previous", "key"}


def links(response):
    """{media type: href} from the Link header."""
    return {
        m[1]: m[0]
        for m in re.findall(r'<([^>]*)>; rel="alternate"; type="([^"]*)"', response.headers.get("Link", ""))
    }


def test_catalog_is_not_empty():
    assert len(NAMES) >= 10


def test_list_page_and_json(client):
    page = client.get("/queries", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    for query in CATALOG:
        assert query.title in html and f'href="/queries/{query.name}"' in html
    assert links(page)["application/json"] == "/queries.json"
    assert 'href="/queries.json"' in html

    data = client.get("/queries.json").get_json()
    assert data["ok"] is True
    assert [item["name"] for item in data["queries"]] == NAMES
    first = data["queries"][0]
    assert set(first) == {"name", "title", "description", "params", "url"}
    assert all(set(p) == {"name", "type", "example", "description"} for p in first["params"])
    assert links(client.get("/queries.json"))["text/html"] == "/queries.html"
    assert client.get("/queries.html").mimetype == "text/html"


@pytest.mark.parametrize("name", NAMES)
def test_each_query_as_page_json_and_csv(client, name):
    query = CATALOG.get(name)
    page = client.get(f"/queries/{name}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    assert query.title in html and "<form" in html
    for param in query.params:
        assert f'name="{param.name}"' in html and f'value="{param.example}"' in html

    data = client.get(f"/queries/{name}.json").get_json()
    assert set(data) == KEYS | PAGING_KEYS and data["ok"] is True and data["query"] == name
    assert data["key"] == query.page.key and data["next"] is None  # the handbook fits one page
    if data["key"] in data["columns"]:
        assert data["count"] == len({row[data["key"]] for row in data["rows"]})
    else:
        assert 0 < data["count"] <= len(data["rows"])
    assert data["params"] == {p.name: p.example for p in query.params}
    assert data["sparql"] == query.bind({})
    assert all(isinstance(v, str) for row in data["rows"] for v in row.values())
    assert all(set(row) <= set(data["columns"]) for row in data["rows"])

    response = client.get(f"/queries/{name}.csv")
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:])))
    assert header == data["columns"] and len(rows) == len(data["rows"])
    assert rows == [[row.get(c, "") for c in header] for row in data["rows"]]

    alternates = links(page)
    assert alternates["application/json"].startswith(f"/queries/{name}.json")
    assert alternates["text/csv"].startswith(f"/queries/{name}.csv")
    assert f'href="{alternates["application/json"]}"'.replace("&", "&amp;") in html
    assert links(response)["text/html"].startswith(f"/queries/{name}.html")


def test_parameters_are_bound(client):
    five = client.get("/queries/operating-years-at-least.json").get_json()
    three = client.get("/queries/operating-years-at-least.json", query_string={"years": "3"}).get_json()
    assert three["params"] == {"years": "3"}
    assert f"VALUES (?years) {{ ({pyoxigraph.Literal(3)}) }}" in three["sparql"]
    assert len(three["rows"]) >= len(five["rows"]) > 0
    assert all(int(row["minYears"]) >= 3 for row in three["rows"])
    links_ = links(client.get("/queries/operating-years-at-least", query_string={"years": "3"}))
    assert links_["application/json"] == "/queries/operating-years-at-least.json?years=3"


def test_a_string_stays_a_string(client):
    tricky = '临沂" } } SELECT * WHERE { ?s ?p ?o } #'
    response = client.get("/queries/documents-by-body.json", query_string={"body": tricky})
    data = response.get_json()
    assert response.status_code == 200 and data["params"]["body"] == tricky
    assert str(pyoxigraph.Literal(tricky)) in data["sparql"]
    assert data["rows"] == []


@pytest.mark.parametrize(
    "path, params, param",
    [
        ("/queries/operating-years-at-least.json", {"years": "five"}, "years"),
        ("/queries/operating-years-at-least.json", {"years": "5) } SELECT"}, "years"),
        ("/queries/benefits-worth-at-least.json", {"amount": "1e9e9"}, "amount"),
        ("/queries/operating-years-at-least.json", {"color": "red"}, "color"),
    ],
)
def test_bad_parameter_is_400_naming_it(client, path, params, param):
    response = client.get(path, query_string=params)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["param"] == param and param in body["error"]


def test_bad_parameter_on_the_page_is_an_error_page(client):
    response = client.get(
        "/queries/operating-years-at-least", query_string={"years": "x"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "years" in response.data.decode()


def test_unknown_query_is_404(client):
    for path in ("/queries/no-such-query", "/queries/no-such-query.json"):
        response = client.get(path)
        assert response.status_code == 404 and response.get_json()["status"] == 404


def test_formats_not_offered_are_406(client):
    assert client.get("/queries/policy-contacts.ttl").status_code == 406
    assert client.get("/queries.csv").status_code == 404
    response = client.get("/queries/policy-contacts", headers={"Accept": "text/turtle"})
    assert response.status_code == 406 and "text/csv" in response.get_json()["offered"]


def test_accept_picks_the_twin(client):
    assert client.get("/queries/policy-contacts", headers={"Accept": "text/csv"}).mimetype == "text/csv"
    assert (
        client.get("/queries/policy-contacts", headers={"Accept": "application/json"}).get_json()["ok"]
        is True
    )


def test_conditional_get(client):
    first = client.get("/queries/policy-contacts.json")
    again = client.get("/queries/policy-contacts.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_row_cap_marks_truncation(app_cfg):
    app = create_app(dict(app_cfg, TESTING=True, ROW_CAP=1))
    try:
        response = app.test_client().get("/queries/policy-contacts.json")
        assert response.get_json()["truncated"] is True and len(response.get_json()["rows"]) == 1
        assert response.headers["X-PolicyKG-Truncated"] == "true"
        page = app.test_client().get("/queries/policy-contacts", headers={"Accept": "text/html"})
        assert "结果已截断" in page.data.decode()
    finally:
        close(app)
