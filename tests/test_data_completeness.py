"""The graph against the handbook it comes from: nothing missing, nothing invented.

Reads `data/source/…txt` and the build's asserted graph. Every money figure, percentage,
document number, 《title》, telephone number, URL and every sentence of 【定义】, 【惠企内容】 and
【创建条件】 must be in the graph; every verbatim text in the graph must be in the handbook."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from policykg import docnumber

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data/source/linyi-amr-2023-huiqi-zhuqi.txt"
PKG = Namespace("https://w3id.org/policykg/def/")
SCHEMA = Namespace("http://schema.org/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|元)")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
PHONE = re.compile(r"0\d{3}-\d{7}")
URL = re.compile(r"https?://[^\s<>）)]+")
TITLE = re.compile(r"《([^》]+)》")
TOC_ENTRY = re.compile(r"^(\d+)\.(.+?)\.{3,}\s*(\d+)$")
NUMBERING = re.compile(r"^(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d{1,2}\.(?!\d))\s*")
SENTENCE_END = ("。", "；", "：", ";", ":")
DATA = "https://w3id.org/policykg/id/"
VERBATIM = (PKG.sourceText, SKOS.definition, PKG.howToApply, PKG.citedAs)


def squeeze(text):
    """Text without white space: page-layout line breaks and spaces do not count."""
    return re.sub(r"\s+", "", str(text))


def yuan(number, unit):
    return Decimal(number) * (10000 if unit == "万元" else 1)


@pytest.fixture(scope="module")
def handbook():
    return SOURCE.read_text("utf-8")


@pytest.fixture(scope="module")
def graph(built_cfg):
    return Graph().parse(Path(built_cfg["BUILD_DIR"]) / "asserted.nt", format="nt")


@pytest.fixture(scope="module")
def verbatim(graph):
    return [squeeze(text) for prop in VERBATIM for text in graph.objects(None, prop)]


def toc(handbook):
    entries = [TOC_ENTRY.match(line.strip()) for line in handbook.splitlines()]
    return [(int(m[1]), m[2].strip(), int(m[3])) for m in entries if m]


def sections(handbook):
    """Policy title → its text, cut at the titles the table of contents lists."""
    titles = [title for _, title, _ in toc(handbook)]
    body = handbook[handbook.index("目录") :]
    body = body[body.index("\n" + titles[0] + "\n", body.index(titles[-1]) + len(titles[-1])) :]
    starts = [body.index("\n" + title + "\n") for title in titles]
    return {
        title: body[start:end]
        for title, start, end in zip(titles, starts, starts[1:] + [len(body)], strict=False)
    }


def blocks(section):
    """【marker】 → its text."""
    parts = re.split(r"【([^】]+)】", section)
    return {re.sub(r"\s", "", parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def logical_lines(text):
    """Lines with page-break continuations joined and item numbers removed."""
    lines = []
    for raw in (line.strip() for line in text.splitlines()):
        if not raw:
            continue
        if lines and not lines[-1].endswith(SENTENCE_END) and not NUMBERING.match(raw):
            lines[-1] += raw
        else:
            lines.append(raw)
    return [NUMBERING.sub("", line) for line in lines]


def sentences(text):
    for line in logical_lines(text):
        for piece in re.split(r"(?<=[。；;：:])", squeeze(line)):
            if piece:
                yield piece


def test_ten_policies_with_their_pages(graph, handbook):
    entries = toc(handbook)
    assert len(entries) == 10
    policies = {str(graph.value(p, RDFS.label)): p for p in graph.subjects(RDF.type, PKG.Policy)}
    by_zh = {
        str(label): p
        for p in graph.subjects(RDF.type, PKG.Policy)
        for label in graph.objects(p, RDFS.label)
        if label.language == "zh"
    }
    assert len(policies) == 10
    for _, title, page in entries:
        policy = by_zh[title]
        section = graph.value(policy, PKG.section)
        assert graph.value(section, PKG.firstPage).toPython() == page, title


def test_every_sentence_of_definitions_benefits_and_conditions_is_in_the_graph(handbook, verbatim):
    missing = []
    for title, section in sections(handbook).items():
        for marker, text in blocks(section).items():
            if marker in ("定义", "惠企内容", "创建条件"):
                missing += [(title, marker, s) for s in sentences(text) if not any(s in v for v in verbatim)]
    assert not missing, "\n".join(map(str, missing))


def test_every_verbatim_text_is_in_the_handbook(graph, handbook):
    text = squeeze(handbook)
    from_handbook = [
        (s, p, o)
        for p in VERBATIM
        if p != PKG.citedAs
        for s, o in graph.subject_objects(p)
        if str(s).startswith(DATA) and not str(s).startswith(DATA + "concept/")
    ]
    assert len(from_handbook) > 150
    invented = [
        (s, p, str(o))
        for s, p, o in from_handbook
        if any(squeeze(part) not in text for part in str(o).split("\n"))
    ]
    cited = [str(o) for o in graph.objects(None, PKG.citedAs)]
    invented += [
        ("citedAs", c)
        for c in cited
        if squeeze(c).replace("（", "(").replace("）", ")") not in text.replace("（", "(").replace("）", ")")
    ]
    assert not invented, invented


def test_every_money_figure_is_an_amount_of_a_benefit_stating_it(graph, handbook):
    benefits = [(squeeze(graph.value(b, PKG.sourceText)), b) for b in graph.subjects(PKG.amount, None)]
    missing = []
    for title, section in sections(handbook).items():
        for sentence in sentences(section):
            figures = [yuan(n, u) for n, u in MONEY.findall(sentence)]
            if not figures:
                continue
            stating = [b for text, b in benefits if sentence in text]
            values = {
                o.toPython()
                for b in stating
                for a in graph.objects(b, PKG.amount)
                for o in (*graph.objects(a, SCHEMA.value), *graph.objects(a, SCHEMA.maxValue))
            }
            missing += [(title, sentence, f) for f in figures if f not in values]
    assert not missing, "\n".join(map(str, missing))


def test_printed_amounts_agree_with_values(graph):
    wrong = []
    for amount in graph.subjects(PKG.printedAmount, None):
        printed = str(graph.value(amount, PKG.printedAmount))
        figures = {yuan(n, u) for n, u in MONEY.findall(printed)}
        for prop in (SCHEMA.value, SCHEMA.maxValue):
            value = graph.value(amount, prop)
            if value is not None and figures and value.toPython() not in figures:
                wrong.append((amount, printed, value))
        if (amount, RDF.type, PKG.CappedAmount) in graph:
            assert re.search("最高|不高于|不超过", printed), (amount, printed)
    assert not wrong, wrong


def test_every_percentage_is_a_rate_or_bound(graph, handbook):
    numbers = {
        o.toPython() for p in (PKG.rate, PKG.rateUplift, PKG.minInclusive) for o in graph.objects(None, p)
    }
    found = [Decimal(n) / 100 for n in PERCENT.findall(handbook)]
    assert found and all(share in numbers for share in found), [f for f in found if f not in numbers]


def test_every_document_number_is_a_document(graph, handbook):
    keys = {str(o) for o in graph.objects(None, PKG.numberKey)}
    found = [number.key for number, _, _ in docnumber.find_all(handbook)]
    assert len(found) == 13 and set(found) <= keys, set(found) - keys


def test_document_numbers_are_normalized_by_the_shared_normalizer(graph):
    for document, printed in graph.subject_objects(ELI.id_local):
        assert str(graph.value(document, PKG.normalizedNumber)) == docnumber.normalize(str(printed))
        for key in graph.objects(document, PKG.numberKey):
            assert docnumber.normalize(str(key)) == str(key)


def test_every_title_in_guillemets_is_a_document_or_standard(graph, handbook):
    titles = {str(o) for p in (ELI.title, DCTERMS.title) for o in graph.objects(None, p)}
    found = set(TITLE.findall(handbook.replace("\n", "")))
    assert len(found) == 17 and found <= titles, found - titles


def test_every_phone_number_is_a_hotline_of_its_policy(graph, handbook):
    for title, section in sections(handbook).items():
        policy = next(p for p in graph.subjects(RDFS.label, Literal(title, lang="zh")))
        listed = {str(graph.value(h, SCHEMA.telephone)) for h in graph.objects(policy, PKG.hotline)}
        assert set(PHONE.findall(section)) == listed, title
        for hotline in graph.objects(policy, PKG.hotline):
            number = str(graph.value(hotline, SCHEMA.telephone))
            assert graph.value(hotline, PKG.tel) == URIRef("tel:+86-" + number[1:])


def test_every_url_is_in_the_graph(graph, handbook):
    urls = {str(o) for o in graph.objects(None, SCHEMA.url)}
    found = set(URL.findall(handbook))
    assert found and found <= urls, found - urls
