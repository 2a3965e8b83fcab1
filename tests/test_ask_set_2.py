"""The second ask evaluation set (service/policykg/evaluation/ask-set-2.tsv) gets the first set's
checks, with the first set's helpers (tests/test_ask_set.py): it is well formed, covers every
question type and every policy in both parts, keeps the split it was given once (its own seed, no
pinned questions), and expects no fact the handbook does not state. Its ids and questions are its
own: none is the first set's. How it was written and split: docs/ask-evaluation.md."""

import re
from collections import Counter

import pytest
import test_ask_set as first

ASK_SET_2 = first.ROOT / "service/policykg/evaluation/ask-set-2.tsv"
SPLIT_SEED_2 = 20261206
ID = re.compile(r"s2-(?P<type>[a-z-]+)-\d{3}")


@pytest.fixture(scope="module")
def rows():
    return first.read_rows(ASK_SET_2)[1]


@pytest.fixture(scope="module")
def policy_sections():
    return first.read_policy_sections()


def test_the_file_parses_with_the_agreed_columns(rows):
    header, _ = first.read_rows(ASK_SET_2)
    first.check_form(header, rows)


def test_about_200_questions_with_unique_ids_and_questions(rows):
    assert len(rows) >= 190
    ids = Counter(row["id"] for row in rows)
    assert [i for i, n in ids.items() if n > 1] == []
    questions = Counter(row["question"] for row in rows)
    assert [q for q, n in questions.items() if n > 1] == []


def test_ids_carry_the_prefix_and_type_and_none_is_the_first_sets(rows):
    for row in rows:
        match = ID.fullmatch(row["id"])
        assert match and match["type"] == row["type"], row["id"]
    first_rows = first.read_rows()[1]
    assert {row["id"] for row in rows} & {row["id"] for row in first_rows} == set()
    assert {row["question"] for row in rows} & {row["question"] for row in first_rows} == set()


def test_every_policy_named_is_a_policy_of_the_handbook(rows, policy_sections):
    for row in rows:
        names = row["policy"].split()
        assert names, row["id"]
        assert names == [first.NO_POLICY] or set(names) <= set(policy_sections), row["id"]


@pytest.mark.parametrize("part", ["dev", "test"])
def test_every_type_and_every_policy_in_each_part(rows, policy_sections, part):
    first.check_coverage(rows, policy_sections, part)


def test_each_type_is_split_about_half_and_half(rows):
    for type_ in first.TYPES:
        parts = Counter(row["part"] for row in rows if row["type"] == type_)
        assert abs(parts["dev"] - parts["test"]) <= 1, (type_, parts)


def test_the_split_is_the_one_made_once_with_its_own_seed(rows):
    """Moving a question between the parts (to tune on it, or away from a failure) fails here."""
    assert {row["id"]: row["part"] for row in rows} == first.split(rows, SPLIT_SEED_2, {})


def test_none_questions_expect_the_answer_to_be_unsure(rows):
    for row in rows:
        if row["type"] == "none":
            assert "不确定" in row["expected"], row["id"]


def test_no_expected_figure_phone_url_or_document_number_is_invented(rows, policy_sections):
    assert first.count_uninvented_facts(rows, policy_sections) > 150  # something to check
