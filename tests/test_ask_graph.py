"""Ask read against the whole graph: entity linking (partial names, traditional characters,
typos), question types each answered by its own query of queries/ask/, tiers, eligibility through
match's constraint logic, retrieval of clauses, confidence, and the dev part of the evaluation set
as a gate (docs/ask-evaluation.md)."""

import pytest

from policykg import ask, match, queries, store


@pytest.fixture(scope="module")
def embedded(built_cfg):
    opened = store.open_store(built_cfg)
    yield opened
    opened.close()


def asked(question, embedded, cfg):
    return ask.answer(question, embedded, cfg, matcher=match)


def flat(text):
    return text.replace(" ", "")


# --- the three examples of issue 12 ----------------------------------------------------------


def test_how_much_a_named_certification_brings(embedded, built_cfg):
    result = asked("泰山品质认证能拿多少钱", embedded, built_cfg)
    assert result["sure"] and result["type"] == "amount" and result["query"] == "amount"
    assert all(word in flat(result["summary"]) for word in ("10万元", "一次性", "山东省人民政府"))
    assert result["figure"] == "10 万元（一次性）"
    assert result["clauses"][0]["text"] == "山东省人民政府对通过“泰山品质”认证的给予一次性10万元奖励。"
    assert result["clauses"][0]["pages"] == "第 8–9 页"


def test_which_thresholds_six_years_meet(embedded, built_cfg):
    result = asked("我们公司成立6年了，能申请什么质量奖", embedded, built_cfg)
    assert result["sure"] and result["type"] == "eligibility"
    summary = flat(result["summary"])
    assert "省长质量奖" in summary and "市长质量奖" in summary
    assert "5年以上" in summary and "3年以上" in summary  # the “四新” alternative is shown with its clause
    assert "中国质量奖" not in summary  # no years threshold there


def test_a_web_address_stated_in_the_text(embedded, built_cfg):
    result = asked("质量沂站的网址是什么", embedded, built_cfg)
    assert result["sure"] and result["figure"] == "https://zlyz.greatnqi.com/"
    assert "https://zlyz.greatnqi.com/" in result["summary"]


