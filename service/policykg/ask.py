"""Questions in plain Chinese (or English) answered from the graph, with the SPARQL that did it.

No language model: a question is read by rules, then mapped to one canned query.

1. Document numbers are found first, on the raw text, with the shared normalizer
   (`docnumber.find_all`), and cut out so that segmentation never splits them.
2. The rest is cleaned (NFKC: full-width digits and letters; lower case; Chinese quotation
   marks dropped; spaces next to Chinese characters dropped) and read for amounts (元 / 万元 / 万
   / 亿 / yuan, Arabic or Chinese numerals, with 超过 / 以上 / 不低于 …), year counts (N 年以上),
   look-backs (近 N 年), percentages and quoted phrases.
3. It is segmented with jieba, whose user dictionary holds the graph's names (policies,
   recognitions, bodies, places, applicant types, document titles) from
   `queries/internal/ask-lexicon.rq`; tokens and substrings that are names become entities.
4. Each intent (one per canned query, `INTENTS`) scores its cue words (strong 3, weak 1) and,
   when it has any cue, 3 more for finding the parameter it needs. The best score of at least 3
   wins (ties: table order); an intent whose parameter is missing cannot win unless it has a
   default. Nothing wins → say so, offer full-text hits (`where-stated`) and the closest
   canned questions.

Comparisons follow the 民法典 (art. 1259): 以上 / 以下 / 以内 include the number, 超过 / 不满
exclude it. The canned queries ask “at least”, so 超过 50 万 binds 500000.01 (one fen more) and
超过 5 年 binds 6 years; “below” questions (低于, 不超过, 以下) have no canned query and are not
mapped. See docs/ask-and-match.md.
"""

import json
import logging
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import ahocorasick
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from policykg import artifact, docnumber, errors, fulltext, queries, render, wording
from policykg.cache import PerVersion
from policykg.names import clean, short_name

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources and compiles a non-raw regex: newer tools warn about both.
    warnings.simplefilter("ignore")
    import jieba
jieba.setLogLevel(logging.WARNING)

MAX_QUESTION = 500
MIN_RUN = 4  # the shortest run of characters a question shares with the closest name
# The question set the parser is scored on (`policykg ask --evaluate`); ships with the package.
QUESTIONS = Path(__file__).parent / "evaluation" / "questions.tsv"
LEXICON_QUERY = "ask-lexicon"
LIST_QUERY = "ask-list"
# A name the user dictionary gets: frequent enough that jieba keeps it whole.
NAME_FREQUENCY = 100000
CUE_WEIGHTS = {"strong": 3, "weak": 1}
PARAM_BONUS = 3
MIN_SCORE = 3
FEN = Decimal("0.01")
ITEMS_SHOWN = 5
# The policies a list answer names (and whose rows and clauses it returns); the rest are counted.
POLICIES_LISTED = 20
FULLTEXT_TERMS = 3
FULLTEXT_ROWS = 10
SUGGESTIONS = 3

# ---------------------------------------------------------------------------------------------
# Cleaning and numbers
# ---------------------------------------------------------------------------------------------

QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,40})[”\"」』》]")

CN_NUMBER = "[零〇一二两三四五六七八九十百千]+"
NUMBER = rf"(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|{CN_NUMBER})"

# Comparison words, longest first, and what each means for the bound that follows or precedes.
BEFORE = {
    "大于或等于": "ge",
    "大于等于": "ge",
    "不低于": "ge",
    "不少于": "ge",
    "不小于": "ge",
    "至少": "ge",
    "达到": "ge",
    "满": "ge",
    "≥": "ge",
    ">=": "ge",
    "at least": "ge",
    "no less than": "ge",
    "不超过": "le",
    "不高于": "le",
    "不多于": "le",
    "低于": "lt",
    "少于": "lt",
    "小于": "lt",
    "超过": "gt",
    "高于": "gt",
    "大于": "gt",
    "多于": "gt",
    "逾": "gt",
    ">": "gt",
    "more than": "gt",
    "greater than": "gt",
    "over": "gt",
    "above": "gt",
    "exceeding": "gt",
    "less than": "lt",
    "under": "lt",
    "below": "lt",
    "at most": "le",
}
AFTER = {
    "及以上": "ge",
    "或以上": "ge",
    "以上": "ge",
    "起": "ge",
    "or more": "ge",
    "and above": "ge",
    "plus": "ge",
    "及以下": "le",
    "或以下": "le",
    "以下": "le",
    "以内": "le",
    "or less": "le",
    "and below": "le",
}
MONEY_UNITS = {
    "亿元": 10**8,
    "亿": 10**8,
    "万元": 10**4,
    "万块": 10**4,
    "万": 10**4,
    "w": 10**4,
    "千元": 1000,
    "千": 1000,
    "k": 1000,
    "million": 10**6,
    "元": 1,
    "块钱": 1,
    "块": 1,
    "yuan": 1,
    "rmb": 1,
    "cny": 1,
}


def _alternation(words):
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


COMPARE_BEFORE = rf"(?:(?P<before>{_alternation(BEFORE)})\s*)?"
COMPARE_AFTER = rf"(?:\s*(?P<after>{_alternation(AFTER)}))?"
AMOUNT = re.compile(
    COMPARE_BEFORE + NUMBER + rf"\s*(?P<unit>{_alternation(MONEY_UNITS)})(?![a-z])" + COMPARE_AFTER
)
# A number with no unit counts as money only next to a comparison word and not before a counter.
BARE_AMOUNT = re.compile(
    rf"(?:(?P<before>{_alternation(BEFORE)})\s*)" + r"(?P<num>\d{4,}(?:,\d{3})*(?:\.\d+)?|\d{1,3}(?:,\d{3})+)"
    r"(?!\s*(?:年|件|项|家|名|个|%|years?))" + COMPARE_AFTER
)
YEARS = re.compile(
    r"(?P<near>近|最近|过去|前|last|past|recent)?\s*"
    + COMPARE_BEFORE
    + r"(?P<num>\d+|[一二两三四五六七八九十]+)\s*(?:个)?(?:多)?\s*(?:年(?!度)|years?)"
    + COMPARE_AFTER
)
RECENT_YEARS = re.compile(r"近几年|最近几年|近年|近些年|这几年|recent years|past years|look(?:s|ing)? back")
PERCENT = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)\s*(?:%|percent)|百分之(?P<cn>[\d.]+|[零一二两三四五六七八九十百]+)"
)


# The largest number a question may name (an amount in yuan once its unit is applied, years, a
# percentage): far past any the handbook names, and small enough to stay exact in Decimal's 28
# digits through every step of the answer.
MAX_NUMBER = Decimal(10**15)


def _number(text):
    if text[0].isdigit():
        return _bounded(Decimal(text.replace(",", "")), text)
    number = wording.chinese_number(text)
    return None if number is None else _bounded(Decimal(number), text)


def _bounded(value, text):
    """`value` (as written: `text`) when within MAX_NUMBER, else 400 naming the limit."""
    if abs(value) > MAX_NUMBER:
        raise errors.BadRequest(
            f"问题中的数字太大：{text[:40]}（最多 {MAX_NUMBER:.0E}） (number too large)",
            param="q",
            limit=int(MAX_NUMBER),
        )
    return value


# ---------------------------------------------------------------------------------------------
# The lexicon: the graph's names, a jieba tokenizer that keeps them whole
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    kind: str  # policy | benefit | recognition | body | place | applicant | document | concept
    thing: str  # IRI
    label: str  # Chinese label
    name: str  # the name as found (cleaned)
    code: str | None = None  # applicant notation, a document's normalized number
    policy: str | None = None  # for a recognition: the policy about it


# Kinds the canned-query parser leaves to the linker (`Linker`).
LINKED_ONLY = ("benefit", "concept")


# A document number's key (鲁市监知保字〔2021〕195号), and one typed without its year.
DATED_NUMBER = re.compile(r"^(.+?)〔\d{4}〕(\d+)号$")
YEARLESS_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12}(?:发|字|函))\s*第?\s*(\d+)\s*号")


class Lexicon:
    """Names from the graph and a tokenizer whose dictionary holds them (one per data version)."""

    def __init__(self, rows):
        self.names: dict = {}  # cleaned name → [Entity]
        self.policy_labels = {}
        self.numbers = set()  # every key a document number answers to
        self.documents: dict = {}  # a document number's key → the document
        self.yearless: dict = {}  # (issuer code, serial) → the keys of the documents so numbered
        for row in rows:
            value = {key: render.plain(term) for key, term in row.items()}
            if value["kind"] in LINKED_ONLY:
                continue
            names = {clean(value["name"])}
            short = short_name(value["name"])
            if value["kind"] in ("policy", "recognition", "body") and short:
                names.add(clean(short))
            for name in names:
                entity = Entity(
                    value["kind"],
                    value["thing"],
                    value["label"],
                    name,
                    value.get("code") or None,
                    value.get("policy") or None,
                )
                self.names.setdefault(name, []).append(entity)
            if value["kind"] == "policy":
                self.policy_labels[value["thing"]] = value["label"]
            if value["kind"] == "document":
                self.numbers.add(value["code"])
                self.documents.setdefault(value["code"], entity)
                if numbered := DATED_NUMBER.match(value["code"]):
                    self.yearless.setdefault(numbered.group(1, 2), set()).add(value["code"])
        self._by_kind: dict = {}  # kind → its non-English names, in the order of `names`
        for name, entities in self.names.items():
            if not name.isascii():
                for kind in dict.fromkeys(entity.kind for entity in entities):
                    self._by_kind.setdefault(kind, []).append(name)
        self.tokenizer = self._tokenizer()
        self.linker = Linker(rows)

    def _tokenizer(self):
        return fulltext.tokenizer((name for name in self.names if not name.isascii()), NAME_FREQUENCY)

    # Pickled without its tokenizer (jieba's holds a lock), which is made again from the names.
    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "tokenizer"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.tokenizer = self._tokenizer()

    def entities(self, text, tokens):
        """Every entity named in `text`: whole tokens, longer names anywhere, close policy names."""
        found: dict = {}
        for name, entities in self.names.items():
            if name in tokens or (len(name) >= 4 and _contains(text, name)):
                for entity in entities:
                    found.setdefault((entity.kind, entity.thing), entity)
        # The longest name first: 国家市场监督管理总局 before 总局, 临沂市专利奖励办法 before 临沂市专利奖励.
        entities = sorted(found.values(), key=lambda entity: -len(entity.name))
        if not any(entity.kind in ("policy", "recognition") for entity in entities):
            entities.extend(filter(None, (self._closest(text, kind) for kind in ("policy", "recognition"))))
        return entities

    def _closest(self, text, kind):
        """The name of this kind sharing the longest run (≥ 4 characters, ≥ half of it) with `text`
        (the first such name when several share as long a run).

        rapidfuzz's longest common subsequence, computed in C over every name at once, bounds the
        longest common run from above: only the names it lets through are aligned, best bound first,
        until no bound can beat the run found."""
        names = self._by_kind.get(kind)
        if not names:
            return None
        bounds = process.extract(text, names, scorer=LCSseq.similarity, score_cutoff=MIN_RUN, limit=None)
        best, best_length, best_index = None, 0, len(names)
        for name, bound, index in sorted(bounds, key=lambda found: (-found[1], found[2])):
            if bound < best_length or (bound == best_length and index > best_index):
                break
            if bound * 2 < len(name):
                continue
            match = SequenceMatcher(None, text, name, autojunk=False).find_longest_match(
                0, len(text), 0, len(name)
            )
            size = match.size
            if (
                size >= MIN_RUN
                and size * 2 >= len(name)
                and (size > best_length or (size == best_length and index < best_index))
            ):
                best, best_length, best_index = name, size, index
        if best is None:
            return None
        return next(entity for entity in self.names[best] if entity.kind == kind)

    def yearless_documents(self, text):
        """The documents a number typed without its year names (鲁市监知保字195号), when only
        one document of the graph has that issuer code and serial."""
        found = []
        for match in YEARLESS_NUMBER.finditer(text):
            issuer, serial = match.group(1), match.group(2).lstrip("0")
            # the issuer code may follow other words (请问鲁市监知保字…): its longest known tail
            keys: set = next(
                (
                    self.yearless[(issuer[i:], serial)]
                    for i in range(len(issuer))
                    if (issuer[i:], serial) in self.yearless
                ),
                set(),
            )
            if len(keys) == 1:
                found.append(self.documents[next(iter(keys))])
        return found

    def number(self, key):
        """A document number as the graph knows it. `docnumber.find_all` may take a word leading
        into the number as part of the issuer (以鲁政发…, 按鲁政发…): the longest known key that
        the found one ends with wins; an unknown number stays as it is."""
        return next((key[start:] for start in range(len(key)) if key[start:] in self.numbers), key)

    def policy_label(self, entity):
        """The Chinese label of the policy an entity is or concerns."""
        if entity.kind == "policy":
            return entity.label
        return self.policy_labels.get(entity.policy)


def _contains(text, name):
    if not name.isascii():
        return name in text
    return re.search(rf"(?<![a-z]){re.escape(name)}", text) is not None


# The lexicon of each data version (a tokenizer holds ~15 MB).
LEXICONS: PerVersion["Lexicon"] = PerVersion("ask.lexicons", code=[__file__, fulltext.__file__])


def lexicon(store: Any, cfg: queries.Settings) -> Lexicon:
    """The lexicon for the store's data, built once per data version (every time when unknown)
    and kept beside the build for every process that serves it."""
    return LEXICONS.get(
        (cfg["ROOT"], cfg["BASE_IRI"]),
        store.data_version(),
        lambda: Lexicon(queries.internal_rows(store, cfg, LEXICON_QUERY)),
        kept=artifact.derived(cfg, "ask-lexicon"),
    )


# ---------------------------------------------------------------------------------------------
# Reading a question
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    value: Decimal
    relation: str  # ge | gt | le | lt | eq
    text: str  # as written


@dataclass
class Reading:
    """What a question says, before it is mapped to a query."""

    question: str
    text: str  # cleaned, document numbers cut out
    tokens: list = field(default_factory=list)
    numbers: list = field(default_factory=list)  # normalized document numbers
    amounts: list = field(default_factory=list)  # Bound, in yuan
    years: list = field(default_factory=list)  # Bound, in years
    lookback: bool = False  # 近 N 年 / 近几年
    percentages: list = field(default_factory=list)
    quoted: list = field(default_factory=list)
    entities: list = field(default_factory=list)

    def first(self, *kinds):
        return next((entity for entity in self.entities if entity.kind in kinds), None)

    def as_json(self):
        return {
            "tokens": self.tokens,
            "numbers": self.numbers,
            "amounts": [_bound_json(bound) for bound in self.amounts],
            "years": [_bound_json(bound) for bound in self.years],
            "lookback": self.lookback,
            "percentages": [float(value) for value in self.percentages],
            "quoted": self.quoted,
            "entities": [
                {"kind": e.kind, "iri": e.thing, "label": e.label, "name": e.name} for e in self.entities
            ],
        }


def _bound_json(bound):
    return {"value": float(bound.value), "relation": bound.relation, "text": bound.text}


def _relation(match):
    before, after = match["before"], match["after"]
    return BEFORE.get(before) or AFTER.get(after) or "eq"


