"""Lists come a page at a time, in a stable order, with a count and a `next` link (HTML and
JSON alike); search ranks from the full-text index with the matching clause highlighted."""

import gc
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph
import pytest

from policykg import browse, config, fulltext

BASE = config.DEFAULTS["BASE_IRI"]
POLICY = f"{BASE}id/policy/"


def walk(client, path, name):
    """Every page of a JSON list by its `next` links: (pages, items in order)."""
    pages, items = [], []
    while path:
        body = client.get(path).get_json()
        assert body["ok"] is True
        pages.append(body)
        items += body[name]
        path = body["next"]
    return pages, items


def test_policy_pages_add_up_to_the_whole_list_in_a_stable_order(client):
    whole = client.get("/api/policies?limit=100").get_json()
    assert whole["count"] == len(whole["policies"]) == 10 and whole["next"] is None
    pages, items = walk(client, "/api/policies?limit=3", "policies")
    assert [page["offset"] for page in pages] == [0, 3, 6, 9]
    assert [len(page["policies"]) for page in pages] == [3, 3, 3, 1]
    assert all(page["count"] == 10 and page["pages"] == 4 for page in pages)
    assert [item["iri"] for item in items] == [item["iri"] for item in whole["policies"]]
    assert pages[-1]["next"] is None and all(page["next"] for page in pages[:-1])
    # The same page asked for twice (or by number) is the same.
    middle = client.get("/api/policies?limit=3&page=2").get_json()
    assert [p["iri"] for p in middle["policies"]] == [p["iri"] for p in pages[1]["policies"]]


def test_the_list_is_in_handbook_order_without_a_search(client):
    items = client.get("/api/policies?limit=100").get_json()["policies"]
    keys = [(item["firstPage"], item["iri"]) for item in items]
    assert keys == sorted(keys)


def test_search_pages_keep_the_filters_and_the_ranking(client):
    whole = client.get("/api/policies?q=专利&limit=100").get_json()
    assert whole["count"] >= 3
    pages, items = walk(client, "/api/policies?q=专利&limit=2", "policies")
    assert [item["iri"] for item in items] == [item["iri"] for item in whole["policies"]]
    assert all(parse_qs(urlsplit(page["next"]).query)["q"] == ["专利"] for page in pages[:-1])


def test_a_name_typed_alone_ranks_its_policy_first_with_the_clause_marked(client):
    first = client.get("/api/policies?q=泰山品质").get_json()["policies"][0]
    assert "泰山品质" in first["label"]
    hit = client.get("/api/policies?q=专利").get_json()["policies"][0]
    assert "<mark>专利</mark>" in hit["snippet"]
    html = client.get("/policies?q=专利").data.decode()
    assert "<mark>专利</mark>" in html and "按与检索词的相关程度排列" in html


def test_html_pages_link_the_next_page_but_the_last(client):
    first = client.get("/policies?limit=4").data.decode()
    assert "找到 10 项政策" in first and "第 1 / 3 页" in first
    assert 'rel="next" href="/policies?offset=4&amp;limit=4"' in first and 'rel="prev"' not in first
    assert first.count('<article class="card">') == 4
    middle = client.get("/policies?offset=4&limit=4").data.decode()
    assert 'rel="next"' in middle and 'rel="prev"' in middle
    last = client.get("/policies?offset=8&limit=4").data.decode()
    assert 'rel="next"' not in last and last.count('<article class="card">') == 2


def test_home_shows_counts_by_theme_and_a_first_page(client):
    html = client.get("/").data.decode()
    themes = client.get("/api/filters").get_json()["filters"]["theme"]
    for theme in themes:
        assert f"{theme['label']}</a> <small>{theme['policies']} 项</small>" in html
    assert html.count('<article class="card">') == min(10, browse.PAGE_SIZE)


def test_filter_counts_come_from_the_search(client):
    options = client.get("/policies?q=专利").data.decode()
    found = client.get("/api/policies?q=专利&applicant=individual&limit=100").get_json()["count"]
    label = next(
        o for o in client.get("/api/filters").get_json()["filters"]["applicant"] if o["code"] == "individual"
    )
    assert f"{label['label']}（{found}）" in options


