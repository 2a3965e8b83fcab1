"""The policy browser in a real browser: search, filters (with and without JavaScript), a
policy's amounts and hotline, a legal basis and back, the SPARQL editor (results with names,
completion, errors, timeouts), and phones 375 px wide. Every page must run without a script
error or a Content-Security-Policy refusal (see harness.open_page).

Playwright's sync API drives Debian's chromium (never `playwright install`) against the whole
app served on 127.0.0.1. The fixtures live here, not in a conftest.py: a second conftest module
would shadow tests/conftest.py for the modules that import from it."""

import re

import pytest
from harness import ARGS, CHROMIUM, open_page, serve
from playwright.sync_api import expect, sync_playwright

from policykg.app import close, create_app

# Short enough for a test to see a query stopped, long enough for every page's queries.
QUERY_TIMEOUT = 4.0


@pytest.fixture(scope="module")
def site(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", QUERY_TIMEOUT=QUERY_TIMEOUT, TESTING=True))
    base, stop = serve(app)
    yield base
    stop()
    close(app)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    opened = open_page(browser)
    yield opened
    problems = opened.problems
    opened.context.close()
    assert problems == []


PATENT_POLICIES = ["知识产权奖补资助", "临沂市专利奖励", "企业知识产权保险扶持"]


def results(page):
    return page.locator("article.card h3 a")


def test_search_patent_from_home(page, site):
    page.goto(site + "/")
    page.get_by_label("搜索政策").fill("专利")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/policies\?q="))
    expect(page.get_by_role("heading", name="找到 4 项政策")).to_be_visible()
    found = results(page).all_inner_texts()
    assert set(PATENT_POLICIES) <= set(found) and "标准化创新激励" not in found
    expect(page.get_by_label("检索词")).to_have_value("专利")


def test_filter_by_applicant_individual(page, site):
    page.goto(site + "/policies")
    expect(page.get_by_text("更改筛选条件后，结果会自动更新。")).to_be_visible()
    page.get_by_text("筛选条件", exact=True).click()
    page.get_by_label("申请人类型").select_option(label="个人（5）")  # applies at once
    page.wait_for_url(site + "/policies?applicant=individual")
    expect(page.get_by_role("heading", name="找到 5 项政策")).to_be_visible()
    assert set(results(page).all_inner_texts()) == {
        "中国、省质量奖奖励",
        "临沂市市长质量奖",
        "知识产权奖补资助",
        "临沂市专利奖励",
        "企业首席质量官培训",
    }
    expect(page.get_by_text("筛选条件（已选 1 项）")).to_be_visible()
    page.go_back()
    page.get_by_text("筛选条件", exact=True).click()
    page.get_by_label("政府层级").select_option(label="国家（1）")  # the form is usable again
    page.wait_for_url(site + "/policies?level=national")
    assert results(page).all_inner_texts() == ["中国、省质量奖奖励"]


def test_filters_work_without_javascript(browser, site):
    page = open_page(browser, javascript=False)
    page.goto(site + "/policies")
    expect(page.get_by_text("更改筛选条件后，结果会自动更新。")).to_be_hidden()
    page.get_by_text("筛选条件", exact=True).click()
    page.get_by_label("申请人类型").select_option("individual")
    page.get_by_role("button", name="查找").click()
    page.wait_for_url(re.compile(r"applicant=individual"))
    expect(page.get_by_role("heading", name="找到 5 项政策")).to_be_visible()
    page.context.close()


def test_open_a_policy_and_see_its_amounts_and_hotline(page, site):
    page.goto(site + "/policies?q=专利")
    page.get_by_role("link", name="知识产权奖补资助", exact=True).click()
    page.wait_for_url(site + "/doc/policy/ip-support")
    expect(page.get_by_role("heading", level=1)).to_contain_text("知识产权奖补资助")
    expect(page.get_by_text("每件最高 4000 元")).to_be_visible()
    expect(page.get_by_role("cell", name="每件每个国家最高 2 万元")).to_be_visible()
    dial = page.locator('aside.contact a[href="tel:+86-539-5977836"]')
    expect(dial).to_be_visible()
    expect(dial).to_contain_text("0539-5977836")
    source = page.locator("details.source").first
    expect(source.locator("blockquote")).to_be_hidden()
    source.locator("summary").click()
    expect(source.locator("blockquote")).to_contain_text("每件资助最高 4000 元")


def test_follow_a_legal_basis_to_its_document_and_back(page, site):
    page.goto(site + "/doc/policy/ip-insurance")
    page.get_by_role("link", name="山东省企业知识产权保险扶持项目管理实施办法").click()
    page.wait_for_url(site + "/doc/document/lu-shi-jian-zhi-bao-zi-2021-195")
    expect(page.get_by_role("heading", level=1)).to_contain_text("山东省企业知识产权保险扶持项目管理实施办法")
    expect(page.get_by_text("鲁市监知保字〔2021〕195号", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="中国银保监会山东监管局")).to_be_visible()
    page.go_back()
    page.wait_for_url(site + "/doc/policy/ip-insurance")
    page.get_by_role("link", name="山东省企业知识产权保险扶持项目管理实施办法").click()
    page.get_by_role("link", name="企业知识产权保险扶持").click()  # and back by its link
    expect(page.get_by_role("heading", level=1)).to_contain_text("企业知识产权保险扶持")


def editor(page, site):
    page.goto(site + "/editor")
    page.wait_for_selector(".tabPanel.active .CodeMirror")
    expect(page.locator(".editor-fallback")).to_be_hidden()


def type_query(page, text):
    page.evaluate(
        """text => {
        const cm = document.querySelector('.tabPanel.active .CodeMirror').CodeMirror;
        cm.setValue(text); cm.focus(); cm.setCursor(cm.lineCount(), 0);
    }""",
        text,
    )


def test_run_a_query_in_the_editor_and_see_a_table_with_names(page, site):
    editor(page, site)
    titles = [item["title"] for item in page.request.get(site + "/queries.json").json()["queries"]]
    shown = [text.replace("✖", "").strip() for text in page.locator(".tabsList .tab").all_inner_texts()]
    assert [text for text in shown if text] == titles  # one tab per canned query, then "+"
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    rows = page.locator(".tabPanel.active .yasr table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == 16
    name = page.locator(".tabPanel.active .yasr .iri-label").first
    expect(name).to_have_text("省长质量奖单位 200 万元奖励")
    assert name.get_attribute("href") == "/id/benefit/quality-awards-2b"


def test_editor_completes_our_vocabulary(page, site):
    editor(page, site)
    type_query(page, "PREFIX pkg: <https://w3id.org/policykg/def/>\nSELECT * WHERE { ?s a pkg:Pol")
    page.keyboard.press("Control+Space")
    expect(page.locator(".CodeMirror-hints li").first).to_have_text("pkg:Policy  惠企政策")


@pytest.mark.parametrize(
    "query, title, detail",
    [
        ("SELECT * WHERE { ?s ?p }", "查询有误", "语法错误"),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "查询超时", "时间限制"),
    ],
)
def test_editor_explains_errors_and_timeouts(browser, site, query, title, detail):
    page = open_page(browser)
    editor(page, site)
    type_query(page, query)
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    shown = page.locator(".tabPanel.active .query-error")
    expect(shown).to_contain_text(title, timeout=15000)
    expect(shown).to_contain_text(detail)
    expect(page.get_by_role("alert")).to_contain_text(title)
    assert page.problems == []
    page.context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/policies?q=专利",
        "/doc/policy/standardization-incentive",
        "/doc/policy/ip-insurance",
        "/doc/document/lin-shi-jian-zhi-cu-zi-2021-117",
        "/doc/organisation/linyi-government",
        "/hotlines",
        "/questions",
        "/editor",
    ],
)
def test_no_horizontal_scroll_at_375_px(browser, site, path):
    page = open_page(browser, width=375, height=812)
    page.goto(site + path)
    if path == "/editor":
        page.wait_for_selector(".tabPanel.active .CodeMirror")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 375, widths
    assert page.problems == []
    page.context.close()


def test_ask_opens_its_sparql_in_the_editor(page, site):
    page.goto(site + "/ask?q=" + "哪些政策依据临政字〔2020〕113号")
    page.get_by_role("link", name="在编辑器中打开并修改").click()
    page.wait_for_selector(".tabPanel.active .CodeMirror")
    expect(page.locator(".tabsList .tab").first).to_contain_text("链接带来的查询")
    text = page.evaluate("document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()")
    assert '"临政字〔2020〕113号"' in text and "pkg:numberKey" in text
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    expect(page.locator(".tabPanel.active .yasr table tbody tr").first).to_contain_text("知识产权奖补资助")
    assert page.problems == []
