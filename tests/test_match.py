"""Eligibility matching against hand-worked profiles, its rules (look-backs, exceptions, places,
recognitions, tiers, rates), bad and odd input, a policy added as data only, the web form and
JSON API, and the command line."""

import json
import re
import shutil
from pathlib import Path

import pytest

from policykg import build, cli, config, errors, match, store
from policykg.app import close, create_app
from policykg.views import match as match_view

FIXTURES = Path(__file__).parent / "fixtures" / "match"
BASE = config.DEFAULTS["BASE_IRI"]


@pytest.fixture(scope="module")
def embedded(built_cfg):
    opened = store.open_store(built_cfg)
    yield opened
    opened.close()


@pytest.fixture
def check(embedded, built_cfg):
    """The matcher's answer for a profile, on the session's build."""
    return lambda profile: match.evaluate(profile, embedded, built_cfg)


def profile(name):
    return json.loads((FIXTURES / name).read_text("utf-8"))


def find(result, kind, slug):
    """The policy, benefit, group or criterion of the answer whose IRI ends with /<slug>."""
    for policy in result["policies"]:
        if kind == "policy" and policy["policy"].endswith("/" + slug):
            return policy
        for benefit in policy["benefits"]:
            if kind == "benefit" and benefit["benefit"].endswith("/" + slug):
                return benefit
        for group in policy["groups"]:
            if kind == "group" and group["group"].endswith("/" + slug):
                return group
            for criterion in group["criteria"]:
                if kind == "criterion" and criterion["criterion"].endswith("/" + slug):
                    return criterion
    raise AssertionError(f"no {kind} {slug} in the answer")


def check_of(criterion, concept):
    return next(item for item in criterion["checks"] if item["concept"] == concept)


def condition(benefit, kind):
    return next(item for item in benefit["conditions"] if item["kind"] == kind)


# --- the profile of the issue, worked out by hand from the handbook ------------------------------
# A company registered in 山东省, 6 years in operation, 25 high-value invention patents, one major
# safety accident two years ago, no credit blemish.


def test_hand_worked_profile_counts(check):
    result = check(profile("shandong-6-years.json"))
    # 57 benefits, 49 of them for organisations: the 8 for individuals or regions (§1（二） the
    # individual's honour and reward, §4（八）（九）×2 and （十） 示范区, §8（三）（四）) are not part of
    # an organisation's answer. Eligible (7): §4（七）, tiered on patents and with no other
    # condition, and the six services the handbook sets no condition (§8 【惠企内容】（一）（二）,
    # §9 （一）（二）（三）: pkg:unconditional). Not eligible (6) through the accident: §1（二） the
    # organisation's honour and 200 万元, both benefits of §3 and of §5. The other 36 cannot be
    # decided from this profile.
    assert result["counts"] == {"eligible": 7, "not-eligible": 6, "unknown": 36}
    assert sum(len(policy["benefits"]) for policy in result["policies"]) == 49
    assert result["ignored"] == [] and result["warnings"] == []


def test_hand_worked_ip_protection_award_is_the_20_to_50_tier(check):
    benefit = find(check(profile("shandong-6-years.json")), "benefit", "ip-support-7")
    # §4（七）: 20 件（含）以上 50 件以下 → 最高给予 10 万元; 25 patents fail the other two tiers.
    assert benefit["status"] == "eligible"
    assert benefit["amount"]["most"] == 100000
    assert benefit["amount"]["text"] == "最高 10 万元"
    assert [tier["tier"] for tier in benefit["amount"]["tiers"]] == ["20 件（含）以上 50 件以下"]
    assert condition(benefit, "tier")["status"] == "met"