def test_hotlines_are_paged(client):
    whole = client.get("/api/hotlines?limit=100").get_json()
    pages, items = walk(client, "/api/hotlines?limit=2", "hotlines")
    assert [line["iri"] for line in items] == [line["iri"] for line in whole["hotlines"]]
    assert len(pages) == -(-whole["count"] // 2) and pages[-1]["next"] is None
    assert [line["telephone"] for line in items] == sorted(line["telephone"] for line in items)
    html = client.get("/hotlines?limit=2").data.decode()
    assert 'rel="next"' in html and f"共 {whole['count']} 个电话" in html


@pytest.mark.parametrize(
    "path, key",
    [
        ("/api/organisations/linyi-amr", "organisation"),
        ("/api/documents/lin-zheng-zi-2020-113", "document"),
        ("/api/handbooks/linyi-amr-2023", "handbook"),
    ],
)
def test_the_policies_of_a_body_document_or_handbook_are_paged(client, path, key):
    whole = client.get(f"{path}?limit=100").get_json()[key]["policies"]
    assert whole["count"] == len(whole["policies"]) and whole["next"] is None
    pages, items, at = [], [], f"{path}?limit=2"
    while at:
        listed = client.get(at).get_json()[key]["policies"]
        assert listed["count"] == whole["count"] and len(listed["policies"]) <= 2
        pages.append(listed)
        items += listed["policies"]
        at = listed["next"]
    assert [item["iri"] for item in items] == [item["iri"] for item in whole["policies"]]
    assert len(pages) == max(1, -(-whole["count"] // 2))
    assert [page["offset"] for page in pages] == [2 * n for n in range(len(pages))]


@pytest.mark.parametrize(
    "path, count",
    [
        ("/doc/organisation/linyi-amr", 10),
        ("/doc/handbook/linyi-amr-2023", 10),
    ],
)
def test_resource_pages_link_the_next_page_of_their_policies(client, path, count):
    first = client.get(f"{path}?limit=3", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"共 {count} 项，第 1 / {-(-count // 3)} 页" in first
    assert f'rel="next" href="{path}?offset=3&amp;limit=3"' in first and 'rel="prev"' not in first
    last = client.get(f"{path}?offset=9&limit=3", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'rel="next"' not in last and f'rel="prev" href="{path}?offset=6&amp;limit=3"' in last


def test_canned_query_results_are_paged(client):
    whole = client.get("/queries/policy-contacts.json").get_json()
    assert whole["count"] == len(whole["rows"]) > 2
    rows, path, pages = [], "/queries/policy-contacts.json?limit=2", 0
    while path:
        body = client.get(path).get_json()
        assert body["count"] == whole["count"] and len(body["rows"]) <= 2
        rows += body["rows"]
        path, pages = body["next"], pages + 1
    assert rows == whole["rows"] and pages == -(-whole["count"] // 2)
    html = client.get("/queries/policy-contacts?limit=2").data.decode()
    assert f"共 {whole['count']} 项（<code>policy</code>）" in html and 'rel="next"' in html


@pytest.mark.parametrize(
    "path, param",
    [
        ("/api/policies?limit=0", "limit"),
        ("/api/policies?limit=101", "limit"),
        ("/api/policies?offset=-1", "offset"),
        ("/api/policies?page=x", "page"),
        ("/api/policies?page=2&offset=3", "page"),
        ("/api/hotlines?offset=99999", "offset"),
        ("/api/organisations/linyi-amr?limit=0", "limit"),
        ("/api/documents/lin-zheng-zi-2020-113?offset=x", "offset"),
        ("/api/handbooks/linyi-amr-2023?page=0", "page"),
        ("/queries/policy-contacts.json?limit=abc", "limit"),
    ],
)
def test_bad_paging_is_a_400_naming_the_parameter(client, path, param):
    answer = client.get(path)
    assert answer.status_code == 400 and answer.get_json()["param"] == param


def test_the_store_path_gives_the_index_path_s_list(embedded_app):
    """Without a full-text index (a remote store without a build), the list comes from
    `queries/api/policies.rq`: the same policies, the same facts, the same order."""
    with embedded_app.test_request_context():
        from policykg.views import data_source

        src = data_source()
        assert src.searcher is not None
        bare = browse.Source(src.store, src.catalog, src.base, src.timeout, settings=src.settings)
        for args in (
            {},
            {"applicant": "individual"},
            {"theme": "intellectual-property"},
            {"minAmount": "100000"},
        ):
            filters = browse.read_filters(args, src.base)
            paging = browse.Paging(0, 100)
            assert browse.policies(bare, filters, paging) == browse.policies(src, filters, paging), args


def test_markup_in_the_data_is_escaped_on_the_page(built_cfg, tmp_path):
    from policykg.app import close, create_app

    folder = tmp_path / "build"
    shutil.copytree(built_cfg["BUILD_DIR"], folder)
    store = pyoxigraph.Store(str(folder / "store"))
    benefit = pyoxigraph.NamedNode(f"{BASE}id/benefit/patent-award-1")
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.add(
        pyoxigraph.Quad(benefit, label, pyoxigraph.Literal('<script>alert("专利")</script>', language="zh"))
    )
    fulltext.build_index(store, folder / "fulltext", config.ROOT, BASE)
    store.flush()
    del store
    gc.collect()
    app = create_app(dict(built_cfg, BUILD_DIR=str(folder), STORE="embedded", TESTING=True))
    try:
        html = app.test_client().get("/policies?q=script").data.decode()
    finally:
        close(app)
    assert "&lt;<mark>script</mark>&gt;" in html
    assert "<script>alert" not in html
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', html, re.DOTALL)
    assert snippets and all(
        re.fullmatch(r"(?:[^<]|<mark>|</mark>|<span class=\"clause\">|</span>)*", s) for s in snippets
    )


def test_a_page_query_reads_a_bounded_number_of_rows(built_cfg):
    """The list query with LIMIT stops early: one page of a long answer costs one page."""
    store = pyoxigraph.Store.read_only(str(Path(built_cfg["BUILD_DIR"]) / "store"))
    from policykg import queries

    sparql = queries.internal(built_cfg, "browse-hotlines").bind()
    assert len(list(store.query(queries.paged(sparql, 2, 0)))) == 2
    assert int(next(iter(store.query(queries.counted(sparql))))["count"].value) > 2
