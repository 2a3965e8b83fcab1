"""policykg.shacl against pyshacl, the reference: the real handbook's closure conforms in both,
and each fault seeded into it (one per shape and constraint kind) is reported by both with the
same focus nodes, paths, constraint components, values and sh:messages. Shapes beyond
ontology/shapes.ttl (sequence and alternative paths, sh:node, sh:in, sh:not, sh:and, lengths)
are checked the same way, random faults too (hypothesis), and a shapes graph with a feature the
engine lacks goes to pyshacl with a warning."""

import warnings
from collections import Counter

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg import build, config, shacl

ROOT = config.ROOT
SHAPES_PATH = ROOT / "ontology/shapes.ttl"
PREFIXES = """
PREFIX pkg: <https://w3id.org/policykg/def/>
PREFIX ex: <https://example.org/test/>
PREFIX schema: <http://schema.org/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
SHAPE_PREFIXES = (
    "\n".join(f"@prefix {line.split()[1]} {line.split()[2]} ." for line in PREFIXES.strip().splitlines())
    + "\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
)


def first(cls, var="x"):
    """A sub-select binding ?var to the first instance of `cls` (a prefixed name), in IRI order."""
    return f"{{ SELECT ?{var} WHERE {{ ?{var} a {cls} }} ORDER BY ?{var} LIMIT 1 }}"


@pytest.fixture(scope="module")
def closure():
    """The handbook's asserted and inferred triples, as the build validates them (N-Triples)."""
    paths = [path for path in build.input_files({"ROOT": ROOT}) if build.is_graph_file(path)]
    asserted = build.parse(paths, ROOT)
    return (build.ntriples(asserted) + build.ntriples(build.infer(asserted, "rules", ROOT))).encode("utf-8")


@pytest.fixture(scope="module")
def shapes():
    return shacl.load_shapes(SHAPES_PATH, base_iri=build.CANONICAL_BASE)


def store_of(ntriples, update=None):
    store = ox.Store()
    store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    if update:
        store.update(PREFIXES + update)
    return store


def messages_of(shapes_turtle):
    graph = ox.Store()
    graph.load(shapes_turtle, format=ox.RdfFormat.TURTLE)
    return {quad.object.value for quad in graph.quads_for_pattern(None, shacl.sh("message"), None)}


def keys(report, declared):
    """The results as comparable keys: blank nodes (labelled differently by each engine) as `_:`,
    the message only where it is an sh:message of the shapes (else each engine words its own)."""

    def name(term):
        return "_:" if isinstance(term, ox.BlankNode) else (str(term) if term is not None else None)

    return Counter(
        (
            name(result.focus),
            shacl.path_text(result.path),
            result.component,
            name(result.value),
            result.severity,
            tuple(message for message in result.messages if message in declared),
        )
        for result in report.results
    )


def same_as_pyshacl(store, shapes, graphs=None):
    """Both engines' reports on `store`; asserts they agree and returns ours."""
    ours = shacl.validate(store, shapes, graphs)
    reference = shacl.pyshacl_report(store, graphs, shapes.turtle)
    declared = messages_of(shapes.turtle)
    assert ours.engine == "policykg"
    assert ours.conforms == reference.conforms
    assert keys(ours, declared) == keys(reference, declared)
    return ours


def test_the_handbook_conforms_in_both(closure, shapes):
    assert not shapes.unsupported
    report = same_as_pyshacl(store_of(closure), shapes)
    assert report.conforms and report.results == []


def test_every_shape_of_the_handbook_has_targets(closure, shapes):
    """The clean run is no proof if a shape targets nothing: each targets at least one node."""
    view = shacl._Data(store_of(closure), None)
    assert all(view.targets(shape) for shape in shapes.roots)


