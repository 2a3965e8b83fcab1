"""The guided eligibility check in a real browser: the three hand-worked profiles
(docs/match-profiles.md, tests/fixtures/match/profiles.json) filled in through the
questionnaire's own controls, found by their Chinese labels, on a desktop and on a phone 375 px
wide, each reaching the hand-worked verdicts; the same without JavaScript; a step answered with
the keyboard alone; the printed answer; axe-core on every step and on the answer.

Same setup as test_browser.py: Debian's chromium, the whole app on 127.0.0.1. Run as a script
(`.venv/bin/python tests/browser/test_match_flow.py`) it writes the three answers' screenshots
to docs/match/."""

import json
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from harness import ARGS, CHROMIUM, open_page, serve
from playwright.sync_api import expect, sync_playwright

from policykg import build, config
from policykg.app import close, create_app

PROFILES = json.loads((Path(__file__).parents[1] / "fixtures" / "match" / "profiles.json").read_text("utf-8"))
WIDTHS = {"desktop": 1280, "phone": 375}
OUTCOMES = {
    "eligible": "符合",
    "could": "差一点",
    "review": "由评审决定",
    "unknown": "待回答",
    "not-eligible": "不符合",
}


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


def violations(page, name):
    found = Axe().run(page).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}) {' '.join(map(str, node['target']))} — {name}: {rule['help']}"
        for rule in found
        for node in rule["nodes"]
    ]


def current_step(page, site):
    """The questions of the step on the page, as the service lists them for its address."""
    query = urlsplit(page.url).query
    response = page.request.get(f"{site}/match/questions.json?{query}&asked=")
    assert response.ok, response.text()
    return response.json()["next_questions"]


def fill(page, question, facts):
    """Answer one question through the page's controls, found by their labels."""
    kind = question["type"]
    step = page.locator("form.questionnaire")
    if kind == "applicant":
        label = next(
            choice["label"] for choice in question["choices"] if choice["value"] == facts["applicant-type"]
        )
        step.get_by_role("radio", name=label, exact=True).check()
    elif kind == "recognitions":
        for name in facts.get("recognitions", []):
            step.get_by_role("checkbox", name=name, exact=True).check()
    elif kind == "checklist":
        for choice in question["choices"]:
            if facts.get(choice["value"]) is True:
                step.get_by_role("checkbox", name=choice["label"], exact=True).check()
    elif kind == "table":
        for row in question["rows"]:
            if row["field"] in facts:
                control = step.get_by_label(row["label"], exact=True)
                set_value(control, row, facts[row["field"]])
    elif kind == "counts":
        for row in question["rows"]:
            group = step.locator("fieldset.counts", has=page.get_by_text(row["label"], exact=True))
            for level, count in facts.get(row["field"], {}).items():
                label = next(choice["label"] for choice in row["choices"] if choice["value"] == level)
                group.get_by_label(label, exact=True).fill(str(count))
    elif question["field"] in facts:
        set_value(step.get_by_label(question["label"], exact=True), question, facts[question["field"]])


def set_value(control, question, value):
    if question["type"] == "place":
        control.select_option(label=value)
    elif question["type"] == "events":
        control.select_option("none" if not value else str(min(event["years_ago"] for event in value)))
    else:
        control.fill(str(value))


def walk(page, site, facts, check_axe=None):
    """Fill in the questionnaire step by step; the number of questions answered."""
    page.goto(site + "/match")
    asked = 0
    for _ in range(30):
        step = current_step(page, site)
        if not step:
            return asked
        expect(page.get_by_role("heading", name=step[0]["topic"], exact=True)).to_be_visible()
        if check_axe:
            check_axe(page)
        for question in step:
            fill(page, question, facts)
            asked += 1
        page.get_by_role("button", name="下一步").click()
        page.wait_for_load_state()
    raise AssertionError("the questionnaire did not end")


def assert_hand_worked(page, profile):
    expect(page.get_by_role("heading", name="结论", exact=True)).to_be_visible()
    for slug, outcome in profile["expected"].items():
        item = page.locator(f"li.benefit[data-benefit='{slug}']")
        expect(item.locator(".status").first).to_have_text(OUTCOMES[outcome])
    total = page.locator("p.total strong")
    expect(total).to_have_text(profile["total_text"])


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("name", PROFILES)
def test_each_profile_through_the_questionnaire(browser, site, name, device):
    page = open_page(browser, width=WIDTHS[device], height=900)
    found = []
    asked = walk(page, site, PROFILES[name]["facts"], lambda page: found.extend(violations(page, name)))
    assert asked <= 12
    assert_hand_worked(page, PROFILES[name])
    found += violations(page, f"{name} answer ({device})")
    width = page.evaluate("document.documentElement.scrollWidth")
    problems = page.problems
    page.context.close()
    assert found == [], "\n".join(found)
    assert width <= WIDTHS[device], f"the page is {width} px wide"
    assert problems == []


def test_without_javascript(browser, site):
    page = open_page(browser, javascript=False)
    walk(page, site, PROFILES["company"]["facts"])
    assert_hand_worked(page, PROFILES["company"])
    # The answer is in the address: opened again, it is the same answer.
    again = open_page(browser, javascript=False)
    again.goto(page.url)
    assert_hand_worked(again, PROFILES["company"])
    page.context.close()
    again.context.close()


def test_a_step_with_the_keyboard_alone(browser, site):
    page = open_page(browser)
    page.goto(site + "/match")
    page.keyboard.press("Tab")  # the skip link
    while page.evaluate("document.activeElement.type") != "radio":
        page.keyboard.press("Tab")
    choices = page.evaluate("document.querySelectorAll('input[type=radio]').length")
    for _ in range(choices):  # to the organisation's radio, with the arrow keys
        if page.evaluate("document.activeElement.nextSibling.textContent.trim()") == "组织":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("heading", name="您的回答（1 项）")).to_be_visible()
    # The next step's first control has the focus (pages.js), ready for the keyboard.
    assert page.evaluate("document.activeElement.id") == "q-registration-place"
    page.keyboard.press("ArrowDown")
    while page.evaluate("document.activeElement.textContent") != "下一步":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="您的回答（2 项）")).to_be_visible()
    assert page.problems == []
    page.context.close()


def test_the_answer_prints_without_the_questions(browser, site):
    page = open_page(browser)
    walk(page, site, PROFILES["person"]["facts"])
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.get_by_role("heading", name="结论", exact=True)).to_be_visible()
    expect(page.locator("section.answered dl")).to_be_visible()  # what the answer rests on
    expect(page.get_by_text("修改").first).to_be_hidden()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.context.close()


def screenshots():
    """The three answers, at a desktop's width, into docs/match/."""
    out = config.ROOT / "docs" / "match"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        cfg = config.settings({"BUILD_DIR": folder})
        build.build(cfg)
        app = create_app(dict(cfg, STORE="embedded"))
        base, stop = serve(app)
        try:
            with sync_playwright() as playwright:
                launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for name, profile in PROFILES.items():
                    for device, width in WIDTHS.items():
                        page = open_page(launched, width=width, height=1400)
                        walk(page, base, profile["facts"])
                        page.screenshot(path=str(out / f"{name}-{device}.png"))
                        page.context.close()
                launched.close()
        finally:
            stop()
            close(app)


if __name__ == "__main__":
    sys.exit(screenshots())
