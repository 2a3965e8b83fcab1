"""Every decision record has the four headings and is listed in the index."""

import re

import pytest

from policykg import config

FOLDER = config.ROOT / "docs" / "decisions"
RECORDS = sorted(path.name for path in FOLDER.glob("2*.md"))


def test_there_are_records():
    assert RECORDS


@pytest.mark.parametrize("name", RECORDS)
def test_record_has_status_context_decision_consequences(name):
    text = (FOLDER / name).read_text("utf-8")
    assert re.search(r"^- \*\*Status:\*\* \S", text, re.MULTILINE), f"{name}: no status"
    assert re.search(rf"^- \*\*Date:\*\* {name[:4]}-{name[4:6]}-{name[6:8]}$", text, re.MULTILINE), name
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == ["Context", "Decision", "Consequences"], f"{name}: {headings}"


def test_index_lists_every_record():
    index = (FOLDER / "README.md").read_text("utf-8")
    assert sorted(set(re.findall(r"\]\((2\d{7}-[^)]+\.md)\)", index))) == RECORDS
