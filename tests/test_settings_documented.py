"""README's settings table documents every setting of `config.DEFAULTS`, with its default: the
value itself, `—` for an empty one, or, for a default computed where it runs, the rule, which
must both read as below and hold here (in a checkout)."""

import os
import re
from pathlib import Path

import pytest

from policykg import config

README = (config.ROOT / "README.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `POLICYKG_([A-Z_]+)` \| (.+?) \| .+ \|$", re.MULTILINE)
DOCUMENTED = dict(ROW.findall(README))
CHECKOUT = Path(__file__).resolve().parents[1]

# Computed defaults: the rule README states, and that rule's value in this checkout.
RULES = {
    "ROOT": (
        "the checkout; installed from a wheel, the copy inside the package (the subpackage `policykg.root`)",
        str(CHECKOUT),
    ),
    "BUILD_DIR": (
        "`build/` in the checkout; installed from a wheel, `$XDG_CACHE_HOME/policykg/build`"
        " (`~/.cache/policykg/build` when unset)",
        str(CHECKOUT / "build"),
    ),
    "SERVE_WORKERS": ("cores, at least 2", max(2, os.cpu_count() or 1)),
}


def documented_default(key):
    if key in RULES:
        return RULES[key][0]
    default = config.DEFAULTS[key]
    return "—" if default == "" else f"`{default}`"


@pytest.mark.parametrize("key", sorted(config.DEFAULTS))
def test_setting_is_documented_with_its_default(key):
    assert key in DOCUMENTED, f"document POLICYKG_{key} in README.md's settings table"
    assert DOCUMENTED[key] == documented_default(key), f"POLICYKG_{key}: README says {DOCUMENTED[key]!r}"


@pytest.mark.parametrize("key", sorted(RULES))
def test_computed_default_follows_its_documented_rule(key):
    assert config.DEFAULTS[key] == RULES[key][1]


def test_readme_documents_no_setting_that_does_not_exist():
    assert set(DOCUMENTED) == set(config.DEFAULTS)
