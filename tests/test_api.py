"""The browser's data (`policykg.browse`) and its JSON API (`/api/…`) on both stores: amounts in
words, search and filters (checked against the canned queries' golden answers), one policy,
document, body, the hotline directory, the editor's vocabulary and labels, bad input."""

import json
import re
from decimal import Decimal

import pytest

from policykg import browse, config, errors, wording

BASE = "https://w3id.org/policykg/"
EXPECTED = config.ROOT / "tests" / "expected"


def slugs(client, query=""):
    answer = client.get(f"/api/policies{query}")
    assert answer.status_code == 200, answer.data
    return {item["slug"] for item in answer.get_json()["policies"]}


def links(response):
    return {
        m[1]: m[0]
        for m in re.findall(r'<([^>]*)>; rel="alternate"; type="([^"]*)"', response.headers.get("Link", ""))
    }


# --- Amounts in words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, text",
    [
        (2000000, "200 万元"),
        (4000, "4000 元"),
        (10000, "1 万元"),
        (15000, "1.5 万元"),
        (Decimal("500000.0"), "50 万元"),
        ("60000", "6 万元"),
        (100000000, "1 亿元"),
        (0, "0 元"),
    ],
)
def test_yuan(value, text):
    assert wording.yuan(value) == text


@pytest.mark.parametrize("rate, text", [(0.6, "60%"), (Decimal("0.10"), "10%"), (0.105, "10.5%")])
def test_percent(rate, text):
    assert wording.percent(rate) == text


PER_ITEM = {"code": "per-item", "label": "每件（每项）"}
PER_COUNTRY = {"code": "per-country", "label": "每个国家"}
PER_YEAR = {"code": "per-year", "label": "每年（年度）"}
ONE_OFF = {"code": "one-off", "label": "一次性"}


@pytest.mark.parametrize(
    "amount, text",
    [
        ({"value": 2000000}, "200 万元"),
        ({"value": 100000, "bases": [ONE_OFF]}, "一次性 10 万元"),
        ({"maxValue": 1000000}, "最高 100 万元"),
        ({"maxValue": 4000, "bases": [PER_ITEM]}, "每件最高 4000 元"),
        ({"maxValue": 20000, "bases": [PER_COUNTRY, PER_ITEM]}, "每件每个国家最高 2 万元"),
        (
            {"rate": 0.6, "rateBase": "保费", "maxValue": 200000, "bases": [PER_YEAR]},
            "保费的 60%，每年最高 20 万元",
        ),
        (
            {"rate": 0.6, "rateUplift": 0.1, "rateBase": "保费", "maxValue": 300000, "bases": [PER_YEAR]},
            "保费的 60%，上浮 10%，每年最高 30 万元",
        ),
        ({"rate": 0.1, "rateBase": "贷款本金"}, "贷款本金的 10%"),
        ({}, ""),
    ],
)
def test_amount_text(amount, text):
    assert browse.amount_text(amount) == text


@pytest.mark.parametrize(
    "first, last, text",
    [
        (10, 13, "第 10–13 页"),
        (8, 8, "第 8 页"),
        (29, None, "第 29 页起"),
        (None, None, ""),
    ],
)
def test_pages_text(first, last, text):
    assert wording.pages(first, last) == text


# --- Paths and filters (no store) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "iri, path",
    [
        (BASE + "id/policy/ip-support", "/doc/policy/ip-support"),
        (BASE + "id/document/samr-decree-36", "/doc/document/samr-decree-36"),
        (BASE + "id/organisation/linyi-amr", "/doc/organisation/linyi-amr"),
        (BASE + "id/concept/applicant/individual", "/policies?applicant=individual"),
        (BASE + "id/concept/benefit-kind/award", "/policies?kind=award"),
        (BASE + "id/concept/theme/quality", "/policies?theme=quality"),
        (BASE + "id/hotline/0539-5977806", None),
        (BASE + "id/concept/unit/year", None),
        ("http://example.org/id/policy/x", None),
    ],
)
def test_page_path(iri, path):
    assert browse.page_path(BASE, iri) == path