# --- linking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "泰山品質認證能拿多少錢",
        "“泰山品质”认证给多少奖励",
        "泰山品质能拿多少钱",
        "how much is the Taishan Quality certification worth",
    ],
)
def test_names_are_linked_through_variants(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["entities"][0]["iri"].endswith("recognition/taishan-quality")
    assert "10万元" in flat(result["summary"])


def test_a_small_typo_still_links_but_costs_confidence(embedded, built_cfg):
    exact = asked("泰山品质认证奖多少", embedded, built_cfg)
    typo = asked("泰山品只认证奖多少", embedded, built_cfg)
    assert typo["entities"][0]["iri"] == exact["entities"][0]["iri"]
    assert typo["confidence"] < exact["confidence"]


def test_a_distinctive_part_of_a_long_name(embedded, built_cfg):
    result = asked("专利导航奖励多少", embedded, built_cfg)
    assert result["entities"][0]["iri"].endswith("benefit/ip-support-2")
    assert "20万元" in flat(result["summary"])


# --- question types --------------------------------------------------------------------------


def test_the_hotline_is_not_an_amount(embedded, built_cfg):
    result = asked("泰山品质认证的咨询电话是多少", embedded, built_cfg)
    assert result["type"] == "hotline" and result["hotline"] == "0539-5977828"
    assert "万元" not in result["summary"]


def test_conditions_cite_each_clause(embedded, built_cfg):
    result = asked("申请泰山品质认证要满足什么条件", embedded, built_cfg)
    assert result["type"] == "conditions" and result["sure"]
    assert "近3年内未发生安全、环保、质量等重大事故" in result["summary"]
    assert all(clause["pages"] == "第 8–9 页" for clause in result["clauses"])


def test_legal_basis(embedded, built_cfg):
    result = asked("泰山品质认证的政策依据是什么", embedded, built_cfg)
    assert result["type"] == "documents" and "鲁政发〔2018〕22号" in result["summary"]


def test_the_tier_a_label_names(embedded, built_cfg):
    result = asked("主导制定团体标准能拿多少", embedded, built_cfg)
    assert "5万元" in flat(result["summary"]) and "100万元" not in flat(result["summary"])


def test_the_tier_a_count_falls_in(embedded, built_cfg):
    result = asked("知识产权保护奖励，拥有高价值发明专利25件能拿多少", embedded, built_cfg)
    summary = flat(result["summary"])
    assert "10万元" in summary and "20万元" not in summary and "5万元" not in summary


def test_a_level_the_handbook_does_not_state_is_unsure(embedded, built_cfg):
    result = asked("市级标准化试点示范项目给多少", embedded, built_cfg)
    assert not result["sure"] and result["summary"].startswith("不确定")
    assert result["rows"] == [] and result["figure"] is None


def test_years_that_meet_no_threshold_name_the_thresholds(embedded, built_cfg):
    result = asked("公司才成立4年，能报什么质量奖", embedded, built_cfg)
    assert "不满足" in result["summary"] and "5年以上" in flat(result["summary"])


def test_a_required_number_of_years_is_a_list_not_a_stated_attribute(embedded, built_cfg):
    result = asked("哪些奖励要求运行5年以上", embedded, built_cfg)
    assert result["type"] == "list" and result["query"] == "operating-years-at-least"


def test_a_fact_stated_in_text_is_the_clause_verbatim(embedded, built_cfg):
    result = asked("首席质量官培训收费吗", embedded, built_cfg)
    assert result["type"] == "fact" and "培训费用" in result["summary"]


def test_unsure_shows_clauses_never_another_types_rows(embedded, built_cfg):
    result = asked("认证联盟秘书处设在哪里", embedded, built_cfg)
    assert not result["sure"] and result["rows"] == [] and result["figure"] is None
    assert result["clauses"] and result["suggestions"]


def test_every_ask_query_loads_and_runs(embedded, built_cfg):
    catalog = ask.ask_catalog(built_cfg)
    assert set(catalog.names()) >= {
        "amount",
        "conditions",
        "hotline",
        "documents",
        "about",
        "concept-constraints",
    }
    for query in catalog:
        assert embedded.query(query.bind()).rows, query.name


def test_the_sparql_kept_is_what_ran(embedded, built_cfg):
    result = asked("市长质量奖打哪个电话", embedded, built_cfg)
    again = embedded.query(result["sparql"]).rows
    assert len(again) == len(result["rows"]) > 0


# --- the evaluation set ------------------------------------------------------------------------

# The gates on the development parts (docs/ask-evaluation.md, "Scores"): what ask reaches now,
# less a margin (third round: 84.8 % and 85.2 % right, none wrong with confidence).
DEV_RIGHT = 0.83
DEV_WRONG = 0.01
DEV_2_RIGHT = 0.82
DEV_2_WRONG = 0.01


def test_the_dev_part_gate(embedded, built_cfg):
    evaluation = ask.evaluate_set(
        embedded, built_cfg, part="dev", matcher=match, catalog=queries.canned(built_cfg)
    )
    assert evaluation.total() == len(ask.load_set(part="dev")) > 250
    assert evaluation.share("right") >= DEV_RIGHT
    assert evaluation.share("wrong") <= DEV_WRONG


def test_the_second_sets_dev_part_gate(embedded, built_cfg):
    evaluation = ask.evaluate_set(
        embedded, built_cfg, ask.ASK_SET_2, "dev", matcher=match, catalog=queries.canned(built_cfg)
    )
    assert evaluation.set == "ask-set-2.tsv"
    assert evaluation.total() == len(ask.load_set(ask.ASK_SET_2, "dev")) > 100
    assert evaluation.share("right") >= DEV_2_RIGHT
    assert evaluation.confident_wrong <= DEV_2_WRONG


def test_the_test_part_is_never_shown(embedded, built_cfg):
    evaluation = ask.evaluate_set(embedded, built_cfg, part="test", matcher=match)
    assert evaluation.misses == [] and evaluation.total() > 250


def test_an_unknown_part_is_400():
    with pytest.raises(Exception) as caught:
        ask.load_set(part="all")
    assert getattr(caught.value, "status", None) == 400


# --- readings of kinds of question (issue 12) -----------------------------------------------


def test_a_fact_about_a_named_thing_is_the_sentence_stating_it(embedded, built_cfg):
    result = asked("市长质量奖获奖的单位能得到什么东西", embedded, built_cfg)
    assert result["sure"]
    assert all(word in result["summary"] for word in ("奖杯", "奖牌", "荣誉证书"))
    assert result["clauses"] and result["clauses"][0]["pages"] == "第 14–16 页"


def test_a_sentence_that_does_not_state_the_question_is_unsure(embedded, built_cfg):
    result = asked("泰山品质认证的证书有效期是几年", embedded, built_cfg)
    assert not result["sure"] and result["summary"].startswith("不确定") and result["clauses"]


def test_how_often_is_never_a_one_off(embedded, built_cfg):
    result = asked("临沂市专利奖多长时间评一次", embedded, built_cfg)
    assert result["sure"] and "每年评选一次" in result["summary"]


def test_who_pays_is_who_bears_the_cost(embedded, built_cfg):
    result = asked("标准化创新激励的资金谁出", embedded, built_cfg)
    assert result["sure"] and "财政部门预算安排" in result["summary"]


def test_a_document_number_alone_is_that_document(embedded, built_cfg):
    result = asked("鲁政发（2020）12号", embedded, built_cfg)
    assert result["sure"] and result["type"] == "documents"
    assert "山东省省长质量奖管理办法" in result["summary"] and "中国、省质量奖奖励" in result["summary"]


def test_what_a_recognition_held_brings_money_or_not(embedded, built_cfg):
    result = asked("我们拿到了泰山品质认证，有什么好处", embedded, built_cfg)
    assert result["sure"] and result["type"] == "amount"
    assert "10万元" in flat(result["summary"]) and "认证标志" in result["summary"]


def test_a_benefit_named_alone_asks_what_it_gives(embedded, built_cfg):
    result = asked("驰名商标奖励", embedded, built_cfg)
    assert result["sure"] and result["type"] == "amount" and "50万元" in flat(result["summary"])


def test_a_level_asked_picks_the_tier_named_after_it(embedded, built_cfg):
    result = asked("企业标准领跑者省级的奖励多少", embedded, built_cfg)
    summary = flat(result["summary"])
    assert result["sure"] and "20万元" in summary and "30万元" not in summary


def test_a_giver_the_handbook_does_not_name_is_unsure(embedded, built_cfg):
    result = asked("临沂市专利奖的奖金国家给多少", embedded, built_cfg)
    assert not result["sure"] and "未载明" in result["summary"] and result["rows"] == []


def test_an_english_name_without_its_place(embedded, built_cfg):
    result = asked("Mayor's Quality Award hotline", embedded, built_cfg)
    assert result["sure"] and result["type"] == "hotline" and "5977806" in result["summary"]


def test_an_amount_for_what_a_qualifier_leaves_out_is_unsure(embedded, built_cfg):
    result = asked("专利导航非运营类项目补贴多少", embedded, built_cfg)
    assert not result["sure"] and "未载明非运营类" in result["summary"]
    assert asked("专利导航运营类项目补贴多少", embedded, built_cfg)["sure"]


def test_a_count_per_year_is_not_how_often(embedded, built_cfg):
    result = asked("专利代理师每年评几次", embedded, built_cfg)
    assert not result["sure"] and result["summary"].startswith("不确定")


@pytest.mark.parametrize("question", ["请问临政办字118号是什么文件", "临政办字第118号"])
def test_a_document_number_typed_without_its_year(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and result["type"] == "documents"
    assert "临沂市标准化创新激励办法" in result["summary"]


def test_a_long_list_names_the_first_policies_and_counts_the_rest(embedded, built_cfg, monkeypatch):
    whole = asked("给个人的奖励有哪些", embedded, built_cfg)
    policies = list(dict.fromkeys(row["policyLabel"] for row in whole["rows"]))
    assert whole["type"] == "list" and len(policies) > 2 and "列出前" not in whole["summary"]
    monkeypatch.setattr(ask, "POLICIES_LISTED", 2)
    cut = asked("给个人的奖励有哪些", embedded, built_cfg)
    assert f"出自 {len(policies)} 项政策（列出前 2 项）" in cut["summary"] and cut["summary"].endswith("等。")
    assert f"有 {len(whole['rows'])} 项" in cut["summary"]
    assert list(dict.fromkeys(row["policyLabel"] for row in cut["rows"])) == policies[:2]
    assert len(cut["clauses"]) == len(cut["rows"]) and policies[2] not in cut["summary"]


# --- issue 12, the second round: readings written afresh, not from the evaluation set ----------


@pytest.mark.parametrize(
    "question",
    ["市长质量奖几年评一次", "市长质量奖隔几年办一届", "How often is Linyi Mayor's Quality Award held?"],
)
def test_how_often_is_the_one_sentence_of_the_thing_that_says_so(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and "每两年1届" in flat(result["summary"])


def test_naming_one_of_the_things_a_tier_lists_picks_that_tier(embedded, built_cfg):
    result = asked("买了专利执行险，每年最多补多少", embedded, built_cfg)
    assert result["sure"] and result["type"] == "amount"
    assert "20万元" in flat(result["summary"]) and "40万元" not in flat(result["summary"])


def test_a_legal_basis_needs_only_the_policy_of_a_loose_name(embedded, built_cfg):
    result = asked("专利保险扶持是依据什么文件出台的", embedded, built_cfg)
    assert result["sure"] and result["type"] == "documents"
    assert "鲁市监知保字〔2021〕195号" in flat(result["summary"])


@pytest.mark.parametrize("question", ["标准化创新激励一共分几类", "标准化创新激励包括哪些项目"])
def test_what_a_named_policy_consists_of_by_clause(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and result["type"] == "components"
    summary = flat(result["summary"])
    assert (
        "13项" in summary
        and "标准化试点示范项目激励" in summary
        and "（七）标准化良好行为企业激励" in summary
    )


def test_a_clause_heading_groups_its_benefits(embedded, built_cfg):
    summary = flat(asked("知识产权奖补资助都包含哪些内容", embedded, built_cfg)["summary"])
    assert "（一）知识产权创造资助：高价值发明专利授权资助、国外授权发明专利资助" in summary


def test_a_topic_before_the_list_cue_is_not_a_policy_named(embedded, built_cfg):
    result = asked("知识产权方面都有哪些政策", embedded, built_cfg)
    assert result["type"] == "list" and not result["sure"]  # a theme is a loose filter


def test_what_a_named_benefit_brings_is_its_whole_clause(embedded, built_cfg):
    result = asked("新设立专利代理机构有什么扶持", embedded, built_cfg)
    assert result["sure"] and result["type"] == "support"
    summary = flat(result["summary"])
    assert "8万元的资助" in summary and "分支机构最高给予5万元" in summary


@pytest.mark.parametrize(
    "question",
    [
        "实行了首席质量官制度、发挥示范引领作用的企业，有什么好处",
        "建立首席质量官制度，还起到示范引领作用的公司有什么优惠",
    ],
)
def test_what_a_shared_matter_brings_is_unsure(embedded, built_cfg, question):
    # 首席质量官制度 ends a benefit's name but other clauses state it too: not that benefit named
    result = asked(question, embedded, built_cfg)
    assert not result["sure"]


def test_an_amount_stated_in_a_yes_no_question_is_checked(embedded, built_cfg):
    right = asked("驰名商标奖五十万吗", embedded, built_cfg)
    assert right["sure"] and right["type"] == "amount"
    assert flat(right["summary"]).startswith("手册载明所问的50万元")
    other = asked("泰山品质认证给二十万吗", embedded, built_cfg)
    assert other["sure"] and flat(other["summary"]).startswith("手册未载明所问的20万元；载明的有：")
    assert "10万元" in flat(other["summary"])


def test_a_thing_the_handbook_never_states_is_unsure(embedded, built_cfg):
    # 高新技术: neither the word nor its first two characters occur in the handbook
    result = asked("高新技术企业认定给多少钱", embedded, built_cfg)
    assert not result["sure"] and result["rows"] == []
    # 安全事故 is stated as 安全 and 事故: still a word of the handbook
    assert asked("泰山品质认证对安全事故有什么要求", embedded, built_cfg)["sure"]


def test_the_index_says_whether_characters_are_stated_in_a_row(embedded, built_cfg):
    index = ask.searcher(embedded, built_cfg)
    assert index.stated("事故") > 0 and index.stated("高新") == 0


def test_a_homophone_of_a_hotline_cue_is_still_a_hotline(embedded, built_cfg):
    result = asked("标准化创新激励咨询电活多少", embedded, built_cfg)
    assert result["sure"] and result["type"] == "hotline" and "0539-5977826" in result["summary"]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("科研人员带高价值专利来临沂办企业，补助怎么给", "20万元"),
        ("高价值专利来临沂作价入股补多少", "20万元"),
    ],
)
def test_a_part_two_names_share_goes_to_the_name_the_rest_says(embedded, built_cfg, question, expected):
    # 高价值专利 starts two benefits' names; 办企业 / 作价入股 say which, not the clause's lead-in
    result = asked(question, embedded, built_cfg)
    assert not result["sure"] or (expected in flat(result["summary"]) and "50%" not in result["summary"])


def test_whether_one_may_get_money_gives_the_conditions_and_the_amount(embedded, built_cfg):
    result = asked("企业在临沂注册，投保了专利执行险，可以申请保费补贴吗", embedded, built_cfg)
    assert result["sure"] and result["type"] == "conditions"
    summary = flat(result["summary"])
    assert "不含青岛市" in summary and "符合条件可得" in summary and "20万元" in summary


@pytest.mark.parametrize(
    "question",
    ["谁可以申请临沂市市长质量奖", "什么样的企业能申报市长质量奖", "泰山品质认证企业近几年不能出重大事故吧"],
)
def test_who_may_apply_and_a_rule_stated_are_conditions(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and result["type"] == "conditions"


def test_english_words_of_a_name_find_its_policy_for_a_policy_fact(embedded, built_cfg):
    result = asked("patent award hotline", embedded, built_cfg)
    assert result["sure"] and result["type"] == "hotline" and "0539-5977838" in result["summary"]


def _closest_by_difflib(lexicon, text, kind):
    """The reference: every name aligned by difflib, the first with the longest run kept."""
    from difflib import SequenceMatcher

    best, best_length = None, 0
    for name, entities in lexicon.names.items():
        if name.isascii() or not any(entity.kind == kind for entity in entities):
            continue
        size = (
            SequenceMatcher(None, text, name, autojunk=False)
            .find_longest_match(0, len(text), 0, len(name))
            .size
        )
        if size >= 4 and size * 2 >= len(name) and size > best_length:
            best, best_length = next(entity for entity in entities if entity.kind == kind), size
    return best


@pytest.mark.parametrize(
    "text",
    [
        "知识产权保险扶持怎么申请",
        "我们想问问泰山品质的事",
        "市长质量奖和专利奖励哪个钱多",
        "标准化创新的依据",
        "随便问问",
    ],
)
def test_the_closest_name_by_rapidfuzz_is_the_one_difflib_finds(embedded, built_cfg, text):
    lexicon = ask.lexicon(embedded, built_cfg)
    for kind in ("policy", "recognition"):
        assert lexicon._closest(text, kind) == _closest_by_difflib(lexicon, text, kind)


def test_a_list_filter_the_text_disagrees_with_is_unsure(embedded, built_cfg):
    # 专利导航: its basis is per item, but its clause says 每年补贴不超过一项
    result = asked("每年都可以拿的补贴有哪些", embedded, built_cfg)
    assert not result["sure"] and "专利导航项目奖励" in result["summary"]
    assert asked("一次性给的奖励有哪些", embedded, built_cfg)["sure"]


def test_a_latin_code_next_to_chinese_characters_is_still_a_name(embedded, built_cfg):
    result = asked("公司通过了GB/T29490贯标认证给多少钱", embedded, built_cfg)
    assert result["sure"] and "2万元" in flat(result["summary"])
    assert any("管理规范" in entity["label"] for entity in result["entities"])


@pytest.mark.parametrize("question", ["专利保险补贴要满足哪些条件"])
def test_the_conditions_of_a_loosely_named_benefit_are_its_policys(embedded, built_cfg, question):
    # 专利保险补贴 is not the whole name; the best clause is the policy's conditions: they agree
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and result["type"] == "conditions"
    assert "不含青岛市" in flat(result["summary"])


# --- third round: readings of the second set's kinds of question (docs/ask-evaluation.md) -------


def test_every_benefit_of_a_loosely_named_policy_is_not_an_amount(embedded, built_cfg):
    # 知识产权方面 names a policy loosely; 择优奖励 picks none of its benefits' sentences clearly
    result = asked("知识产权方面的择优奖励一次给多少", embedded, built_cfg)
    assert not result["sure"] and result["rows"] == []


def test_a_county_said_as_xianli_is_a_level(embedded, built_cfg):
    result = asked("县里的标准化试点示范项目给多少", embedded, built_cfg)
    assert not result["sure"] and "未载明所问级别" in result["summary"]


def test_a_giver_named_before_what_it_gives_for(embedded, built_cfg):
    result = asked("国家对通过泰山品质认证的企业给多少钱", embedded, built_cfg)
    assert not result["sure"] and "未载明所问的给予者" in result["summary"]


@pytest.mark.parametrize("question", ["标准化创新激励的资金从哪来", "标准化创新激励的钱从哪里出"])
def test_where_the_money_comes_from_is_who_pays(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and "预算安排" in result["summary"]


def test_a_restriction_asked_is_the_conditions(embedded, built_cfg):
    result = asked("好品山东对连续生产有什么限制", embedded, built_cfg)
    assert result["sure"] and result["type"] == "conditions"
    assert "10 年以上" in result["summary"]


def test_whether_one_may_then_how_much_gives_one_benefits_amount_or_is_unsure(embedded, built_cfg):
    result = asked("主持修订了一项行业标准，能申请标准化创新激励吗，能给多少", embedded, built_cfg)
    amounts = {row.get("benefit") for row in result["rows"] if row.get("amount")}
    assert len(amounts) <= 1  # never every benefit of the policy


def test_a_term_the_tokenizer_cuts_into_pieces_the_handbook_never_states(embedded, built_cfg):
    words = ask.lexicon(embedded, built_cfg)
    index = ask.searcher(embedded, built_cfg)
    assert ask._short_runs("专精特新企业能拿多少钱", words.tokenizer, index.stated) == ["专精特新"]
    assert ask._short_runs("今年刚评为国家知识产权示范企业", words.tokenizer, index.stated) == []
    assert not asked("专精特新企业能拿多少钱", embedded, built_cfg)["sure"]


def test_a_second_figure_stated_is_not_judged_so_unsure(embedded, built_cfg):
    result = asked("我们连续生产了11年，近3年没有亏损，能评好品山东吗", embedded, built_cfg)
    assert result["type"] == "eligibility" and not result["sure"]


@pytest.mark.parametrize("question", ["0539-5977826是哪个政策的电话", "5977826这个号码打过去问啥"])
def test_a_telephone_number_names_the_policies_it_is_the_hotline_of(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and result["type"] == "hotline"
    assert "标准化创新激励" in result["summary"] and "0539-5977826" in result["summary"]


def test_a_number_no_policy_has_as_its_hotline_is_not_a_hotline(embedded, built_cfg):
    result = asked("5970000这个号码打过去问啥", embedded, built_cfg)
    assert not (result["sure"] and result["type"] == "hotline")


@pytest.mark.parametrize(
    ("question", "label"), [("市专利奖找谁咨询", "临沂市专利奖"), ("临沂专利奖能拿多少", "临沂市专利奖")]
)
def test_a_place_said_by_its_level_or_its_name_alone(embedded, built_cfg, question, label):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and result["entities"][0]["label"] == label


def test_a_share_asked_is_a_fact_stated_not_an_amount(embedded, built_cfg):
    result = asked("临沂市专利奖的发明专利占比要求", embedded, built_cfg)
    assert result["type"] == "fact" and "70%" in result["summary"]


@pytest.mark.parametrize(
    ("question", "cue"),
    [("标准化创新激励是个啥", "about"), ("中国专利奖是每年都评吗", "fact"), ("保费政府给报几成", "amount")],
)
def test_more_ways_of_asking_a_type(embedded, built_cfg, question, cue):
    assert asked(question, embedded, built_cfg)["type"] == cue


def test_another_awards_sentence_does_not_answer_how_often(embedded, built_cfg):
    other = asked("山东省专利奖多久评一次", embedded, built_cfg)
    assert not other["sure"]  # the handbook says how often 临沂市专利奖 is given, not this one
    own = asked("临沂市专利奖多久评一次", embedded, built_cfg)
    assert own["sure"] and "每年评选一次" in own["summary"]


def test_what_a_named_policy_consists_of_asked_as_how_many_and_what(embedded, built_cfg):
    result = asked("标准化创新激励一共有几条，都是啥", embedded, built_cfg)
    assert result["sure"] and result["type"] == "components"


def test_which_policies_in_english_lists_them_all(embedded, built_cfg):
    result = asked("What policies does the handbook have?", embedded, built_cfg)
    assert result["sure"] and "10 项" in result["summary"]


@pytest.mark.parametrize("question", ["泰山品质认证联盟有几家机构", "泰山品质认证联盟成立于哪一年"])
def test_a_fact_about_a_body_is_its_own_sentence(embedded, built_cfg, question):
    result = asked(question, embedded, built_cfg)
    assert result["sure"] and "9家" in flat(result["summary"]) and "2018年5月" in result["summary"]


def test_a_body_named_with_no_type_asked_is_not_a_confident_list(embedded, built_cfg):
    result = asked("山东认证协会在哪里办公", embedded, built_cfg)
    assert not result["sure"]


def test_the_group_of_conditions_a_policys_parts_question_names(embedded, built_cfg):
    result = asked("标准化创新激励的单位范围包含哪些", embedded, built_cfg)
    assert result["sure"] and result["query"] == "conditions"
    assert "秘书处" in result["summary"] and "领跑者" in result["summary"]
    assert asked("标准化创新激励包括哪些", embedded, built_cfg)["type"] == "components"


def test_a_standards_number_is_the_code_its_sentence_states(embedded, built_cfg):
    result = asked("企业知识产权管理规范的标准编号", embedded, built_cfg)
    assert result["sure"] and "GB/T29490-2013" in result["summary"]
    # a list of documents states no standard's code: not an answer to that
    other = asked("标准化创新激励用的国家标准编号是啥", embedded, built_cfg)
    assert not other["sure"] or "GB/T" in other["summary"]


def test_how_to_define_a_word_is_what_it_is(embedded, built_cfg):
    result = asked("市长质量奖说的个人怎么界定", embedded, built_cfg)
    assert result["sure"] and result["type"] == "about" and "自然人" in result["summary"]


def test_how_many_years_one_needs_is_a_condition(embedded, built_cfg):
    result = asked("好品山东需要连续生产几年", embedded, built_cfg)
    assert result["sure"] and result["type"] == "conditions" and "10 年以上" in result["summary"]