# One fault per shape and constraint kind: (what it breaks, SPARQL update on the closure,
# a constraint component that must be among the results).
FAULTS = [
    (
        "policy without label",
        f"DELETE {{ ?x rdfs:label ?l }} WHERE {{ {first('pkg:Policy')} ?x rdfs:label ?l }}",
        "MinCount",
    ),
    (
        "label in French",
        f"DELETE {{ ?x rdfs:label ?l }} INSERT {{ ?x rdfs:label 'Politique'@fr }} WHERE {{ {first('pkg:Policy')} ?x rdfs:label ?l }}",
        "LanguageIn",
    ),
    (
        "two source texts",
        f"INSERT {{ ?x pkg:sourceText '又一段'@zh }} WHERE {{ {first('pkg:Policy')} }}",
        "MaxCount",
    ),
    (
        "source text without language",
        f"DELETE {{ ?x pkg:sourceText ?t }} INSERT {{ ?x pkg:sourceText 'plain' }} WHERE {{ {first('pkg:Policy')} ?x pkg:sourceText ?t }}",
        "Datatype",
    ),
    (
        "section is no section",
        f"DELETE {{ ?x pkg:section ?s }} INSERT {{ ?x pkg:section ex:nowhere }} WHERE {{ {first('pkg:Policy')} ?x pkg:section ?s }}",
        "Class",
    ),
    (
        "section is a literal",
        f"DELETE {{ ?x pkg:section ?s }} INSERT {{ ?x pkg:section 'section 1' }} WHERE {{ {first('pkg:Benefit')} ?x pkg:section ?s }}",
        "Class",
    ),
    ("benefit is a blank node", "INSERT DATA { [] a pkg:Benefit ; rdfs:label 'b'@zh }", "NodeKind"),
    (
        "clause is an integer",
        f"DELETE {{ ?x pkg:clause ?c }} INSERT {{ ?x pkg:clause 7 }} WHERE {{ {first('pkg:Benefit')} ?x pkg:clause ?c }}",
        "Datatype",
    ),
    (
        "benefit of no policy",
        f"DELETE {{ ?x pkg:benefitOf ?p }} WHERE {{ {first('pkg:Benefit')} ?x pkg:benefitOf ?p }}",
        "MinCount",
    ),
    (
        "non-monetary benefit with an amount",
        f"INSERT {{ ?x a pkg:NonMonetaryBenefit }} WHERE {{ {first('pkg:MonetaryBenefit')} ?x pkg:amount ?a }}",
        "MaxCount",
    ),
    (
        "currency USD",
        f"DELETE {{ ?x schema:currency ?c }} INSERT {{ ?x schema:currency 'USD' }} WHERE {{ {first('pkg:Amount')} ?x schema:currency ?c }}",
        "HasValue",
    ),
    (
        "amount of two benefits (inverse path)",
        f"INSERT {{ ?b pkg:amount ?x }} WHERE {{ {first('pkg:Amount')} ?b a pkg:MonetaryBenefit FILTER NOT EXISTS {{ ?b pkg:amount ?x }} }}",
        "MaxCount",
    ),
    (
        "amount of no benefit (inverse path)",
        f"DELETE {{ ?b pkg:amount ?x }} WHERE {{ {first('pkg:Amount')} ?b pkg:amount ?x }}",
        "MinCount",
    ),
    (
        "negative value",
        f"DELETE {{ ?x schema:value ?v }} INSERT {{ ?x schema:value -5.0 }} WHERE {{ {first('pkg:FixedAmount')} ?x schema:value ?v }}",
        "MinExclusive",
    ),
    (
        "ill-formed decimal",
        f"DELETE {{ ?x schema:value ?v }} INSERT {{ ?x schema:value 'lots'^^xsd:decimal }} WHERE {{ {first('pkg:FixedAmount')} ?x schema:value ?v }}",
        "Datatype",
    ),
    (
        "value as a string",
        f"DELETE {{ ?x schema:value ?v }} INSERT {{ ?x schema:value '100' }} WHERE {{ {first('pkg:FixedAmount')} ?x schema:value ?v }}",
        "MinExclusive",
    ),
    (
        "fixed and capped (xone)",
        f"INSERT {{ ?x a pkg:CappedAmount }} WHERE {{ {first('pkg:FixedAmount')} }}",
        "Xone",
    ),
    (
        "amount of no kind (xone)",
        f"DELETE {{ ?x a pkg:FixedAmount }} WHERE {{ {first('pkg:FixedAmount')} }}",
        "Xone",
    ),
    (
        "rate above 1",
        f"DELETE {{ ?x pkg:rate ?r }} INSERT {{ ?x pkg:rate 1.5 }} WHERE {{ {first('pkg:RateAmount')} ?x pkg:rate ?r }}",
        "MaxInclusive",
    ),
    (
        "constraint without bound (or)",
        f"DELETE {{ ?x ?p ?v }} WHERE {{ {first('pkg:Constraint')} ?x ?p ?v VALUES ?p {{ pkg:minInclusive pkg:minExclusive pkg:maxInclusive pkg:maxExclusive pkg:requiredValue pkg:requiredPlace }} }}",
        "Or",
    ),
    (
        "required value not boolean",
        f"INSERT {{ ?x pkg:requiredValue 'yes' }} WHERE {{ {first('pkg:Constraint')} }}",
        "Datatype",
    ),
    (
        "look-back of zero years",
        f"INSERT {{ ?x pkg:lookBackYears 0 }} WHERE {{ {first('pkg:Constraint')} }}",
        "MinExclusive",
    ),
    (
        "criterion in two groups",
        f"INSERT {{ ?x pkg:inGroup ?g }} WHERE {{ {first('pkg:Criterion')} {{ SELECT ?g WHERE {{ ?g a pkg:CriterionGroup }} ORDER BY DESC(?g) LIMIT 1 }} FILTER NOT EXISTS {{ ?x pkg:inGroup ?g }} }}",
        "MaxCount",
    ),
    (
        "group of no policy (inverse path)",
        f"DELETE {{ ?p pkg:hasCriterionGroup ?x }} WHERE {{ {first('pkg:CriterionGroup')} ?p pkg:hasCriterionGroup ?x }}",
        "MinCount",
    ),
    (
        "telephone badly written",
        f"DELETE {{ ?x schema:telephone ?t }} INSERT {{ ?x schema:telephone '5977805' }} WHERE {{ {first('pkg:Hotline')} ?x schema:telephone ?t }}",
        "Pattern",
    ),
    (
        "tel as a literal",
        f"DELETE {{ ?x pkg:tel ?t }} INSERT {{ ?x pkg:tel 'tel:+86-539-5977805' }} WHERE {{ {first('pkg:Hotline')} ?x pkg:tel ?t }}",
        "NodeKind",
    ),
    (
        "tel badly written",
        f"DELETE {{ ?x pkg:tel ?t }} INSERT {{ ?x pkg:tel <tel:5977805> }} WHERE {{ {first('pkg:Hotline')} ?x pkg:tel ?t }}",
        "Pattern",
    ),
    (
        "numbered document without id (subjects-of target)",
        "DELETE { ?x eli:id_local ?i } WHERE { { SELECT ?x WHERE { ?x pkg:normalizedNumber ?n } ORDER BY ?x LIMIT 1 } ?x eli:id_local ?i }",
        "MinCount",
    ),
    (
        "document year not integer",
        f"INSERT {{ ?x pkg:year '二〇二〇' }} WHERE {{ {first('pkg:LegalDocument')} }}",
        "Datatype",
    ),
    (
        "organisation without label",
        f"DELETE {{ ?x rdfs:label ?l }} WHERE {{ {first('org:Organization')} ?x rdfs:label ?l }}",
        "MinCount",
    ),
    (
        "first page ill-formed",
        f"DELETE {{ ?x pkg:firstPage ?n }} INSERT {{ ?x pkg:firstPage '12a'^^xsd:integer }} WHERE {{ {first('pkg:HandbookSection')} ?x pkg:firstPage ?n }}",
        "Datatype",
    ),
    (
        "handbook without publisher",
        f"DELETE {{ ?x dcterms:publisher ?o }} WHERE {{ {first('pkg:Handbook')} ?x dcterms:publisher ?o }}",
        "MinCount",
    ),
    (
        "concept without scheme",
        f"DELETE {{ ?x skos:inScheme ?s }} WHERE {{ {first('<http://data.europa.eu/m8g/InformationConcept>')} ?x skos:inScheme ?s }}",
        "MinCount",
    ),
    (
        "instance of a new sub-class of Policy (targets follow subClassOf)",
        "INSERT DATA { ex:Sub rdfs:subClassOf pkg:Policy . ex:p a ex:Sub ; rdfs:label 'p'@zh }",
        "MinCount",
    ),
]


