"""Every setting is documented in the README as `POLICYKG_<KEY>`."""

import pytest

from policykg import config

README = (config.ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(config.DEFAULTS))
def test_setting_is_documented(key):
    assert f"`POLICYKG_{key}`" in README, f"document POLICYKG_{key} in README.md"
