"""Canned queries: headers read, parameters typed, validated and bound so they cannot escape."""

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from policykg import errors, queries

FIXTURES = Path(__file__).parent / "fixtures" / "store"
CONCEPT = "https://w3id.org/policykg/id/concept/"
POLICY = "https://w3id.org/policykg/id/policy/"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def catalog():
    return queries.Catalog(FIXTURES / "queries")


@pytest.fixture(scope="module")
def tiny():
    store = pyoxigraph.Store()
    store.load(path=str(FIXTURES / "tiny.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def echo(catalog, tiny, **values):
    rows = list(tiny.query(catalog.get("echo").bind(values)))
    assert len(rows) == 1
    return rows[0]


def test_catalog_reads_top_level_files_in_name_order(catalog):
    assert catalog.names() == [
        "by_legal_basis",
        "echo",
        "min_years",
        "open_to",
        "policies",
        "policy_graph",
    ]
    assert [query.name for query in catalog] == catalog.names()
    assert len(catalog) == 6


def test_unknown_query_is_not_found(catalog):
    with pytest.raises(errors.NotFound) as caught:
        catalog.get("nope")
    assert caught.value.status == 404
    assert "nope" in caught.value.message


def test_header_fields(catalog):
    query = catalog.get("min_years")
    assert query.title == "运行年限要求不少于 N 年的政策"
    assert query.description == "Policies asking for at least N years of operation."
    assert query.params == (queries.Param("years", "integer", "4", "最少运行年限（年）"),)
    assert query.text.startswith("#+ title:")
    assert [p.type for p in catalog.get("echo").params] == [
        "integer",
        "decimal",
        "string",
        "docnumber",
        "iri",
        "concept",
    ]


@pytest.mark.parametrize(
    "name, form",
    [
        ("min_years", "select"),
        ("open_to", "ask"),
        ("policy_graph", "construct"),
        ("policies", "select"),
    ],
)
def test_form(catalog, name, form):
    assert catalog.get(name).form == form


def test_defaults_are_the_examples(catalog, tiny):
    row = echo(catalog, tiny)
    assert row["i"] == pyoxigraph.Literal("5", datatype=pyoxigraph.NamedNode(XSD + "integer"))
    assert row["d"] == pyoxigraph.Literal("0.6", datatype=pyoxigraph.NamedNode(XSD + "decimal"))
    assert row["s"] == pyoxigraph.Literal('质量 "强市"')
    assert row["doc"] == pyoxigraph.Literal("临政字〔2020〕113号")
    assert row["iri"] == pyoxigraph.NamedNode("https://example.org/x")
    assert row["c"] == pyoxigraph.NamedNode(CONCEPT + "organisation")


def test_query_without_params_binds_to_its_own_text(catalog):
    query = catalog.get("policies")
    assert query.params == ()
    assert query.bind({}) == query.text


HOSTILE = [
    '"',
    "'",
    '"""',
    "'''",
    "}",
    "{",
    "\\",
    "\n",
    "\r\n",
    "#",
    "> . } DROP ALL",
    '") } } DROP ALL { ("',
    '" } ; DROP ALL #\n',
    "\\u0022 } DROP ALL",
    '\\" }',
    "<http://evil/> } SERVICE <http://evil/> {",
    "\u0000\u2028",
    "多行\n文本 } ",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_string_values_cannot_escape(catalog, tiny, value):
    query = catalog.get("echo")
    bound = query.bind({"s": value})
    start, end = query.values_span
    assert bound.startswith(query.text[:start])
    assert bound.endswith(query.text[end:])
    assert echo(catalog, tiny, s=value)["s"] == pyoxigraph.Literal(value)


@pytest.mark.parametrize(
    "param, value",
    [
        ("i", "5) } DROP ALL {"),
        ("i", '5 "'),
        ("d", "0.6}"),
        ("d", "1e5"),
        ("d", "NaN"),
        ("iri", "https://x/> . } DROP ALL <x:"),
        ("iri", "https://x/a b"),
        ("iri", 'https://x/"'),
        ("iri", "ftp://example.org/x"),
        ("iri", "example.org"),
        ("iri", "https://x/{y}"),
        ("c", "a b"),
        ("c", "x>y"),
        ("c", "organisation> } DROP ALL"),
        ("c", ""),
        ("doc", "DROP ALL"),
        ("doc", "2020"),
        ("i", ""),
        ("i", "4.5"),
        ("i", "四"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(catalog, param, value):
    with pytest.raises(errors.ParamError) as caught:
        catalog.get("echo").bind({param: value})
    assert caught.value.status == 400
    assert caught.value.as_json()["param"] == param
    assert param in caught.value.message


@pytest.mark.parametrize(
    "param, value, expected",
    [
        ("i", " 12 ", pyoxigraph.Literal("12", datatype=pyoxigraph.NamedNode(XSD + "integer"))),
        ("i", "-3", pyoxigraph.Literal("-3", datatype=pyoxigraph.NamedNode(XSD + "integer"))),
        ("i", "０７", pyoxigraph.Literal("7", datatype=pyoxigraph.NamedNode(XSD + "integer"))),
        ("d", "100000", pyoxigraph.Literal("100000", datatype=pyoxigraph.NamedNode(XSD + "decimal"))),
        ("d", ".5", pyoxigraph.Literal("0.5", datatype=pyoxigraph.NamedNode(XSD + "decimal"))),
        ("doc", "临政字[2020]第0113号", pyoxigraph.Literal("临政字〔2020〕113号")),
        ("doc", "总局令第36号", pyoxigraph.Literal("总局令第36号")),
        ("iri", "http://example.org/a?b=c#d", pyoxigraph.NamedNode("http://example.org/a?b=c#d")),
        ("c", "individual", pyoxigraph.NamedNode(CONCEPT + "individual")),
        ("c", "https://example.org/scheme/x", pyoxigraph.NamedNode("https://example.org/scheme/x")),
    ],
)
def test_values_are_typed(catalog, tiny, param, value, expected):
    assert echo(catalog, tiny, **{param: value})[param] == expected


def test_concept_local_names_use_the_catalog_base(tiny):
    catalog = queries.Catalog(FIXTURES / "queries", base_iri="http://example.org/kg/")
    assert echo(catalog, tiny, c="region")["c"] == pyoxigraph.NamedNode(
        "http://example.org/kg/id/concept/region"
    )


def test_unknown_parameter_is_named(catalog):
    with pytest.raises(errors.ParamError) as caught:
        catalog.get("min_years").bind({"years": "3", "limit": "1"})
    assert caught.value.as_json()["param"] == "limit"


def test_non_text_value_is_refused(catalog):
    with pytest.raises(errors.ParamError):
        catalog.get("min_years").bind({"years": 3})


@pytest.mark.parametrize(
    "years, expected",
    [
        ("3", ["quality-award", "standard-subsidy"]),
        ("5", ["standard-subsidy"]),
        ("6", []),
    ],
)
def test_bound_select_runs(catalog, tiny, years, expected):
    rows = tiny.query(catalog.get("min_years").bind({"years": years}))
    assert [row["policy"].value.removeprefix(POLICY) for row in rows] == expected


@pytest.mark.parametrize("number", ["临政字〔2020〕113号", "临政字(2020)113号", "临政字【２０２０】第113号"])
def test_docnumber_in_any_form_finds_the_document(catalog, tiny, number):
    rows = tiny.query(catalog.get("by_legal_basis").bind({"number": number}))
    assert [row["policy"].value.removeprefix(POLICY) for row in rows] == [
        "quality-award",
        "standard-subsidy",
    ]


@pytest.mark.parametrize(
    "applicant, expected",
    [
        ("individual", True),
        ("organisation", True),
        ("region", False),
    ],
)
def test_bound_ask_runs(catalog, tiny, applicant, expected):
    assert bool(tiny.query(catalog.get("open_to").bind({"applicant": applicant}))) is expected


def test_bound_construct_runs(catalog, tiny):
    query = catalog.get("policy_graph")
    triples = list(tiny.query(query.bind({"policy": POLICY + "quality-award"})))
    assert len(triples) == 7
    assert {t.subject.value for t in triples} == {POLICY + "quality-award"}
    assert len(list(tiny.query(query.bind()))) == 5


@pytest.mark.parametrize(
    "name, message",
    [
        ("no_title", "title"),
        ("missing_param", "exactly the parameters"),
        ("no_values", "exactly the parameters"),
        ("bad_type", "unknown type"),
        ("bad_example", "bad example"),
    ],
)
def test_malformed_file_is_refused_at_load(name, message):
    with pytest.raises(errors.BuildError) as caught:
        queries.load(FIXTURES / "bad" / f"{name}.rq")
    assert f"{name}.rq" in str(caught.value)
    assert message in str(caught.value)


def test_catalog_with_a_malformed_file_does_not_load(tmp_path):
    shutil.copy(FIXTURES / "queries" / "policies.rq", tmp_path)
    shutil.copy(FIXTURES / "bad" / "no_values.rq", tmp_path)
    with pytest.raises(errors.BuildError, match=r"no_values\.rq"):
        queries.Catalog(tmp_path)


@pytest.mark.parametrize(
    "text, form",
    [
        ("PREFIX select: <http://x/> ASK { ?s ?p ?o }", "ask"),
        ('# SELECT in a comment\nconstruct { ?s ?p "SELECT" } where { ?s ?p ?o }', "construct"),
        ("DESCRIBE <http://x/>", "describe"),
        ('"SELECT" frobnicate', None),
        ("", None),
    ],
)
def test_form_of_any_text(text, form):
    assert queries.form(text) == form


def test_query_text_follows_the_configured_base_iri():
    base = "http://data.example.org/kg/"
    catalog = queries.Catalog(Path(__file__).resolve().parents[1] / "queries", base)
    text = catalog.get("operating-years-at-least").bind({"years": "5"})
    assert "https://w3id.org/policykg/" not in text
    assert f"<{base}def/>" in text and f"<{base}id/concept/info/>" in text


# --- Paged queries (`#+ page:`), labels, several rows -------------------------------------------

PAGED = """#+ title: 带分页的政策
#+ param: years | integer | 0 | 最少运行年限（年）
#+ page: policy | 每页若干项政策
PREFIX pkg: <https://w3id.org/policykg/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?policy ?label WHERE {
  {
    SELECT ?policy WHERE {
      VALUES (?years) { (0) }
      ?policy pkg:maxAmount ?amount .
      OPTIONAL { ?policy pkg:minOperatingYears ?least }
      FILTER(COALESCE(?least, 0) >= ?years)
    }
    GROUP BY ?policy
    ORDER BY ?policy
    LIMIT 100 OFFSET 0
  }
  ?policy rdfs:label ?label .
}
ORDER BY ?policy ?label
"""


def paged_query(tmp_path, text=PAGED, name="paged"):
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return queries.load(path)


def test_a_page_is_cut_inside_the_query_and_counted_by_one_aggregate(tmp_path, tiny):
    query = paged_query(tmp_path)
    assert query.page.key == "policy" and query.page.description == "每页若干项政策"
    whole = [(row["policy"].value, row["label"].value) for row in tiny.query(query.bind())]
    as_written = [(row["policy"].value, row["label"].value) for row in tiny.query(query.text)]
    assert as_written == whole  # the file runs as it is: its first page
    keys = sorted({policy for policy, _ in whole})
    assert len(keys) == 3 and len(whole) == 4  # one policy has two labels: a page counts keys
    walked = []
    for offset in range(0, 4):
        walked += [
            (row["policy"].value, row["label"].value)
            for row in tiny.query(query.bind(limit=1, offset=offset))
        ]
    assert walked == whole
    count = next(iter(tiny.query(query.count())))["count"].value
    assert int(count) == 3
    assert int(next(iter(tiny.query(query.count({"years": "4"}))))["count"].value) == 1
    assert "LIMIT 1 OFFSET 2" in query.bind(limit=1, offset=2)


def test_only_integers_reach_limit_and_offset(tmp_path):
    query = paged_query(tmp_path)
    with pytest.raises(ValueError):
        query.bind(limit="1 } } SELECT * WHERE { ?s ?p ?o")
    with pytest.raises(ValueError, match="not paged"):
        queries.Catalog(FIXTURES / "queries").get("min_years").bind(limit=5)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda text: text.replace("    LIMIT 100 OFFSET 0\n", ""), "one LIMIT n OFFSET m"),
        (
            lambda text: text.replace(
                "ORDER BY ?policy ?label\n", "ORDER BY ?policy ?label LIMIT 5 OFFSET 0\n"
            ),
            "one LIMIT",
        ),
        (lambda text: text.replace("LIMIT 100 OFFSET 0", "LIMIT 100"), "one LIMIT n OFFSET m"),
        (
            lambda text: text.replace("SELECT ?policy WHERE", "SELECT ?amount WHERE").replace(
                "GROUP BY ?policy", "GROUP BY ?amount"
            ),
            "must project ?policy",
        ),
        (
            lambda text: text.replace("#+ page: policy | 每页若干项政策", "#+ page: ?! | x"),
            "malformed page line",
        ),
        (
            lambda text: text.replace("      VALUES (?years) { (0) }\n", "").replace(
                "SELECT ?policy ?label WHERE {\n",
                "SELECT ?policy ?label WHERE {\n  VALUES (?years) { (0) }\n",
            ),
            "exactly the parameters",
        ),
    ],
)
def test_malformed_paged_file_is_refused_at_load(tmp_path, change, message):
    with pytest.raises(errors.BuildError) as caught:
        paged_query(tmp_path, change(PAGED))
    assert "paged.rq" in str(caught.value) and message in str(caught.value)


def test_a_label_is_bound_in_each_written_form(tmp_path, tiny):
    text = """#+ title: 按名称找政策
#+ param: name | label | 质量强市奖励 | 名称
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?policy WHERE {
  VALUES (?name) { ("质量强市奖励") }
  ?policy rdfs:label ?name .
}
"""
    query = paged_query(tmp_path, text, "by_name")
    bound = query.bind({"name": "Quality award"})
    for form in ('"Quality award"', '"Quality award"@zh', '"Quality award"@en'):
        assert f"({form})" in bound
    assert [row["policy"].value for row in tiny.query(bound)] == [POLICY + "quality-award"]
    assert [row["policy"].value for row in tiny.query(query.bind())] == [POLICY + "quality-award"]
    assert list(tiny.query(query.bind({"name": "质量强市"}))) == []  # a label is matched whole


def test_several_rows_bound_at_once(catalog, tiny):
    query = catalog.get("min_years")
    bound = query.bind_rows([{"years": "5"}, {"years": "3"}])
    assert f"VALUES (?years) {{ ({pyoxigraph.Literal(5)}) ({pyoxigraph.Literal(3)}) }}" in bound
    rows = {(row["policy"].value, row["years"].value) for row in tiny.query(bound)}
    assert rows == {
        (POLICY + "standard-subsidy", "5"),
        (POLICY + "quality-award", "3"),
        (POLICY + "standard-subsidy", "3"),
    }
    with pytest.raises(errors.ParamError):
        query.bind_rows([{"years": "5"}, {"years": "x"}])
    with pytest.raises(ValueError):
        query.bind_rows([])
