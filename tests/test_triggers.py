"""Triggers as data (issue 13): every benefit's own trigger — what the applicant must have done,
won or hold — is a structured condition quoting its clause, and what is left to a person's
judgement is said, with the clause. The coverage is what the report query finds, not a number
written here; a seeded fault (a trigger removed) shows the query can find a gap."""

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from policykg import build, match, store

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "queries" / "reports"
PKG = Namespace("https://w3id.org/policykg/def/")
ID = "https://w3id.org/policykg/id/"
INFO = URIRef(ID + "concept/info")
TOPICS = URIRef(ID + "concept/question-topic")


def report(name):
    return (REPORTS / f"{name}.rq").read_text("utf-8")


def squeeze(text):
    return re.sub(r"\s+", "", str(text))


@pytest.fixture(scope="module")
def served(built_cfg):
    opened = store.open_store(built_cfg)
    yield lambda name: opened.query(report(name)).rows
    opened.close()


@pytest.fixture(scope="module")
def asserted(built_cfg):
    return Graph().parse(Path(built_cfg["BUILD_DIR"]) / "asserted.nt", format="nt")


def value(row, column):
    return row[column]["value"] if column in row else None


def test_at_least_90_percent_of_monetary_benefits_have_structured_triggers(served):
    (coverage,) = served("trigger-coverage")
    monetary, triggered = int(value(coverage, "monetary")), int(value(coverage, "withTrigger"))
    share = float(value(coverage, "share"))
    lacking = served("benefits-without-triggers")
    assert monetary > 30 and share == pytest.approx(triggered / monetary)
    assert triggered + len(lacking) == monetary  # the two reports agree
    assert share >= 0.9, [value(row, "benefitLabel") for row in lacking]


def test_a_benefit_without_a_trigger_names_the_judgement_it_is_left_to(served):
    """“需人工判断” only where the handbook itself leaves a judgement: every monetary benefit the
    report lists has a judgement criterion (its kind and clause) in its own conditions."""
    lacking = served("benefits-without-triggers")
    assert all(value(row, "leftToJudgement") for row in lacking), [
        value(row, "benefitLabel") for row in lacking if not value(row, "leftToJudgement")
    ]