@pytest.mark.parametrize(("fault", "update", "component"), FAULTS, ids=[fault[0] for fault in FAULTS])
def test_a_seeded_fault_is_reported_as_pyshacl_reports_it(closure, shapes, fault, update, component):
    report = same_as_pyshacl(store_of(closure, update), shapes)
    assert not report.conforms
    assert shacl.SH + component + "ConstraintComponent" in {result.component for result in report.results}


def test_every_constraint_kind_of_the_shapes_is_seeded(shapes):
    """Each constraint parameter shapes.ttl uses is broken by at least one fault above."""
    used = set()

    def walk(shape):
        used.update(name for name, _ in shape.constraints)
        for prop in shape.properties:
            walk(prop)

    for shape in shapes.roots:
        walk(shape)
    seeded = {component for _, _, component in FAULTS}
    assert {shacl.COMPONENT[name].removesuffix("ConstraintComponent") for name in used} <= seeded


# Shapes using what ontology/shapes.ttl does not (yet): paths of several steps, alternatives,
# nested node shapes, lists of allowed values, negation, conjunction, lengths, severities.
EXTRA_SHAPES = (
    SHAPE_PREFIXES
    + """
ex:PolicyExtra a sh:NodeShape ; sh:targetClass pkg:Policy ;
    sh:property [ sh:path ( pkg:hasBenefit pkg:amount ) ; sh:node ex:InYuan ] ,
        [ sh:path ( pkg:hasBenefit pkg:amount schema:currency ) ; sh:in ( "CNY" ) ; sh:severity sh:Warning ] ,
        [ sh:path [ sh:alternativePath ( pkg:hasBenefit pkg:hasCriterionGroup ) ] ; sh:minCount 2 ] ,
        [ sh:path [ sh:inversePath pkg:benefitOf ] ; sh:class pkg:Benefit ; sh:minCount 1 ] ,
        [ sh:path ( [ sh:inversePath pkg:criterionOf ] pkg:inGroup ) ; sh:class pkg:CriterionGroup ] ,
        [ sh:path rdfs:label ; sh:minLength 2 ; sh:maxLength 60 ; sh:message "label length"@en ] ,
        [ sh:path pkg:theme ; sh:node ex:Concept ] ;
    sh:not [ sh:class pkg:Benefit ] ;
    sh:and ( [ sh:path pkg:hotline ; sh:minCount 1 ] [ sh:path pkg:section ; sh:minCount 1 ] ) .
ex:InYuan a sh:NodeShape ; sh:property [ sh:path schema:currency ; sh:hasValue "CNY" ] .
ex:Concept a sh:NodeShape ; sh:nodeKind sh:IRI ; sh:class skos:Concept ;
    sh:property [ sh:path skos:prefLabel ; sh:minCount 1 ] .
ex:Phones a sh:NodeShape ; sh:targetObjectsOf pkg:hotline ;
    sh:property [ sh:path schema:telephone ; sh:pattern "^0539-" ; sh:flags "i" ; sh:maxLength 12 ] .
ex:One a sh:NodeShape ; sh:targetNode <https://w3id.org/policykg/id/handbook/linyi-amr-2023> , ex:absent ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1 ; sh:severity sh:Info ] .
"""
).encode("utf-8")