def read(question, lexicon):
    """The Reading of a question (numbers first, then cleaning, segmentation and names)."""
    numbers, rest, last = [], [], 0
    for number, start, end in docnumber.find_all(question):
        numbers.append(lexicon.number(number.key))
        rest.append(question[last:start])
        last = end
    rest.append(question[last:])
    raw = " ".join(rest)
    text = clean(raw)
    reading = Reading(question, text, numbers=numbers)
    reading.quoted = [match.group(1).strip() for match in QUOTED.finditer(unicodedata.normalize("NFKC", raw))]
    taken: list = []
    for pattern in (AMOUNT, BARE_AMOUNT):
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in taken):
                continue
            value = _number(match["num"])
            if value is None:
                continue
            unit = match.groupdict().get("unit") or ""
            value = _bounded(value * MONEY_UNITS.get(unit, 1), match.group(0))
            reading.amounts.append(Bound(value, _relation(match), match.group(0)))
            taken.append(match.span())
    for match in YEARS.finditer(text):
        value = _number(match["num"])
        if value is None or any(start < match.end() and match.start() < end for start, end in taken):
            continue
        if match["near"]:
            reading.lookback = True
        elif not 1900 <= value <= 2100:  # 2020年 is a date
            reading.years.append(Bound(value, _relation(match), match.group(0)))
    reading.lookback = reading.lookback or bool(RECENT_YEARS.search(text))
    for match in PERCENT.finditer(text):
        value = _number(match["num"] or match["cn"])
        if value is not None:
            reading.percentages.append(value / 100)
    reading.tokens = [token for token in lexicon.tokenizer.lcut(text, HMM=False) if token.strip()]
    reading.entities = lexicon.entities(text, set(reading.tokens))
    return reading


# ---------------------------------------------------------------------------------------------
# Intents: one per canned query
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    query: str
    strong: tuple = ()
    weak: tuple = ()
    param: str | None = None  # the reader (see PARAMS) of what the query needs
    summary: str = ""  # one line: {count} items, {rows}, {items}, and the parameters' display values
    item: str = ""  # how one row reads in {items}
    examples: tuple = ()
    money: tuple = ()  # columns holding amounts in yuan: each row also gets `<column>Text` in words


INTENTS = (
    Intent(
        "policies-by-document",
        strong=("依据", "根据", "依照", "出自", "based on", "rest on", "rests on", "under"),
        weak=("文件", "文", "对应", "涉及", "哪些政策", "document", "policies"),
        param="number",
        summary="依据 {number} 的政策有 {count} 项：{items}。",
        item="{policyLabel}",
        examples=("哪些政策依据临政字〔2020〕113号", "鲁政发〔2020〕12号对应哪些政策"),
    ),
    Intent(
        "operating-years-at-least",
        strong=(
            "运行",
            "运营",
            "经营",
            "营业",
            "成立",
            "年限",
            "开业",
            "operation",
            "operating",
            "in business",
        ),
        weak=("几年", "多少年", "奖项", "奖", "要求", "满", "years"),
        param="years",
        summary="要求运行年限不少于 {years} 年的奖项有 {count} 项：{items}。",
        item="{awardLabel} {clause}",
        examples=("哪些奖励要求运行5年以上", "哪些奖项对运行年限有要求"),
    ),
    Intent(
        "policy-hotline",
        strong=("电话", "热线", "号码", "联系方式", "hotline", "phone", "telephone", "call"),
        weak=("咨询", "联系", "打", "多少", "contact"),
        param="policy",
        summary="{policy}的咨询电话：{items}。",
        item="{hotlines}",
        examples=("泰山品质认证的咨询电话是多少", "市长质量奖打哪个电话咨询"),
    ),
    Intent(
        "policy-contacts",
        strong=("电话", "热线", "联系方式", "受理", "hotline", "hotlines", "phone", "contact"),
        weak=("咨询", "联系", "部门", "单位", "依据", "每项", "各项", "所有", "每个", "all", "every"),
        summary="{count} 项政策的咨询电话：{items}。",
        item="{policyLabel} {hotlines}",
        examples=("各项政策的咨询电话", "所有政策的联系电话和受理单位"),
    ),
    Intent(
        "benefits-worth-at-least",
        strong=("金额", "奖金", "worth", "amount"),
        weak=(
            "奖励",
            "资助",
            "补贴",
            "补助",
            "奖补",
            "激励",
            "钱",
            "拿",
            "给",
            "能拿",
            "award",
            "awards",
            "benefits",
        ),
        param="amount",
        summary="金额{amount}的惠企内容有 {count} 项：{items}。",
        item="{benefitLabel}（{valueText}）",
        examples=("奖励超过50万的有哪些", "50万元以上的奖励"),
        money=("value",),
    ),
    Intent(
        "rate-benefits",
        strong=("比例", "百分比", "百分之", "费率", "比率", "rate", "percentage", "percent", "proportion"),
        weak=("保费", "交易额", "本金", "按", "计算", "上限", "share"),
        param="rate",
        summary="按比例给予的惠企内容有 {count} 项：{items}。",
        item="{benefitLabel}",
        examples=("哪些补贴是按比例给的", "按保费60%补贴的政策"),
    ),
    Intent(
        "tiered-benefits",
        strong=(
            "分档",
            "档次",
            "档位",
            "各档",
            "每档",
            "几档",
            "阶梯",
            "分级",
            "等级",
            "tier",
            "tiers",
            "tiered",
        ),
        weak=("档", "级别", "不同", "分别", "各", "level", "levels", "each"),
        summary="分档给予的惠企内容有 {count} 项：{items}。",
        item="{benefitLabel}",
        examples=("哪些奖励是分档的", "不同级别标准分别奖励多少"),
    ),
    Intent(
        "policies-for-applicant",
        strong=("面向", "针对", "适用", "对象", "open to", "eligible"),
        weak=("给", "可以", "能", "申请", "申报", "享受", "哪些政策", "政策", "for", "policies"),
        param="applicant",
        summary="面向{applicant}的政策有 {count} 项：{items}。",
        item="{policyLabel}",
        examples=("给个人的奖励有哪些", "面向企业的政策"),
    ),
    Intent(
        "lookback-conditions",
        strong=("回溯", "近年", "最近", "年内", "年来", "look back", "looks back", "recent years", "last"),
        weak=("事故", "不良", "信用", "违法", "违规", "没有", "条件", "要求", "conditions", "accidents"),
        param="lookback",
        summary="带回溯期（近 N 年内）的条件有 {rows} 条，出自：{items}。",
        item="{policyLabel}",
        examples=("哪些条件要求近3年内无重大事故", "近五年无不良信用记录的要求有哪些"),
    ),
    Intent(
        "documents-by-body",
        strong=(
            "发布",
            "印发",
            "发文",
            "出台",
            "颁布",
            "制定",
            "下发",
            "发的",
            "发过",
            "issued",
            "published",
        ),
        weak=("文件", "文", "政策", "document", "documents"),
        param="body",
        summary="{body}及其下属机关发布的文件有 {count} 份：{items}。",
        item="《{title}》",
        examples=("临沂市人民政府发布了哪些文件", "市场监管局发的文件有哪些"),
    ),
    Intent(
        "non-monetary-benefits",
        strong=(
            "非资金",
            "非现金",
            "非货币",
            "不是钱",
            "不给钱",
            "不是资金",
            "非资金类",
            "不是现金",
            "non-monetary",
            "in kind",
            "non-cash",
        ),
        weak=("荣誉", "标识", "标志", "证书", "培训", "服务", "好处", "支持", "honour", "training"),
        summary="非资金类惠企内容有 {count} 项：{items}。",
        item="{benefitLabel}",
        examples=("哪些惠企内容不是资金", "非资金类的好处有哪些"),
    ),
    Intent(
        "where-stated",
        strong=(
            "原文",
            "出处",
            "哪一页",
            "第几页",
            "页码",
            "哪页",
            "出自哪",
            "在哪里写",
            "哪里写",
            "哪里提到",
            "在哪提到",
            "写在哪",
            "page",
            "stated",
            "mention",
            "mentions",
            "handbook say",
        ),
        weak=("手册", "哪里", "提到", "写", "where", "handbook"),
        param="text",
        summary="“{text}”见于手册 {rows} 处：{items}。",
        item="{label}（第 {firstPage} 页）",
        examples=("“200万元奖励”在手册第几页", "手册哪一页提到驰名商标"),
    ),
)

# Words that say nothing about what is asked; dropped from full-text terms and `where-stated` text.
FILLERS = {
    "的",
    "了",
    "在",
    "是",
    "吗",
    "呢",
    "啊",
    "吧",
    "哪",
    "哪些",
    "哪个",
    "哪里",
    "哪儿",
    "什么",
    "有",
    "有没有",
    "中",
    "里",
    "说",
    "写",
    "写了",
    "提到",
    "提及",
    "一页",
    "页",
    "第几",
    "几",
    "手册",
    "原文",
    "出处",
    "出自",
    "请问",
    "我",
    "我们",
    "想",
    "知道",
    "查",
    "一下",
    "和",
    "与",
    "及",
    "或",
    "或者",
    "都",
    "也",
    "个",
    "这",
    "那",
    "where",
    "does",
    "do",
    "the",
    "a",
    "an",
    "is",
    "are",
    "in",
    "of",
    "say",
    "says",
    "mention",
    "mentions",
    "handbook",
    "page",
    "which",
    "what",
    "stated",
    "?",
    "？",
    "。",
    "，",
    ",",
    "、",
    "！",
    "!",
    ":",
    "：",
}


def _cues(intent, reading):
    """Cue words of the intent found in the question, with their weights."""
    found = []
    for strength in ("strong", "weak"):
        for cue in getattr(intent, strength):
            if cue in reading.tokens or (len(cue) > 1 and _contains(reading.text, cue)):
                found.append((cue, CUE_WEIGHTS[strength]))
    return found


@dataclass(frozen=True)
class Found:
    """What a parameter reader took from a question: the parameters to bind, their words for
    the summary, and whether the question said it (False: a default)."""

    params: dict
    display: dict
    said: bool = True


def _param_number(reading, lexicon):
    number = reading.numbers[0] if reading.numbers else None
    if number is None and (document := reading.first("document")):
        number = document.code
    return Found({"number": number}, {"number": number}) if number else None


def _param_years(reading, lexicon):
    for bound in reading.years:
        if bound.relation in ("ge", "gt", "eq"):
            years = str(int(bound.value) + (1 if bound.relation == "gt" else 0))
            return Found({"years": years}, {"years": years})
    if reading.years:
        return None  # only “below” counts: no canned query asks that
    return Found({"years": "0"}, {"years": "0"}, said=False)  # every operating-years condition


def _param_amount(reading, lexicon):
    for bound in reading.amounts:
        if bound.relation in ("ge", "gt", "eq"):
            value = bound.value + (FEN if bound.relation == "gt" else 0)
            words = (
                f"超过 {wording.yuan(bound.value)}（不含本数）"
                if bound.relation == "gt"
                else f"不低于 {wording.yuan(bound.value)}"
            )
            return Found({"amount": wording.plain(value)}, {"amount": words})
    return None


def _param_policy(reading, lexicon):
    entity = reading.first("policy", "recognition")
    label = lexicon.policy_label(entity) if entity else None
    return Found({"policy": label}, {"policy": label}) if label else None


def _param_applicant(reading, lexicon):
    entity = reading.first("applicant")
    return Found({"applicant": entity.code}, {"applicant": entity.label}) if entity else None


def _param_body(reading, lexicon):
    entity = reading.first("body")
    return Found({"body": entity.label}, {"body": entity.label}) if entity else None


def _param_lookback(reading, lexicon):
    return Found({}, {}, said=reading.lookback)


def _param_rate(reading, lexicon):
    return Found({}, {}, said=bool(reading.percentages))


def _param_text(reading, lexicon):
    """The quoted phrase; else what is left once cue and filler words are dropped (a guess, so
    it earns no bonus)."""
    if reading.quoted:
        return Found({"text": reading.quoted[0]}, {"text": reading.quoted[0]})
    cues = {
        cue for intent in INTENTS if intent.query == "where-stated" for cue in intent.strong + intent.weak
    }
    words = [token for token in reading.tokens if token not in FILLERS and token not in cues]
    text = "".join(words) if all(not word.isascii() for word in words) else " ".join(words)
    return Found({"text": text}, {"text": text}, said=False) if text else None


PARAMS = {
    "number": _param_number,
    "years": _param_years,
    "amount": _param_amount,
    "policy": _param_policy,
    "applicant": _param_applicant,
    "body": _param_body,
    "lookback": _param_lookback,
    "rate": _param_rate,
    "text": _param_text,
}


@dataclass(frozen=True)
class Mapping:
    intent: Intent
    params: dict
    display: dict
    score: int
    cues: tuple


def choose(reading, lexicon):
    """The best Mapping for a Reading, or None when no intent scores at least MIN_SCORE."""
    best = None
    for intent in INTENTS:
        cues = _cues(intent, reading)
        score = sum(weight for _, weight in cues)
        found = Found({}, {}, said=False)
        if intent.param:
            found = PARAMS[intent.param](reading, lexicon)
            if found is None:
                continue
        # A parameter said in the question counts once a cue says what is asked about it; a
        # document number asks on its own.
        if found.said and (cues or intent.param == "number"):
            score += PARAM_BONUS
        if score >= MIN_SCORE and (best is None or score > best.score):
            best = Mapping(intent, found.params, found.display, score, tuple(cue for cue, _ in cues))
    return best


# ---------------------------------------------------------------------------------------------
# Answering
# ---------------------------------------------------------------------------------------------


def check_question(question: object) -> str:
    if not isinstance(question, str) or not question.strip():
        raise errors.BadRequest("请输入问题 (q is required)", param="q")
    if len(question) > MAX_QUESTION:
        raise errors.BadRequest(
            f"问题太长，最多 {MAX_QUESTION} 个字 (at most {MAX_QUESTION} characters)", param="q"
        )
    return question.strip()


def summary(mapping, query, rows):
    """One line of Chinese saying what was found."""
    items = []
    for row in rows:
        item = mapping.intent.item.format_map(_Blank(row)).strip()
        if item and item not in items:
            items.append(item)
    if not items:
        return f"{query.title}：没有找到结果。"
    shown = "、".join(items[:ITEMS_SHOWN]) + (" 等" if len(items) > ITEMS_SHOWN else "")
    return mapping.intent.summary.format_map(
        _Blank(mapping.display, count=len(items), rows=len(rows), items=shown)
    )


class _Blank(dict):
    """Format values where a missing key (an unbound column) reads as nothing."""

    def __init__(self, values, **more):
        super().__init__(values, **more)

    def __missing__(self, key):
        return ""


def suggestions(question, catalog):
    """The canned questions closest to `question` (shared character pairs), best first."""
    pairs = _pairs(clean(question))
    scored = []
    for intent in INTENTS:
        for example in intent.examples:
            other = _pairs(clean(example))
            score = len(pairs & other) / (len(pairs | other) or 1)
            scored.append((score, intent.query, example))
    scored.sort(key=lambda item: -item[0])
    chosen, names = [], set()
    for _score, name, example in scored:
        if name not in names:
            names.add(name)
            chosen.append({"query": name, "title": catalog.get(name).title, "question": example})
        if len(chosen) == SUGGESTIONS:
            break
    return chosen


def _pairs(text):
    return {text[i : i + 2] for i in range(len(text) - 1)}


# ---------------------------------------------------------------------------------------------
# The question set
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    question: str
    query: str | None  # None: no canned query should answer
    params: dict


def load_cases(path=QUESTIONS):
    """Cases of a question set: TSV `question <TAB> query <TAB> params (JSON)`; `-` for no query;
    blank lines and lines starting with # are skipped; the first line is a header."""
    cases = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise errors.BadRequest(
                f"{path}:{lineno}: 应为三列：问题、查询、参数 (expected 3 tab-separated columns)"
            )
        question, query, params = fields
        cases.append(Case(question, None if query == "-" else query, json.loads(params)))
    return cases