def test_hand_worked_governor_award_fails_on_the_accident(check):
    result = check(profile("shandong-6-years.json"))
    # §1（三）1: 主体业务正常运行 5 年以上 — 6 years: met.
    years = find(result, "criterion", "quality-awards-3-1")
    assert years["status"] == "met"
    assert check_of(years, "operating-years")["reason"] == "主体业务正常运行年限：6（要求 ≥ 5）"
    # §1（三）5: 近 3 年内无重大…事故 — one accident 2 years ago: unmet.
    accidents = find(result, "criterion", "quality-awards-3-5")
    assert accidents["status"] == "unmet"
    assert check_of(accidents, "major-accidents")["status"] == "unmet"
    assert "近 3 年内 1" in check_of(accidents, "major-accidents")["reason"]
    assert find(result, "group", "quality-awards-3")["status"] == "unmet"
    # So the 200 万元 that follows from the award is out of reach now — until the accident
    # leaves the 3-year window: 差一点, in 2 years, with what it pays once the award is won.
    reward = find(result, "benefit", "quality-awards-2b")
    assert reward["status"] == "not-eligible" and reward["outcome"] == "could" and reward["wait"] == 2
    assert reward["amount"]["most"] == 2000000
    assert condition(reward, "recognition")["status"] == "unmet"


def test_hand_worked_mayor_award_fails_on_the_accident_and_cannot_place_shandong(check):
    result = check(profile("shandong-6-years.json"))
    assert find(result, "criterion", "mayor-quality-award-1-1")["status"] == "met"  # 5 年以上
    assert find(result, "criterion", "mayor-quality-award-1-5")["status"] == "unmet"  # 近 3 年内事故
    # 【定义】 在临沂市行政区域内依法成立: 山东省 is wider than 临沂市, so it cannot be told.
    defined = find(result, "criterion", "mayor-quality-award-1-0")
    assert defined["status"] == "unknown" and "山东省范围较大" in defined["checks"][0]["reason"]
    assert find(result, "benefit", "mayor-quality-award-1b")["status"] == "not-eligible"
    assert find(result, "policy", "mayor-quality-award")["status"] == "not-eligible"


def test_hand_worked_haopin_shandong_needs_production_years(check):
    result = check(profile("shandong-6-years.json"))
    # §2（一）1 在山东省内注册，并且连续、正常生产 10 年以上: the place is met, production years not given.
    first = find(result, "criterion", "haopin-shandong-1-1")
    assert first["status"] == "unknown"
    assert check_of(first, "registration-place")["status"] == "met"
    assert check_of(first, "continuous-production-years")["status"] == "unknown"
    assert find(result, "criterion", "haopin-shandong-1-2")["status"] == "met"  # 近 5 年无不良信用记录
    assert find(result, "criterion", "haopin-shandong-1-5")["note"].startswith("需人工判断")
    assert find(result, "benefit", "haopin-shandong-2")["status"] == "unknown"


def test_hand_worked_china_quality_award_and_city_bonus_tiers(check):
    result = check(profile("shandong-6-years.json"))
    assert check_of(find(result, "criterion", "quality-awards-1-2"), "registration-place")["status"] == "met"
    assert find(result, "criterion", "quality-awards-1-3")["status"] == "unmet"  # 近5年内事故
    # §1（三）: the city's bonus for the China award (100 万) and the governor's award (50 万) is out
    # of reach; for the two nomination prizes the graph has no conditions, so they stay possible.
    bonus = find(result, "benefit", "quality-awards-3")
    assert bonus["status"] == "unknown"
    assert [(tier["tier"], tier["most"]) for tier in bonus["amount"]["tiers"]] == [
        ("中国质量奖提名奖", 500000),
        ("省长质量奖提名奖", 300000),
    ]
    assert bonus["amount"]["most"] == 500000


def test_hand_worked_taishan_quality_and_ip_insurance(check):
    result = check(profile("shandong-6-years.json"))
    assert find(result, "criterion", "taishan-quality-4")["status"] == "unmet"  # 近3年内重大事故
    assert find(result, "benefit", "taishan-quality-2")["status"] == "not-eligible"
    # §10（一）在山东省行政区域（不含青岛市）内注册: 山东省 holds 青岛市, so it cannot be told.
    place = check_of(find(result, "criterion", "ip-insurance-1"), "registration-place")
    assert place["status"] == "unknown"
    assert find(result, "criterion", "ip-insurance-2")["status"] == "met"  # 无不良信用记录
    subsidy = find(result, "benefit", "ip-insurance-1")
    assert subsidy["status"] == "unknown"
    assert subsidy["amount"]["needs"] == ["annual-premium"] and subsidy["amount"]["most"] == 400000