EXTRA_FAULTS = [
    ("clean", None),
    (
        "nested node broken (sequence path)",
        f"DELETE {{ ?a schema:currency ?c }} INSERT {{ ?a schema:currency 'USD' }} WHERE {{ {first('pkg:Amount', 'a')} ?a schema:currency ?c }}",
    ),
    ("value not in list", f"INSERT {{ ?a schema:currency 'EUR' }} WHERE {{ {first('pkg:Amount', 'a')} }}"),
    (
        "alternative path short",
        f"DELETE {{ ?x pkg:hasCriterionGroup ?g . ?x pkg:hasBenefit ?b }} WHERE {{ {first('pkg:Policy')} OPTIONAL {{ ?x pkg:hasCriterionGroup ?g }} OPTIONAL {{ ?x pkg:hasBenefit ?b }} }}",
    ),
    ("label too long", f"INSERT {{ ?x rdfs:label '{'长' * 80}'@zh }} WHERE {{ {first('pkg:Policy')} }}"),
    ("a policy that is a benefit (not)", f"INSERT {{ ?x a pkg:Benefit }} WHERE {{ {first('pkg:Policy')} }}"),
    (
        "no hotline (and)",
        f"DELETE {{ ?x pkg:hotline ?h }} WHERE {{ {first('pkg:Policy')} ?x pkg:hotline ?h }}",
    ),
    (
        "theme without label (sh:node)",
        f"DELETE {{ ?t skos:prefLabel ?l }} WHERE {{ {first('pkg:Policy')} ?x pkg:theme ?t . ?t skos:prefLabel ?l }}",
    ),
    (
        "telephone of another city (targetObjectsOf)",
        f"DELETE {{ ?h schema:telephone ?t }} INSERT {{ ?h schema:telephone '0531-12345678' }} WHERE {{ {first('pkg:Hotline', 'h')} ?h schema:telephone ?t }}",
    ),
    (
        "handbook title lost (targetNode)",
        "DELETE WHERE { <https://w3id.org/policykg/id/handbook/linyi-amr-2023> dcterms:title ?t }",
    ),
]