def same_params(query, expected, got):
    """Whether two parameter sets bind the same values (numbers by value, document numbers by key)."""
    if set(expected) != set(got):
        return False
    for param in query.params:
        if param.name not in expected:
            continue
        want, have = expected[param.name], got[param.name]
        if param.type in ("integer", "decimal"):
            if Decimal(want) != Decimal(have):
                return False
        elif param.type == "docnumber":
            if docnumber.normalize(want) != docnumber.normalize(have):
                return False
        elif want != have:
            return False
    return True


@dataclass
class Evaluation:
    total: int
    hits: int
    misses: list  # (Case, got query, got params)

    @property
    def score(self):
        return self.hits / self.total if self.total else 0.0


def evaluate(
    store: Any, cfg: queries.Settings, path: str | Path = QUESTIONS, catalog: queries.Catalog | None = None
) -> Evaluation:
    """How many questions of a set map to their expected canned query and parameters."""
    catalog = catalog or queries.canned(cfg)
    words = lexicon(store, cfg)
    cases = load_cases(path)
    misses = []
    for case in cases:
        mapping = choose(read(case.question, words), words)
        got = mapping.intent.query if mapping else None
        params = mapping.params if mapping else {}
        if got != case.query or (got and not same_params(catalog.get(got), case.params, params)):
            misses.append((case, got, params))
    return Evaluation(len(cases), len(cases) - len(misses), misses)


# ---------------------------------------------------------------------------------------------
# Entity linking: every mention of a thing of the graph
# ---------------------------------------------------------------------------------------------

# Kinds a question can be about (its focus), most specific first when two share a name.
FOCUS_KINDS = ("recognition", "benefit", "policy", "document", "body")
# Words a long name may drop and still be the same thing (专利导航项目奖励 → 专利导航项目).
GENERIC_TAIL = re.compile(r"(奖励|资助|补贴|补助|奖补|项目|申报条件|条件)$")
PLACE_LEVEL = re.compile(r"^(临沂|山东)(市|省)(?=[\u4e00-\u9fff]{3})")
PLACE_HEAD = re.compile(r"^(临沂市|山东省|临沂|山东|国家|linyi\s+|shandong\s+|china\s+)")
BRACKETED = re.compile(r"[（(][^）)]*[）)]")
MIN_PART = 4  # the shortest distinctive part of a longer name
FUZZY_CUTOFF = 80  # rapidfuzz partial_ratio, 0–100
FUZZY_QUALITY = 0.8
ENGLISH_CUTOFF = 60  # the share (%) of an English name's words that the question must have
ENGLISH_WORD = re.compile(r"[a-z][a-z\-]+")
ENGLISH_STOP = {"the", "of", "for", "and", "to", "a", "an", "in", "linyi", "shandong", "s"}


def _english_words(text):
    """The words of English `text` that say something, without a plural's or possessive's s."""
    words = {
        word[:-1] if len(word) > 3 and word.endswith("s") else word for word in ENGLISH_WORD.findall(text)
    }
    return {word for word in words if word not in ENGLISH_STOP}


def fold(text):
    """A question or a name folded for linking: NFKC, lower case, simplified characters,
    without quotation marks or spaces next to Chinese characters."""
    return clean(fulltext.fold(unicodedata.normalize("NFKC", text)))


@dataclass(frozen=True)
class Mention:
    entity: Entity
    start: int
    end: int
    quality: float  # 1.0: a whole label; less: a part of one, or a fuzzy match
    english: bool = False  # matched by the words of an English name, loosely


def _variants(name, kind):
    """A name and the distinctive parts people use for it: the words in “…”, without the
    bracketed remark, the place in front or a generic word at the end."""
    folded = fold(name)
    found = {folded: 1.0}
    if kind in ("concept", "applicant", "place"):
        return found
    parts = [fold(short)] if (short := short_name(name)) else []
    bare = fold(BRACKETED.sub("", name))
    headless = PLACE_HEAD.sub("", bare)
    parts += [bare, headless]
    if leveled := PLACE_LEVEL.match(bare):
        # 临沂市专利奖 → 市专利奖, 临沂专利奖: the place's level, or its name, said alone
        rest = bare[leveled.end() :]
        parts += [leveled.group(2) + rest, leveled.group(1) + rest]
    if headless.isascii() and headless.endswith("s"):
        parts.append(headless[:-1])  # standardization innovation incentive(s)
    for part in (_untailed(bare), _untailed(headless)):
        if part and part not in parts and len(part) >= MIN_PART and part != folded:
            found.setdefault(part, 0.85)  # 知识产权奖补资助 → 知识产权: also a topic, so less sure
    for part in parts:
        if (
            part
            and part != folded
            and (len(part) >= MIN_PART or part == fold(short or ""))
            and len(part) >= 2
        ):
            found.setdefault(part, 0.9)
    # the ends of a long name: 首席质量官培训 for 企业首席质量官培训 (kept when distinctive, see Linker)
    if len(bare) > MIN_PART + 1 and kind in FOCUS_KINDS and not bare.isascii():
        for size in range(MIN_PART + 1, len(bare)):
            for part, dropped in ((bare[:size], bare[size:]), (bare[-size:], bare[:-size])):
                if re.search(r"[0-9a-z]", dropped):
                    continue  # 4a级标准化良好行为企业 is not 级标准化良好行为企业: the number tells them apart
                found.setdefault(part, round(0.7 + 0.2 * size / len(bare), 2))
    return found


def _untailed(name):
    """`name` without its generic last words: 专利导航项目奖励 → 专利导航."""
    for _ in range(2):
        name = GENERIC_TAIL.sub("", name)
    return name


class Linker:
    """An Aho-Corasick automaton over every name and distinctive part of a name in the graph,
    and rapidfuzz over the names of what a question can be about, for small typos."""

    def __init__(self, rows):
        self.things: dict = {}
        keys: dict = {}
        for row in rows:
            value = {key: render.plain(term) for key, term in row.items()}
            entity = Entity(
                value["kind"],
                value["thing"],
                value["label"],
                fold(value["name"]),
                value.get("code") or None,
                value.get("policy") or None,
            )
            self.things.setdefault(entity.thing, entity)
            for variant, quality in _variants(value["name"], entity.kind).items():
                if len(variant) < 2 or (variant.isascii() and len(variant) < 3):
                    continue
                known = keys.setdefault(variant, {})
                held = known.get((entity.kind, entity.thing))
                if held is None or held[1] < quality:  # a whole label beats the part of another
                    known[(entity.kind, entity.thing)] = (entity, quality)
        # a part of a name (not a whole label) naming more than two things says too little
        keys = {
            key: entities
            for key, entities in keys.items()
            if len({thing for _, thing in entities}) <= 2
            or any(quality == 1.0 for _, quality in entities.values())
        }
        self.automaton = ahocorasick.Automaton()
        for key, entities in keys.items():
            self.automaton.add_word(key, (key, tuple(entities.values())))
        if keys:
            self.automaton.make_automaton()
        self.fuzzy = sorted(
            {
                key
                for key, entities in keys.items()
                if len(key) >= MIN_PART
                and not key.isascii()
                and any(entity.kind in FOCUS_KINDS for entity, _ in entities.values())
            }
        )
        self.english = sorted(
            key
            for key in self.fuzzy_candidates(keys)
            if key.isascii() and len(key.split()) >= 2 and any(char.isalpha() for char in key)
        )
        self.keys = keys

    @staticmethod
    def fuzzy_candidates(keys):
        return [
            key
            for key, entities in keys.items()
            if any(entity.kind in FOCUS_KINDS for entity, _ in entities.values())
        ]

    def mentions(self, text):
        """Mentions in folded `text`: the longest names found (a name inside a longer one found
        at the same place is dropped); else the closest name by rapidfuzz."""
        spans = []
        if self.keys:
            for end, (key, entities) in self.automaton.iter(text):
                start = end - len(key) + 1
                if key.isascii() and not _ascii_word(text, start, end + 1):
                    continue
                spans.append((start, end + 1, entities))
        kept = [
            span
            for span in spans
            if not any(o[0] <= span[0] and span[1] <= o[1] and o[1] - o[0] > span[1] - span[0] for o in spans)
        ]
        found = [
            Mention(entity, start, end, quality)
            for start, end, entities in kept
            for entity, quality in entities
        ]
        if not any(mention.entity.kind in FOCUS_KINDS for mention in found) and self.fuzzy:
            # a name no longer than the question, so that the name is what is aligned in it
            names = [key for key in self.fuzzy if len(key) <= len(text)]
            best = process.extractOne(text, names, scorer=fuzz.partial_ratio, score_cutoff=FUZZY_CUTOFF)
            if best:
                key = best[0]
                for entity, quality in self.keys[key].values():
                    found.append(Mention(entity, 0, 0, quality * FUZZY_QUALITY * best[1] / 100))
        asked = _english_words(text)
        if not any(m.entity.kind in FOCUS_KINDS for m in found) and len(asked) >= 2 and self.english:
            # patent award hotline: the English name most of whose words the question has
            scored = []
            for key in self.english:
                words = _english_words(key)
                common = len(words & asked)
                if common >= 2 and common * 100 >= ENGLISH_CUTOFF * len(words):
                    scored.append((common / len(words), common, key))
            if scored:
                share, _, key = max(scored)
                for entity, quality in self.keys[key].values():
                    found.append(Mention(entity, 0, 0, quality * FUZZY_QUALITY * share, True))
        return found


def _ascii_word(text, start, end):
    """Whether text[start:end] is a whole word of Latin letters and digits: a Chinese character
    next to it ends it (通过了GB/T29490贯标认证), a Latin letter or digit does not."""

    def joins(char):
        return char.isascii() and char.isalnum()

    return (start == 0 or not joins(text[start - 1])) and (end >= len(text) or not joins(text[end]))


def focus(mentions, prefer=FOCUS_KINDS, text=None):
    """The things the question is about: per place in the question, the most specific kind;
    the longest mentions first; at most MAX_FOCUS."""
    rank = {kind: index for index, kind in enumerate(prefer)}
    by_span: dict = {}
    rivals: dict = {}
    for mention in mentions:
        if mention.entity.kind not in rank:
            continue
        span = (mention.start, mention.end)
        current = by_span.get(span)
        if current is None or rank[mention.entity.kind] < rank[current.entity.kind]:
            by_span[span] = mention
        rivals.setdefault(span, []).append(mention)
    if text is not None:
        for span, current in list(by_span.items()):
            by_span[span] = _disambiguated(current, rivals[span], text)
    chosen = sorted(by_span.values(), key=lambda m: (-(m.end - m.start), -m.quality, m.start))
    things, seen = [], set()
    for mention in chosen:
        if mention.entity.thing not in seen:
            seen.add(mention.entity.thing)
            things.append(mention)
    return sorted(things[:MAX_FOCUS], key=lambda m: m.start)


MAX_FOCUS = 3
RIVAL_MARGIN = 0.05  # parts of two names linked about as well are rivals
AMBIGUOUS = 0.75  # a part naming two things alike, which the question's other words do not tell apart


def _disambiguated(current, rivals, text):
    """At one place in the question, the mention of `current`'s kind among rivals linked about as
    well (高价值专利: the start of two benefits' names) whose name holds most of the question's
    other characters (办企业 → 高价值专利作价入股或创办企业补助); less sure when none holds more."""
    close = [
        m
        for m in rivals
        if m.entity.kind == current.entity.kind
        and m.entity.thing != current.entity.thing
        and abs(m.quality - current.quality) <= RIVAL_MARGIN
        and m.quality < 1.0
    ]
    if not close or current.end <= current.start:
        return current
    rest = text[: current.start] + text[current.end :]
    said = sorted(
        ((_said_of_name(m.entity.label, rest), m.quality, m) for m in [current, *close]),
        key=lambda t: (-t[0], -t[1]),
    )
    best = said[0]
    if best[0] > said[1][0]:
        return best[2]
    return Mention(current.entity, current.start, current.end, current.quality * AMBIGUOUS)


# One question per question type, shown on the empty ask page.
EXAMPLES = (
    "泰山品质认证能拿多少钱",
    "申请市长质量奖要满足什么条件",
    "知识产权奖补资助打哪个电话",
    "标准化奖励的政策依据是什么",
    "质量沂站的网址是什么",
    "我们公司成立6年了，能申请什么质量奖",
)


# ---------------------------------------------------------------------------------------------
# Question types, each answered by its own query under queries/ask/
# ---------------------------------------------------------------------------------------------

ASK_QUERIES = Path("queries") / "ask"
THRESHOLD = 0.6
CLAUSES_SHOWN = 5

# Cue words of each question type, in the order they are tried: the first type whose cue is
# in the question is what it asks (电话是多少 asks for a hotline, not an amount).
QUESTION_TYPES = (
    (
        "hotline",
        r"电话|电化|电活|点话|店话|热线|联系方式|号码|打哪|咨询哪|联系谁|找谁|问谁|咨询谁|找哪|phone|hotline|telephone|contact|\bcall\b",
    ),
    ("url", r"网址|网站|链接|网页|域名|url|website|web address|\blink\b|在哪注册|哪里注册|登录|登陆"),
    (
        "fact",
        r"多久|多长时间|几次|多少次|频率|几年[^，。？?]{0,2}(?:一次|一届|一评|评|办|举办)|每几年|隔几年|(?:每年|年年)都?(?:评|办|举办)|收费|免费|费用|要钱|花钱|付费|收钱|退保|提前|有效期|期限|几家|多少家|"
        r"(交|缴|付|收)[^，。？?]{0,6}费|谁出|谁承担|谁负担|[从打](哪|那)(里|儿)?(出|来)|哪里出|哪儿出|资金来源|经费来源|占多少|占几成|占比|比重|"
        r"how often|free|cost|fee|surrender|how many",
    ),
    (
        "documents",
        r"依据|文件|文号|编号|标准号|第几号|几号令|发文|出自|根据什么|哪个文|来源|谁印发|谁发布|哪个部门发布|印发|办法|legal basis|document|based on|regulation",
    ),
    (
        "conditions",
        r"条件|要求|资格|门槛|限制|需要满足|需要什么|具备|符合什么|怎么才能|才能|criteria|requirement|qualif|eligib|"
        r"(?:需要|须|得)[^，。？?]{0,12}(?:多少|几)年|"
        r"(可以|能|还能|能不能|可不可以)(申请|申报|报|享受|拿)[^？?]{0,12}吗|can (i|we) (apply|get)|"
        r"(哪些|哪类|什么样的?|什么|谁)(单位|企业|公司|个人|人|主体)?(可以|能|才能|有资格)(申请|申报|报|参评|参加)|"
        r"谁能申|who (can|may) apply|who is eligible",
    ),
    (
        "apply",
        r"怎么申请|如何申请|怎样申请|申报流程|申请流程|怎么报|如何申报|怎么申报|怎么用|如何使用|怎么使用|办理|how to apply|how do i apply|how can i apply",
    ),
    (
        "amount",
        r"多少钱|多少|几成|金额|奖金|奖励|补贴|资助|补助|奖补|激励|能拿|给多少|给几|几万|钱|几档|分档|档次|怎么奖|怎么补|how much|amount|money|worth|reward|subsid|grant",
    ),
    (
        "about",
        r"是什么|什么是|介绍|干什么|做什么|干嘛|是啥|啥是|是个啥|是个什么|什么意思|啥意思|什么性质|啥性质|"
        r"怎么界定|如何界定|怎么定义|如何定义|是指什么|指的是什么|指什么|"
        r"what is|what's|what does",
    ),
)
TYPE_PATTERNS = tuple((name, re.compile(pattern)) for name, pattern in QUESTION_TYPES)
TYPE_QUERY = {
    "hotline": "hotline",
    "url": "about",
    "documents": "documents",
    "conditions": "conditions",
    "apply": "about",
    "amount": "amount",
    "about": "about",
}
TYPE_TITLES = {
    "hotline": "咨询电话",
    "url": "网址",
    "fact": "手册原文",
    "documents": "政策依据",
    "conditions": "申请条件",
    "apply": "申请方式",
    "amount": "金额",
    "about": "是什么",
    "eligibility": "符合条件的奖项",
    "components": "包括的惠企内容",
    "support": "惠企内容",
    "list": "列表",
    "clauses": "手册原文",
}
# "成立6年了，能申请什么": an attribute stated, and a question of what it qualifies for.
STATED_YEARS = {
    "operating-years": re.compile(
        r"成立|运行|运营|经营|开业|营业|办厂|创办|注册|干了|做了|开了|established|operating|in business|founded"
    ),
    "quality-work-years": re.compile(r"从事质量|质量工作|质量管理工作"),
    "continuous-production-years": re.compile(r"连续.{0,4}生产|正常生产"),
}
# "通过了泰山品质认证，能享受什么": a recognition held, and a question of what it brings.
BRINGS = re.compile(
    r"(享受|得到|获得|拿|有)(什么|哪些|啥)(政策|支持|好处|奖励|优惠|待遇|扶持)?|什么(政策|支持|好处|优惠|待遇|扶持)"
    r"|what (can|do) (we|i) get|what benefits"
)
# 主要发明人有什么好处, 有什么和一带一路有关的政策: what a named benefit (or policy) brings
SUPPORT_ASKED = re.compile(
    r"(什么|哪些|啥)(政策|支持|好处|优惠|待遇|扶持|帮助|帮扶|实惠)|(有关|相关)的?(政策|支持|扶持)"
    r"|what (benefits|support)|what do (we|i) get"
)
# 不能亏损, 必须有…: a rule stated, to be checked against the conditions
NEGATIVE_RULE = re.compile(r"不能有?|不得|不许|不可以|必须|一定要|要不要|是否要求|有没有要求")
MONEY_ASKED = re.compile(r"补贴|补助|奖励|资助|奖金|钱|激励|subsid|grant|reward")
# A yes/no question of whether one may (能…吗), and words asking how much.
WHETHER = re.compile(r"(能|可以|可不可以|能不能)[^，。？?]*吗[？?]?$")
HOW_MUCH = re.compile(r"多少|几|how much")
# 能申请…吗，能拿多少: whether one may, then how much
WHETHER_THEN = re.compile(r"(能|可以|可不可以|能不能)[^，。？?]*吗[，,？?]")
REQUIRES = re.compile(r"要求|需要|规定|门槛|require")
ASKS_WHAT = re.compile(r"能|可以|可|什么|哪些|哪个|够|符合|满足|申请|申报|报|which|what|can|eligible|qualify")