def test_hand_worked_profile_on_the_remote_store(app_cfg, monkeypatch):
    match.ELIGIBILITY.clear()  # read the rules from this store, not the cache
    opened = store.open_store(app_cfg)
    try:
        result = match.evaluate(profile("shandong-6-years.json"), opened, app_cfg)
    finally:
        opened.close()
    assert result["counts"] == {"eligible": 7, "not-eligible": 6, "unknown": 36}
    assert find(result, "benefit", "ip-support-7")["amount"]["most"] == 100000


# --- rules -------------------------------------------------------------------------------------


def test_look_back_counts_only_events_in_the_window(check):
    result = check({"applicant-type": "organisation", "major-accidents": [{"years_ago": 4}]})
    assert check_of(find(result, "criterion", "quality-awards-3-5"), "major-accidents")["status"] == "met"
    assert check_of(find(result, "criterion", "quality-awards-1-3"), "major-accidents")["status"] == "unmet"
    # The window includes its end (近 3 年内 … 以内 includes the number).
    result = check({"applicant-type": "organisation", "major-accidents": [{"years_ago": 3}]})
    assert check_of(find(result, "criterion", "quality-awards-3-5"), "major-accidents")["status"] == "unmet"


def test_a_plain_count_holds_for_every_window(check):
    result = check({"applicant-type": "organisation", "major-accidents": 1})
    for slug in ("quality-awards-3-5", "quality-awards-1-3", "taishan-quality-4"):
        assert check_of(find(result, "criterion", slug), "major-accidents")["status"] == "unmet"
    result = check({"applicant-type": "organisation", "major-accidents": 0})
    assert check_of(find(result, "criterion", "taishan-quality-4"), "major-accidents")["status"] == "met"


def test_four_new_field_exception(check):
    four_years = {"applicant-type": "organisation", "operating-years": 4}
    for flag, expected in ((True, "met"), (False, "unmet"), (None, "unknown")):
        result = check(dict(four_years, **({"four-new-field": flag} if flag is not None else {})))
        assert find(result, "criterion", "quality-awards-3-1")["status"] == expected, flag
        # The mayor's award has no such exception.
        assert find(result, "criterion", "mayor-quality-award-1-1")["status"] == "unmet"


def criterion_as(profile_data, slug, embedded, built_cfg):
    """One criterion of the graph judged for a profile, whether or not its handbook applies."""
    rules = match.eligibility(embedded, built_cfg)
    profile = match.read_profile(profile_data, rules)
    found = [
        criterion
        for policy in rules.policies.values()
        for group in policy.groups
        for criterion in group.criteria
        if criterion.iri.endswith("/" + slug)
    ]
    return match.evaluate_criterion(found[0], profile, rules)


def test_places_through_the_hierarchy(check, embedded, built_cfg):
    linyi = check({"applicant-type": "organisation", "registration-place": "临沂"})
    assert (
        check_of(find(linyi, "criterion", "mayor-quality-award-1-0"), "registration-place")["status"] == "met"
    )
    assert check_of(find(linyi, "criterion", "ip-insurance-1"), "registration-place")["status"] == "met"
    assert check_of(find(linyi, "criterion", "quality-awards-1-2"), "registration-place")["status"] == "met"
    # The handbook covers 临沂市: none of its policies is evaluated for a company in 青岛市 …
    qingdao = check({"applicant-type": "organisation", "registration-place": "Qingdao"})
    assert qingdao["policies"] == [] and sum(qingdao["counts"].values()) == 0
    # … and its conditions would not hold there anyway.
    insurance = criterion_as({"registration-place": "Qingdao"}, "ip-insurance-1", embedded, built_cfg)
    assert check_of(insurance, "registration-place")["status"] == "unmet"
    mayor = criterion_as({"registration-place": "青岛市"}, "mayor-quality-award-1-0", embedded, built_cfg)
    assert check_of(mayor, "registration-place")["status"] == "unmet"
    # A place wider than the handbook's (山东省 holds 临沂市) keeps its policies, undecided where it matters.
    shandong = check({"applicant-type": "organisation", "registration-place": "山东省"})
    assert (
        check_of(find(shandong, "criterion", "ip-insurance-1"), "registration-place")["status"] == "unknown"
    )
    elsewhere = check({"applicant-type": "organisation", "registration-place": "北京市"})
    assert (
        check_of(find(elsewhere, "criterion", "ip-insurance-1"), "registration-place")["status"] == "unknown"
    )
    assert any("北京市" in note for note in elsewhere["warnings"])