@pytest.mark.parametrize(("fault", "update"), EXTRA_FAULTS, ids=[fault[0] for fault in EXTRA_FAULTS])
def test_features_beyond_the_shapes_file_agree_with_pyshacl(closure, fault, update):
    extra = shacl.load_shapes(EXTRA_SHAPES)
    assert not extra.unsupported
    report = same_as_pyshacl(store_of(closure, update), extra)
    assert report.results  # ex:absent has no title: never clean
    if update is None:
        assert {result.focus for result in report.results} == {
            ox.NamedNode("https://example.org/test/absent")
        }


PREDICATES = sorted(
    {
        "rdfs:label", "pkg:sourceText", "pkg:section", "pkg:hotline", "pkg:clause", "pkg:benefitOf",
        "pkg:amount", "schema:currency", "schema:value", "pkg:rate", "pkg:concept", "pkg:inGroup",
        "schema:telephone", "pkg:tel", "eli:id_local", "pkg:firstPage", "dcterms:isPartOf", "pkg:theme",
    }
)  # fmt: skip
REPLACEMENTS = ["ex:nothing", "'text'", "'text'@en", "0", "-1.5", "'x'^^xsd:integer", "true"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    predicate=st.sampled_from(PREDICATES),
    pick=st.integers(min_value=0, max_value=50),
    action=st.sampled_from(["delete", "add", "replace"]),
    replacement=st.sampled_from(REPLACEMENTS),
)
def test_random_faults_agree_with_pyshacl(closure, shapes, predicate, pick, action, replacement):
    """A triple of a constrained predicate deleted, doubled or given another object."""
    chosen = f"{{ SELECT ?s ?o WHERE {{ ?s {predicate} ?o }} ORDER BY ?s ?o OFFSET {pick} LIMIT 1 }}"
    update = {
        "delete": f"DELETE {{ ?s {predicate} ?o }} WHERE {{ {chosen} }}",
        "add": f"INSERT {{ ?s {predicate} {replacement} }} WHERE {{ {chosen} }}",
        "replace": f"DELETE {{ ?s {predicate} ?o }} INSERT {{ ?s {predicate} {replacement} }} WHERE {{ {chosen} }}",
    }[action]
    same_as_pyshacl(store_of(closure, update), shapes)


def test_only_the_graphs_named_are_read(closure, shapes):
    """Data in other graphs of the store is not seen: the build validates one handbook at a time."""
    store = store_of(b"")
    handbook, other = (
        ox.NamedNode("https://example.org/g/handbook"),
        ox.NamedNode("https://example.org/g/other"),
    )
    store.bulk_load(closure, format=ox.RdfFormat.N_TRIPLES, to_graph=handbook)
    store.update(PREFIXES + "INSERT DATA { GRAPH <https://example.org/g/other> { ex:p a pkg:Policy } }")
    assert shacl.validate(store, shapes, graphs=[handbook]).conforms
    everything = same_as_pyshacl(store, shapes, graphs=[handbook, other])
    assert {result.focus for result in everything.results} == {ox.NamedNode("https://example.org/test/p")}
    assert not shacl.validate(store, shapes).conforms  # all graphs