def ask_catalog(cfg):
    """The question types' queries (`queries/ask/*.rq`), read once per process."""
    return queries.catalog(str(Path(cfg["ROOT"]) / ASK_QUERIES), cfg["BASE_IRI"])


def question_type(text):
    """The first question type whose cue is in folded `text`, with the cue; else (None, None)."""
    for name, pattern in TYPE_PATTERNS:
        if match := pattern.search(text):
            return name, match.group(0)
    return None, None


def _stated_years(text, reading):
    """(concept notation, years) when the question states how long it has operated (or worked,
    or produced) and asks what that qualifies for; else None."""
    if not reading.years or reading.years[0].relation != "eq" or not ASKS_WHAT.search(text):
        return None
    if REQUIRES.search(text):
        return None  # 要求运行5年以上: a list of requirements, not a stated attribute
    for notation, pattern in STATED_YEARS.items():
        if pattern.search(text):
            bound = reading.years[0]
            return notation, bound.value + (1 if bound.relation == "gt" else 0)
    return None


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


def _plain_rows(result):
    return [{key: render.plain(value) for key, value in row.items()} for row in result.rows]


def _pages(row):
    first, last = row.get("firstPage"), row.get("lastPage")
    if not first:
        return ""
    return f"第 {first} 页" if not last or last == first else f"第 {first}–{last} 页"


def _clause(row, text_key="sourceText", thing_key="thing"):
    return {
        "policy": row.get("policy"),
        "policyLabel": row.get("policyLabel"),
        "thing": row.get(thing_key),
        "clause": row.get("clause") or "",
        "text": row.get(text_key) or "",
        "pages": _pages(row),
    }


@dataclass
class Answer:
    kind: str
    summary: str
    rows: list
    clauses: list
    confidence: float
    sparql: list  # (query name, SPARQL text)
    figure: str | None = None  # the amount, hotline or address that answers
    hotline: str | None = None
    params: dict = field(default_factory=dict)
    confirmed: bool = False  # the question names what the answer picked (a tier's label)
    share: float = 0.0  # a sentence's answer: the share of the question's words it states
    lead: float = 0.0  # and by how much it leads the best sentence saying something else
    named: bool = False  # a sentence's answer: it names the thing asked about (or only a policy is)
    unknown: list = field(default_factory=list)  # words of the question the handbook never states


def _run(store, cfg, name, params):
    query = ask_catalog(cfg).get(name)
    sparql = query.bind(params)
    return _plain_rows(store.query(sparql)), (name, sparql)


def _amount_words(row):
    """One amount in words: 10 万元 / 最高 4000 元 / 按贷款本金的 10%，最高 10 万元；with its basis."""
    parts = []
    if row.get("value"):
        parts.append(wording.yuan(row["value"]))
    if row.get("rate"):
        rate = wording.plain(Decimal(row["rate"]) * 100)
        base = row.get("rateBaseLabel") or ""
        parts.append(f"按{base}的 {rate}%")
    if row.get("maxValue"):
        parts.append(f"最高 {wording.yuan(row['maxValue'])}")
    text = "，".join(parts)
    if row.get("basis"):
        text = f"{text}（{row['basis']}）" if text else row["basis"]
    return text


def _tier_fits(row, count):
    low, high = row.get("tierMin"), row.get("tierMax")
    if low is None and high is None:
        return None
    if low is not None:
        low = Decimal(low)
        if count < low or (count == low and row.get("tierMinInclusive") == "false"):
            return False
    if high is not None:
        high = Decimal(high)
        if count > high or (count == high and row.get("tierMaxInclusive") != "true"):
            return False
    return True


# A level the question names: 国家级, 省级, 市级 (国际 / 国家 / 行业 … before 标准 name tiers by label).
# 国家级, 省级 …; a county said as 县里 or 县上 (县里的示范区) is the county level too.
LEVEL_ASKED = re.compile(r"(国家|省|市|县|区)级|县(?=里|上|城)")
TIER_CUTOFF = 85  # rapidfuzz partial_ratio of a tier's label in the question
# Words that name a tier: a standard's level, a grade, a prize.
TIER_WORDS = re.compile(
    r"(国际|国家|行业|省地方|市地方|地方|团体)标准(?!化)|\d\s*a级|[一二三]等奖|金奖|银奖|优秀奖|(国家|省|市)级"
)
# A granting level the question names (国家给多少) and the grantors that are of that level.
# (省级 and 市级 name a tier's level, not who gives it.)
GIVER = re.compile(
    r"(国家|中央|省里|省政府|市里|市政府)(?:给|发|补|出|对[^，。？?]{1,20}?(?:给|发|补|出|奖|有))"
)
GIVERS = {
    **dict.fromkeys(("国家", "中央"), re.compile(r"国家|国务院|总局|中华人民共和国")),
    **dict.fromkeys(("省里", "省政府"), re.compile(r"省")),
    **dict.fromkeys(("市里", "市政府"), re.compile(r"市")),
}
# 非运营类: the question asks about what a clause's qualifier leaves out.
NEGATED = re.compile(r"非([\u4e00-\u9fff]{2,4}?[类性型])")
EACH = re.compile(r"分别|各(?:档|级|等|是|有|给|奖|多少)|每档|每一档|each")
COUNT = re.compile(r"(?P<num>\d+|[一二两三四五六七八九十百]+)\s*(?:件|项)")


TIER_ALTERNATIVES = re.compile(r"[、，,/]|和|及|或")


def _tier_named(label, text):
    """Whether folded `text` names the tier of `label`: the whole label, or one of the things
    it lists (专利被侵权损失险 names the tier 专利执行险、专利被侵权损失险)."""
    if not label:
        return False
    bare = fold(BRACKETED.sub("", label))
    if bare and bare in text:
        return True
    parts = [part for part in TIER_ALTERNATIVES.split(bare) if len(part) >= MIN_PART]
    return len(parts) > 1 and any(part in text for part in parts)


def _select_tiers(found, text):
    """The amounts of one benefit the question picks: the tier whose label it names (the longest
    such label), the tier a stated count falls in, the tier of the level it names. Second value:
    False when it names a level that none of the tiers has (市级, when only 国家级 and 省级 are
    stated)."""
    tiered = [row for row in found if row.get("amountLabel") or row.get("levelLabel") or row.get("tierMin")]
    if len(tiered) < 2:
        return found, True
    named = [row for row in tiered if _tier_named(row.get("amountLabel"), text)]
    if not named and not LEVEL_ASKED.search(text) and not TIER_WORDS.search(text):
        scored = [
            (fuzz.partial_ratio(fold(BRACKETED.sub("", row["amountLabel"])), text), index)
            for index, row in enumerate(tiered)
            if row.get("amountLabel")
        ]
        if scored:
            score, index = max(scored)
            if score >= TIER_CUTOFF and [other for other, _ in scored].count(score) == 1:
                named = [tiered[index]]
    if named:
        longest = max(len(row["amountLabel"]) for row in named)
        return [row for row in named if len(row["amountLabel"]) == longest], True
    count = COUNT.search(text)
    if count and any(row.get("tierMin") or row.get("tierMax") for row in tiered):
        number = _number(count["num"])
        if number is not None:
            fitting = [row for row in tiered if _tier_fits(row, number)]
            if fitting:
                return fitting, True
    if EACH.search(text):
        return found, True  # 金银优秀奖分别奖励多少: every tier is asked for
    asked = [match.group(1) or "县" for match in LEVEL_ASKED.finditer(text)]
    if asked:
        # 国家级: the tier of that level, or whose label starts with it (国家企业标准“领跑者”)
        levels = [
            row
            for row in tiered
            if any(
                (row.get("levelLabel") or "").rstrip("级") == word
                or fold(BRACKETED.sub("", row.get("amountLabel") or "")).startswith(word)
                for word in asked
            )
        ]
        return (levels, True) if levels else (found, False)
    if TIER_WORDS.search(text):
        return found, False  # it names a tier (团体标准, 3A级) that this benefit does not have
    return found, True


def answer_amount(store, cfg, things, text, every=False):
    """The amounts of the benefits of `things`; `every`: the benefits without an amount too
    (what holding a recognition brings: 10 万元 and the use of its mark)."""
    rows, sparql, clauses, lines, figures = [], [], [], [], []
    known_level = True
    for mention in things:
        found, ran = _run(store, cfg, "amount", {"focus": mention.entity.thing})
        sparql.append(ran)
        if mention.entity.kind == "recognition":
            # amounts tied to this recognition (a tier for it) only, when the benefit has any
            own = {row["benefit"] for row in found if row.get("amountRecognition") == mention.entity.thing}
            found = [
                row
                for row in found
                if row["benefit"] not in own or row.get("amountRecognition") == mention.entity.thing
            ]
        counted = COUNT.search(text)
        if (
            counted
            and (_number(counted["num"]) or 0) >= 2  # 一件 is per item, not a count of a tier
            and mention.entity.policy
            and not any(row.get("tierMin") or row.get("tierMax") for row in found)
        ):
            # 25件高价值发明专利: the policy's benefit whose tiers count such things
            more, ran = _run(store, cfg, "amount", {"focus": mention.entity.policy})
            counting = [row for row in more if row.get("tierMin") or row.get("tierMax")]
            if len({row["benefit"] for row in counting}) == 1:
                found = counting
                sparql.append(ran)
        by_benefit: dict = {}
        for row in found:
            by_benefit.setdefault(row["benefit"], []).append(row)
        chosen = []
        for members in by_benefit.values():
            picked, fits = _select_tiers(members, text)
            known_level = known_level and fits
            chosen += picked
        monetary = [row for row in chosen if row.get("amount")]
        shown = chosen if every else monetary or chosen
        rows += shown
        for row in shown:
            words = _amount_words(row) if row.get("amount") else "未载明金额"
            who = f"，{row['grantor']}" if row.get("grantor") else ""
            tier = f"（{row['amountLabel']}）" if row.get("amountLabel") else ""
            lines.append(f"{row['benefitLabel']}{tier}：{words}{who}")
            if row.get("amount"):
                figures.append(words)
            clause = _clause(row, thing_key="benefit")
            if clause not in clauses:
                clauses.append(clause)
    if not rows:
        return None
    summary = "；".join(dict.fromkeys(lines)) + f"。（{rows[0]['policyLabel']}，{_pages(rows[0])}）"
    confidence = 0.9 if figures else 0.75
    confirmed = any(_tier_named(row.get("amountLabel"), text) and len(rows) < 3 for row in rows)
    if not known_level:
        confidence = 0.4
        summary = "手册未载明所问级别的金额；载明的有：" + summary
    elif (giver := GIVER.search(text)) and not any(
        GIVERS[giver.group(1)].search(row.get("grantor") or "") for row in rows if row.get("amount")
    ):
        # 中国质量奖国家给多少: the handbook states what Linyi gives, not what the state gives
        confidence = 0.4
        summary = "手册未载明所问的给予者的金额；载明的有：" + summary
    negated = NEGATED.search(text)
    said = [fold(row.get("sourceText") or "") for row in rows]
    if negated and any(negated.group(1) in t for t in said) and not any(negated.group(0) in t for t in said):
        # 非运营类项目给多少: the amount stated is for 运营类 projects
        confidence = min(confidence, 0.4)
        summary = f"手册未载明{negated.group(0)}的金额；载明的有：" + summary
    figure = "；".join(dict.fromkeys(figures)) or None
    return Answer("amount", summary, rows, clauses, confidence, sparql, figure, confirmed=confirmed)


def _checked(result, reading):
    """The verdict on an amount or rate the question states (给十万吗): whether the handbook
    states it among the amounts found."""
    stated = [(bound.value, wording.yuan(bound.value)) for bound in reading.amounts]
    stated += [(value, f"{wording.plain(value * 100)}%") for value in reading.percentages]
    values = set()
    for row in result.rows:
        for key in ("value", "maxValue", "rate"):
            try:
                values.add(Decimal(str(row.get(key))))
            except ArithmeticError:
                continue
    agreed = [said for value, said in stated if value in values]
    if agreed:
        return f"手册载明所问的{'、'.join(agreed)}："
    return f"手册未载明所问的{'、'.join(said for _, said in stated)}；载明的有："


def answer_conditions(store, cfg, things, text, keep=None):
    rows, sparql, clauses = [], [], []
    groups: dict = {}
    for mention in things:
        found, ran = _run(store, cfg, "conditions", {"focus": mention.entity.thing})
        sparql.append(ran)
        found = [row for row in found if keep is None or keep(row)]
        rows += found
        for row in found:
            groups.setdefault((row["group"], row["groupLabel"]), []).append(row)
            clauses.append(_clause(row, thing_key="criterion"))
    if not rows:
        return None
    parts = []
    for (_, label), members in groups.items():
        texts = "".join(f"{row.get('clause', '')}{row['sourceText']}" for row in members)
        parts.append(f"{label}（{_pages(members[0])}）：{texts}")
    return Answer("conditions", "；".join(parts), rows, clauses, 0.85, sparql)


def _distinct_rows(store, cfg, name, things):
    """The rows of queries/ask/<name>.rq for each linked thing, each row once, and the SPARQL run."""
    rows, sparql = [], []
    for mention in things:
        found, ran = _run(store, cfg, name, {"focus": mention.entity.thing})
        sparql.append(ran)
        rows += [row for row in found if row not in rows]
    return rows, sparql


