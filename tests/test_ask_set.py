"""The ask evaluation set (service/policykg/evaluation/ask-set.tsv) is well formed, covers every
question type and every policy in both parts, keeps the split it was given once, and expects no
fact the handbook does not state: every amount, percentage, count, telephone number, URL and
document number among the expected facts occurs in the handbook text of the policies concerned.
How the set was written and split: docs/ask-evaluation.md. The helpers here (reading a set, its
split, the handbook's sections, the checks of form, coverage and invented facts) are shared with
tests/test_ask_set_2.py, which checks the second set."""

import csv
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import cn2an
import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, RDFS

ROOT = Path(__file__).resolve().parents[1]
ASK_SET = ROOT / "service/policykg/evaluation/ask-set.tsv"
SOURCE = ROOT / "data/source/linyi-amr-2023-huiqi-zhuqi.txt"
HANDBOOK = ROOT / "data/handbook.ttl"
PKG = Namespace("https://w3id.org/policykg/def/")
POLICY = "https://w3id.org/policykg/id/policy/"

COLUMNS = ["id", "part", "type", "question", "expected", "policy", "note"]
TYPES = {
    "amount-fixed",
    "amount-cap",
    "amount-rate",
    "amount-tier",
    "conditions",
    "hotline",
    "legal-basis",
    "definition",
    "text-fact",
    "eligibility",
    "list",
    "none",
}
NO_POLICY = "-"
SPLIT_SEED = 20261202
# The three questions issue 12 quotes, with the facts the issue says a right answer gives.
ISSUE_EXAMPLES = {
    "泰山品质认证能拿多少钱": ["10万元", "一次性", "山东省人民政府"],
    "我们公司成立6年了，能申请什么质量奖": ["省长质量奖", "市长质量奖"],
    "质量沂站的网址是什么": ["https://zlyz.greatnqi.com/"],
}

# Facts that can be invented: figures with a unit, telephone numbers, URLs, document numbers.
FIGURE = re.compile(r"\d+(?:\.\d+)?(?:万元|元|%|个|项|家|年|件|名)")
PHONE = re.compile(r"(?:0539-)?\d{7}")
URL = re.compile(r"(?:https?://)?[a-z0-9.-]+\.(?:com|cn|net|org)/?")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]+[〔\[]\d{4}[〕\]]\d+号")
CHINESE_COUNT = re.compile(r"[零一二两三四五六七八九十百千]+(?=[个项家年件名届次])")


def squeeze(text):
    """Without white space, brackets of document numbers in one form: 〔2021〕 = [2021]."""
    return re.sub(r"\s+", "", text).replace("[", "〔").replace("]", "〕")


