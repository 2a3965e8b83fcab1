"""How numbers read in Chinese: one rule (`policykg.wording`), on its edge cases, and the same
words for every benefit's amount on its policy page, in /ask and in /match."""

from decimal import Decimal

import pytest

from policykg import ask, browse, match, store, wording


@pytest.mark.parametrize(
    "value, text",
    [
        (0, "0 元"),
        (1, "1 元"),
        (9999, "9999 元"),
        (10000, "1 万元"),
        (15000, "1.5 万元"),
        (1_500_000, "150 万元"),
        (99_999_999, "9999.9999 万元"),
        (100_000_000, "1 亿元"),
        (150_000_000, "1.5 亿元"),
        (0.6, "0.6 元"),
        (Decimal("0.60"), "0.6 元"),
        (Decimal("2E+6"), "200 万元"),
        ("500000.01", "50.000001 万元"),
        ("2,000,000", "200 万元"),
        (1e30, "10000000000000000000000 亿元"),
        (-1, "-1 元"),
        (-15000, "-1.5 万元"),
        (-150_000_000, "-1.5 亿元"),
        (Decimal("-0"), "0 元"),
    ],
)
def test_yuan_edge_cases(value, text):
    assert wording.yuan(value) == text


@pytest.mark.parametrize("kind", [int, float, str, Decimal])
def test_yuan_reads_every_input_type_alike(kind):
    assert wording.yuan(kind(15000)) == "1.5 万元"
    assert wording.yuan(kind(150000000)) == "1.5 亿元"


@pytest.mark.parametrize(
    "value", [1e308, 10**400, Decimal("9E+999999"), Decimal("-9E+999999"), float("inf"), float("nan"), "abc"]
)
def test_yuan_never_raises(value):
    text = wording.yuan(value)
    assert isinstance(text, str) and text
    if value in (float("inf"),) or value == "abc":
        assert text == wording.NOT_A_NUMBER


def test_huge_amounts_are_not_rounded():
    assert wording.yuan(Decimal("123456789012345678901234567890123")) == (
        "1234567890123456789012345.67890123 亿元"
    )


@pytest.mark.parametrize(
    "rate, text", [(0.6, "60%"), (Decimal("0.10"), "10%"), (0.105, "10.5%"), ("1", "100%"), (0, "0%")]
)
def test_percent(rate, text):
    assert wording.percent(rate) == text


@pytest.mark.parametrize(
    "first, last, text",
    [
        (10, 13, "第 10–13 页"),
        (8, 8, "第 8 页"),
        ("8", "8", "第 8 页"),
        (29, None, "第 29 页起"),
        (None, None, ""),
    ],
)
def test_pages(first, last, text):
    assert wording.pages(first, last) == text


def test_count():
    assert wording.count(3, "项") == "3 项"


@pytest.mark.parametrize(
    "text, value",
    [
        ("五十", 50),
        ("一百", 100),
        ("两千", 2000),
        ("十二", 12),
        ("一千二", 1200),
        ("零", 0),
        ("十万", 100000),
    ],
)
def test_chinese_numerals(text, value):
    assert wording.chinese_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "百分"])
def test_not_a_chinese_numeral(text):
    assert wording.chinese_number(text) is None


# --- one rule on every path ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded(built_cfg):
    opened = store.open_store(built_cfg)
    yield opened
    opened.close()


def test_every_amount_reads_the_same_on_its_page_in_ask_and_in_match(embedded, built_cfg):
    src = browse.source(embedded, built_cfg)
    on_pages = {}  # benefit IRI → the words of each value or cap
    for item in browse.policies(src, browse.read_filters({}, src.base), browse.Paging(0, browse.MAX_LIMIT))[
        "items"
    ]:
        for benefit in browse.policy(src, item["slug"])["benefits"]:
            for amount in benefit["amounts"]:
                figure = amount["value"] if amount["value"] is not None else amount["maxValue"]
                if figure is None:
                    continue
                words = wording.yuan(figure)
                assert words in amount["text"], (benefit["iri"], amount["text"])
                on_pages.setdefault(benefit["iri"], set()).add(words)
    assert len(on_pages) > 10

    # Ask: a sure answer to "how much" about a benefit reads each of its figures the pages' way.
    labels = {}
    for item in browse.policies(src, browse.read_filters({}, src.base), browse.Paging(0, browse.MAX_LIMIT))[
        "items"
    ]:
        for benefit in browse.policy(src, item["slug"])["benefits"]:
            labels[benefit["iri"]] = benefit["label"]
    sure = 0
    for iri in on_pages:
        asked = ask.answer(f"{labels[iri]}能拿多少钱", embedded, built_cfg, matcher=match)
        rows = [row for row in asked["rows"] if row.get("benefit") == iri and row.get("value")]
        if asked["summary"].startswith("不确定") or not rows:
            continue
        sure += 1
        for row in rows:
            assert wording.yuan(float(row["value"])) in asked["summary"], (iri, asked["summary"])
    assert sure >= 5  # ask is sure of only some of them (docs/ask-evaluation.md)

    matched = match.evaluate({}, embedded, built_cfg)
    in_match = {}
    for policy in matched["policies"]:
        for benefit in policy["benefits"]:
            if benefit["amount"]:
                in_match[benefit["benefit"]] = " ".join(tier["text"] for tier in benefit["amount"]["tiers"])

    for iri, words in on_pages.items():
        for text in words:
            assert text in in_match.get(iri, ""), (iri, text, in_match.get(iri))