def answer_hotline(store, cfg, things, text):
    rows, sparql = _distinct_rows(store, cfg, "hotline", things)
    if not rows:
        return None
    by_policy: dict = {}
    for row in rows:
        by_policy.setdefault((row["policyLabel"], row.get("administeredBy") or "", _pages(row)), []).append(
            row["telephone"]
        )
    parts = [
        f"{label}：{'、'.join(phones)}（{body}，{pages}）"
        for (label, body, pages), phones in by_policy.items()
    ]
    phones = "、".join(dict.fromkeys(row["telephone"] for row in rows))
    clauses = [dict(_clause(row, thing_key="policy"), text=f"咨询电话：{row['telephone']}") for row in rows]
    return Answer("hotline", "咨询电话：" + "；".join(parts), rows, clauses, 0.9, sparql, phones, phones)


def answer_documents(store, cfg, things, text):
    rows, sparql = _distinct_rows(store, cfg, "documents", things)
    if not rows:
        return None
    items = []
    for row in rows:
        number = f"（{row['number']}）" if row.get("number") else ""
        issuer = f"，{row['issuer']}" if row.get("issuer") else ""
        items.append(f"《{row['title']}》{number}{issuer}")
    summary = f"{rows[0]['policyLabel']}的依据：" + "；".join(dict.fromkeys(items)) + f"（{_pages(rows[0])}）"
    clauses = [_clause(row, text_key="citedAs", thing_key="document") for row in rows]
    return Answer("documents", summary, rows, clauses, 0.85, sparql)


def answer_about(store, cfg, things, text, kind):
    rows, sparql = [], []
    for mention in things:
        found, ran = _run(store, cfg, "about", {"focus": mention.entity.thing})
        sparql.append(ran)
        rows += found
    if not rows:
        return None
    key = {"url": "url", "apply": "howToApply"}.get(kind)
    if key:
        useful = [row for row in rows if row.get(key)]
        if not useful:
            return None
        row = useful[0]
        value = row[key]
        summary = f"{row['label']}的{TYPE_TITLES[kind]}：{value}（{_pages(row)}）"
        text_shown = row.get("howToApply") or value
        clause = dict(_clause(row), text=text_shown)
        return Answer(kind, summary, useful, [clause], 0.9, sparql, value if kind == "url" else None)
    useful = [
        row
        for row in rows
        if row.get("definition")
        or row.get("note")
        or len(row.get("sourceText") or "") > len(row["label"]) + 4
    ]
    if not useful:
        return None
    row = useful[0]
    said = row.get("definition") or row.get("sourceText") or row.get("note")
    summary = f"{row['label']}：{said}（{_pages(row)}）"
    return Answer("about", summary, useful, [dict(_clause(row), text=said)], 0.8, sparql)


# Words that name no topic: kept out of the topic filter of eligibility answers.
GENERIC = {
    "奖励",
    "补贴",
    "资助",
    "政策",
    "申请",
    "申报",
    "公司",
    "企业",
    "我们",
    "能申请",
    "可以",
    "哪些",
    "什么",
}


def answer_eligibility(store, cfg, stated, reading, matcher):
    """Which conditions the stated attribute (years) meets, checked with match's logic."""
    notation, value = stated
    concept = f"{cfg['BASE_IRI']}id/concept/info/{notation}"
    rows, ran = _run(store, cfg, "concept-constraints", {"concept": concept})
    if not rows or matcher is None:
        return None
    rules = matcher.eligibility(store, cfg)
    profile = matcher.read_profile({notation: float(value)}, rules)
    criteria = rules.criteria
    words = [
        t for t in reading.tokens if len(t) >= 2 and t not in FILLERS and t not in GENERIC and not t.isdigit()
    ]
    topical = [
        row
        for row in rows
        if any(
            word in (row.get("recognitionLabel") or "") + row["policyLabel"] + row["groupLabel"]
            for word in words
        )
    ]
    rows = topical or rows
    met, maybe, unmet, clauses, seen = [], [], [], [], set()
    for row in rows:
        criterion = criteria.get(row["criterion"])
        if criterion is None or row["criterion"] in seen:
            continue
        seen.add(row["criterion"])
        outcome = matcher.evaluate_criterion(criterion, profile, rules)
        checks = [check for check in outcome["checks"] if check.get("concept") == notation]
        name = row.get("recognitionLabel") or row["groupLabel"]
        clauses.append(_clause(row, thing_key="criterion"))
        if outcome["status"] == "met":
            met.append((name, row))
        elif any(check["status"] == "met" for check in checks):
            # met only on an alternative whose own condition is not known (“四新”领域)
            routes = [
                check.get("qualifier")
                for check in checks
                if check["status"] == "met" and check.get("qualifier")
            ]
            maybe.append((name, row, "、".join(routes)))
        else:
            unmet.append((name, row))
    years = wording.plain(value)

    def item(name, row):
        return f"{name}（{row.get('clause', '')}{row['sourceText'].rstrip('；;。')}，{_pages(row)}）"

    parts = []
    if met:
        parts.append(f"{years} 年满足年限要求的有：" + "；".join(item(name, row) for name, row in met))
    if maybe:
        parts.append(
            "仅在以下情形满足：" + "；".join(f"{item(name, row)}——{route}" for name, row, route in maybe)
        )
    if unmet:
        parts.append(f"{years} 年不满足：" + "；".join(item(name, row) for name, row in unmet))
    summary = "。".join(parts) + "。其他条件另需满足。"
    shown = [row for _, row in met] + [row for _, row, _ in maybe]
    confidence = 0.85 if met else 0.7
    if not met and any(not route for _, _, route in maybe):
        # met on the stated years, the rest of the clause not known (在山东省内注册…): not judged
        confidence = 0.5
    if len({bound.value for bound in reading.years}) > 1:
        # 连续生产了12年，近5年都没亏损: more than one stated figure, only the first one judged
        confidence = min(confidence, 0.5)
    return Answer("eligibility", summary, shown, clauses, confidence, [ran])


# --- what a policy is made of ------------------------------------------------------------------

# 包括哪些方面, 有哪些项目, 有几种: what a named policy consists of
COMPONENTS = re.compile(
    r"包括哪|包含哪|包括什么|包含什么|包括啥|由哪些|有哪些(?:项目|方面|内容|类|种|奖|支持|措施|政策)|"
    r"哪几(?:项|种|类|个|方面)|有几(?:种|类|项|条|个方面)|分几|分哪|分为哪|都是啥|都有啥|都是什么|都有哪些|"
    r"what does .+ (?:include|cover|consist)|which (?:kinds|types|parts)"
)
# Words that ask for the parts themselves (包括哪些项目), not for one group of them.
COMPONENT_WORDS = {"项目", "方面", "内容", "支持", "措施", "政策", "部分", "种类", "类别", "类型", "奖项"}
NATURAL = re.compile(r"(\d+)")
TOPIC_AFTER = re.compile(r"(?:方面|领域|相关|有关|类的|这块|这一块|这方面)")


def _whole_policy(things, outside, text, linker):
    """The policy a question asks the parts of (知识产权奖补资助包括哪些方面; a loosely named
    benefit stands for its policy), when it asks so and filters nothing; else None."""
    if not things or not COMPONENTS.search(outside) or NOT_MONEY.search(text):
        return None
    if any(pattern.search(text) for pattern, _, _ in LIST_FILTERS):
        return None
    if any(TOPIC_AFTER.match(text[m.end :]) for m in things if m.end > m.start):
        return None  # 知识产权方面有哪些政策: a topic, not the policy named so
    chosen = [m for m in things if m.entity.kind == "policy" or m.quality < SURE_LINK]
    policies = {m.entity.thing if m.entity.kind == "policy" else m.entity.policy for m in chosen}
    if len(chosen) != len(things) or len(policies) != 1 or None in policies:
        return None
    mention = max(chosen, key=lambda m: (m.entity.kind == "policy", m.quality))
    if mention.entity.kind == "policy":
        return mention
    entity = linker.things.get(mention.entity.policy)
    return None if entity is None else Mention(entity, mention.start, mention.end, mention.quality)


def _natural(iri):
    return [int(part) if part.isdigit() else part for part in NATURAL.split(iri or "")]


def answer_components(store, cfg, mention):
    """The benefits of one policy, grouped by the clause that states them, with the clause's
    heading where it has one (（一）知识产权创造资助：高价值发明专利授权资助、国外授权发明专利资助)."""
    rows, ran = _run(store, cfg, "amount", {"focus": mention.entity.thing})
    if not rows:
        return None
    by_clause: dict = {}
    for row in sorted(rows, key=lambda row: _natural(row["benefit"])):
        by_clause.setdefault(row.get("clause") or "", {}).setdefault(row["benefit"], row)
    parts, clauses = [], []
    for clause, benefits in by_clause.items():
        first = next(iter(benefits.values()))
        opening = SENTENCE_END.split(first.get("sourceText") or "")[0]
        heading = opening.rstrip("。") if 2 < len(opening) <= 20 else ""
        labels = "、".join(row["benefitLabel"] for row in benefits.values())
        parts.append(f"{clause}{heading}：{labels}" if heading else f"{clause}{labels}")
        clauses += [_clause(row, thing_key="benefit") for row in benefits.values()]
    count = sum(len(benefits) for benefits in by_clause.values())
    summary = (
        f"{rows[0]['policyLabel']}包括 {count} 项惠企内容：" + "；".join(parts) + f"（{_pages(rows[0])}）"
    )
    return Answer("components", summary, rows, clauses, 0.85, [ran])


def _said_elsewhere(store, cfg, things, text, own):
    """Whether a part of a name the question links (not a whole label) is stated in the text of a
    benefit outside `own` too: then it names a matter several benefits share, not one of them."""
    for mention in things:
        if mention.quality >= 1.0 or mention.end <= mention.start or not mention.entity.policy:
            continue
        said = text[mention.start : mention.end]
        found, _ = _run(store, cfg, "amount", {"focus": mention.entity.policy})
        if any(
            row["benefit"] not in own and said in fold(f"{row['benefitLabel']}{row.get('sourceText') or ''}")
            for row in found
        ):
            return True
    return False


def answer_support(store, cfg, things):
    """What a named benefit brings: every benefit of the clause that states it (高价值专利交易 and
    作价入股或创办企业 share their clause, and their lead-in), each with its text verbatim."""
    rows, sparql, seen = [], [], set()
    for mention in things:
        policy = mention.entity.policy
        if not policy:
            continue
        found, ran = _run(store, cfg, "amount", {"focus": policy})
        sparql.append(ran)
        clause = next((row.get("clause") for row in found if row["benefit"] == mention.entity.thing), None)
        for row in sorted(found, key=lambda row: _natural(row["benefit"])):
            same = row["benefit"] == mention.entity.thing or (clause and row.get("clause") == clause)
            if same and (row["benefit"], row.get("amount")) not in seen:
                seen.add((row["benefit"], row.get("amount")))
                rows.append(row)
    if not rows:
        return None
    texts = {row["benefit"]: row for row in rows}
    summary = (
        "；".join(
            f"{row['benefitLabel']}：{(row.get('sourceText') or '').rstrip('；;。')}"
            for row in texts.values()
        )
        + f"。（{rows[0]['policyLabel']}，{_pages(rows[0])}）"
    )
    clauses = [_clause(row, thing_key="benefit") for row in texts.values()]
    return Answer("support", summary, rows, clauses, 0.85, sparql)


# --- lists by topic, level, applicant type, one-off or recurring, body, money or not -------

LIST_FILTERS = (
    # (what the question says, the row's column, what the column must hold)
    (re.compile(r"一次性|一次给|one-off|one off"), "bases", "一次性"),
    (re.compile(r"每年|按年|年度|recurring|every year|yearly"), "bases", "每年"),
    (re.compile(r"个人|自然人|individual"), "applicants", "个人"),
    (re.compile(r"协会|区域|园区|region"), "applicants", "区域"),
)
NOT_MONEY = re.compile(r"不给钱|不是钱|非资金|非现金|非货币|不是资金|non-monetary|non-cash|in kind")
ALL_POLICIES = re.compile(r"一共|总共|所有|全部|都有|list all|all (the )?polic|which polic|what polic")
LEVEL_OF = {"国家": "国家", "省": "省", "市": "市"}


# Every benefit's row (queries/internal/ask-list.rq) for each data version.
BENEFIT_ROWS: PerVersion[list] = PerVersion("ask.benefit-rows", code=[__file__])


def every_benefit(store, cfg):
    """(every benefit's row, as plain values; (name, SPARQL) of the query they are the answer
    of): the rows the build precomputed, read once per data version and kept beside the build."""
    query = queries.internal(cfg, LIST_QUERY)
    rows = BENEFIT_ROWS.get(
        (cfg["ROOT"], cfg["BASE_IRI"]),
        store.data_version(),
        lambda: [
            {key: render.plain(term) for key, term in row.items()}
            for row in queries.internal_rows(store, cfg, LIST_QUERY)
        ],
        kept=artifact.derived(cfg, LIST_QUERY),
    )
    return rows, (LIST_QUERY, query.bind())


def answer_list(store, cfg, reading, text, things):
    """A list question answered from every benefit (queries/internal/ask-list.rq), filtered by
    what the question says; sure only when at least one filter applies (or it asks for all
    policies)."""
    rows, ran = every_benefit(store, cfg)
    labels = {row["benefit"]: row["benefitLabel"] for row in rows}
    said = []
    for pattern, column, value in LIST_FILTERS:
        if pattern.search(text):
            rows = [row for row in rows if value in (row.get(column) or "")]
            said.append(value)
    # 每年: a benefit whose own text says 每年 (a yearly cap) though its basis is not yearly
    unfiltered = _stated_elsewhere(store, cfg, said, {row["benefit"] for row in rows})
    if NOT_MONEY.search(text):
        rows = [row for row in rows if row.get("monetary") == "false"]
        said.append("非资金")
    themes = {theme for row in rows for theme in (row.get("themes") or "").split("、") if theme}
    asked = [theme for theme in themes if theme in text or (len(theme) >= 4 and theme[:2] in text)]
    if asked:
        rows = [row for row in rows if any(theme in (row.get("themes") or "") for theme in asked)]
        said += asked
    bodies = [m.entity.label for m in things if m.entity.kind == "body"]
    if bodies:
        rows = [row for row in rows if row.get("grantor") in bodies or row.get("administeredBy") in bodies]
        said += bodies
    if not said and not ALL_POLICIES.search(text):
        return None
    if not rows:
        return Answer("list", "手册中没有这样的惠企内容。", [], [], 0.5, [ran])
    policies: dict = {}  # by IRI: two handbooks' policies may share a name
    for row in rows:
        policies.setdefault(row["policy"], []).append(row)
    found, total = len(rows), len(policies)
    if total > POLICIES_LISTED:  # thousands of policies: name the first ones, count the rest
        policies = dict(list(policies.items())[:POLICIES_LISTED])
        rows = [row for members in policies.values() for row in members]
    more = f"（列出前 {len(policies)} 项）" if total > len(policies) else ""
    ending = "等。" if more else "。"
    if said:
        parts = [
            f"{members[0]['policyLabel']}（{'、'.join(row['benefitLabel'] for row in members)}）"
            for members in policies.values()
        ]
        summary = (
            f"{'、'.join(said)}的惠企内容有 {found} 项，出自 {total} 项政策{more}："
            + "；".join(parts)
            + ending
        )
    else:
        summary = (
            f"手册中的政策有 {total} 项{more}："
            + "、".join(members[0]["policyLabel"] for members in policies.values())
            + ending
        )
    clauses = [
        {
            "policy": row["policy"],
            "policyLabel": row["policyLabel"],
            "thing": row["benefit"],
            "clause": "",
            "text": row["benefitLabel"],
            "pages": _pages(row),
        }
        for row in rows
    ]
    # a topic alone is a loose filter (质量 is more than the policies themed so): not sure
    confidence = 0.75 if set(said) - set(asked) or not said else 0.55
    if unfiltered:
        confidence = min(confidence, 0.55)
        named = "、".join(labels.get(thing, thing) for thing in unfiltered[:ITEMS_SHOWN])
        summary += f"另有{named}的原文也写到“{'、'.join(said)}”给予，请核对。"
    if (
        confidence < 0.75
        and total == 1
        and LIST_CUE.search(text)
        and any(theme in fold(rows[0]["policyLabel"]) for theme in asked)
    ):
        confidence = 0.75  # 有哪些服务平台: the one policy of the topic, named after it
    return Answer("list", summary, rows, clauses, confidence, [ran])