def test_filters_become_bound_iris():
    filters = browse.read_filters(
        {
            "q": " 专利 ",
            "applicant": "individual",
            "body": "linyi-amr",
            "minAmount": "50000",
            "format": "json",
        },
        BASE,
    )
    assert filters.given == {
        "q": "专利",
        "applicant": "individual",
        "body": "linyi-amr",
        "minAmount": "50000",
    }
    assert filters.params["applicant"] == BASE + "id/concept/applicant/individual"
    assert filters.params["body"] == BASE + "id/organisation/linyi-amr"
    assert filters.params["level"] == "" and filters.params["minAmount"] == "50000"
    assert browse.read_filters({}, BASE).params["minAmount"] == "0"


@pytest.mark.parametrize(
    "args, param",
    [
        ({"level": "national> } ; DROP"}, "level"),
        ({"document": "../x"}, "document"),
        ({"q": "专" * 101}, "q"),
    ],
)
def test_bad_filters_are_refused(args, param):
    with pytest.raises(errors.BadRequest) as caught:
        browse.read_filters(args, BASE)
    assert caught.value.details["param"] == param


# --- Search and filters through the API, on both stores ------------------------------------------


def test_all_policies(client):
    answer = client.get("/api/policies")
    body = answer.get_json()
    assert body["ok"] is True and body["count"] == 10 and body["filters"] == {}
    first = body["policies"][0]
    assert first["slug"] == "quality-awards" and first["maxAmountText"] == "200 万元"
    assert first["page"] == "/doc/policy/quality-awards"
    assert {"tel": "tel:+86-539-5977806"}.items() <= first["hotline"][0].items()
    assert [item["label"] for item in first["level"]] == ["国家", "省级", "市级"]
    assert links(answer)["text/html"] == "/policies"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?q=专利", {"ip-support", "patent-award", "ip-insurance", "quality-yizhan"}),
        ("?q=PATENT", {"patent-award", "ip-support"}),  # §4 concerns the “Linyi high-value patent project”
        ("?q=首席质量官", {"chief-quality-officer"}),
        ("?q=没有这个词", set()),
        ('?q=" ) } UNION { ?policy ?p ?o } #', set()),  # a term is a value, never query text
        ("?level=national", {"quality-awards"}),
        ("?kind=free-training", {"chief-quality-officer", "quality-yizhan"}),
        ("?theme=intellectual-property", {"ip-support", "patent-award", "ip-insurance"}),
        ("?document=lin-ban-fa-2021-8", {"quality-awards"}),
        ("?applicant=region", {"haopin-shandong", "ip-support"}),
        ("?q=专利&applicant=individual", {"ip-support", "patent-award"}),
        ("?minAmount=1000000", {"quality-awards", "standardization-incentive"}),
    ],
)
def test_search_and_filters(client, query, expected):
    assert slugs(client, query) == expected


def test_body_filter_keeps_all_of_its_policies(client):
    assert len(slugs(client, "?body=linyi-amr")) == 10
    assert slugs(client, "?body=linyi-finance") == set()


def test_applicant_filter_agrees_with_the_golden_answer(client):
    golden = json.loads((EXPECTED / "policies-for-applicant.json").read_text("utf-8"))
    assert golden["params"] == {"applicant": "个人"}
    labels = {
        item["label"] for item in client.get("/api/policies?applicant=individual").get_json()["policies"]
    }
    assert labels == {row["policyLabel"] for row in golden["rows"]}


def test_amount_filter_agrees_with_the_canned_query(client):
    canned = client.get("/queries/benefits-worth-at-least.json?amount=500000").get_json()
    labels = {item["label"] for item in client.get("/api/policies?minAmount=500000").get_json()["policies"]}
    assert labels == {row["policyLabel"] for row in canned["rows"]}


@pytest.mark.parametrize(
    "query, param",
    [
        ("?level=a/b", "level"),
        ("?minAmount=lots", "minAmount"),
        ("?q=" + "x" * 101, "q"),
        ("?year=23", "year"),
        ("?year=1999", "year"),
        ("?handbook=no-such-handbook", "handbook"),
        ("?city=nowhere", "city"),
        ("?city=a/b", "city"),
    ],
)
def test_bad_filter_is_a_400_naming_the_parameter(client, query, param):
    answer = client.get(f"/api/policies{query}")
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["ok"] is False and body["status"] == 400 and body["param"] == param


