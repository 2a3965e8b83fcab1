"""What the browser tests share: one Debian chromium per test module (skipped when missing)."""

import pytest
from harness import ARGS, CHROMIUM
from playwright.sync_api import sync_playwright


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()