STATED_BASES = ("一次性", "每年")  # filter words a clause states as the basis of what it gives
STATED_GIVING = "补贴|资助|奖励|补助|给予|最高|不超过|不高于"


def _stated_elsewhere(store, cfg, said, kept):
    """The benefits outside `kept` whose clause states one of the basis words `said` just before
    what it gives (每年补贴不超过一项, though the benefit's basis is per item): the filter and the
    text disagree."""
    index = searcher(store, cfg)
    if index is None or not said:
        return []
    found = []
    for word in said:
        if word not in STATED_BASES:
            continue
        giving = re.compile(rf"{word}[^，。；]{{0,6}}(?:{STATED_GIVING})")
        for hit in index.clauses(word, limit=50).hits:
            if hit.kind == "benefit" and hit.thing not in kept and giving.search(fold(hit.text or "")):
                found.append(hit.thing)
    return list(dict.fromkeys(found))


def answer_hotlines(store, cfg, reading, text, linker):
    """Hotlines asked by topic (标准化的事问谁: the policies of that theme) or of every policy."""
    listed = answer_list(store, cfg, reading, text, [])
    if listed is None or not listed.rows:
        if not LIST_CUE.search(text):
            return None
        rows, ran = every_benefit(store, cfg)
    else:
        rows, ran = listed.rows, listed.sparql[0]
    policies = list(dict.fromkeys(row["policy"] for row in rows))
    things = [Mention(linker.things[policy], 0, 0, 1.0) for policy in policies if policy in linker.things]
    found = answer_hotline(store, cfg, things, text)
    if found is None:
        return None
    found.sparql.insert(0, ran)
    found.confidence = 0.8 if len(policies) <= 3 or LIST_CUE.search(text) else 0.5
    return found


# A telephone number in the question, with or without its area code (0539-5977805, 5977805).
PHONE_ASKED = re.compile(r"(?<!\d)(?:0\d{2,3}\s*[-－—]?\s*)?(\d{7,8})(?!\d)")


def answer_phone(store, cfg, text, linker):
    """Which policies a telephone number stated in the question is the hotline of: the hotline
    clauses of the full-text index that state that number, then those policies' hotlines."""
    index = searcher(store, cfg)
    number = PHONE_ASKED.search(text)
    if index is None or number is None:
        return None
    digits = number.group(1)
    policies = [
        hit.policy
        for hit in index.clauses(digits, limit=FULLTEXT_ROWS).hits
        if hit.kind == "hotline" and re.sub(r"\D", "", hit.text or "").endswith(digits)
    ]
    things = [
        Mention(linker.things[policy], 0, 0, 1.0)
        for policy in dict.fromkeys(policies)
        if policy in linker.things
    ]
    found = answer_hotline(store, cfg, things, text) if things else None
    if found is None:
        return None
    labels = "、".join(m.entity.label for m in things)
    found.summary = f"{digits} 是以下政策的咨询电话：{labels}。" + found.summary
    found.confidence = 0.85
    return found


# --- retrieval ---------------------------------------------------------------------------------

SEARCHERS: PerVersion = PerVersion("ask.searchers")


def searcher(store, cfg):
    """The artifact's full-text index, opened once per data version; None without one."""
    folder = artifact.folder(cfg) / "fulltext"

    def open_index():
        try:
            return fulltext.Searcher(folder)
        except (FileNotFoundError, ValueError, OSError):
            return None

    version = store.data_version()
    return SEARCHERS.get(str(folder), version, open_index) if version else open_index()


def search_words(reading, drop=()):
    words = [
        token
        for token in reading.tokens
        if token not in FILLERS and token.strip() and not re.fullmatch(r"[\W_]+", token) and token not in drop
    ]
    return " ".join(words)[: fulltext.MAX_TEXT]


def best_clauses(store, cfg, reading, policies=(), limit=CLAUSES_SHOWN):
    """The handbook's clauses ranked for the question (BM25 over the full-text index); those of
    `policies` first when given."""
    index = searcher(store, cfg)
    text = search_words(reading)
    if index is None or not text:
        return []
    hits = index.clauses(text, limit=30).hits
    if policies:
        hits = [hit for hit in hits if hit.policy in policies] + [
            hit for hit in hits if hit.policy not in policies
        ]
    shown = []
    for hit in hits[:limit]:
        pages = hit.pages
        shown.append(
            {
                "policy": hit.policy,
                "policyLabel": None,
                "thing": hit.thing,
                "kind": hit.kind,
                "clause": hit.clause or "",
                "text": hit.text,
                "pages": ""
                if not pages
                else (
                    f"第 {pages[0]} 页"
                    if pages[0] == pages[1] or not pages[1]
                    else f"第 {pages[0]}–{pages[1]} 页"
                ),
                "score": round(hit.score, 3),
            }
        )
    return shown


def _policies_of(things, linker):
    found = set()
    for mention in things:
        entity = mention.entity
        if entity.kind == "policy":
            found.add(entity.thing)
        elif entity.policy:
            found.add(entity.policy)
    return found


# What a fact question asks → the words of a clause that state such a fact.
FACT_KINDS = tuple(
    (re.compile(asked), re.compile(said))
    for asked, said in (
        (
            r"多久|多长时间|几次|多少次|频率|几年[^，。？?]{0,2}(?:一次|一届|一评|评|办|举办)|每几年|隔几年|(?:每年|年年)都?(?:评|办|举办)|how often",
            r"每两年|每(?:年|季|月|半年)[^，。；]{0,6}(?:一次|1次|一届|1届)|一次(?!性)|周期",
        ),
        (
            r"谁出|谁承担|谁负担|谁付|谁支付|谁掏|谁拿钱|[从打](?:哪|那)(?:里|儿)?(?:出|来)|哪里出|哪儿出|资金来源|经费来源|who pays",
            r"承担|负担|出资|预算安排|支付",
        ),
        (r"收费|免费|费用|要钱|花钱|付费|收钱|free|cost|fee", r"费用|免费|免除|承担|收费|不收"),
        (r"退保|提前|surrender", r"退保"),
        (r"占多少|占几成|占比|比重", r"\d\s*%|百分之|不少于|不低于"),
        (r"几家|多少家|how many", r"\d+\s*家|[一二三四五六七八九十]+家|\d+\s*个"),
        (r"有效期|期限", r"有效期|期限|年内"),
    )
)


def fact_kind(text):
    """The words of a clause that state the kind of fact `text` asks (how often, who pays…)."""
    return next((said for asked, said in FACT_KINDS if asked.search(text)), None)


def answer_fact(store, cfg, things, reading, linker):
    """A fact stated in the text (how often, how many, cost, early surrender): the best clause
    of the policy asked about, verbatim."""
    policies = _policies_of(things, linker)
    clauses = best_clauses(store, cfg, reading, policies)
    own = [clause for clause in clauses if clause["policy"] in policies]
    if not own:
        return None
    words = next((said for asked, said in FACT_KINDS if asked.search(fold(reading.text))), None)
    stating = [clause for clause in own if words is not None and words.search(fold(clause["text"]))]
    best = (stating or own)[0]
    summary = f"手册原文（{best['pages']}{best['clause']}）：{best['text']}"
    ordered = [best, *(clause for clause in own if clause is not best)]
    return Answer("fact", summary, [], ordered[:CLAUSES_SHOWN], 0.85 if stating else 0.45, [])


# --- a fact stated in a policy's own text ------------------------------------------------------

SENTENCE_END = re.compile(r"(?<=[。；;！？!?])")
# Words that ask rather than say what is asked about: kept out of a sentence's match.
ASKING = {
    *FILLERS,
    *"么啥谁能会要对不给还就得该呀嘛",
    "怎么",
    "怎样",
    "如何",
    "多少",
    "多久",
    "多长",
    "是不是",
    "对不对",
    "对吗",
    "可以",
    "能不能",
    "可不可以",
    "应该",
    "需要",
    "没有",
    "一般",
    "意思",
    "必须",
    "一定",
    "自己",
    "不能",
    "能否",
    "是否",
    "还是",
    "公司",
    "企业",
    "单位",
    "我司",
    "咱们",
    "请",
    "问",
    "how",
    "who",
    "when",
    "why",
    "can",
    "we",
    "our",
    "i",
}
SENTENCE_SURE = 0.65  # the share of the question's other words the chosen sentence must state
SENTENCE_LEAD = 0.15
MONEY_STATED = re.compile(r"\d\s*(万元|元|%)|百分之")  # a sentence that states an amount
COUNT_ASKED = re.compile(r"(多少|几)(个|家|项|件|名|次|届|种)")  # 多少个: a count, not money
AGREED_SHARE = 0.6  # enough for a sentence to confirm the thing a structured answer names  # and by how much it must lead the best sentence of another thing
NAMED_BONUS = 0.2
SINGLE_WEIGHT = 0.5  # a word of one character says less than a longer one
PARTIAL_CREDIT = 0.5  # a word not stated whole counts by its characters, at most this much


UNSTATED_LENGTH = 4  # the shortest word whose absence from the handbook says it asks of something else
NUMERAL = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿几]")


def unstated_words(store, cfg, text, tokenizer):
    """The words of `text` (outside the names found, not cue words) of four or more characters
    that the handbook states nowhere, nor their first or last two characters: 高新技术, 营业执照
    (安全事故 is stated as 安全 and 事故).
    Such a word names what is asked about, and the handbook does not have it."""
    index = searcher(store, cfg)
    if index is None:
        return []
    found = []
    for word in asked_words(text, tokenizer) + _short_runs(text, tokenizer, index.stated):
        if len(word) < UNSTATED_LENGTH or word.isascii() or NUMERAL.search(word):
            continue
        if any(pattern.search(word) for _, pattern in TYPE_PATTERNS) or LIST_CUE.search(word):
            continue
        if COMPONENTS.search(word) or index.stated(word):
            continue
        if not (index.stated(word[:2]) and index.stated(word[-2:])):
            found.append(word)
    return found


# Words of when (去年评上, 今年刚评为): they end a run of short words, naming no term.
WHEN_WORDS = {"去年", "今年", "明年", "前年", "刚", "刚刚", "已经", "现在", "目前", "最近", "以前", "之前"}


def _short_runs(text, tokenizer, stated):
    """Runs of adjacent words of one or two Chinese characters that together make four or more
    and none of whose two-character words the handbook states (专精特新, cut as 专精 / 特 / 新): a
    term the tokenizer does not know, looked up whole."""
    runs, run = [], []
    for token in [*tokenizer.lcut(text, HMM=False), " "]:
        if (
            len(token) <= 2
            and re.fullmatch(r"[\u4e00-\u9fff]+", token)
            and token not in ASKING
            and token not in WHEN_WORDS
        ):
            run.append(token)
            continue
        pairs = [word for word in run if len(word) == 2]
        if len("".join(run)) >= UNSTATED_LENGTH and pairs and not any(stated(word) for word in pairs):
            runs.append("".join(run))
        run = []
    return runs


def asked_words(text, tokenizer):
    """The words of `text` that say what is asked about (not how it is asked)."""
    return [
        token
        for token in dict.fromkeys(tokenizer.lcut(text, HMM=False))
        if token.strip() and token not in ASKING and not re.fullmatch(r"[\W_\d]+", token)
    ]


def _sentences(rows):
    """(row, sentence) for each sentence of each text of `rows`."""
    for row in rows:
        for sentence in SENTENCE_END.split(row.get("text") or ""):
            if sentence.strip():
                yield row, sentence.strip()


def _stated(term, haystack):
    """How much of `term` `haystack` states: 1 whole, else the share of its characters, halved."""
    if isinstance(term, re.Pattern):
        return 1.0 if term.search(haystack) else 0.0
    if term in haystack:
        return 1.0
    if len(term) < 2 or term.isascii():
        return 0.0
    return PARTIAL_CREDIT * sum(char in haystack for char in term) / len(term)


def answer_sentence(store, cfg, things, text, tokenizer, stating=None, only=None):
    """A question about a named thing that asks something its structured facts do not hold
    (what the award's winners receive, whether the mark may go on the packaging): the sentence of
    the policy's own text (queries/ask/texts.rq) that states the question's other words, each
    weighed by how few of the policy's sentences state it. Sure when the sentence states most of
    them and leads the best sentence of another thing; else it only ranks the clauses shown.
    `stating`: only sentences that match it (an amount, for a question of how much); `only`: only
    the sentences of these things."""
    policies = sorted(_policies_of(things, None))[:MAX_FOCUS]
    rest = _outside(text, things)
    terms: list = asked_words(rest, tokenizer)
    terms += [said for asked, said in FACT_KINDS if asked.search(rest)]
    if not policies or not terms:
        return None
    rows, sparql = [], []
    for policy in policies:
        found, ran = _run(store, cfg, "texts", {"policy": policy})
        rows += found
        sparql.append(ran)
    units = [
        (row, sentence, fold(f"{row.get('label') or ''}{sentence}"))
        for row, sentence in _sentences(rows)
        if (stating is None or stating.search(sentence)) and (only is None or row["thing"] in only)
    ]
    if not units:
        return None
    weights = {
        term: math.log(1 + len(units) / (1 + sum(_stated(term, hay) == 1.0 for _, _, hay in units)))
        * (SINGLE_WEIGHT if isinstance(term, str) and len(term) == 1 else 1.0)
        for term in terms
    }
    total = sum(weights.values())
    # the name as typed, and its Chinese label (Mayor's Quality Award names 临沂市市长质量奖)
    names = [
        name
        for m in things
        if m.end > m.start and m.entity.kind != "policy"
        for name in (m.entity.name, fold(m.entity.label))
    ]
    shares = [
        sum(weight * _stated(term, hay) for term, weight in weights.items()) / total for _, _, hay in units
    ]
    # a sentence naming the award or benefit the question names (中国专利奖, not 山东省专利奖) leads
    named = [NAMED_BONUS if any(name in hay for name in names) else 0.0 for _, _, hay in units]
    scored = sorted(
        ((shares[i] + named[i], i) for i in range(len(units))), key=lambda pair: (-pair[0], pair[1])
    )
    best, index = scored[0]
    row, sentence, _ = units[index]
    share = shares[index]
    # the best sentence saying something else (the same sentence may stand under two things)
    other = next((score for score, i in scored[1:] if units[i][1] != sentence), 0.0)
    lead = round(best - other, 6)
    sure = share >= SENTENCE_SURE and lead >= SENTENCE_LEAD
    clauses: list = []
    seen: set = set()
    for _, i in scored:
        if units[i][0]["thing"] not in seen and len(clauses) < CLAUSES_SHOWN:
            seen.add(units[i][0]["thing"])
            clauses.append(_clause(units[i][0], text_key="text"))
    label = row.get("label") or row["policyLabel"]
    summary = f"{label}：{sentence}（{row['policyLabel']}，{_pages(row)}）"
    return Answer(
        "fact",
        summary,
        [],
        clauses,
        0.85 if sure else 0.45,
        sparql,
        share=share,
        lead=lead,
        named=bool(named[index]) or not names,
    )


