"""What the ontology tells an analyst who writes SPARQL from its files alone.

Every term the graph uses is declared (queries/checks/undeclared-terms.rq, with labels:
reused-terms-without-labels.rq) and every literal has its property's declared datatype
(literal-datatypes.rq); here: that such a query finds what the ontology promises, that the
domains and ranges stated on reused terms derive nothing new, and that the ontology says what
the served graph holds."""

import pytest
from rdflib import OWL, RDF, RDFS, URIRef
from rdflib.namespace import DCTERMS

from policykg import build, config, store

DEF = build.CANONICAL_BASE + "def/"
ID = build.CANONICAL_BASE + "id/"


@pytest.fixture(scope="module")
def asserted():
    cfg = config.settings()
    return build.parse([path for path in build.input_files(cfg) if build.is_graph_file(path)], config.ROOT)


def test_a_decimal_pattern_finds_the_operating_years_condition(app_cfg):
    opened = store.open_store(app_cfg)
    try:
        result = opened.query(
            f"""PREFIX pkg: <{DEF}>
            SELECT ?constraint WHERE {{
              ?constraint pkg:concept <{ID}concept/info/operating-years> ; pkg:minInclusive 5.0 .
            }}"""
        )
    finally:
        opened.close()
    found = {row["constraint"]["value"] for row in result.rows}
    assert {f"{ID}constraint/quality-awards-3-1-a", f"{ID}constraint/mayor-quality-award-1-1-a"} <= found


def test_domains_and_ranges_of_reused_terms_derive_nothing_new(asserted):
    """Without the rdfs:domain and rdfs:range stated on other vocabularies' terms, the closure
    holds the same facts about the data: those axioms describe the data, they add nothing to it."""
    reused = {
        (s, p, o)
        for p in (RDFS.domain, RDFS.range)
        for s, o in asserted.subject_objects(p)
        if isinstance(s, URIRef) and not str(s).startswith(DEF)
    }
    assert len(reused) > 40
    without = build.parse([], config.ROOT)
    for triple in asserted:
        if triple not in reused:
            without.add(triple)

    def facts(inferred):
        return {t for t in inferred if t[1] not in (RDFS.domain, RDFS.range)}

    assert facts(build.infer(asserted, "rules", config.ROOT)) == facts(
        build.infer(without, "rules", config.ROOT)
    )


def test_the_ontology_says_what_the_served_graph_holds(asserted, app_cfg):
    ontology = URIRef(DEF)
    assert (ontology, RDF.type, OWL.Ontology) in asserted
    for lang in ("zh", "en"):
        (text,) = [d for d in asserted.objects(ontology, DCTERMS.description) if d.language == lang]
        assert "OWL 2 RL" in text and "<BASE>graph/asserted" in text and "<BASE>graph/inferred" in text
    opened = store.open_store(app_cfg)
    try:
        base = app_cfg["BASE_IRI"]
        counts = {
            part: int(
                opened.query(
                    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{base}graph/{part}> {{ ?s ?p ?o }} }}"
                ).rows[0]["n"]["value"]
            )
            for part in ("asserted", "inferred")
        }
        total = int(opened.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"]["value"])
    finally:
        opened.close()
    assert counts["asserted"] and counts["inferred"] and total == counts["asserted"] + counts["inferred"]