def test_a_removed_trigger_is_found_by_the_report(built_cfg):
    """Seeded fault: without §4（二）'s trigger group (开展运营类导航项目), the 专利导航 reward is
    listed and the coverage drops by one benefit."""
    seeded = pyoxigraph.Store()
    seeded.load(path=str(Path(built_cfg["BUILD_DIR"]) / "asserted.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)

    def coverage():
        (row,) = seeded.query(report("trigger-coverage"))
        return int(row["withTrigger"].value)

    before = coverage()
    group = pyoxigraph.NamedNode(ID + "criterion-group/ip-support-2-trigger")
    for quad in list(seeded.quads_for_pattern(group, pyoxigraph.NamedNode(PKG.qualifiesFor), None)):
        seeded.remove(quad)
    listed = {row["benefit"].value for row in seeded.query(report("benefits-without-triggers"))}
    assert ID + "benefit/ip-support-2" in listed
    assert coverage() == before - 1


def test_every_trigger_quotes_the_clause_of_its_benefit(asserted):
    """A trigger quotes the sentence of the benefit it is for (and so the handbook:
    test_data_completeness checks every verbatim text), under the same clause number."""
    checked, wrong = 0, []
    for criterion in asserted.subjects(RDF.type, PKG.TriggerCriterion):
        targets = set(asserted.objects(asserted.value(criterion, PKG.inGroup), PKG.qualifiesFor))
        benefits = [target for target in targets if (None, PKG.hasBenefit, target) in asserted]
        assert benefits, criterion  # a trigger is for a benefit
        for benefit in benefits:
            checked += 1
            if squeeze(asserted.value(criterion, PKG.sourceText)) not in squeeze(
                asserted.value(benefit, PKG.sourceText)
            ):
                wrong.append((criterion, "text", benefit))
            if asserted.value(criterion, PKG.clause) != asserted.value(benefit, PKG.clause):
                wrong.append((criterion, "clause", benefit))
    assert checked >= 20 and not wrong, wrong


def test_every_information_concept_is_a_chinese_question_under_one_of_six_topics(asserted):
    topics = {
        str(label)
        for topic in asserted.subjects(SKOS.inScheme, TOPICS)
        for label in asserted.objects(topic, SKOS.prefLabel)
        if label.language == "zh"
    }
    assert topics == {"基本情况", "荣誉与认证", "知识产权", "标准化", "合规记录", "金融保险"}
    concepts = set(asserted.subjects(SKOS.inScheme, INFO))
    assert len(concepts) > 60
    for concept in concepts:
        (question,) = asserted.objects(concept, PKG.questionText)
        assert question.language == "zh" and str(question).endswith("？"), concept
        assert (asserted.value(concept, PKG.questionTopic), SKOS.inScheme, TOPICS) in asserted, concept


def test_the_recognitions_held_are_one_question(asserted):
    """“已获得以下哪些？”: one concept whose answer is a set of recognitions, not a yes/no per award."""
    (concept,) = asserted.subjects(PKG.valueType, PKG.Recognition)
    assert str(asserted.value(concept, SKOS.notation)) == "recognitions"
    assert str(asserted.value(concept, PKG.questionText)).startswith("已获得以下哪些")
    required = set(asserted.objects(None, PKG.requiredRecognition))
    assert required and all((r, RDF.type, PKG.Recognition) in asserted for r in required)


def test_the_judgements_left_are_the_handbooks_own(served):
    """Worked out from the handbook: the clauses that leave a benefit to the assessors."""
    rows = served("benefits-left-to-judgement")
    found = {(value(row, "benefit").rsplit("/", 1)[-1], value(row, "judgement")) for row in rows}
    assert {
        ("ip-support-3", "择优"),  # §4（三）择优给予奖励
        ("ip-support-6a", "重大（显著）效益"),  # §4（六）项目取得重大经济效益的
        ("ip-support-8", "破格"),  # §4（八）符合破格申报条件的
        ("ip-support-9a", "评审评定"),  # §4（九）每年评定专利代理师 10-20 名
        ("standardization-incentive-1a", "评审评定"),  # §6【创建条件】（二）1–3
        ("standardization-incentive-4", "重大（显著）效益"),  # §6【创建条件】（二）4
        ("chief-quality-officer-5", "示范引领"),  # §8（五）发挥示范引领作用
    } <= found
    for row in rows:
        assert value(row, "sourceText") and value(row, "clause") and value(row, "firstPage")
    # Benefits that follow from a recognition only are not left to judgement once it is held.
    assert not {benefit for benefit, _ in found} & {
        "taishan-quality-2",
        "quality-awards-2b",
        "ip-support-10a",
    }


def test_the_shapes_reject_a_trigger_without_constraint_a_judgement_without_kind_and_a_concept_without_question(
    built_cfg,
):
    """Seeded faults for shape:TriggerCriterion, shape:JudgementCriterion and shape:Question."""
    closure = Graph()
    for part in ("asserted", "inferred"):
        closure.parse(Path(built_cfg["BUILD_DIR"]) / f"{part}.nt", format="nt")
    build.validate_shapes(closure, ROOT)  # the data conforms
    trigger = URIRef(ID + "criterion/ip-support-2-trigger-1")
    judgement = URIRef(ID + "criterion/ip-support-6a-trigger-2")
    closure.remove((trigger, PKG.hasConstraint, None))
    closure.remove((judgement, PKG.judgementKind, None))
    closure.add((judgement, PKG.hasConstraint, URIRef(ID + "constraint/ip-support-6a-trigger-1-a")))
    closure.remove((URIRef(ID + "concept/info/operating-years"), PKG.questionText, None))
    with pytest.raises(build.BuildError) as raised:
        build.validate_shapes(closure, ROOT)
    message = str(raised.value)
    for expected in ("惠企情形须有结构化约束", "须说明判断类型", "没有可计算的约束", "须有一个中文问句"):
        assert expected in message, message


@pytest.fixture(scope="module")
def matcher(built_cfg):
    opened = store.open_store(built_cfg)
    yield opened, match.eligibility(opened, built_cfg)
    opened.close()


def answered(rules, yes):
    """A Linyi company that answers every question: all yes (1 at every level) or all no (0)."""
    levels = {level: 1 for level in rules.levels} if yes else {}
    values = {"boolean": yes, "decimal": 1 if yes else 0, "by-level": levels, "place": "临沂市"}
    profile = {key: values[concept.kind] for key, concept in rules.concepts.items()}
    return dict(profile, **{"applicant-type": "organisation", "recognitions": []})


@pytest.mark.parametrize("yes", [False, True])
def test_with_every_question_answered_no_benefit_is_unknown_for_want_of_an_answer(
    matcher, built_cfg, asserted, yes
):
    """Once every question is answered, a benefit still unknown is one the handbook leaves to a
    judgement (a pkg:JudgementCriterion decides it), one that follows from a recognition (the
    recognitions question, docs/modelling.md “What match.py must learn” 1), or one with no
    condition at all (pkg:unconditional, item 4) — never “惠企内容所述情形” for want of a question."""
    opened, rules = matcher
    result = match.evaluate(answered(rules, yes), opened, built_cfg)
    judgements = {str(c) for c in asserted.subjects(RDF.type, PKG.JudgementCriterion)}
    unconditional = {str(b) for b in asserted.subjects(PKG.unconditional, None)}
    groups = {g["group"]: g for policy in result["policies"] for g in policy["groups"]}

    def explained(group):
        for criterion in group["criteria"]:
            if criterion["status"] != "unknown" or criterion["criterion"] in judgements:
                continue
            if not all(
                c["concept"] == "recognitions" for c in criterion["checks"] if c["status"] == "unknown"
            ):
                return False
        return True

    unexplained = []
    for policy in result["policies"]:
        for benefit in policy["benefits"]:
            if benefit["status"] != "unknown" or benefit["benefit"] in unconditional:
                continue
            pending = [c for c in benefit["conditions"] if c["status"] == "unknown"]
            if any(c["kind"] == "recognition" for c in pending):
                continue
            if not all(c["kind"] == "group" and explained(groups[c["group"]]) for c in pending):
                unexplained.append((benefit["benefit"], [c.get("label", c["kind"]) for c in pending]))
    assert result["counts"]["eligible"] + result["counts"]["not-eligible"] > 20
    assert not unexplained, unexplained