def read_rows(path=ASK_SET):
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def split(rows, seed=SPLIT_SEED, pinned_questions=ISSUE_EXAMPLES):
    """The split the set was given once: within each type, the pinned questions (the issue's
    examples) go to the test part, the other ids (sorted) are shuffled with a fixed seed and cut so
    that half the type (rounded down) is in the test part. Returns {id: part}."""
    by_type = defaultdict(list)
    for row in rows:
        by_type[row["type"]].append(row)
    parts = {}
    for type_, group in sorted(by_type.items()):
        pinned = [row["id"] for row in group if row["question"] in pinned_questions]
        free = sorted(row["id"] for row in group if row["id"] not in pinned)
        random.Random(f"{seed}:{type_}").shuffle(free)
        test = pinned + free[: max(len(group) // 2 - len(pinned), 0)]
        parts.update({row_id: "test" if row_id in test else "dev" for row_id in free + pinned})
    return parts


@pytest.fixture(scope="module")
def rows():
    return read_rows()[1]


@pytest.fixture(scope="module")
def policy_sections():
    return read_policy_sections()


def read_policy_sections():
    """{policy local name: its section of the handbook text, squeezed, followed by the same text
    with Chinese numerals as digits (一项 → 1项), so that either form of a figure is found}."""
    graph = Graph().parse(HANDBOOK, format="turtle")
    text = SOURCE.read_text("utf-8").splitlines()
    headings = {}
    for policy in graph.subjects(RDF.type, PKG.Policy):
        section = graph.value(policy, PKG.section)
        title = re.sub(r"^\d+\.", "", str(graph.value(section, RDFS.label)))
        start = text.index(title)  # the heading line; the contents line carries dots and a page
        headings[start] = str(policy).removeprefix(POLICY)
    starts = sorted(headings)
    ends = starts[1:] + [len(text)]
    sections = {}
    for start, end in zip(starts, ends, strict=True):
        section = squeeze("\n".join(text[start:end]))
        digits = CHINESE_COUNT.sub(lambda m: str(cn2an.cn2an(m.group(), "normal")), section)
        sections[headings[start]] = section + "\n" + digits
    return sections


def alternatives(expected):
    return [[alt.strip() for alt in fact.split(" / ")] for fact in expected.split(" | ")]


def invented_kind_parts(alternative):
    """The parts of one alternative that could be invented, squeezed."""
    text = squeeze(alternative)
    return FIGURE.findall(text) + PHONE.findall(text) + URL.findall(text) + DOC_NUMBER.findall(text)


def check_form(header, rows):
    """The agreed columns; each row's part, type, question and expected facts well formed."""
    assert header == COLUMNS
    for row in rows:
        assert row["part"] in {"dev", "test"}, row["id"]
        assert row["type"] in TYPES, row["id"]
        assert row["question"].strip() == row["question"] and row["question"], row["id"]
        assert all(all(alts) for alts in alternatives(row["expected"])), row["id"]


def check_coverage(rows, policy_sections, part):
    """Every question type and every policy of the handbook in the part."""
    in_part = [row for row in rows if row["part"] == part]
    assert {row["type"] for row in in_part} == TYPES
    named = {name for row in in_part for name in row["policy"].split()} - {NO_POLICY}
    assert named == set(policy_sections)


def count_uninvented_facts(rows, policy_sections):
    """Asserts that each figure, phone, URL or document number expected occurs in the handbook
    text of a policy the row names (any policy's text for a question naming none); returns how
    many were checked."""
    everywhere = "".join(policy_sections.values())
    checked = 0
    for row in rows:
        names = [name for name in row["policy"].split() if name != NO_POLICY]
        text = "".join(policy_sections[name] for name in names) if names else everywhere
        for alts in alternatives(row["expected"]):
            for alt in alts:
                for part in invented_kind_parts(alt):
                    assert part in text, (row["id"], part)
                    checked += 1
    return checked


def test_the_file_parses_with_the_agreed_columns(rows):
    header, _ = read_rows()
    check_form(header, rows)


def test_at_least_300_questions_with_unique_ids_and_questions(rows):
    assert len(rows) >= 300
    ids = Counter(row["id"] for row in rows)
    assert [i for i, n in ids.items() if n > 1] == []
    questions = Counter(row["question"] for row in rows)
    assert [q for q, n in questions.items() if n > 1] == []


def test_every_policy_named_is_a_policy_of_the_handbook(rows, policy_sections):
    for row in rows:
        names = row["policy"].split()
        assert names, row["id"]
        assert names == [NO_POLICY] or set(names) <= set(policy_sections), row["id"]


@pytest.mark.parametrize("part", ["dev", "test"])
def test_every_type_and_every_policy_in_each_part(rows, policy_sections, part):
    check_coverage(rows, policy_sections, part)


def test_each_type_is_split_about_half_and_half(rows):
    for type_ in TYPES:
        parts = Counter(row["part"] for row in rows if row["type"] == type_)
        assert abs(parts["dev"] - parts["test"]) <= 1, (type_, parts)


def test_the_split_is_the_one_made_once_with_the_fixed_seed(rows):
    """Moving a question between the parts (to tune on it, or away from a failure) fails here."""
    assert {row["id"]: row["part"] for row in rows} == split(rows)


def test_the_issues_examples_are_in_the_test_part(rows):
    by_question = {row["question"]: row for row in rows}
    for question, facts in ISSUE_EXAMPLES.items():
        row = by_question[question]
        assert row["part"] == "test"
        expected = [alt for alts in alternatives(row["expected"]) for alt in alts]
        assert all(fact in expected for fact in facts), question


def test_none_questions_expect_the_answer_to_be_unsure(rows):
    for row in rows:
        if row["type"] == "none":
            assert "不确定" in row["expected"], row["id"]


def test_no_expected_figure_phone_url_or_document_number_is_invented(rows, policy_sections):
    """Each figure, phone, URL or document number expected occurs in the handbook text of a
    policy the row names (any policy's text for a question naming none)."""
    assert count_uninvented_facts(rows, policy_sections) > 300  # the check has something to check


def test_the_invention_check_catches_an_invented_figure(policy_sections):
    """The check above can fail: a figure not in the section is reported."""
    assert invented_kind_parts("15万元 | 0539-5977899") == ["15万元", "0539-5977899"]
    assert "15万元" not in policy_sections["taishan-quality"]
    assert "10万元" in policy_sections["taishan-quality"]