def test_alternative_registration_or_residence(check, embedded, built_cfg):
    # §7（一） 在临沂市行政区域内注册或者常住: either place will do.
    result = check({"applicant-type": "individual", "residence-place": "临沂市"})
    assert find(result, "criterion", "patent-award-1")["status"] == "met"
    qingdao = {"applicant-type": "individual", "residence-place": "青岛市", "registration-place": "青岛市"}
    assert criterion_as(qingdao, "patent-award-1", embedded, built_cfg)["status"] == "unmet"
    assert check(qingdao)["policies"] == []


def test_recognitions_held_unlock_their_benefits(check):
    result = check({"applicant-type": "organisation", "recognitions": ["省长质量奖", "“泰山品质”认证"]})
    reward = find(result, "benefit", "quality-awards-2b")
    assert reward["status"] == "eligible" and reward["amount"]["most"] == 2000000
    bonus = find(result, "benefit", "quality-awards-3")
    assert bonus["status"] == "eligible"
    held = [tier for tier in bonus["amount"]["tiers"] if tier["status"] == "met"]
    assert [(tier["tier"], tier["most"]) for tier in held] == [("省长质量奖", 500000)]
    assert find(result, "benefit", "taishan-quality-2")["amount"]["text"] == "10 万元（一次性）"


def test_rates_are_computed_when_the_base_is_given(check):
    result = check({"applicant-type": "organisation", "annual-premium": 300000})
    subsidy = find(result, "benefit", "ip-insurance-1")
    # 60% × 30 万 = 18 万, under the 20 万 and 40 万 caps, over the 6 万 cap of domestic-only cover.
    assert [tier["most"] for tier in subsidy["amount"]["tiers"]] == [180000, 60000, 180000]
    assert subsidy["amount"]["most"] == 180000 and subsidy["amount"]["needs"] == []


def test_tier_below_every_threshold_fails(check):
    benefit = find(
        check({"applicant-type": "organisation", "high-value-invention-patents": 5}),
        "benefit",
        "ip-support-7",
    )
    assert benefit["status"] == "not-eligible" and condition(benefit, "tier")["status"] == "unmet"


def test_applicant_type_decides_and_its_absence_leaves_unknown(check):
    result = check({"applicant-type": "个人"})
    assert find(result, "benefit", "ip-support-9a")["status"] == "unknown"
    # A person's answer holds only the benefits for individuals (and the policies that have one).
    assert all(
        "individual" in benefit["applicants"]
        for policy in result["policies"]
        for benefit in policy["benefits"]
    )
    with pytest.raises(AssertionError):
        find(result, "benefit", "ip-support-7")
    # No applicant type: nothing can be ruled out on it.
    result = check({})
    assert result["counts"]["eligible"] == 0
    assert find(result, "benefit", "ip-support-9a")["status"] == "unknown"
    assert sum(result["counts"].values()) == 57


# --- bad, unknown and contradictory input -------------------------------------------------------


