"""The policy browser's pages (Flask test client, embedded store): every page renders, names its
JSON twin, carries the Content-Security-Policy and no inline script or handler; pages show what
the API gives; bad input is a 4xx page; and a graph with markup in its labels is escaped.
Real-browser behaviour is in tests/browser/."""

import json
import re
import shutil
from html.parser import HTMLParser

import pytest

from policykg import browse, build, config
from policykg.app import close, create_app
from policykg.views import pages

BASE = "https://w3id.org/policykg/"
PAGES = [
    "/",
    "/policies",
    "/policies?q=专利&applicant=individual",
    "/hotlines",
    "/questions",
    "/editor",
    "/doc/policy/quality-awards",
    "/doc/policy/ip-insurance",
    "/doc/document/lin-zheng-zi-2020-113",
    "/doc/organisation/linyi-government",
    "/doc/handbook/linyi-amr-2023",
]
TWINS = {
    "/": "/api/policies",
    "/policies": "/api/policies",
    "/hotlines": "/api/hotlines",
    "/questions": "/queries.json",
    "/editor": "/api/vocabulary",
    "/doc/policy/quality-awards": "/api/policies/quality-awards",
    "/doc/document/lin-zheng-zi-2020-113": "/api/documents/lin-zheng-zi-2020-113",
    "/doc/organisation/linyi-government": "/api/organisations/linyi-government",
    "/doc/handbook/linyi-amr-2023": "/api/handbooks/linyi-amr-2023",
}
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True))
    yield app.test_client()
    close(app)


