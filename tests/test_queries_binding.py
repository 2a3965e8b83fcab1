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
