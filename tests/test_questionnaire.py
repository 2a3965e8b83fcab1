"""The guided eligibility check, walked through as an applicant would: three profiles worked out
by hand from the handbook (docs/match-profiles.md; their facts and expected verdicts in
tests/fixtures/match/profiles.json) answer each step's questions through the address, as the
page's form sends them, until nothing is left to ask.

- Each reaches a full verdict in at most 12 questions (a checklist, a table of counts or of
  events is one question, as it is one on the page).
- Once every question is answered, no benefit is unknown for want of an answer: what is left
  is the handbook's own judgement (由评审决定), each with the clause it comes from.
- The verdicts, amounts and total are the hand-worked ones.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from policykg.app import close, create_app

PROFILES = json.loads((Path(__file__).parent / "fixtures" / "match" / "profiles.json").read_text("utf-8"))
MOST_QUESTIONS = 12


@pytest.fixture(scope="module")
def client(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True))
    yield app.test_client()
    close(app)


def answer(question, facts):
    """The (name, value) pairs the page's form sends for one question, from what is true."""
    pairs = [("asked", name) for name in question.get("fields", [question["field"]])]
    kind = question["type"]
    if kind == "checklist":
        return pairs + [(name, "true") for name in question["fields"] if facts.get(name) is True]
    if kind == "counts":
        for row in question["rows"]:
            counts = facts.get(row["field"], {})
            pairs += [(f"{row['field']}.{level}", str(count)) for level, count in counts.items()]
        return pairs
    if kind == "table":
        return pairs + [
            (row["field"], value_answer(row, facts[row["field"]]))
            for row in question["rows"]
            if row["field"] in facts
        ]
    value = facts.get(question["field"])
    if value is None:
        return pairs  # 不清楚
    if kind == "recognitions":
        return pairs + [(question["field"], name) for name in value]
    return pairs + [(question["field"], value_answer(question, value))]


def value_answer(question, value):
    """One field's value as the form sends it."""
    if question["type"] == "events":
        return event_answer(value)
    if question["type"] == "boolean":
        return "true" if value else "false"
    return str(value)


def event_answer(events):
    return "none" if not events else str(min(event["years_ago"] for event in events))


def walk(client, facts):
    """Answer step after step; (questions asked, the last answer, the address)."""
    pairs, asked = [], 0
    for _ in range(40):
        response = client.get("/match/questions.json?" + urlencode(pairs + [("asked", "")]))
        assert response.status_code == 200, response.get_data(as_text=True)
        step = response.get_json()["next_questions"]
        if not step:
            break
        for question in step:
            asked += 1
            pairs += answer(question, facts)
    else:
        raise AssertionError("the questionnaire did not end")
    result = client.post("/match.json", json=_profile(client, pairs)).get_json()
    return asked, result, pairs


def _profile(client, pairs):
    return client.get("/match/questions.json?" + urlencode(pairs)).get_json()["profile"]


def benefits(result):
    return {
        benefit["benefit"].rsplit("/", 1)[-1]: benefit
        for policy in result["policies"]
        for benefit in policy["benefits"]
    }


@pytest.mark.parametrize("name", PROFILES)
def test_a_full_verdict_in_at_most_12_questions(client, name):
    asked, result, _ = walk(client, PROFILES[name]["facts"])
    assert asked <= MOST_QUESTIONS, f"{name}: {asked} questions"
    assert result["next_questions"] == []


@pytest.mark.parametrize("name", PROFILES)
def test_no_benefit_is_unknown_for_want_of_an_answer(client, name):
    _, result, _ = walk(client, PROFILES[name]["facts"])
    assert result["outcomes"]["unknown"] == 0, [
        b["label"] for b in benefits(result).values() if b["outcome"] == "unknown"
    ]
    for benefit in benefits(result).values():
        if benefit["outcome"] == "review":  # left to the handbook's judgement, citing the clause
            assert benefit["judgements"], benefit["label"]
            assert all(item["clause"] and item["pages"]["text"] for item in benefit["judgements"])
        if benefit["outcome"] in ("not-eligible", "could"):  # the one failing condition, cited
            assert benefit["failing"]["reason"] and benefit["failing"]["pages"]["text"]


