import time
from pathlib import Path

import pytest

from policykg import docnumber

HANDBOOK = Path(__file__).resolve().parents[1] / "data/source/linyi-amr-2023-huiqi-zhuqi.txt"

VARIANTS = [
    # every issuer in the handbook, as printed
    ("临政字〔2020〕113号", "临政字〔2020〕113号"),
    ("临办发〔2021〕8号", "临办发〔2021〕8号"),
    ("鲁政发〔2020〕12 号", "鲁政发〔2020〕12号"),
    ("鲁质强发〔2021〕2 号", "鲁质强发〔2021〕2号"),
    ("临市监知促字〔2021〕117号", "临市监知促字〔2021〕117号"),
    ("临市监质字〔2022〕187号", "临市监质字〔2022〕187号"),
    ("临市监质函〔2021〕124号", "临市监质函〔2021〕124号"),
    ("临政办字〔2019〕118号", "临政办字〔2019〕118号"),
    ("临政办发〔2023〕1号", "临政办发〔2023〕1号"),
    ("鲁市监知保字〔2021〕195号", "鲁市监知保字〔2021〕195号"),
    # brackets
    ("临政字[2020]113号", "临政字〔2020〕113号"),
    ("临政字(2020)113号", "临政字〔2020〕113号"),
    ("临政字（2020）113号", "临政字〔2020〕113号"),
    ("临政字【2020】113号", "临政字〔2020〕113号"),
    ("临政字［2020］113号", "临政字〔2020〕113号"),
    ("临政字〈2020〉113号", "临政字〔2020〕113号"),
    ("临政字｛2020｝113号", "临政字〔2020〕113号"),
    # no brackets
    ("临政字2020年113号", "临政字〔2020〕113号"),
    ("临政字2020-113号", "临政字〔2020〕113号"),
    ("临政字〔2020年〕113号", "临政字〔2020〕113号"),
    # full width, spaces, 第, leading zeros, no 号, traditional forms
    ("临政字〔２０２０〕１１３号", "临政字〔2020〕113号"),
    (" 临政字 〔 2020 〕 113 号 ", "临政字〔2020〕113号"),
    ("临政字〔2020〕第113号", "临政字〔2020〕113号"),
    ("临政字〔2020〕0113号", "临政字〔2020〕113号"),
    ("临政字〔2020〕113", "临政字〔2020〕113号"),
    ("临政字2020年113", "临政字〔2020〕113号"),
    ("臨政字〔2020〕113號", "临政字〔2020〕113号"),
    ("臨辦發〔2021〕8號", "临办发〔2021〕8号"),
    ("魯市監知保字〔2021〕195號", "鲁市监知保字〔2021〕195号"),
    ("臨市監質函〔2021〕124號", "临市监质函〔2021〕124号"),
    ("（临政字〔2020〕113号）", "临政字〔2020〕113号"),
    # decrees: no year
    ("国家市场监督管理总局令 第 36 号", "国家市场监督管理总局令第36号"),
    ("国家市场监督管理总局令第36号", "国家市场监督管理总局令第36号"),
    ("国家市场监督管理总局令第036號", "国家市场监督管理总局令第36号"),
    ("國家市場監督管理總局令第３６号", "国家市场监督管理总局令第36号"),
]

NOT_NUMBERS = [
    "113号",
    "临政字",
    "2020",
    "GB/T 29490-2013",
    "GB/T29490-2013",
    "0539-5977806",
    "",
    "   ",
    "2023年2月",
    "依据临政字〔2020〕113号",  # more than a number: use find_all
    "临政字〔2020〕113号、鲁政发〔2020〕12号",
    "第36号",
    "令第36号",
]


@pytest.mark.parametrize(("text", "key"), VARIANTS)
def test_variant_gives_canonical_key(text, key):
    assert docnumber.normalize(text) == key


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_a_number(text):
    assert docnumber.parse(text) is None
    assert docnumber.normalize(text) is None


