"""Questions in plain Chinese: reading (numbers, amounts, years, names), mapping to canned
queries (the question set, ≥ 90% exact), answers on both stores, the page, JSON and command line."""

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from policykg import ask, cli, config, errors, fulltext, queries, store
from policykg.app import close, create_app
from policykg.views import ask as ask_view

ROOT = config.ROOT


@pytest.fixture(scope="module")
def embedded(built_cfg):
    opened = store.open_store(built_cfg)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def words(embedded, built_cfg):
    return ask.lexicon(embedded, built_cfg)


@pytest.fixture
def any_store(app_cfg):
    opened = store.open_store(app_cfg)
    yield opened
    opened.close()


@pytest.fixture
def ask_client(app_cfg):
    app = create_app(dict(app_cfg, TESTING=True))
    if ask_view.bp.name not in app.blueprints:
        app.register_blueprint(ask_view.bp)
    yield app.test_client()
    close(app)


# --- the question set ------------------------------------------------------------------------


def test_question_set_maps_at_least_90_percent_exactly(embedded, built_cfg):
    evaluation = ask.evaluate(embedded, built_cfg)
    for case, got, params in evaluation.misses:
        print(f"MISS {case.question!r}: expected {case.query} {case.params}, got {got} {params}")
    print(f"score {evaluation.hits}/{evaluation.total} = {evaluation.score:.1%}")
    assert evaluation.total >= 80
    assert evaluation.score >= 0.9


def test_question_set_names_real_queries_with_their_parameters():
    catalog = queries.Catalog(ROOT / "queries")
    cases = ask.load_cases()
    for case in cases:
        if case.query is not None:
            query = catalog.get(case.query)
            assert set(case.params) <= {param.name for param in query.params}, case.question
            query.bind(case.params)  # every expected value is a valid value
    assert {case.query for case in cases} >= set(catalog.names())  # every canned query is asked for


def test_every_canned_query_has_an_intent():
    catalog = queries.Catalog(ROOT / "queries")
    assert {intent.query for intent in ask.INTENTS} == set(catalog.names())


def test_question_set_keeps_exact_typing_variants():
    text = ask.QUESTIONS.read_text("utf-8")
    for variant in (
        "临政字[2020]113号",
        "临政字(2020)113号",
        "临政字【2020】113号",
        "２０２３",
        "５０万",
        "50w",
        "五十万",
    ):
        assert variant in text


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, value, relation",
    [
        ("奖励超过50万的有哪些", Decimal("500000"), "gt"),
        ("50万元以上的奖励", Decimal("500000"), "ge"),
        ("不低于100万元的奖补", Decimal("1000000"), "ge"),
        ("奖励不少于五十万元的政策", Decimal("500000"), "ge"),
        ("超过5千元的资助", Decimal("5000"), "gt"),
        ("能拿4000元的资助", Decimal("4000"), "eq"),
        ("benefits worth at least 500,000 yuan", Decimal("500000"), "ge"),
        ("awards over 1 million yuan", Decimal("1000000"), "gt"),
        ("低于10万的奖励", Decimal("100000"), "lt"),
        ("奖励超过５０万的有哪些", Decimal("500000"), "gt"),
    ],
)
def test_amounts_are_read_in_yuan(words, question, value, relation):
    reading = ask.read(question, words)
    assert [(bound.value, bound.relation) for bound in reading.amounts] == [(value, relation)]


def test_year_counts_look_backs_and_dates_are_told_apart(words):
    reading = ask.read("哪些奖励要求运行5年以上", words)
    assert [(bound.value, bound.relation) for bound in reading.years] == [(Decimal(5), "ge")]
    assert not reading.lookback
    reading = ask.read("近3年内无重大事故的条件", words)
    assert reading.lookback and reading.years == []
    assert ask.read("2020年发布的文件", words).years == []
    assert ask.read("成立五年以上的企业", words).years[0].value == 5


def test_document_numbers_are_read_before_segmentation(words):
    for question in (
        "哪些政策依据临政字（２０２０）113号",
        "依据临政字[2020]113号",
        "以临政字〔2020〕113号为依据",
    ):
        reading = ask.read(question, words)
        assert reading.numbers == ["临政字〔2020〕113号"], question
        assert "113" not in reading.text


def test_graph_names_stay_whole_and_become_entities(words):
    reading = ask.read("泰山品质认证的咨询电话是多少", words)
    assert "泰山品质认证" in reading.tokens
    assert reading.first("policy").thing.endswith("/policy/taishan-quality")
    reading = ask.read("市场监管局发的文件有哪些", words)
    assert reading.first("body").label == "临沂市市场监督管理局"
    assert ask.read("给个人的奖励有哪些", words).first("applicant").code == "individual"