class Markup(HTMLParser):
    """What a page is made of: tags with their attributes, and its text."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag, **attrs):
        return [
            found
            for name, found in self.tags
            if name == tag and all(k in found and found[k] == v for k, v in attrs.items())
        ]


def fetch(client, path):
    answer = client.get(path, headers=HTML)
    assert answer.status_code == 200, (path, answer.data[:300])
    assert answer.mimetype == "text/html"
    return answer, Markup(answer.get_data(as_text=True))


@pytest.mark.parametrize("path", PAGES)
def test_page_is_safe_and_names_its_twin(client, path):
    answer, markup = fetch(client, path)
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert ("'unsafe-inline'" in policy) == (path == "/editor")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    for _, attrs in markup.tags:
        assert not [name for name in attrs if name.startswith("on")], attrs
        assert not (attrs.get("href") or "").lower().startswith("javascript:")
    for script in markup.all("script"):
        assert script.get("src") or script.get("type") == "application/json", script
    alternates = {tag["type"]: tag["href"] for tag in markup.all("link", rel="alternate")}
    if path in TWINS:
        assert alternates["application/json"] == TWINS[path]
        assert markup.all("a", href=TWINS[path])  # visibly too
    if path.startswith("/doc/"):
        # The linked-data view (views/linked.py) that serves /doc/ writes the Link header.
        assert alternates["text/turtle"] == path + ".ttl"
        assert f"<{path}.ttl>" in answer.headers["Link"]
    else:
        assert f"<{alternates['application/json']}>" in answer.headers["Link"]
    assert markup.all("html")[0]["lang"] == "zh-CN"
    assert markup.all("meta", name="viewport")


def test_home_lists_every_policy_by_theme(client):
    _, markup = fetch(client, "/")
    hrefs = {tag["href"] for tag in markup.all("a")}
    body = client.get("/api/policies").get_json()
    assert {item["page"] for item in body["policies"]} <= hrefs
    assert "/policies?theme=intellectual-property" in hrefs
    assert markup.all("form", action="/policies") and markup.all("input", name="q")
    assert {"/questions", "/match", "/ask", "/hotlines", "/editor"} <= hrefs


def test_list_shows_what_the_api_gives_and_keeps_the_filters(client):
    answer, markup = fetch(client, "/policies?q=专利&applicant=individual")
    api_answer = client.get("/api/policies?q=专利&applicant=individual").get_json()
    text = "".join(markup.text)
    assert f"找到 {api_answer['count']} 项政策" in text
    shown = {tag["href"] for tag in markup.all("a") if tag["href"].startswith("/doc/policy/")}
    assert shown == {item["page"] for item in api_answer["policies"]}
    assert shown == {"/doc/policy/ip-support", "/doc/policy/patent-award"}
    assert markup.all("input", name="q", value="专利")
    assert markup.all("details", **{"class": "filter-panel", "open": None})  # a filter is on
    _, unfiltered = fetch(client, "/policies?q=专利")
    assert not unfiltered.all("details", open=None)
    assert markup.all("option", value="individual", selected=None)
    assert answer.headers["Link"].startswith("</api/policies?q=%E4%B8%93%E5%88%A9&applicant=individual>")


def test_list_offers_an_asked_amount_that_is_not_a_step(client):
    _, markup = fetch(client, "/policies?minAmount=300000")
    assert markup.all("option", value="300000", selected=None)


def test_policy_page_shows_amounts_hotline_bases_and_source(client):
    _answer, markup = fetch(client, "/doc/policy/quality-awards")
    text = "".join(markup.text)
    policy = client.get("/api/policies/quality-awards").get_json()["policy"]
    for benefit in policy["benefits"]:
        assert benefit["label"] in text and benefit["sourceText"] in text
        for amount in benefit["amounts"]:
            assert amount["text"] in text
    assert markup.all("a", href="tel:+86-539-5977806")
    for basis in policy["legalBases"]:
        assert markup.all("a", href=basis["page"])
    assert "国家市场监督管理总局令 第 36 号" in text and "第 1–5 页" in text
    assert len(markup.all("table", **{"class": "tiers"})) == 1
    assert "适用于：" in text and "拥护中央的路线、方针、政策；" in text


def test_policy_page_says_which_handbook_it_comes_from(client):
    _, markup = fetch(client, "/doc/policy/ip-insurance")
    text = "".join(markup.text)
    handbook = client.get("/api/policies/ip-insurance").get_json()["policy"]["source"]["handbook"]
    assert handbook["cited"] == "《惠企助企政策手册》（临沂市市场监督管理局，2023年2月）"
    assert "出自《惠企助企政策手册》（临沂市市场监督管理局，2023年2月）" in text
    assert markup.all("a", href="/doc/handbook/linyi-amr-2023")
    assert handbook["year"] == 2023 and handbook["place"]["code"] == "linyi"


def test_handbook_page_lists_its_policies_a_page_at_a_time(client):
    _, markup = fetch(client, "/doc/handbook/linyi-amr-2023?limit=4")
    text = "".join(markup.text)
    assert "《惠企助企政策手册》" in text and "2023年2月" in text and "本手册所列的政策（10 项）" in text
    assert markup.all("a", href="/doc/organisation/linyi-amr")
    assert markup.all("a", href="/policies?handbook=linyi-amr-2023")
    listed = [tag["href"] for tag in markup.all("a") if tag["href"].startswith("/doc/policy/")]
    assert listed == [
        "/doc/policy/quality-awards",
        "/doc/policy/haopin-shandong",
        "/doc/policy/taishan-quality",
        "/doc/policy/ip-support",
    ]
    assert markup.all("a", rel="next", href="/doc/handbook/linyi-amr-2023?offset=4&limit=4")
    api = client.get("/api/handbooks/linyi-amr-2023?offset=8&limit=4").get_json()["handbook"]
    assert api["policies"]["count"] == 10 and api["policies"]["next"] is None
    assert [item["page"] for item in api["policies"]["policies"]] == [
        "/doc/policy/quality-yizhan",
        "/doc/policy/ip-insurance",
    ]


def test_policy_page_of_a_rate(client):
    _, markup = fetch(client, "/doc/policy/ip-insurance")
    assert "实际投保年度保费的 60%，每年最高 20 万元" in "".join(markup.text)


def test_document_and_body_pages(client):
    _, markup = fetch(client, "/doc/document/lin-shi-jian-zhi-cu-zi-2021-117")
    text = "".join(markup.text)
    assert "临市监知促字〔2021〕117号" in text
    assert markup.all("a", href="/doc/organisation/linyi-finance")
    assert markup.all("a", href="/doc/policy/ip-support")
    _, markup = fetch(client, "/doc/organisation/linyi-amr")
    assert markup.all("a", href="/doc/organisation/linyi-government")  # its place above
    assert markup.all("a", href="/doc/document/lin-shi-jian-zhi-zi-2022-187")
    assert len(markup.all("a", href="/doc/policy/ip-support")) >= 1


def test_hotlines_dial(client):
    _, markup = fetch(client, "/hotlines")
    dials = {tag["href"] for tag in markup.all("a") if tag.get("href", "").startswith("tel:")}
    assert len(dials) == 6 and "tel:+86-539-5977836" in dials


def test_questions_are_forms_of_the_canned_queries(client):
    _, markup = fetch(client, "/questions")
    actions = {form["action"] for form in markup.all("form")}
    names = [item["name"] for item in client.get("/queries.json").get_json()["queries"]]
    assert actions == {f"/queries/{name}" for name in names}
    assert markup.all("input", name="years")


def test_editor_has_every_canned_query_and_a_plain_form(client):
    answer, markup = fetch(client, "/editor")
    html = answer.get_data(as_text=True)
    tabs = json.loads(
        re.search(r'<script type="application/json" id="editor-tabs">(.*?)</script>', html, re.S).group(1)
    )
    queries = client.get("/queries.json").get_json()["queries"]
    assert [tab["title"] for tab in tabs] == [item["title"] for item in queries]
    assert all(tab["query"].lstrip().startswith("#+ title:") for tab in tabs)
    assert markup.all("form", action="/sparql", method="post")
    assert markup.all("textarea", name="query")
    assert markup.all("div", id="editor")[0]["data-vocabulary"] == "/api/vocabulary"
    for asset in (
        "vendor/yasgui/yasgui.min.js",
        "vendor/yasgui/yasgui.min.css",
        "editor.js",
        "pages.js",
        "style.css",
    ):
        served = client.get(f"/static/{asset}")
        assert served.status_code == 200 and len(served.data) > 500, asset
        served.close()


@pytest.mark.parametrize(
    "iri",
    [
        BASE + "id/hotline/0539-5977806",
        BASE + "id/concept/applicant/individual",
        BASE + "id/handbook/linyi-amr-2023/section/1",
        BASE + "id/handbook/linyi-amr-2023-text",
        "http://example.org/id/policy/quality-awards",
    ],
)
def test_render_resource_has_no_page_for_other_kinds(client, iri):
    with client.application.test_request_context("/doc/x"):
        assert pages.render_resource(iri) is None


def test_render_resource_gives_a_secured_page(client):
    with client.application.test_request_context("/doc/policy/patent-award"):
        response = pages.render_resource(BASE + "id/policy/patent-award")
    assert response.status_code == 200 and "临沂市专利奖励" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path, status",
    [
        ("/doc/policy/nope", 404),
        ("/doc/handbook/nope", 404),
        ("/doc/handbook/linyi-amr-2023?limit=0", 400),
        ("/policies?level=a/b", 400),
        ("/policies?minAmount=lots", 400),
    ],
)
def test_bad_input_is_a_4xx_page(client, path, status):
    answer = client.get(path, headers=HTML)
    assert answer.status_code == status and answer.mimetype == "text/html"
    assert "Traceback" not in answer.get_data(as_text=True)


def test_pages_answer_304_when_unchanged(client):
    first = client.get("/hotlines", headers=HTML)
    again = client.get("/hotlines", headers=dict(HTML, **{"If-None-Match": first.headers["ETag"]}))
    assert again.status_code == 304


# --- Markup in the data is text -----------------------------------------------------------------

ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """The app over a copy of the project whose handbook has markup in a label and a text."""
    root = tmp_path_factory.mktemp("hostile")
    for folder in ("ontology", "queries"):
        shutil.copytree(config.ROOT / folder, root / folder)
    handbook = (config.ROOT / "data" / "handbook.ttl").read_text("utf-8")
    for original in (
        'rdfs:label "临沂市专利奖励"@zh',
        'pkg:sourceText "临沂市专利奖励"@zh',
        'rdfs:label "临沂市专利奖奖励"@zh',
    ):
        assert original in handbook
        escaped = ATTACK.replace('"', '\\"')
        handbook = handbook.replace(original, original.replace('"@zh', f' {escaped}"@zh'), 1)
    (root / "data").mkdir()
    (root / "data" / "handbook.ttl").write_text(handbook, "utf-8")
    cfg = config.settings({"ROOT": str(root), "BUILD_DIR": str(root / "build"), "STORE": "embedded"})
    build.build(cfg)
    app = create_app(dict(cfg, TESTING=True))
    yield app.test_client()
    close(app)


@pytest.mark.parametrize(
    "path",
    ["/", "/policies?q=script", "/doc/policy/patent-award", "/hotlines", "/doc/organisation/linyi-amr"],
)
def test_markup_in_the_graph_is_escaped(hostile_client, path):
    html = hostile_client.get(path, headers=HTML).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_markup_in_the_graph_stays_data_in_json(hostile_client):
    policy = hostile_client.get("/api/policies/patent-award").get_json()["policy"]
    assert policy["label"].endswith(ATTACK)


def test_editor_opens_a_linked_query_first_and_escaped(client):
    query = 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>" }'
    response = client.get("/editor", query_string={"query": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    island = html.split('id="editor-tabs">', 1)[1].split("</script>", 1)[0]
    tabs = json.loads(island)
    assert tabs[0]["query"] == query and tabs[0]["title"] == "链接带来的查询"
    assert len(tabs) == len(client.get("/queries.json").get_json()["queries"]) + 1
    textarea = html.split('id="editor-query"', 1)[1].split("</textarea>", 1)[0]
    assert "&lt;/script&gt;" in textarea


def test_editor_refuses_an_oversized_linked_query(client):
    response = client.get(
        "/editor", query_string={"query": "#" * 40000}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 413 and response.get_json()["limit"] == 32768


def test_a_filter_with_many_values_lists_the_most_used_and_the_chosen(client, monkeypatch):
    def select_values(html, name):
        select = re.search(rf'<select name="{name}">(.*?)</select>', html, re.DOTALL)[1]
        return re.findall(r'<option value="([^"]*)"', select)

    whole = client.get("/policies", headers=HTML).get_data(as_text=True)
    documents = select_values(whole, "document")[1:]  # after 不限
    assert len(documents) > 3 and "可在检索词中输入名称或文号查找" not in whole
    monkeypatch.setattr(browse, "OPTIONS_SHOWN", 2)
    cut = client.get("/policies", headers=HTML).get_data(as_text=True)
    assert len(select_values(cut, "document")) == 1 + 2
    assert f"另有 {len(documents) - 2} 项，可在检索词中输入名称或文号查找" in cut
    assert len(select_values(cut, "handbook")) == len(select_values(whole, "handbook"))  # all listed
    chosen = next(value for value in documents if value not in select_values(cut, "document"))
    picked = client.get(f"/policies?document={chosen}", headers=HTML).get_data(as_text=True)
    assert chosen in select_values(picked, "document") and f'value="{chosen}" selected' in picked