@pytest.mark.parametrize(
    "text",
    ["临政字〔2020〕11号", "临政字〔2021〕113号", "临政办字〔2020〕113号", "临政字〔2020〕1130号"],
)
def test_near_misses_give_a_different_key(text):
    assert docnumber.normalize(text) not in (None, "临政字〔2020〕113号")


def test_parts_and_keys():
    number = docnumber.parse("临政字〔2020〕0113号")
    assert number == docnumber.DocNumber("临政字", 2020, 113)
    decree = docnumber.parse("国家市场监督管理总局令 第 36 号")
    assert decree == docnumber.DocNumber("国家市场监督管理总局令", None, 36)
    assert decree.key == "国家市场监督管理总局令第36号"


def test_long_input_returns_quickly():
    started = time.perf_counter()
    for text in ["临" * 5000, "2020" * 1250, "临政字〔2020〕" * 500, "令第" * 2500, "x" * 5000]:
        assert docnumber.parse(text) is None
    assert docnumber.find_all("临政字〔2020〕1号" * 400)[-1][0].key == "临政字〔2020〕1号"
    assert time.perf_counter() - started < 1.0


def test_find_all_in_a_question_gives_spans():
    question = "依据临政字（2020）113号和鲁政发[2020] 12 号的政策有哪些？"
    found = docnumber.find_all(question)
    assert [number.key for number, _, _ in found] == ["临政字〔2020〕113号", "鲁政发〔2020〕12号"]
    assert [question[start:end] for _, start, end in found] == ["临政字（2020）113号", "鲁政发[2020] 12 号"]


def test_find_all_skips_dates_and_standards():
    text = "截至2022年12月31日，全面推行《企业知识产权管理规范》(GB/T29490-2013)，电话0539-5977806"
    assert docnumber.find_all(text) == []


def handbook_lines(marker):
    return [line for line in HANDBOOK.read_text(encoding="utf-8").splitlines() if marker in line]


def test_find_all_in_a_handbook_basis_line():
    (line,) = handbook_lines("临政字〔2020〕113号")
    assert line.startswith("【政策依据】")
    assert [number.key for number, _, _ in docnumber.find_all(line)] == [
        "临政字〔2020〕113号",
        "临市监知促字〔2021〕117号",
        "临市监质字〔2022〕187号",
    ]


def test_find_all_in_the_decree_line():
    (line,) = handbook_lines("总局令")
    found = docnumber.find_all(line)
    assert [number.key for number, _, _ in found] == ["国家市场监督管理总局令第36号", "鲁政发〔2020〕12号"]
    assert line[found[0][1] : found[0][2]] == "国家市场监督管理总局令 第 36 号"


# The handbook cites 13 document numbers (12 with a year, one decree); the brief said 14,
# but a count of 〔 (12) plus the one 令 confirms 13.
HANDBOOK_NUMBERS = [
    "国家市场监督管理总局令第36号",
    "鲁政发〔2020〕12号",
    "临办发〔2021〕8号",
    "鲁质强发〔2021〕2号",
    "鲁政发〔2018〕22号",
    "临政字〔2020〕113号",
    "临市监知促字〔2021〕117号",
    "临市监质字〔2022〕187号",
    "临政办字〔2019〕118号",
    "临政办发〔2023〕1号",
    "临市监质字〔2022〕166号",
    "临市监质函〔2021〕124号",
    "鲁市监知保字〔2021〕195号",
]


def test_find_all_over_the_whole_handbook():
    text = HANDBOOK.read_text(encoding="utf-8")
    found = docnumber.find_all(text)
    assert [number.key for number, _, _ in found] == HANDBOOK_NUMBERS
    assert text.count("〔") == len(HANDBOOK_NUMBERS) - 1


@pytest.mark.parametrize(
    "question, key",
    [
        ("以鲁政发〔2020〕12号为依据的政策", "鲁政发〔2020〕12号"),
        ("按临政办发〔2023〕1号执行的奖励", "临政办发〔2023〕1号"),
    ],
)
def test_find_all_stops_the_issuer_at_lead_in_words(question, key):
    assert [number.key for number, _, _ in docnumber.find_all(question)] == [key]
