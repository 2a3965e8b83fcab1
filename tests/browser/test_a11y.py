"""Accessibility in a real browser: axe-core (the copy shipped in the axe-playwright-python
package, injected into the page — nothing is fetched) finds no violation on any kind of page,
on a desktop and on a phone 375 px wide; the keyboard alone reaches every control of /policies
and /editor in order with a visible focus, the skip link lands on the main content, and Tab
leaves the SPARQL editor's code area instead of being caught in it.

Same setup as test_browser.py: Debian's chromium, the whole app on 127.0.0.1."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from harness import ARGS, CHROMIUM, open_page, serve
from playwright.sync_api import expect, sync_playwright

from policykg.app import close, create_app

WIDTHS = {"desktop": 1280, "phone": 375}
ASK = "哪些政策依据临政字〔2020〕113号"
PAGES = [  # (name, path): one of each kind of page
    ("home", "/"),
    ("policies", "/policies"),
    ("policies filtered", "/policies?q=专利&applicant=organisation&level=national"),
    ("policy", "/doc/policy/standardization-incentive"),
    ("policy with insurance", "/doc/policy/ip-insurance"),
    ("document", "/doc/document/lu-shi-jian-zhi-bao-zi-2021-195"),
    ("body", "/doc/organisation/linyi-government"),
    ("handbook", "/doc/handbook/linyi-amr-2023?limit=4"),
    ("hotlines", "/hotlines"),
    ("questions", "/questions"),
    ("queries", "/queries"),
    ("canned query", "/queries/benefits-worth-at-least"),
    ("canned query answer", "/queries/benefits-worth-at-least?amount=1000000"),
    ("ask", "/ask"),
    ("ask answer", "/ask?q=" + ASK),
    ("match", "/match"),
    ("match answer", "/match#post"),
    ("editor", "/editor"),
    ("editor answer", "/editor#run"),
    ("sparql form", "/sparql"),
    (
        "sparql answer",
        "/sparql?format=html&query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%205",
    ),
    ("dataset", "/.well-known/void"),
    ("ontology", "/def/"),
    ("ontology term", "/def/Policy"),
    ("not found", "/doc/policy/no-such-policy"),
]


@pytest.fixture(scope="module")
def site(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True))
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


def load(page, site, path):
    """Open `path` as a visitor would and wait for what its scripts draw."""
    if path == "/match#post":  # a step of the questionnaire with the answer so far
        page.goto(site + "/match")
        page.get_by_role("radio", name="组织", exact=True).check()
        page.get_by_role("button", name="下一步").click()
        page.locator("form.questionnaire select").first.select_option(label="临沂市")
        page.get_by_role("button", name="下一步").click()
        expect(page.get_by_role("heading", name="目前的结论")).to_be_visible()
        return
    if path == "/editor#run":  # and its answer, drawn by YASGUI
        load(page, site, "/editor")
        page.locator(".tabPanel.active .yasqe_queryButton").click()
        page.locator(".tabPanel.active .yasr .iri-label").first.wait_for()
        return
    response = page.goto(site + path)
    assert response.status == (404 if path.endswith("no-such-policy") else 200), path
    if path == "/editor":
        page.wait_for_selector(".tabPanel.active .CodeMirror")


def violations(page, name):
    """Every axe-core violation on the page as `rule (impact) target — page: help`."""
    found = Axe().run(page).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}) {' '.join(map(str, node['target']))} — {name}: {rule['help']}"
        for rule in found
        for node in rule["nodes"]
    ]


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("name, path", PAGES, ids=[name for name, _ in PAGES])
def test_axe_finds_no_violation(browser, site, name, path, device):
    page = open_page(browser, width=WIDTHS[device], height=900)
    load(page, site, path)
    found = violations(page, f"{name} ({path}, {device})")
    problems = page.problems
    page.context.close()
    assert found == [], "\n".join(found)
    assert problems == []


# Every control a keyboard can reach, in document order, each tagged with its position; the
# browser's Tab order must be the same (no positive tabindex, nothing hidden that takes focus).
CONTROLS = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'))
  .filter(e => e.tabIndex >= 0 && !e.disabled && e.checkVisibility({visibilityProperty: true}))
  .map((e, i) => { e.dataset.order = i;
                   return `${e.tagName.toLowerCase()} ${(e.getAttribute('aria-label') || e.textContent).trim().slice(0, 30)}`; })"""