@pytest.mark.parametrize(
    "data, field",
    [
        ({"operating-years": "6"}, "operating-years"),
        ({"operating-years": True}, "operating-years"),
        ({"operating-years": float("nan")}, "operating-years"),
        ({"four-new-field": "yes"}, "four-new-field"),
        ({"registration-place": 37}, "registration-place"),
        ({"applicant-type": "alien"}, "applicant-type"),
        ({"applicant-type": 1}, "applicant-type"),
        ({"recognitions": "省长质量奖"}, "recognitions"),
        ({"major-accidents": [2]}, "major-accidents[0]"),
        ({"major-accidents": [{"years_ago": "2"}]}, "major-accidents[0].years_ago"),
        (["operating-years", 6], "profile"),
    ],
)
def test_bad_types_are_400_naming_the_field(check, data, field):
    with pytest.raises(errors.BadRequest) as caught:
        check(data)
    assert caught.value.status == 400
    assert caught.value.details["field"] == field
    assert field in caught.value.message


def test_unknown_fields_are_listed_and_ignored(check):
    result = check(
        {"applicant-type": "organisation", "foreign-patents": 3, "standards-abroad": {"national": 1}}
    )
    assert result["ignored"] == ["foreign-patents", "standards-abroad"]
    assert "foreign-patents" not in result["profile"]


def test_contradictory_values_are_unknown_with_a_warning(check):
    result = check(
        {
            "applicant-type": "organisation",
            "credit-blemishes": -1,
            "major-accidents": [{"years_ago": -1}],
            "recognitions": ["火星奖"],
        }
    )
    assert check_of(find(result, "criterion", "ip-insurance-2"), "credit-blemishes")["status"] == "unknown"
    assert check_of(find(result, "criterion", "taishan-quality-4"), "major-accidents")["status"] == "unknown"
    assert len(result["warnings"]) == 3


# --- a policy added as data only ------------------------------------------------------------------


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """A copy of the project with one more policy in data/, built: (settings, open store)."""
    root = tmp_path_factory.mktemp("grown")
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(config.ROOT / folder, root / folder)
    shutil.copy(FIXTURES / "new-policy.ttl", root / "data" / "zz-new-policy.ttl")
    cfg = config.settings({"ROOT": str(root), "BUILD_DIR": str(root / "build")})
    build.build(cfg)
    opened = store.open_store(cfg)
    yield cfg, opened
    opened.close()


def test_a_policy_added_as_data_is_matched(grown):
    cfg, opened = grown
    fits = {
        "applicant-type": "organisation",
        "registration-place": "临沂市",
        "operating-years": 4,
        "credit-blemishes": [{"years_ago": 3}],
    }
    result = match.evaluate(fits, opened, cfg)
    policy = find(result, "policy", "test-new-policy")
    assert policy["label"] == "新增试点扶持" and policy["status"] == "eligible"
    benefit = find(result, "benefit", "test-new-policy-1")
    assert benefit["status"] == "eligible" and benefit["amount"]["most"] == 80000
    assert find(result, "criterion", "test-new-policy-2")["status"] == "met"  # 3 years ago: outside 近 2 年
    assert benefit["pages"]["text"] == "第 99–100 页"

    too_young = match.evaluate(dict(fits, **{"operating-years": 2}), opened, cfg)
    assert find(too_young, "benefit", "test-new-policy-1")["status"] == "not-eligible"
    assert check_of(find(too_young, "criterion", "test-new-policy-1"), "operating-years")["status"] == "unmet"


# --- web ----------------------------------------------------------------------------------------


@pytest.fixture
def match_client(built_cfg):
    app = create_app(dict(built_cfg, STORE="embedded", TESTING=True))
    if match_view.bp.name not in app.blueprints:
        app.register_blueprint(match_view.bp)
    yield app.test_client()
    close(app)


