"""Each data-quality check finds the fault it is written for, and nothing in the real data."""

from pathlib import Path

import pyoxigraph
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "queries/checks"
ID = "https://w3id.org/policykg/id/"
DEF = "https://w3id.org/policykg/def/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# check → triples (N-Triples) that break it
FAULTS = {
    "undeclared-terms": f'<{ID}policy/x> <{DEF}noSuchProperty> "1" .',
    "terms-without-labels": f"<{DEF}Unlabelled> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<http://www.w3.org/2002/07/owl#Class> .",
    "constraint-bounds": f"<{ID}constraint/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DEF}Constraint> .\n"
    f'<{ID}constraint/x> <{DEF}minInclusive> "20"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
    f'<{ID}constraint/x> <{DEF}maxExclusive> "10"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
    "linkable-blank-nodes": f"_:b <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DEF}Policy> .",
    "number-key-covers-normalized": f'<{ID}document/x> <{DEF}normalizedNumber> "临政字〔2020〕1号" .',
    "monetary-benefit-amount-kind": f"<{ID}benefit/x> <{DEF}amount> <{ID}amount/x-1> .\n"
    f"<{ID}benefit/x> <{DEF}amount> <{ID}amount/x-2> .",
    "disjoint-classes": f"<{ID}benefit/quality-awards-1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    f"<{DEF}MonetaryBenefit> .",
    "reused-terms-without-labels": "<http://schema.org/Unlabelled> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<http://www.w3.org/2002/07/owl#Class> .",
    "unconditional-benefit-with-conditions": f'<{ID}benefit/quality-awards-2b> <{DEF}unconditional> "true"^^<{XSD}boolean> .',
    # an xsd:decimal bound written as the integer 5 (a pattern with 5.0 would not find it)
    "literal-datatypes": f'<{ID}constraint/quality-awards-3-1-a> <{DEF}minInclusive> "5"^^<{XSD}integer> .',
}


@pytest.fixture(scope="module")
def closure(built_cfg):
    store = pyoxigraph.Store()
    for part in ("asserted", "inferred"):
        store.bulk_load(
            path=str(Path(built_cfg["BUILD_DIR"]) / f"{part}.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES
        )
    return store


def rows(store, name):
    return list(store.query((CHECKS / f"{name}.rq").read_text("utf-8")))


def test_every_check_has_a_fault_case():
    assert sorted(FAULTS) == sorted(path.stem for path in CHECKS.glob("*.rq"))


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_check_passes_on_the_data_and_catches_its_fault(closure, name):
    assert rows(closure, name) == []
    faulty = pyoxigraph.Store()
    faulty.extend(quad for quad in closure)
    faulty.load(FAULTS[name].encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert rows(faulty, name)


@pytest.mark.parametrize(
    "fault",
    [
        f'<{ID}amount/x> <{DEF}rate> "0.6"^^<{XSD}double> .',  # declared xsd:decimal
        f'<{ID}document/x> <{DEF}year> "2021"^^<{XSD}gYear> .',  # declared xsd:integer
        f'<{ID}policy/x> <{DEF}sourceText> "原文" .',  # declared rdf:langString: no language tag
        f"<{ID}constraint/x> <{DEF}requiredValue> <{ID}x> .",  # a datatype property with an IRI
        f'<{ID}policy/x> <{DEF}hotline> "0539-5977806" .',  # an object property with a literal
    ],
)
def test_literal_datatypes_catches_every_kind_of_mismatch(closure, fault):
    faulty = pyoxigraph.Store()
    faulty.extend(quad for quad in closure)
    faulty.load(fault.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert rows(faulty, "literal-datatypes")


@pytest.mark.parametrize(
    "fault",
    [
        f'<{ID}policy/x> <http://schema.org/noSuchProperty> "1" .',  # a reused property
        f"<{ID}policy/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://schema.org/NoSuchClass> .",
        f"<{ID}policy/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DEF}NoSuchClass> .",
    ],
)
def test_undeclared_terms_covers_reused_vocabularies_and_classes(closure, fault):
    faulty = pyoxigraph.Store()
    faulty.extend(quad for quad in closure)
    faulty.load(fault.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert rows(faulty, "undeclared-terms")


@pytest.mark.parametrize("missing", ["zh label", "en label", "rdfs:isDefinedBy"])
def test_reused_terms_without_labels_names_what_is_missing(closure, missing):
    """schema:url with one of its zh label, en label or rdfs:isDefinedBy taken away."""
    url = pyoxigraph.NamedNode("http://schema.org/url")
    label = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    defined = pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#isDefinedBy")
    faulty = pyoxigraph.Store()
    faulty.extend(
        quad
        for quad in closure
        if not (
            quad.subject == url
            and (
                (missing == "rdfs:isDefinedBy" and quad.predicate == defined)
                or (quad.predicate == label and f"{quad.object.language} label" == missing)
            )
        )
    )
    assert [(row["term"], row["missing"].value) for row in rows(faulty, "reused-terms-without-labels")] == [
        (url, missing)
    ]