def answer_clauses(store, cfg, reading, policies):
    clauses = best_clauses(store, cfg, reading, policies)
    if not clauses:
        return None
    best = clauses[0]
    summary = f"最相关的手册原文（{best['pages']}{best['clause']}）：{best['text']}"
    return Answer("clauses", summary, [], clauses, 0.3, [])


# --- the one entry point -----------------------------------------------------------------------

ANSWERERS = {
    "amount": answer_amount,
    "conditions": answer_conditions,
    "hotline": answer_hotline,
    "documents": answer_documents,
}


def answer(
    question: str,
    store: Any,
    cfg: queries.Settings,
    catalog: queries.Catalog | None = None,
    matcher: Any = None,
) -> dict[str, Any]:
    """The answer to a question, read against the whole graph.

    The question's mentions are linked to the graph's things; its type (amount, conditions,
    hotline, documents, web address, how to apply, what it is, a fact stated in text, what a
    stated attribute qualifies for) picks the query of `queries/ask/` run for them. A question
    about no thing goes to the canned list queries. Each reading has a confidence; below
    THRESHOLD the answer says 不确定 and shows the best clauses of the handbook and close
    questions, never the rows of another question type. `matcher` is `policykg.match` (passed
    in by the caller: the domain modules do not import each other) for eligibility questions."""
    question = check_question(question)
    catalog = catalog or queries.canned(cfg)
    words = lexicon(store, cfg)
    reading = read(question, words)
    text = fold(reading.text)
    mentions = words.linker.mentions(text)
    things = focus(mentions, text=text)
    kind, cue = question_type(_outside(text, things))
    if any(m.english for m in things) and kind not in POLICY_FACTS:
        things = [m for m in things if not m.english]  # loose English words: only for a policy's facts
    if (
        kind is None
        and things
        and all(m.entity.kind == "benefit" for m in things)
        and not asked_words(_outside(text, things), words.tokenizer)
    ):
        kind = "amount"  # 馳名商標獎勵: a benefit named alone asks what it gives
    if (
        kind in (None, "about", "amount")
        and things
        and SUPPORT_ASKED.search(_outside(text, things))
        and not any(m.entity.kind == "recognition" for m in things)
        and all(m.entity.kind == "benefit" for m in things)
        and not _stated_years(text, reading)
    ):
        kind = "support"  # 主要发明人有什么好处: the clause of the benefit named, verbatim
    if (
        kind in (None, "about")
        and things
        and (reading.amounts or reading.percentages)
        and not reading.years
        and any(m.entity.kind in ("recognition", "benefit", "policy") for m in things)
    ):
        kind = "amount"  # 泰山认证给十万吗, 保费补百分之六十对吗: the amount stated, checked
        checking = True
    else:
        checking = False
    if (
        kind is None
        and things
        and (reading.lookback or NEGATIVE_RULE.search(_outside(text, things)))
        and any(m.entity.kind in ("recognition", "policy") for m in things)
    ):
        kind = "conditions"  # 好品山东企业近几年不能亏损: a requirement asked about
    whole = _whole_policy(things, _outside(text, things), text, words.linker)
    if whole is not None:
        # 知识产权奖补资助包括哪些方面: the benefits of the policy, by clause
        kind, things = "components", [whole]
        if whole.quality < SURE_LINK:
            things = _retrieved_focus(store, cfg, reading, things, words.linker, kind)
    listing = (
        kind != "components"
        and LIST_CUE.search(text)
        and not LIST_OF_FACTS.search(text)  # 专利保险补贴要满足哪些条件: the conditions of one thing
        and min((m.quality for m in things), default=0.0) < SURE_LINK
    )
    if kind == "components":
        pass
    elif listing:
        things = []  # 有哪些一次性奖励: a list, not a question about a half-named thing
    elif (kind in ("amount", "conditions") or (things and kind)) and min(
        (m.quality for m in things), default=0.0
    ) < SURE_LINK:
        things = _retrieved_focus(store, cfg, reading, things, words.linker, kind)
    if not things and kind in (None, "about", "documents") and not LIST_CUE.search(text):
        # 鲁政发2020 12号 / 总局令第36号是什么: the document of that number
        things = [
            Mention(words.documents[key], 0, 0, 1.0) for key in reading.numbers if key in words.documents
        ]
        things = things or [Mention(document, 0, 0, 1.0) for document in words.yearless_documents(text)]
        kind = "documents" if things else kind
    quality = min((mention.quality for mention in things), default=0.0)
    result = None
    stated = _stated_years(text, reading)
    bodies = bool(things) and all(m.entity.kind == "body" for m in things)
    if (
        bodies
        and kind in (None, "fact", "about")
        and not LIST_CUE.search(text)
        and (said := _body_sentence(store, cfg, things[0], text, words.tokenizer)) is not None
    ):
        # 泰山品质认证联盟是由谁组成的: a body's own sentence, in the policy whose text names it
        result, kind, quality = said, "fact", things[0].quality
    of_body = bodies and result is None
    if things and all(m.entity.kind in ("body", "place") for m in things) and kind in (None, "documents"):
        things = []  # 临沂市人民政府发布了哪些文件: a list by body
    if (
        not stated
        and kind in (None, "amount", "about")
        and any(m.entity.kind == "recognition" for m in things)
        and BRINGS.search(text)
    ):
        # 我们通过了泰山品质认证，能享受什么: what the recognition brings, money or not
        kind = "amount"
        result = answer_amount(store, cfg, [m for m in things if m.entity.kind == "recognition"], text, True)
    elif stated and (not things or kind in (None, "amount", "conditions")):
        kind = "eligibility"
        result = answer_eligibility(store, cfg, stated, reading, matcher)
        quality = 1.0
    elif things and kind == "components":
        # 标准化创新激励的单位范围包括哪些: the group of conditions whose label has every other word
        # of the question, else the parts
        named = [
            word
            for word in asked_words(COMPONENTS.sub(" ", _outside(text, things)), words.tokenizer)
            if len(word) >= 2
            and word not in COMPONENT_WORDS
            and not any(word in fold(m.entity.label) for m in things)
        ]
        result = (
            named
            and answer_conditions(
                store, cfg, things, text, lambda row: all(word in fold(row["groupLabel"]) for word in named)
            )
        ) or answer_components(store, cfg, things[0])
    elif things and kind == "support":
        result = answer_support(store, cfg, things)
        stated = answer_sentence(store, cfg, things, text, words.tokenizer)
        own = {row["benefit"] for row in result.rows} if result else set()
        if result and stated and stated.share >= AGREED_SHARE and stated.clauses[0]["thing"] not in own:
            # 实行首席质量官制度的企业有什么好处: another benefit's sentence states the question
            result.confidence = 0.45
        elif result and _said_elsewhere(store, cfg, things, text, own):
            result.confidence = 0.45  # 首席质量官制度: words other clauses state too, not a name
    elif things and kind in ANSWERERS:
        result = ANSWERERS[kind](store, cfg, things, text)
        if result is not None and kind == "amount" and WHETHER.search(text) and not HOW_MUCH.search(text):
            result.confidence *= 0.6  # 我们是被许可人，能补贴吗: whether it applies, not how much
        if (
            result is not None
            and kind == "conditions"
            and (WHETHER.search(text) or WHETHER_THEN.search(text))
            and (MONEY_ASKED.search(cue or "") or HOW_MUCH.search(_outside(text, things)))
        ):
            # 在济南注册，能享受补贴吗: the conditions, and what meeting them brings
            gives = answer_amount(store, cfg, things, text)
            if gives is not None and len({row["benefit"] for row in gives.rows}) > SPREAD["amount"]:
                # 参与修订了国家标准，能申请标准化创新激励吗，能拿多少: the one benefit whose
                # sentence states the question's words, not every benefit of the policy
                gives = _narrowed(store, cfg, things, text, words, gives.rows)
                if gives is None:
                    result.confidence = min(result.confidence, 0.5)
            if gives is not None and gives.figure:
                result.summary += "。符合条件可得：" + gives.summary
                result.rows = result.rows + gives.rows
                result.sparql = result.sparql + gives.sparql
    elif things and kind in ("url", "apply", "about"):
        result = answer_about(store, cfg, things, text, kind)
    elif things and kind == "fact" and result is None:
        result = answer_fact(store, cfg, things, reading, words)
        if result is not None and _of_another(result, things, words.linker, text):
            result.confidence = min(result.confidence, 0.45)
        stated = answer_sentence(store, cfg, things, text, words.tokenizer)
        if stated is not None and _of_another(stated, things, words.linker, text):
            # 中国专利奖多久评一次 → 临沂市专利奖每年评选一次: another thing's sentence, not its own
            stated.confidence = min(stated.confidence, 0.45)
        if stated is not None and (result is None or stated.confidence >= result.confidence):
            result = stated
            quality = _stated_quality(stated, things, quality)
        if result is None or result.confidence < THRESHOLD:
            # 多久评一次: the one sentence of the thing asked about that states that kind of fact
            kinds = fact_kind(_outside(text, things))
            of_kind = kinds and answer_sentence(store, cfg, things, text, words.tokenizer, kinds)
            if of_kind and of_kind.lead >= SENTENCE_LEAD and of_kind.named:
                of_kind.confidence = 0.85
                result, quality = of_kind, _stated_quality(of_kind, things, quality)
    elif things and kind is None:
        kind = "about"
        result = answer_about(store, cfg, things, text, kind)
        quality *= 0.7
    if (
        things
        and kind not in ("amount", "hotline", "documents", "eligibility", "fact", "components", "support")
        and (result is None or result.confidence * quality < THRESHOLD)
    ):
        stated = answer_sentence(store, cfg, things, text, words.tokenizer)
        linked = _stated_quality(stated, things, min(quality / 0.7 if kind == "about" else quality, 1.0))
        if stated is not None and stated.confidence * linked >= THRESHOLD:
            result, kind, quality = stated, "fact", linked
    if (
        result is not None
        and kind in ("amount", "conditions")
        and result.confidence * quality < THRESHOLD <= result.confidence
    ):
        # a loose name made sure when the sentence that states the question's words is the
        # answer's own (the benefit or criterion whose amount or condition it gives)
        stating = MONEY_STATED if kind == "amount" and not COUNT_ASKED.search(text) else None
        stated = answer_sentence(store, cfg, things, text, words.tokenizer, stating)
        own = {row.get("benefit") or row.get("criterion") for row in result.rows}
        if (
            stated is not None
            and stated.share >= AGREED_SHARE
            and stated.lead >= SENTENCE_LEAD
            and stated.clauses[0]["thing"] in own
        ):
            quality = max(quality, AGREED_QUALITY)
        elif (
            stated is not None
            and kind == "amount"
            and stated.confidence >= THRESHOLD
            and (picked := words.linker.things.get(stated.clauses[0]["thing"])) is not None
            and picked.kind == "benefit"
            and (
                (mine := answer_sentence(store, cfg, things, text, words.tokenizer, stating, own)) is None
                or stated.share - mine.share >= SENTENCE_LEAD
            )
            # 带专利来临沂创办企业怎么补: the name the question half says (创办企业) is not given up for
            # a benefit whose name it says less of, though that one's clause holds the lead-in
            and _said_of_name(picked.label, text) >= max(_said_of_name(m.entity.label, text) for m in things)
        ):
            # the loose name is another benefit of the same policy than the one whose text
            # states the question's words: that benefit's amount, as sure as a retrieved focus
            other = answer_amount(store, cfg, [Mention(picked, 0, 0, RETRIEVED_QUALITY)], text)
            if other is not None:
                result, quality = other, max(quality, RETRIEVED_QUALITY)
    if (
        result is not None
        and kind in ("amount", "conditions")
        and things
        and all(m.entity.kind == "policy" for m in things)
        and min(m.quality for m in things) < SURE_LINK
        and not EACH.search(text)
        and len({row.get(SPREAD_KEY[kind]) for row in result.rows} - {None}) > SPREAD[kind]
    ):
        # 投了海外侵权责任险，一年最多补多少 → 知识产权 (a loose policy): the amounts or conditions of
        # every benefit of a policy the question only half names answer another question — unless
        # one benefit's sentence states the question's words clearly: that benefit's amount
        result.confidence = min(result.confidence, 0.5)
        narrowed = kind == "amount" and _narrowed(store, cfg, things, text, words, result.rows)
        if narrowed:
            result, quality = narrowed, RETRIEVED_QUALITY
    if (
        result is not None
        and kind == "documents"
        and STANDARD_ASKED.search(text)
        and not STANDARD_CODE.search(result.summary)
    ):
        # 卓越绩效评价准则的标准号: a standard's code, which a list of documents does not give —
        # the sentence that states one, else unsure
        coded = answer_sentence(store, cfg, things, text, words.tokenizer, STANDARD_CODE)
        if coded is not None and (
            coded.confidence >= THRESHOLD
            or (coded.named and coded.lead >= SENTENCE_LEAD and any(m.end > m.start for m in things))
        ):
            coded.confidence = max(coded.confidence, 0.75)  # the one sentence naming it with a code
            result, kind = coded, "fact"
        else:
            result.confidence = min(result.confidence, 0.5)
    if result is not None and (
        unknown := unstated_words(store, cfg, _outside(text, things), words.tokenizer)
    ):
        # 高新技术企业认定有奖励吗: what is asked about is a thing the handbook never states
        result.confidence = min(result.confidence, 0.5)
        result.unknown = unknown
    if checking and result is not None and result.kind == "amount":
        result.summary = _checked(result, reading) + result.summary
    if result is None and not things and kind in (None, "hotline") and PHONE_ASKED.search(text):
        # 5977805这个号码管哪块业务, 5977836打过去是问什么的: the policies whose hotline that number is
        result = answer_phone(store, cfg, text, words.linker)
        kind, quality = ("hotline", 1.0) if result is not None else (kind, quality)
    if result is None and not things and kind == "hotline":
        result = answer_hotlines(store, cfg, reading, text, words.linker)
        quality = 1.0
    if (
        result is None
        and kind != "hotline"
        and (not things or all(m.entity.kind in ("body", "place") for m in things))
    ):
        listed = None
        if any(pattern.search(text) for pattern, _, _ in LIST_FILTERS) and LIST_CUE.search(text):
            listed = answer_list(store, cfg, reading, text, things)
        listed = listed or _list_answer(question, reading, words, store, catalog)
        if (listed is None or listed.confidence < THRESHOLD) and (
            listing or kind is None or LIST_CUE.search(text)
        ):
            listed = answer_list(store, cfg, reading, text, things) or listed
        if (
            listed is not None
            and of_body
            and kind is None
            and not LIST_CUE.search(text)
            and question_type(text)[0] is None
        ):
            # 山东认证协会在哪里办公: a body named, asked no list and no known type — a list is a guess
            listed.confidence = min(listed.confidence, 0.5)
        if listed is not None:
            result, kind, quality = listed, "list", 1.0
    if result is None:
        result = answer_clauses(store, cfg, reading, _policies_of(things, words))
        kind = kind or "clauses"
        quality = 1.0
    if result is not None and result.confirmed:
        quality = max(quality, AGREED_QUALITY)
    confidence = round(result.confidence * quality, 2) if result else 0.0
    sure = result is not None and confidence >= THRESHOLD
    clauses = result.clauses if result else []
    if not sure:
        shown = best_clauses(store, cfg, reading, _policies_of(things, words))
        clauses = _merge_clauses(clauses, shown)
        best = result.summary if result else "手册中没有找到相关内容。"
        summary = f"不确定：{best}"
    else:
        summary = result.summary
    sparql = result.sparql if result else []
    return {
        "ok": True,
        "question": question,
        "type": kind,
        "title": TYPE_TITLES.get(kind or "clauses", ""),
        "matched": sure,
        "sure": sure,
        "confidence": confidence,
        "summary": summary,
        "figure": result.figure if result and sure else None,
        "hotline": result.hotline if result and sure else None,
        "rows": result.rows if result and sure else [],
        "columns": sorted({key for row in (result.rows if result and sure else []) for key in row}),
        "clauses": clauses[: CLAUSES_SHOWN * 2],
        "entities": [
            {
                "kind": m.entity.kind,
                "iri": m.entity.thing,
                "label": m.entity.label,
                "quality": round(m.quality, 2),
            }
            for m in things
        ],
        "cue": cue,
        "params": result.params if result else {},
        "query": sparql[0][0] if sparql else None,
        "sparql": sparql[0][1] if sparql else None,
        "queries": [{"name": name, "sparql": text} for name, text in sparql],
        "suggestions": [] if sure else suggestions(question, catalog),
        "reading": reading.as_json(),
    }