def test_filter_options(client):
    options = client.get("/api/filters").get_json()["filters"]
    assert [item["code"] for item in options["level"]] == ["national", "provincial", "municipal"]
    assert [item["code"] for item in options["applicant"]] == ["organisation", "individual", "region"]
    individual = options["applicant"][1]
    assert individual["label"] == "个人" and individual["policies"] == 5
    numbers = {item["code"]: item["number"] for item in options["document"]}
    assert numbers["lin-zheng-zi-2020-113"] == "临政字〔2020〕113号"
    assert numbers["standardization-law"] is None


# --- Handbook, city and year (two handbooks: the seed's and a synthetic copy) -------------------

COPY_HANDBOOK = "linyi-amr-2023-c1"


def test_filter_options_list_each_handbook_city_and_year_with_counts(handbooks_client):
    options = handbooks_client.get("/api/filters").get_json()["filters"]
    handbooks = options["handbook"]
    assert [(item["code"], item["year"], item["policies"]) for item in handbooks] == [
        (COPY_HANDBOOK, "2024", 10),  # the newest first
        ("linyi-amr-2023", "2023", 10),
    ]
    assert [(item["code"], item["policies"]) for item in options["year"]] == [("2024", 10), ("2023", 10)]
    cities = {item["code"]: item for item in options["city"]}
    assert set(cities) == {"linyi", "linyi-c1"}
    # Two cities with one name are told apart by their code.
    assert cities["linyi"]["text"] == "临沂市（linyi）" and cities["linyi"]["policies"] == 10


@pytest.mark.parametrize(
    "query, handbook",
    [
        (f"?handbook={COPY_HANDBOOK}", COPY_HANDBOOK),
        ("?handbook=linyi-amr-2023", "linyi-amr-2023"),
        ("?year=2024", COPY_HANDBOOK),
        ("?city=linyi", "linyi-amr-2023"),
        ("?city=linyi-c1&year=2024", COPY_HANDBOOK),
    ],
)
def test_handbook_city_and_year_each_pick_one_handbook_s_policies(handbooks_client, query, handbook):
    answer = handbooks_client.get(f"/api/policies{query}&limit=100").get_json()
    listed = handbooks_client.get(f"/api/handbooks/{handbook}?limit=100").get_json()["handbook"]
    assert answer["count"] == 10
    assert [item["iri"] for item in answer["policies"]] == [
        item["iri"] for item in listed["policies"]["policies"]
    ]


def test_source_filters_combine_with_search_and_the_other_filters(handbooks_client):
    every = slugs(handbooks_client, "?q=专利&limit=100")
    seed = slugs(handbooks_client, "?q=专利&handbook=linyi-amr-2023&limit=100")
    assert seed and every == seed | {f"{slug}-c1" for slug in seed}
    copy = slugs(handbooks_client, "?q=专利&year=2024&limit=100")
    assert copy == {slug for slug in every if slug.endswith("-c1")} and copy
    individual = slugs(handbooks_client, "?q=专利&year=2024&applicant=individual&limit=100")
    assert individual and individual < copy
    assert slugs(handbooks_client, "?city=linyi&year=2024") == set()  # each alone exists, not both