def test_percentages_and_quotes(words):
    reading = ask.read("按保费60%补贴，“不含青岛市”在哪", words)
    assert reading.percentages == [Decimal("0.6")]
    assert reading.quoted == ["不含青岛市"]
    assert ask.read("百分之六十", words).percentages == [Decimal("0.6")]


def test_superlatives_below_are_not_mapped_to_at_least(words):
    # 低于 asks the opposite of the canned “at least” query: no answer is better than a wrong one.
    mapping = ask.choose(ask.read("奖励低于10万元的有哪些", words), words)
    assert mapping is None or mapping.intent.query != "benefits-worth-at-least"


def test_the_tokenizer_writes_nothing_and_prints_nothing(embedded, built_cfg, tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fulltext._stock.clear()
    ask.LEXICONS.clear()
    built = ask.lexicon(embedded, built_cfg)
    assert built.tokenizer.lcut("好品山东的联系电话")[0] == "好品山东"
    assert list(tmp_path.iterdir()) == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --- answers ---------------------------------------------------------------------------------


def plain_values(result, column):
    return [row[column] for row in result["rows"]]


def test_required_examples_answer_on_both_stores(any_store, app_cfg):
    result = ask.answer("哪些奖励要求运行5年以上", any_store, app_cfg)
    assert result["query"] == "operating-years-at-least" and result["params"] == {"years": "5"}
    assert sorted(plain_values(result, "awardLabel")) == ["临沂市市长质量奖", "省长质量奖"]

    result = ask.answer("哪些政策依据临政字〔2020〕113号", any_store, app_cfg)
    assert result["query"] == "policies-by-document"
    assert plain_values(result, "policyLabel") == ["知识产权奖补资助"]

    result = ask.answer("泰山品质认证的咨询电话是多少", any_store, app_cfg)
    assert result["query"] == "hotline" and result["sure"]
    assert [(row["policyLabel"], row["telephone"]) for row in result["rows"]] == [
        ("“泰山品质”认证", "0539-5977828")
    ]
    assert "0539-5977828" in result["summary"] and result["hotline"] == "0539-5977828"

    result = ask.answer("面向个人的政策有哪些", any_store, app_cfg)
    assert result["type"] == "list" and result["sure"] and result["query"] == "ask-list"
    assert all("个人" in row["applicants"] for row in result["rows"])
    assert set(plain_values(result, "policyLabel")) == {
        "中国、省质量奖奖励",
        "知识产权奖补资助",
        "临沂市市长质量奖",
        "临沂市专利奖励",
        "企业首席质量官培训",
    }

    result = ask.answer("奖励超过50万的有哪些", any_store, app_cfg)
    assert result["params"] == {"amount": "500000.01"}
    values = [Decimal(value) for value in plain_values(result, "value")]
    assert values and min(values) > 500000  # 超过 excludes the 50 万 awards
    assert "超过 50 万元（不含本数）" in result["summary"]


def test_the_sparql_shown_is_the_sparql_that_answered(embedded, built_cfg):
    result = ask.answer("泰山品质认证的咨询电话是多少", embedded, built_cfg)
    again = embedded.query(result["sparql"])
    assert len(again.rows) == len(result["rows"]) > 0
    assert (
        "VALUES (?focus) { (<https://w3id.org/policykg/id/recognition/taishan-quality>) }" in result["sparql"]
    )


def test_english_questions(embedded, built_cfg):
    result = ask.answer("what is the hotline for Taishan Quality certification", embedded, built_cfg)
    assert plain_values(result, "telephone") == ["0539-5977828"]
    result = ask.answer("documents issued by Linyi Municipal People's Government", embedded, built_cfg)
    assert "临沂市人民政府" in result["summary"] and result["rows"]


def test_an_unsure_answer_says_so_and_offers_clauses_and_closest_questions(embedded, built_cfg):
    result = ask.answer("认证联盟秘书处设在哪里", embedded, built_cfg)
    assert result["sure"] is False and result["matched"] is False and result["rows"] == []
    assert result["summary"].startswith("不确定")
    assert result["confidence"] < ask.THRESHOLD
    assert any("山东认证协会" in clause["text"] for clause in result["clauses"])
    assert len(result["suggestions"]) == 3
    assert all(item["question"] and item["title"] for item in result["suggestions"])


@pytest.mark.parametrize("question", ["", "   ", "问" * 501, None])
def test_bad_questions_are_400(embedded, built_cfg, question):
    with pytest.raises(errors.BadRequest) as caught:
        ask.answer(question, embedded, built_cfg)
    assert caught.value.status == 400 and caught.value.details["param"] == "q"


# --- web -------------------------------------------------------------------------------------


def test_ask_json(ask_client):
    response = ask_client.get("/ask.json", query_string={"q": "奖励超过50万的有哪些"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["matched"] and body["query"] == "benefits-worth-at-least"
    assert body["sparql"].lstrip().startswith("#+ title:")
    assert body["columns"] and body["rows"]


def test_ask_page_shows_summary_table_and_editable_sparql(ask_client):
    response = ask_client.get(
        "/ask", query_string={"q": "泰山品质认证的咨询电话是多少"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "0539-5977828" in html
    assert '<pre class="sparql">' in html and "（hotline）" in html
    assert html.index('class="hotline"') < html.index('class="evidence"') < html.index('class="sparql"')
    assert 'href="/editor?query=' in html
    assert 'rel="alternate"' in html and "/ask.json?q=" in html


def test_ask_page_without_question_shows_examples(ask_client):
    response = ask_client.get("/ask", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "哪些奖励要求运行5年以上" in response.get_data(as_text=True)


def test_ask_json_without_question_is_400(ask_client):
    response = ask_client.get("/ask.json")
    assert response.status_code == 400
    assert response.get_json() == {
        "ok": False,
        "error": "请输入问题 (q is required)",
        "status": 400,
        "param": "q",
    }


def test_ask_page_escapes_the_question(ask_client):
    response = ask_client.get(
        "/ask", query_string={"q": "<script>alert(1)</script>的电话"}, headers={"Accept": "text/html"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_build(built_cfg, monkeypatch):
    monkeypatch.setenv("POLICYKG_BUILD_DIR", built_cfg["BUILD_DIR"])


def test_command_line_answers(cli_build, capsys):
    assert cli.main(["ask", "哪些政策依据临政字[2020]113号"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("依据 临政字〔2020〕113号 的政策有 1 项：知识产权奖补资助。")
    assert "VALUES (?number)" in out and err == ""


def test_command_line_evaluates(cli_build, capsys):
    assert cli.main(["ask", "--evaluate", str(ask.QUESTIONS)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[-1].startswith("score ")


def test_command_line_bad_question_exits_2(cli_build, capsys):
    assert cli.main(["ask", "   "]) == 2
    _, err = capsys.readouterr()
    assert "q is required" in err and "Traceback" not in err


def fake_evaluation(path, part):
    counts = {"amount-fixed": {"right": 3, "unsure-with-clause": 1, "unsure-without": 0, "wrong": 1}}
    return ask.SetEvaluation(part, counts, [], path.name)


@pytest.fixture
def recorded(monkeypatch):
    """`ask.evaluate_set` recorded, not run: which sets and parts the command line asks for."""
    calls = []

    def evaluate_set(store, cfg, path=ask.ASK_SET, part="dev", matcher=None, catalog=None):
        calls.append((Path(path).name, part))
        return fake_evaluation(Path(path), part)

    monkeypatch.setattr(ask, "evaluate_set", evaluate_set)
    return calls


def test_command_line_evaluates_every_sets_dev_part_by_default(cli_build, recorded, capsys):
    assert cli.main(["ask", "--evaluate"]) == 0
    out, _ = capsys.readouterr()
    assert recorded == [("ask-set.tsv", "dev"), ("ask-set-2.tsv", "dev")]
    assert "ask-set.tsv part dev" in out and "ask-set-2.tsv part dev" in out and "part test" not in out
    # by type, with the share right and the share wrong with confidence
    assert "  amount-fixed\t5\t3\t1\t0\t1\t60.0%\t20.0%" in out
    assert "right 3/5 = 60.0%, confident-wrong 1 = 20.0%" in out
    assert out.splitlines()[-2:] == [
        "  ask-set.tsv\tdev\tright 3/5 = 60.0%\tconfident-wrong 1 = 20.0%",
        "  ask-set-2.tsv\tdev\tright 3/5 = 60.0%\tconfident-wrong 1 = 20.0%",
    ]


def test_command_line_runs_the_test_parts_only_when_asked(cli_build, recorded, capsys):
    assert cli.main(["ask", "--evaluate", "--with-test"]) == 0
    assert recorded == [
        ("ask-set.tsv", "dev"),
        ("ask-set.tsv", "test"),
        ("ask-set-2.tsv", "dev"),
        ("ask-set-2.tsv", "test"),
    ]
    recorded.clear()
    assert cli.main(["ask", "--evaluate", str(ask.ASK_SET_2), "--part", "test"]) == 0
    assert recorded == [("ask-set-2.tsv", "test")]
    recorded.clear()
    assert cli.main(["ask", "--evaluate", str(ask.ASK_SET), "--part", "test", "--with-test"]) == 2
    assert recorded == []


def test_every_set_is_scored_on_its_dev_part_unless_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(
        ask, "evaluate_set", lambda store, cfg, path, part, **_: calls.append((path.name, part))
    )
    ask.evaluate_sets(None, {}, catalog={})
    assert calls == [("ask-set.tsv", "dev"), ("ask-set-2.tsv", "dev")]
    with pytest.raises(errors.BadRequest):
        ask.evaluate_sets(None, {}, parts=("all",), catalog={})