SURE_LINK = 0.9
# A standard's number asked (国家标准编号, 标准号) and the code that answers it (GB/T 19580).
STANDARD_ASKED = re.compile(r"标准的?(?:编号|号码|代号)|标准号|standard (?:number|code)")
STANDARD_CODE = re.compile(r"\b(?:GB|DB|QB|JB|T)\s*/?\s*T?\s*\d{3,}", re.IGNORECASE)


def _narrowed(store, cfg, things, text, words, rows):
    """The amount of the one benefit among `rows` whose sentence states the question's words
    clearly (and leads the sentences of other things), as sure as a retrieved focus; else None."""
    stated = answer_sentence(store, cfg, things, text, words.tokenizer, MONEY_STATED)
    own = {row.get("benefit") for row in rows}
    if (
        stated is None
        or stated.share < AGREED_SHARE
        or stated.lead < SENTENCE_LEAD
        or stated.clauses[0]["thing"] not in own
        or (picked := words.linker.things.get(stated.clauses[0]["thing"])) is None
    ):
        return None
    return answer_amount(store, cfg, [Mention(picked, 0, 0, RETRIEVED_QUALITY)], text)


# The most benefits (amounts) or groups of conditions a loosely named policy's answer may span.
SPREAD = {"amount": 2, "conditions": 4}
SPREAD_KEY = {"amount": "benefit", "conditions": "group"}


BODY_SHARE = 0.5  # a body's sentence, naming it, that states half the question's other words
BODY_LEAD = 0.45  # and leads the next sentence by this much


def _body_sentence(store, cfg, mention, text, tokenizer):
    """A fact about a body (who it is made of, where it sits, when it was set up): the sentence
    stating the question's words among the texts of the policies whose clauses name the body
    (found through the full-text index, a few hits), when it is sure; else None."""
    index = searcher(store, cfg)
    name = mention.entity.name
    if index is None or len(name) < MIN_PART:
        return None
    policies = [
        hit.policy
        for hit in index.clauses(name, limit=FULLTEXT_ROWS).hits
        if hit.policy and name in fold(hit.text or "")
    ]
    if not policies:
        return None
    placed = Mention(replace(mention.entity, policy=policies[0]), mention.start, mention.end, mention.quality)
    said = answer_sentence(store, cfg, [placed], text, tokenizer)
    if said is not None and said.confidence < THRESHOLD and said.named and said.share >= BODY_SHARE:
        # the sentence names the body and leads every other sentence by far (秘书处挂在哪个单位:
        # 挂 is not stated, 秘书处 is)
        said.confidence = 0.75 if said.lead >= BODY_LEAD else said.confidence
    return said if said is not None and said.confidence >= THRESHOLD else None


def _of_another(result, things, linker, text):
    """Whether the clause a fact answer quotes stands under another award or benefit than the
    one the question names, and names none of the question's names (中国专利奖 asked, the
    sentence of 临沂市专利奖 found): the answer is to another question."""
    named = [m for m in things if m.end > m.start and m.entity.kind != "policy"]
    if not named or not result.clauses:
        return False
    thing = result.clauses[0].get("thing")
    other = linker.things.get(thing)
    if other is None or other.kind not in ("recognition", "benefit"):
        return False
    if thing in {m.entity.thing for m in named}:
        return False
    said = fold(f"{other.label}{result.clauses[0].get('text') or ''}")
    return not any(
        _shares_run(name, said)
        for m in named
        for name in (text[m.start : m.end], m.entity.name, fold(m.entity.label))
        if name
    )


def _shares_run(name, said, size=MIN_PART + 1):
    """Whether `said` holds `name`, or a run of `size` of its characters (首席质量官培训 of
    首席质量官培训费用); 专利奖 alone is not enough to tell 中国专利奖 from 临沂市专利奖."""
    if len(name) <= size:
        return name in said
    return any(name[i : i + size] in said for i in range(len(name) - size + 1))


def _said_of_name(label, text):
    """How many of the characters of folded `text` the name `label` holds."""
    return len(set(fold(label)) & set(text))


def _stated_quality(stated, things, quality):
    """The link's quality once a sentence is sure: a name only guessed (a typo, or no name at all)
    is as good as agreed when the policy's sentence states the question's words, its name's too."""
    if stated is not None and stated.confidence >= THRESHOLD and all(m.end == m.start for m in things):
        return max(quality, AGREED_QUALITY)
    return quality


def _outside(text, things):
    """`text` with the names found blanked out: a cue inside a name (专利导航项目奖励) is not a cue."""
    for mention in things:
        if mention.end > mention.start:
            text = text[: mention.start] + " " * (mention.end - mention.start) + text[mention.end :]
    return text


LIST_OF_FACTS = re.compile(r"(哪些|哪几[个项条])(条件|要求|资格|门槛|依据|文件|材料|电话|热线)")
LIST_CUE = re.compile(r"哪些|有哪些|哪几|列一下|列出|所有|全部|各项|\bwhich\b|\blist\b|\ball\b")
RETRIEVED_QUALITY = 0.75
POLICY_FACTS = (
    "documents",
    "hotline",
    "components",
)  # question types whose answer is the policy's, not a benefit's
AGREED_QUALITY = 0.85
MIN_AGREED = 0.7  # a fuzzy link is too loose for agreement with a clause to make it sure
CLEAR_LEAD = 1.3


def _retrieved_focus(store, cfg, reading, things, linker, kind):
    """When no name in the question is sure, the thing of the best clause (a benefit for an
    amount; else its policy), if it leads the next clause of another thing clearly; a weak
    link that the clauses do not support loses confidence."""
    index = searcher(store, cfg)
    text = search_words(reading)
    if index is None or not text:
        return things
    hits = index.clauses(text, limit=5).hits
    if not hits:
        return things
    best = hits[0]
    thing = best.thing if kind == "amount" and best.kind == "benefit" else best.policy
    entity = linker.things.get(thing)
    if entity is None:
        return things
    # a hotline or a legal basis is the policy's: a benefit of the best clause's policy agrees
    # the conditions asked of a loosely named benefit are its policy's when the best clause is one
    whole = kind in POLICY_FACTS or (kind == "conditions" and best.kind in ("conditions", "criterion"))
    agreed = {m.entity.thing for m in things} | {
        m.entity.policy
        for m in things
        if (whole or m.entity.kind in ("recognition", "policy")) and m.entity.policy
    }
    if best.thing in agreed or (
        best.policy in agreed and (whole or not any(m.entity.kind == "benefit" for m in things))
    ):
        # the name and the best clause agree: the link is as good as a whole label
        return [
            Mention(
                m.entity,
                m.start,
                m.end,
                max(m.quality, AGREED_QUALITY)
                if m.quality >= MIN_AGREED
                or best.thing == m.entity.thing
                or (whole and best.policy in (m.entity.thing, m.entity.policy))
                else m.quality,
            )
            for m in things
        ]
    if kind not in ("amount", "conditions"):
        return things
    others = [hit.score for hit in hits[1:] if (hit.thing if thing == best.thing else hit.policy) != thing]
    lead = not others or best.score >= CLEAR_LEAD * others[0]
    if things:
        return [Mention(m.entity, m.start, m.end, m.quality * 0.8) for m in things]
    return [Mention(entity, 0, 0, RETRIEVED_QUALITY if lead else 0.6)]


def _merge_clauses(first, second):
    merged, seen = [], set()
    for clause in [*first, *second]:
        key = (clause.get("thing"), clause.get("text"))
        if key not in seen:
            seen.add(key)
            merged.append(clause)
    return merged


def _list_answer(question, reading, words, store, catalog):
    """A list question (by document, years, amount, rate, tiers, applicant type, body…) through
    the canned queries; sure only when cue and parameter both say it."""
    mapping = choose(reading, words)
    if mapping is None:
        return None
    query = catalog.get(mapping.intent.query)
    sparql = query.bind(mapping.params)
    result = store.query(sparql)
    columns, rows = render.table(result)
    plain = [{column: render.plain(row.get(column)) for column in columns} for row in rows]
    for row in plain:
        for column in mapping.intent.money:
            if row.get(column):
                row[f"{column}Text"] = wording.yuan(row[column])
    # a number the question binds (an amount, a document number, years) says what is listed
    bound = mapping.intent.param in ("amount", "number") or (
        mapping.intent.param == "years" and reading.years
    )
    confidence = 0.85 if mapping.score >= 6 else 0.75 if bound and mapping.score >= 4 else 0.55
    if not plain:
        confidence = 0.4
    clauses = [
        {
            "policy": row.get("policy") or row.get("policyIri"),
            "policyLabel": row.get("policyLabel"),
            "thing": row.get("benefit") or row.get("award") or row.get("thing"),
            "clause": row.get("clause") or "",
            "text": row.get("sourceText") or row.get("clauseText") or "",
            "pages": _pages(row),
        }
        for row in plain
        if row.get("sourceText") or row.get("clauseText")
    ]
    return Answer(
        "list",
        summary(mapping, query, plain),
        plain,
        clauses,
        confidence,
        [(query.name, sparql)],
        params=mapping.params,
    )


# ---------------------------------------------------------------------------------------------
# The evaluation set (service/policykg/evaluation/ask-set.tsv): expected facts, two parts
# ---------------------------------------------------------------------------------------------

ASK_SET = Path(__file__).parent / "evaluation" / "ask-set.tsv"
ASK_SET_2 = Path(__file__).parent / "evaluation" / "ask-set-2.tsv"
# Every evaluation set, in the order they are reported (docs/ask-evaluation.md).
ASK_SETS = (ASK_SET, ASK_SET_2)
PARTS = ("dev", "test")
OUTCOMES = ("right", "unsure-with-clause", "unsure-without", "wrong")


@dataclass(frozen=True)
class SetCase:
    id: str
    part: str
    type: str
    question: str
    facts: tuple
    policy: str


def load_set(path=ASK_SET, part="dev"):
    """The cases of one part of the evaluation set (`id part type question facts policy note`,
    tab-separated, a header line; facts " | "-separated). Only the part asked for is kept: the
    test part is never looked at when tuning."""
    if part not in PARTS:
        raise errors.BadRequest(f"part 应为 {' 或 '.join(PARTS)} (unknown part {part!r})", param="part")
    cases = []
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t") if lines else []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        fields = dict(zip(header, line.split("\t"), strict=False))
        if fields.get("part") != part:
            continue
        if not fields.get("question"):
            raise errors.BadRequest(f"{path}:{lineno}: 缺少问题 (no question)")
        facts = tuple(
            fact.strip() for fact in (fields.get("facts") or fields.get("expected") or "").split("|")
        )
        cases.append(
            SetCase(
                fields.get("id", str(lineno)),
                part,
                fields.get("type", ""),
                fields["question"],
                tuple(fact for fact in facts if fact),
                fields.get("policy", ""),
            )
        )
    return cases


WAN = re.compile(r"(\d+(?:\.\d+)?)万元")


def _comparable(text):
    """Text as facts are compared: folded, without white space, brackets of numbers alike, and
    every N万元 also as its value in 元 (10万元 = 100000元)."""
    text = re.sub(r"\s", "", fold(text or "")).replace("[", "〔").replace("]", "〕")
    return text + "\n" + WAN.sub(lambda m: f"{wording.plain(Decimal(m.group(1)) * 10000)}元", text)


def _has(fact, text):
    return any(_comparable(choice).split("\n")[0] in text for choice in fact.split(" / ") if choice.strip())


UNSTATED = re.compile(r"不确定|未载明|没有写明")


def outcome(case, result):
    """right | unsure-with-clause | unsure-without | wrong, scored as docs/ask-evaluation.md says:
    on the summary and rows a user sees; for `none` questions, unsure or 未载明 is right."""
    said = _comparable(
        " ".join(
            [result["summary"], result.get("figure") or "", result.get("hotline") or ""]
            + [str(value) for row in result.get("rows", []) for value in row.values()]
        )
    )
    if case.type == "none":
        return "right" if not result["sure"] or UNSTATED.search(result["summary"]) else "wrong"
    if result["sure"]:
        return "right" if case.facts and all(_has(fact, said) for fact in case.facts) else "wrong"
    policies = set(case.policy.split())
    shown = [
        _comparable(clause.get("text", ""))
        for clause in result.get("clauses", [])
        if (clause.get("policy") or "").rsplit("/", 1)[-1] in policies
    ]
    if any(_has(fact, text) for text in shown for fact in case.facts):
        return "unsure-with-clause"
    return "unsure-without"


@dataclass
class SetEvaluation:
    part: str
    counts: dict  # question type → outcome → count
    misses: list  # (SetCase, outcome, summary) — filled for the dev part only
    set: str = ASK_SET.name  # the file's name (ask-set.tsv)

    def total(self, which=None):
        return sum(
            count
            for by_type in self.counts.values()
            for name, count in by_type.items()
            if which in (None, name)
        )

    def share(self, which):
        total = self.total()
        return self.total(which) / total if total else 0.0

    def type_share(self, kind, which):
        """The share of one question type's questions with the outcome `which`."""
        by_type = self.counts.get(kind, {})
        total = sum(by_type.values())
        return by_type.get(which, 0) / total if total else 0.0

    @property
    def confident_wrong(self):
        """The share of questions answered with confidence and wrong — the costly outcome."""
        return self.share("wrong")


def evaluate_set(store, cfg, path=ASK_SET, part="dev", matcher=None, catalog=None):
    """Scores of one part of the evaluation set, by question type. The misses are kept for the
    dev part only, so that the test part's questions are never shown."""
    catalog = catalog or queries.canned(cfg)
    counts: dict = {}
    misses = []
    for case in load_set(path, part):
        result = answer(case.question, store, cfg, catalog, matcher=matcher)
        got = outcome(case, result)
        by_type = counts.setdefault(case.type or "-", dict.fromkeys(OUTCOMES, 0))
        by_type[got] += 1
        if part == "dev" and got != "right":
            misses.append((case, got, result["summary"]))
    return SetEvaluation(part, counts, misses, Path(path).name)


def evaluate_sets(store, cfg, paths=ASK_SETS, parts=("dev",), matcher=None, catalog=None):
    """Scores of every set and part asked for, set by set, part by part. The default is the dev
    parts only: a test part is run only when asked for (`policykg ask --evaluate --with-test`)."""
    for part in parts:
        if part not in PARTS:
            raise errors.BadRequest(f"part 应为 {' 或 '.join(PARTS)} (unknown part {part!r})", param="part")
    catalog = queries.canned(cfg) if catalog is None else catalog
    return [
        evaluate_set(store, cfg, path, part, matcher=matcher, catalog=catalog)
        for path in paths
        for part in parts
    ]