def test_lines_are_the_builds_form(closure, shapes):
    report = shacl.validate(store_of(closure, FAULTS[0][1]), shapes)
    focus = next(iter(report.results)).focus
    assert report.lines() == [
        f"focus node {focus} · path <{shacl.RDFS}label> · 政策须有中文名称 / a policy needs a label"
    ]
    inverse = shacl.validate(store_of(closure, FAULTS[12][1]), shapes)
    assert any(" · path ^<https://w3id.org/policykg/def/amount> · " in line for line in inverse.lines())


def test_an_rdflib_graph_or_ntriples_text_is_accepted(closure, shapes):
    from rdflib import Graph

    faulty = store_of(closure, FAULTS[0][1]).dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    expected = shacl.validate(store_of(faulty), shapes).lines()
    assert expected
    assert shacl.validate(faulty.decode("utf-8"), shapes).lines() == expected
    assert shacl.validate(Graph().parse(data=faulty.decode("utf-8"), format="nt"), shapes).lines() == expected


UNSUPPORTED = {
    "sh:closed": "ex:S a sh:NodeShape ; sh:targetClass pkg:Hotline ; sh:closed true ; sh:ignoredProperties ( rdf:type ) .",
    "sh:sparql": """ex:S a sh:NodeShape ; sh:targetClass pkg:Hotline ; sh:sparql [ sh:select
        "SELECT $this WHERE { $this <http://schema.org/telephone> ?t FILTER(STRLEN(?t) < 99) }" ] .""",
    "path zeroOrMorePath": "ex:S a sh:NodeShape ; sh:targetClass pkg:Hotline ; sh:property [ sh:path [ sh:zeroOrMorePath rdfs:label ] ; sh:maxCount 0 ] .",
    "recursive shapes": """ex:S a sh:NodeShape ; sh:targetClass pkg:Hotline ; sh:property [ sh:path rdfs:label ; sh:minCount 2 ] ;
        sh:property [ sh:path pkg:tel ; sh:node ex:S ] .""",
    "sh:equals": "ex:S a sh:NodeShape ; sh:targetClass pkg:Hotline ; sh:property [ sh:path rdfs:label ; sh:equals schema:telephone ] .",
}


@pytest.mark.parametrize("feature", sorted(UNSUPPORTED))
def test_an_unsupported_feature_falls_back_to_pyshacl_loudly(closure, feature):
    turtle = (
        SHAPE_PREFIXES
        + "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        + UNSUPPORTED[feature]
    ).encode()
    shapes = shacl.load_shapes(turtle)
    assert feature in shapes.unsupported
    store = store_of(closure)
    with pytest.warns(shacl.FallbackWarning, match=feature):
        report = shacl.validate(store, shapes)
    assert report.engine == "pyshacl" and feature in report.unsupported
    reference = shacl.pyshacl_report(store, None, shapes.turtle)
    assert not report.conforms  # every hotline breaks each of these shapes
    assert keys(report, set()) == keys(reference, set())


def test_the_shapes_file_needs_no_fallback(shapes):
    with warnings.catch_warnings():
        warnings.simplefilter("error", shacl.FallbackWarning)
        assert shacl.validate(store_of(b""), shapes).conforms


@pytest.mark.parametrize("index_after", [1, 10**9])
def test_indexed_and_direct_look_ups_agree(closure, shapes, monkeypatch, index_after):
    """Predicates read in one scan (after INDEX_AFTER look-ups) or one look-up at a time: same results."""
    stores = [store_of(closure, update) for _, update, _ in FAULTS[:12]]
    expected = [shacl.validate(store, shapes).results for store in stores]
    monkeypatch.setattr(shacl, "INDEX_AFTER", index_after)
    assert [shacl.validate(store, shapes).results for store in stores] == expected
    assert all(expected)