def test_filter_counts_follow_the_source_filters(handbooks_client):
    page = handbooks_client.get("/policies?year=2023&q=专利", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    searched = handbooks_client.get("/api/policies?year=2023&q=专利").get_json()["count"]
    # The handbook select counts what the search finds in each handbook (the year's only).
    counts = dict(re.findall(r'<option value="([^"]+)"(?: selected)?>[^<]*（(\d+)）</option>', html))
    assert counts["linyi-amr-2023"] == str(searched) and counts[COPY_HANDBOOK] == "0"
    assert counts["2023"] == str(searched) and counts["2024"] == "0"
    assert '<optgroup label="2024">' in html and '<optgroup label="2023">' in html


def test_the_store_path_filters_by_source_as_the_index_does(handbooks_app):
    with handbooks_app.test_request_context():
        from policykg.views import data_source

        src = data_source()
        bare = browse.Source(src.store, src.catalog, src.base, src.timeout, settings=src.settings)
        for args in (
            {"year": "2024"},
            {"city": "linyi"},
            {"handbook": COPY_HANDBOOK, "applicant": "individual"},
        ):
            filters = browse.read_filters(args, src.base)
            paging = browse.Paging(0, 100)
            assert browse.policies(bare, filters, paging) == browse.policies(src, filters, paging), args


# --- One policy, document, body ----------------------------------------------------------------


def test_policy_with_tiers_and_conditions(client):
    answer = client.get("/api/policies/quality-awards")
    policy = answer.get_json()["policy"]
    assert policy["label"] == "中国、省质量奖奖励" and policy["source"]["pages"] == "第 1–5 页"
    assert [line["tel"] for line in policy["hotlines"]] == ["tel:+86-539-5977806"]
    assert {item["number"] for item in policy["legalBases"]} == {
        "国家市场监督管理总局令 第 36 号",
        "鲁政发〔2020〕12 号",
        "临办发〔2021〕8号",
    }
    benefits = {item["iri"].rsplit("/", 1)[1]: item for item in policy["benefits"]}
    assert list(benefits)[:3] == ["quality-awards-1", "quality-awards-2a", "quality-awards-2b"]
    assert [a["text"] for a in benefits["quality-awards-2b"]["amounts"]] == ["200 万元"]
    assert benefits["quality-awards-2b"]["tiered"] is False
    tiers = benefits["quality-awards-3"]
    assert tiers["tiered"] is True
    assert [(a["tier"], a["level"], a["text"]) for a in tiers["amounts"]] == [
        ("中国质量奖", "国家", "100 万元"),
        ("中国质量奖提名奖", "国家", "50 万元"),
        ("省长质量奖", "省级", "50 万元"),
        ("省长质量奖提名奖", "省级", "30 万元"),
    ]
    assert benefits["quality-awards-2d"]["amounts"] == [] and benefits["quality-awards-2d"]["note"]
    sections = [[a["label"] for a in part["applicants"]] for part in policy["conditions"]]
    assert sections == [["组织"], ["个人"]]
    first_group = policy["conditions"][0]["groups"][0]
    assert first_group["combination"] == "全部满足"
    assert [c["clause"] for c in first_group["criteria"]][:2] == ["（一）1", "（一）2"]
    assert links(answer)["text/html"] == "/doc/policy/quality-awards"
    assert links(answer)["text/turtle"] == "/doc/policy/quality-awards.ttl"


def test_policy_amounts_in_words(client):
    insurance = client.get("/api/policies/ip-insurance").get_json()["policy"]
    texts = [a["text"] for b in insurance["benefits"] for a in b["amounts"]]
    assert texts[0] == "实际投保年度保费的 60%，每年最高 20 万元"
    assert "实际投保年度保费的 60%，上浮 10%，每年最高 50 万元" in texts
    support = client.get("/api/policies/ip-support.json").get_json()["policy"]
    texts = {a["text"] for b in support["benefits"] for a in b["amounts"]}
    assert {
        "每件最高 4000 元",
        "每件每个国家最高 2 万元",
        "一次性最高 20 万元",
        "实际交易额的 50%，每件最高 10 万元",
        "贷款本金的 10%",
    } <= texts
    # §4 has no 【创建条件】; its conditions are the benefits' own triggers, each quoting its clause.
    groups = {g["label"]: g for section in support["conditions"] for g in section["groups"]}
    abroad = groups["国外授权发明专利资助的惠企情形"]
    assert abroad["clause"] == "（一）"
    assert [c["sourceText"] for c in abroad["criteria"]] == ["对国外授权发明专利"]
    assert [h["label"] for h in support["hotlines"]] == ["0539-5977836", "0539-5977838"]


def test_document(client):
    answer = client.get("/api/documents/lin-shi-jian-zhi-cu-zi-2021-117")
    document = answer.get_json()["document"]
    assert document["number"] == "临市监知促字〔2021〕117号" and document["year"] == 2021
    assert [item["label"] for item in document["issuers"]] == ["临沂市市场监督管理局", "临沂市财政局"]
    assert [item["page"] for item in document["policies"]["policies"]] == ["/doc/policy/ip-support"]
    assert document["policies"]["count"] == 1 and document["policies"]["next"] is None
    assert links(answer)["text/html"] == "/doc/document/lin-shi-jian-zhi-cu-zi-2021-117"


def test_body_and_its_place_in_the_hierarchy(client):
    government = client.get("/api/organisations/linyi-government").get_json()["organisation"]
    assert {item["label"] for item in government["children"]} == {
        "临沂市市场监督管理局",
        "临沂市财政局",
        "临沂市人民政府办公室",
    }
    assert {item["number"] for item in government["documents"]} == {"临政字〔2020〕113号", None}
    below = {item["iri"].rsplit("/", 1)[1]: item["issuers"] for item in government["subDocuments"]}
    assert below["lin-shi-jian-zhi-cu-zi-2021-117"] == ["临沂市市场监督管理局", "临沂市财政局"]
    amr = client.get("/api/organisations/linyi-amr").get_json()["organisation"]
    assert [item["label"] for item in amr["ancestors"]] == ["临沂市人民政府"]
    assert amr["policies"]["count"] == 10 and amr["level"] == "市级"
    roles = {item["iri"].rsplit("/", 1)[1]: item["roles"] for item in amr["policies"]["policies"]}
    assert all({"code": "administers", "label": "受理"} in listed for listed in roles.values())
    granting = client.get("/api/organisations/shandong-government").get_json()["organisation"]
    assert {item["iri"].rsplit("/", 1)[1] for item in granting["policies"]["policies"]} == {
        "quality-awards",
        "taishan-quality",
    }
    assert all(
        item["roles"] == [{"code": "grants", "label": "给予惠企内容"}]
        for item in granting["policies"]["policies"]
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/policies/nope",
        "/api/documents/nope",
        "/api/organisations/nope",
        "/api/policies/ip-support.ttl",
        "/api/organisations/linyi-amr%3E",
    ],
)
def test_unknown_resource_is_a_404(client, path):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.get_json()["ok"] is False


