"""Screenshots of the policy browser's main pages, on a desktop (1280 px wide) and a phone
(375 px), into docs/screenshots/. Run from the project root after a change to the pages:

    .venv/bin/python tests/browser/screenshots.py

It builds the graph into a temporary folder, serves the app on 127.0.0.1 and drives Debian's
chromium, as the browser tests do."""

import logging
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from policykg import config
from policykg.app import close, create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ARGS, CHROMIUM, serve

OUT = config.ROOT / "docs" / "screenshots"
PAGES = {  # name → path
    "home": "/",
    "policies": "/policies?q=专利",
    "policy": "/doc/policy/ip-insurance",
    "policy-tiers": "/doc/policy/standardization-incentive",
    "document": "/doc/document/lu-shi-jian-zhi-bao-zi-2021-195",
    "body": "/doc/organisation/linyi-government",
    "hotlines": "/hotlines",
    "editor": "/editor",
}
DEVICES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 375, "height": 812}}
# A desktop shot shows the whole page up to this height; a phone shot shows its first screen.
MAX_HEIGHT = 1800


def shoot(browser, base, name, path, device):
    context = browser.new_context(viewport=DEVICES[device], locale="zh-CN")
    page = context.new_page()
    page.goto(base + path)
    if name == "editor":
        page.wait_for_selector(".tabPanel.active .CodeMirror")
        page.locator(".tabPanel.active .yasqe_queryButton").click()
        page.locator(".tabPanel.active .yasr .iri-label").first.wait_for()
    target = OUT / f"{name}-{device}.png"
    if device == "desktop":
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        page.screenshot(
            path=target,
            full_page=True,
            clip={"x": 0, "y": 0, "width": DEVICES[device]["width"], "height": height},
        )
    else:
        page.screenshot(path=target)
    context.close()
    return target


def main():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as build:
        cfg = config.settings({"BUILD_DIR": build, "STORE": "embedded"})
        build.build(cfg)
        app = create_app(cfg)
        base, stop = serve(app)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for name, path in PAGES.items():
                    for device in DEVICES:
                        print(shoot(browser, base, name, path, device).relative_to(config.ROOT))
                browser.close()
        finally:
            stop()
            close(app)


if __name__ == "__main__":
    main()