@pytest.mark.parametrize("name", PROFILES)
def test_the_hand_worked_verdicts_and_amounts(client, name):
    profile = PROFILES[name]
    _, result, _ = walk(client, profile["facts"])
    found = benefits(result)
    # Every benefit evaluated for the profile has its hand-worked verdict: none left unchecked.
    assert {slug: benefit["outcome"] for slug, benefit in found.items()} == profile["expected"]
    assert {slug: found[slug]["amount"]["most"] for slug in profile["amounts"]} == profile["amounts"]
    assert result["total"]["eligible"] == profile["total_eligible"]


def test_a_near_miss_says_when(client):
    _, result, _ = walk(client, PROFILES["person"]["facts"])
    mayor = benefits(result)["mayor-quality-award-1a"]
    # 所属的单位近 3 年内无重大…事故 (§5（二）6): an accident 2 years ago leaves the window in 2 years.
    assert mayor["wait"] == 2 and "近 3 年内无所属单位重大事故" in mayor["near"]
    assert "获得临沂市市长质量奖后可申报" in mayor["near"]
    _, result, _ = walk(client, PROFILES["company"]["facts"])
    haopin = benefits(result)["haopin-shandong-1"]
    # 连续、正常生产 10 年以上 (§2（一）1): 8 years now, 2 more.
    assert haopin["wait"] == 2 and "满 10 年即可申报（现为 8 年）" in haopin["near"]


def test_every_question_asked_decides_something_and_none_twice(client):
    pairs, seen = [], set()
    facts = PROFILES["company"]["facts"]
    for _ in range(40):
        step = client.get("/match/questions.json?" + urlencode(pairs + [("asked", "")])).get_json()[
            "next_questions"
        ]
        if not step:
            break
        for question in step:
            fields = set(question.get("fields", [question["field"]]))
            assert not fields & seen, fields & seen
            assert question.get("decides", 1) > 0
            seen |= fields
            pairs += answer(question, facts)
    assert {"applicant-type", "registration-place", "recognitions"} <= seen


def test_the_realistic_company_of_the_issue_before_and_after(client):
    """Linyi, 8 years, no accidents, no credit blemish, 12 high-value invention patents: as a
    flat profile most benefits stay unknown; walked through the questionnaire (the company
    profile answers what else is asked) none is."""
    facts = {
        "applicant-type": "organisation",
        "registration-place": "临沂市",
        "operating-years": 8,
        "major-accidents": [],
        "credit-blemishes": [],
        "high-value-invention-patents": 12,
    }
    before = client.post("/match.json", json=facts).get_json()
    assert before["outcomes"]["unknown"] >= 20
    assert {
        name for question in before["next_questions"] for name in question.get("fields", [question["field"]])
    }
    company = PROFILES["company"]["facts"]
    assert all(company[key] == value for key, value in facts.items())
    _, after, _ = walk(client, company)
    assert after["outcomes"]["unknown"] == 0


@pytest.mark.parametrize("name", PROFILES)
def test_no_machine_key_on_any_step(client, name):
    """Every step's page, and the answer, in Chinese: no field key (`operating-years`…) shows."""
    facts, pairs = PROFILES[name]["facts"], []
    for _ in range(40):
        html = client.get("/match?" + urlencode(pairs), headers={"Accept": "text/html"}).get_data(
            as_text=True
        )
        visible = re.sub(r"<[^>]+>", " ", html[html.index("<main") : html.index("</main>")])
        assert not re.findall(r"[A-Za-z]+[-_][A-Za-z]+", visible)
        step = client.get("/match/questions.json?" + urlencode(pairs + [("asked", "")])).get_json()[
            "next_questions"
        ]
        if not step:
            break
        for question in step:
            pairs += answer(question, facts)