# Where the focus is, and whether it shows: an outline or a shadow on the element or on the
# box it is drawn in (CodeMirror's input is an invisible textarea inside its .CodeMirror).
FOCUSED = """() => { const e = document.activeElement;
  const shown = [e, e.closest('.CodeMirror')].filter(Boolean).some(box => {
    const style = getComputedStyle(box);
    return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none'; });
  return [e.dataset.order === undefined ? e.tagName : Number(e.dataset.order), shown]; }"""


def to_top(page):
    """Put the keyboard's starting point before the first control (an unfocusable mark)."""
    page.evaluate("""() => { let mark = document.getElementById('test-start');
      if (!mark) { mark = document.createElement('span'); mark.id = 'test-start'; mark.tabIndex = -1;
                   document.body.prepend(mark); }
      mark.focus(); window.scrollTo(0, 0); }""")


def tab_through(page):
    """Press Tab from the top of the page past its last control: (controls, focus order,
    controls that took the focus without showing it)."""
    controls = page.evaluate(CONTROLS)
    to_top(page)
    order, unseen = [], []
    for _ in controls:
        page.keyboard.press("Tab")
        where, shown = page.evaluate(FOCUSED)
        order.append(where)
        if not shown:
            unseen.append(controls[where] if isinstance(where, int) else where)
    return controls, order, unseen


@pytest.mark.parametrize("device", WIDTHS)
def test_keyboard_reaches_every_control_of_policies_in_order(browser, site, device):
    page = open_page(browser, width=WIDTHS[device], height=900)
    page.goto(site + "/policies?q=专利")
    controls, order, unseen = tab_through(page)
    assert order == list(range(len(controls))), controls
    assert unseen == []
    # The filters open from the keyboard, and then their fields are in the order too.
    summary = page.get_by_text("筛选条件", exact=True)
    to_top(page)
    while page.evaluate("document.activeElement.tagName") != "SUMMARY":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("申请人类型")).to_be_visible()
    controls, order, unseen = tab_through(page)
    assert "select" in " ".join(controls) and order == list(range(len(controls))), controls
    assert unseen == []
    expect(summary).to_be_visible()
    assert page.problems == []
    page.context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_keyboard_reaches_every_control_of_the_editor_and_leaves_the_code(browser, site, device):
    page = open_page(browser, width=WIDTHS[device], height=900)
    load(page, site, "/editor")
    expect(page.locator("#editor-keys")).to_contain_text("Tab")
    controls, order, unseen = tab_through(page)
    assert order == list(range(len(controls))), controls
    assert unseen == []
    code = [i for i, name in enumerate(controls) if name.startswith("textarea SPARQL 查询")]
    assert code, controls
    # Into the code, type, and Tab goes on to the next control without writing a tab.
    query = page.evaluate("document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()")
    to_top(page)
    while page.evaluate("document.activeElement.dataset.order") != str(code[0]):
        page.keyboard.press("Tab")
    page.keyboard.press("Control+End")
    page.keyboard.type(" ")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)[0] == code[0] + 1
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)[0] == code[0]
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED)[0] == code[0] - 1
    value = page.evaluate("document.querySelector('.tabPanel.active .CodeMirror').CodeMirror.getValue()")
    assert value == query + " "  # the space typed, and no tab
    assert page.problems == []
    page.context.close()


def test_skip_link_jumps_to_the_main_content(browser, site):
    page = open_page(browser)
    page.goto(site + "/policies")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is the first control of the main content
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.closest('header') === null")
    assert page.problems == []
    page.context.close()