def test_hotlines(client):
    lines = {line["telephone"]: line for line in client.get("/api/hotlines").get_json()["hotlines"]}
    assert len(lines) == 6
    assert lines["0539-5977836"]["tel"] == "tel:+86-539-5977836"
    assert {item["label"] for item in lines["0539-5977836"]["policies"]} == {
        "知识产权奖补资助",
        "企业知识产权保险扶持",
    }
    assert lines["0539-5977836"]["policies"][0]["body"]["label"] == "临沂市市场监督管理局"


# --- The editor's vocabulary and labels -----------------------------------------------------------


def test_vocabulary(client):
    answer = client.get("/api/vocabulary")
    body = answer.get_json()
    assert body["prefixes"]["pkg"] == BASE + "def/"
    assert body["prefixes"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    classes = {item["iri"]: item["label"] for item in body["classes"]}
    properties = {item["iri"]: item["label"] for item in body["properties"]}
    assert classes[BASE + "def/Policy"] == "惠企政策"
    assert BASE + "def/hasBenefit" in properties and BASE + "def/benefitOf" in properties
    assert links(answer)["text/html"] == "/editor"


def test_labels(client):
    answer = client.get(
        "/api/labels",
        query_string=[
            ("iri", BASE + "id/policy/ip-support"),
            ("iri", BASE + "id/concept/applicant/individual"),
            ("iri", BASE + "id/policy/nope"),
            ("iri", "http://example.org/x"),
        ],
    )
    assert answer.get_json()["labels"] == {
        BASE + "id/policy/ip-support": "知识产权奖补资助",
        BASE + "id/concept/applicant/individual": "个人",
    }


def test_too_many_labels_at_once(client):
    many = [("iri", f"{BASE}id/x/{n}") for n in range(browse.MAX_LABELS + 1)]
    answer = client.get("/api/labels", query_string=many)
    assert answer.status_code == 400 and answer.get_json()["limit"] == browse.MAX_LABELS


def test_vocabulary_prefixes_include_those_of_its_own_query(client):
    assert client.get("/api/vocabulary").get_json()["prefixes"]["owl"] == "http://www.w3.org/2002/07/owl#"