def test_match_json_api(match_client):
    response = match_client.post("/match.json", json=profile("shandong-6-years.json"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["counts"]["eligible"] == 7
    assert find(body, "benefit", "ip-support-7")["amount"]["most"] == 100000


def test_match_json_post_to_the_plain_address(match_client):
    response = match_client.post("/match", json={"applicant-type": "organisation"})
    assert response.status_code == 200 and response.mimetype == "application/json"


def test_match_schema(match_client):
    body = match_client.get("/match.json").get_json()
    keys = {item["key"]: item for item in body["fields"]}
    assert keys["operating-years"]["type"] == "decimal"
    assert keys["four-new-field"]["type"] == "boolean"
    assert keys["registration-place"]["type"] == "place"
    assert "省长质量奖" in keys["recognitions"]["choices"]
    assert "临沂市" in body["places"] and body["example"]["operating-years"] == 6


def test_match_bad_type_is_400_json(match_client):
    response = match_client.post("/match.json", json={"operating-years": "six"})
    assert response.status_code == 400
    assert response.get_json()["field"] == "operating-years"
    response = match_client.post("/match.json", data="{not json", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["field"] == "profile"


def test_match_page_starts_with_who_is_applying(match_client):
    response = match_client.get("/match", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'method="get"' in html
    assert "谁来申报？" in html and 'name="applicant-type"' in html
    assert 'name="operating-years"' not in html  # one step at a time


def test_match_page_steps_carry_the_answers_in_the_address(match_client):
    response = match_client.get("/match?applicant-type=organisation&asked=applicant-type")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The answer so far is kept for the next step, and can be changed.
    assert '<input type="hidden" name="applicant-type" value="organisation">' in html
    assert "修改" in html and "组织" in html
    # The next step asks where the organisation is registered, in Chinese, with no machine key.
    assert "单位在哪里注册（依法设立）？" in html and "临沂市" in html
    main = html[html.index("<main") :]
    visible = re.sub(r"<[^>]+>", " ", main)
    assert not re.search(r"[a-z]+-[a-z]+", visible), re.findall(r"[a-z]+-[a-z]+", visible)


def test_match_page_bad_answer_is_400(match_client):
    response = match_client.get("/match?applicant-type=alien")
    assert response.status_code == 400 and "applicant-type" in response.get_data(as_text=True)
    response = match_client.get("/match?applicant-type=organisation&page=0")
    assert response.status_code == 400


def test_match_form_post_shows_conditions_with_clauses(match_client):
    form = {
        "applicant-type": "organisation",
        "registration-place": "山东省",
        "operating-years": "6",
        "high-value-invention-patents": "25",
        "major-accidents": "1",
        "credit-blemishes": "0",
    }
    response = match_client.post("/match", data=form, headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "知识产权保护奖励" in html and "最高 10 万元" in html
    assert "近 3 年内无重大质量、安全、环境污染、公共卫生等事故" in html and "第 1–5 页" in html


def test_match_form_json_box_and_bad_number(match_client):
    response = match_client.post(
        "/match", data={"profile": json.dumps({"applicant-type": "个人"})}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200 and "评定专利代理师奖励" in response.get_data(as_text=True)
    response = match_client.post("/match.json", data={"operating-years": "六年"})
    assert response.status_code == 400 and response.get_json()["field"] == "operating-years"


def test_match_page_escapes_input(match_client):
    response = match_client.post(
        "/match", data={"registration-place": "<b>x</b>"}, headers={"Accept": "text/html"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


# --- command line -------------------------------------------------------------------------------


@pytest.fixture
def cli_build(built_cfg, monkeypatch):
    monkeypatch.setenv("POLICYKG_BUILD_DIR", built_cfg["BUILD_DIR"])


def test_command_line_prints_verdicts_and_reasons(cli_build, capsys):
    assert cli.main(["match", str(FIXTURES / "shandong-6-years.json")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("符合 7 项，不符合 6 项，待定 36 项") and err == ""
    assert "✔ 符合  知识产权保护奖励（按高价值发明专利拥有量分档）  — 最高 10 万元" in out
    assert "近 3 年内 1（要求 ≤ 0）" in out


def test_command_line_json(cli_build, capsys):
    assert cli.main(["match", str(FIXTURES / "shandong-6-years.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["eligible"] == 7


def test_command_line_bad_profile_exits_2(cli_build, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"operating-years": "six"}', encoding="utf-8")
    assert cli.main(["match", str(bad)]) == 2
    _, err = capsys.readouterr()
    assert "operating-years" in err and "Traceback" not in err
    assert cli.main(["match", str(tmp_path / "missing.json")]) == 1


def test_every_profile_field_is_documented(embedded, built_cfg):
    doc = (config.ROOT / "docs" / "ask-and-match.md").read_text("utf-8")
    fields = match.schema(embedded, built_cfg)["fields"]
    missing = [item["key"] for item in fields if f"`{item['key']}`" not in doc]
    assert len(fields) > 30 and missing == []


# --- counts by level (§6 tiers) ---------------------------------------------------------------------


def test_standards_led_at_a_level_pick_that_tier(check):
    """§6 （一）: 主导制定 a national standard → the national tier, 不高于 50 万元; the international
    tier fails (0 international standards), the other levels too; 领跑者 at the provincial level → 20 万."""
    result = check(
        {
            "applicant-type": "organisation",
            "standards-led": {"national": 1},
            "standard-leader-honours": {"provincial": 1},
        }
    )
    led = find(result, "benefit", "standardization-incentive-1a")
    assert led["amount"]["most"] == 500000
    assert [tier["tier"] for tier in led["amount"]["tiers"]] == ["国家标准"]
    tier = next(condition for condition in led["conditions"] if condition["kind"] == "tier")
    assert tier["status"] == "met"
    assert find(result, "benefit", "standardization-incentive-5")["amount"]["most"] == 200000
    joined = find(result, "benefit", "standardization-incentive-2a")
    assert {t["status"] for t in joined["amount"]["tiers"]} == {"unknown"}  # not given: pending


def test_counts_by_level_are_checked(check):
    with pytest.raises(errors.BadRequest, match="standards-led"):
        check({"standards-led": 2})
    with pytest.raises(errors.BadRequest, match=r"standards-led\.national"):
        check({"standards-led": {"national": "two"}})
    result = check({"standards-led": {"lunar": 1}})
    assert any("lunar" in warning for warning in result["warnings"])


# --- the questionnaire's JSON ---------------------------------------------------------------------


def test_questions_json_lists_every_question_in_chinese(match_client):
    response = match_client.get("/match/questions.json")
    questions = response.get_json()["questions"]
    assert response.status_code == 200
    fields = {question["field"] for question in questions}
    assert {"applicant-type", "registration-place", "operating-years", "recognitions"} <= fields
    for question in questions:
        assert re.search(r"[\u4e00-\u9fff]", question["label"]), question
        assert question["type"] and question["topic"]
        for choice in question.get("choices", ()):
            assert re.search(r"[\u4e00-\u9fff]", choice["label"]), choice
    recognitions = next(question for question in questions if question["field"] == "recognitions")
    assert recognitions["label"] == "已获得以下哪些？" and len(recognitions["choices"]) > 5


def test_questions_json_with_answers_gives_the_next_ones(match_client):
    first = match_client.get("/match/questions.json?asked=x").get_json()
    assert [question["field"] for question in first["next_questions"]] == ["applicant-type"]
    response = match_client.get("/match/questions.json?applicant-type=organisation&asked=applicant-type")
    body = response.get_json()
    assert response.status_code == 200 and body["profile"] == {"applicant-type": "organisation"}
    # Where it is registered comes first, and every question asked still decides something.
    assert body["next_questions"][0]["field"] == "registration-place"
    assert all(question["decides"] > 0 for question in body["next_questions"])
    response = match_client.get("/match/questions.json?operating-years=六")
    assert response.status_code == 400 and response.get_json()["field"] == "operating-years"


def test_match_json_gives_outcomes_money_and_next_questions(match_client):
    response = match_client.post("/match.json", json=profile("shandong-6-years.json"))
    body = response.get_json()
    assert response.status_code == 200
    assert body["next_questions"] and all("label" in question for question in body["next_questions"])
    assert sum(body["outcomes"].values()) == 49
    # §4（七） 25 patents: eligible, 最高 10 万元 — the total eligible holds it.
    assert body["total"]["eligible"] >= 100000
    governor = find(body, "benefit", "quality-awards-2b")
    assert governor["outcome"] == "could"  # the accident two years ago ages out of 近 3 年
    assert "近 3 年内无" in governor["near"] and governor["wait"] == 2
    assert governor["failing"]["clause"] and governor["failing"]["pages"]["text"]
