"""The fast inference path (`queries/rules/*.ru` in Oxigraph) against its oracle, owlrl.

On the real handbook the two must infer the same triples, one for one, and a build with
INFERENCE=rules must write the same artifact as one with owlrl. Each rule also has a small case
of its own, whose answer both engines must give, and which fails without that rule.
"""

import pyoxigraph
import pytest
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.collection import Collection

from policykg import artifact, build, config, inference
from policykg.errors import BuildError

PREFIXES = """\
@prefix ex:   <http://example.org/> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

# rule name → (asserted Turtle, the triples OWL-RL adds to it, trivia left out)
CASES = {
    "subclass": (
        "ex:Award rdfs:subClassOf ex:Policy . ex:a a ex:Award .",
        "ex:a a ex:Policy .",
    ),
    "subclass-transitive": (
        "ex:Award rdfs:subClassOf ex:Policy . ex:Policy rdfs:subClassOf ex:Service .",
        "ex:Award rdfs:subClassOf ex:Service .",
    ),
    "domain-thing": (
        "ex:Policy a owl:Class . ex:Award rdfs:subClassOf ex:Policy . ex:hotline rdfs:domain ex:Award .",
        "ex:hotline rdfs:domain ex:Policy , owl:Thing .",
    ),
    "range-thing": (
        "ex:Hotline a owl:Class . ex:hotline rdfs:range ex:Hotline .",
        "ex:hotline rdfs:range owl:Thing .",
    ),
    "subproperty": (
        "ex:hotline rdfs:subPropertyOf ex:contactPoint . ex:a ex:hotline ex:h .",
        "ex:a ex:contactPoint ex:h .",
    ),
    "subproperty-transitive": (
        "ex:hotline rdfs:subPropertyOf ex:contactPoint . ex:contactPoint rdfs:subPropertyOf ex:related .",
        "ex:hotline rdfs:subPropertyOf ex:related .",
    ),
    "inverse-forward": (
        "ex:hasBenefit owl:inverseOf ex:benefitOf . ex:a ex:hasBenefit ex:b .",
        "ex:b ex:benefitOf ex:a .",
    ),
    "inverse-backward": (
        "ex:hasBenefit owl:inverseOf ex:benefitOf . ex:b ex:benefitOf ex:a .",
        "ex:a ex:hasBenefit ex:b .",
    ),
    "transitive": (
        "ex:partOf a owl:TransitiveProperty . ex:office ex:partOf ex:bureau . ex:bureau ex:partOf ex:city ."
        " ex:city ex:partOf ex:province .",
        "ex:office ex:partOf ex:city , ex:province . ex:bureau ex:partOf ex:province .",
    ),
    "symmetric": (
        "ex:twinnedWith a owl:SymmetricProperty . ex:linyi ex:twinnedWith ex:other .",
        "ex:other ex:twinnedWith ex:linyi .",
    ),
    "chain-2": (
        "ex:hasCriterion owl:propertyChainAxiom ( ex:hasGroup ex:hasMember ) ."
        " ex:a ex:hasGroup ex:g . ex:g ex:hasMember ex:c .",
        "ex:a ex:hasCriterion ex:c .",
    ),
    "chain-3": (
        "ex:level owl:propertyChainAxiom ( ex:basis ex:passedBy ex:level ) ."
        " ex:a ex:basis ex:d . ex:d ex:passedBy ex:body . ex:body ex:level ex:city .",
        "ex:a ex:level ex:city .",
    ),
    "domain": (
        'ex:hotline rdfs:domain ex:Policy . ex:a ex:hotline ex:h . ex:b ex:hotline "0539" .',
        "ex:a a ex:Policy . ex:b a ex:Policy .",
    ),
    "range": (
        'ex:hotline rdfs:range ex:Hotline . ex:a ex:hotline ex:h . ex:b ex:hotline "0539" .',
        "ex:h a ex:Hotline .",
    ),
    "domain-superclass": (
        "ex:hotline rdfs:domain ex:Policy . ex:Policy rdfs:subClassOf ex:Service .",
        "ex:hotline rdfs:domain ex:Service .",
    ),
    "range-superclass": (
        "ex:hotline rdfs:range ex:Hotline . ex:Hotline rdfs:subClassOf ex:ContactPoint .",
        "ex:hotline rdfs:range ex:ContactPoint .",
    ),
    "domain-subproperty": (
        "ex:contactPoint rdfs:domain ex:Service . ex:hotline rdfs:subPropertyOf ex:contactPoint .",
        "ex:hotline rdfs:domain ex:Service .",
    ),
    "range-subproperty": (
        "ex:contactPoint rdfs:range ex:ContactPoint . ex:hotline rdfs:subPropertyOf ex:contactPoint .",
        "ex:hotline rdfs:range ex:ContactPoint .",
    ),
}


def turtle(text):
    return Graph().parse(data=PREFIXES + text, format="turtle")


@pytest.fixture(scope="module")
def handbook():
    cfg = config.settings()
    return build.parse([path for path in build.input_files(cfg) if build.is_graph_file(path)], config.ROOT)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The real project built once with each engine (owlrl unreachable in the rules build)."""
    folders = {}
    for engine in ("owlrl", "rules"):
        folder = tmp_path_factory.mktemp(engine)
        with pytest.MonkeyPatch.context() as patch:
            if engine == "rules":
                patch.setattr(build.owlrl, "DeductiveClosure", None)
            build.build(
                config.settings(
                    {"BUILD_DIR": str(folder), "INFERENCE": engine, "BASE_IRI": build.CANONICAL_BASE}
                )
            )
        folders[engine] = folder
    return folders


def test_every_rule_has_a_title_and_a_case():
    loaded = inference.load(inference.folder(config.ROOT))
    assert {rule.name for rule in loaded} == set(CASES)
    for rule in loaded:
        assert rule.title != rule.name, f"{rule.name}.ru has no '#+ title:' line"


def test_rules_name_no_term_of_ours():
    for rule in inference.load(inference.folder(config.ROOT)):
        assert "policykg" not in rule.text and "pkg:" not in rule.text, rule.name


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_rule_infers_what_owlrl_infers(name):
    asserted, expected = turtle(CASES[name][0]), set(turtle(CASES[name][1]))
    assert set(build.infer(asserted, "rules", config.ROOT)) == expected
    assert set(build.infer(asserted, "owlrl", config.ROOT)) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_case_needs_its_rule(name):
    asserted, expected = turtle(CASES[name][0]), set(turtle(CASES[name][1]))
    others = [rule for rule in inference.load(inference.folder(config.ROOT)) if rule.name != name]
    derived = {triple for triple in inference.infer(asserted, others) if not build.is_trivia(triple)}
    assert not expected <= derived


def test_the_ontology_uses_only_axioms_the_rules_cover(handbook):
    assert inference.uncovered(handbook) == set(), "write a rule for these (and a case above)"
    chains = {len(Collection(handbook, chain)) for chain in handbook.objects(None, OWL.propertyChainAxiom)}
    assert chains and chains <= inference.CHAIN_LENGTHS


@pytest.mark.parametrize(
    "text, found",
    [
        ("ex:p a owl:FunctionalProperty .", {str(OWL.FunctionalProperty)}),
        ("ex:A owl:equivalentClass ex:B .", {str(OWL.equivalentClass)}),
        ("ex:p owl:propertyChainAxiom ( ex:a ex:b ex:c ex:d ) .", {"a property chain of 4"}),
        ("ex:A rdfs:subClassOf ex:B . ex:p a owl:ObjectProperty ; rdfs:label 'p' .", set()),
    ],
)
def test_uncovered_names_what_the_rules_do_not_read(text, found):
    assert inference.uncovered(turtle(text)) == found


def test_on_the_handbook_the_rules_infer_exactly_what_owlrl_infers(handbook, builds):
    from_owlrl = (builds["owlrl"] / "inferred.nt").read_text(encoding="utf-8").splitlines()
    from_rules = build.ntriples(build.infer(handbook, "rules", config.ROOT)).splitlines()
    assert from_owlrl and not [line for line in from_owlrl if "_:" in line]
    missing, extra = set(from_owlrl) - set(from_rules), set(from_rules) - set(from_owlrl)
    assert not missing and not extra, f"owlrl only: {sorted(missing)[:10]}\nrules only: {sorted(extra)[:10]}"
    assert len(from_rules) == len(from_owlrl)


def test_on_the_handbook_the_rules_give_every_family_the_queries_use(handbook):
    """Families: a property, or the class of an rdf:type triple (docs/modelling.md's table)."""
    families = {
        obj if predicate == RDF.type else predicate
        for _, predicate, obj in build.infer(handbook, "rules", config.ROOT)
    }
    names = {term.n3(handbook.namespace_manager) for term in families}
    assert {
        "pkg:benefitOf",
        "pkg:criterionOf",
        "pkg:basisOf",
        "pkg:hasMember",
        "pkg:hasCriterion",
        "pkg:applicantType",
        "pkg:qualifiesFor",
        "pkg:governmentLevel",
        "cv:hasCompetentAuthority",
        "org:transitiveSubOrganizationOf",
        "cpsv:produces",
        "cv:Criterion",
        "rdfs:domain",
        "rdfs:range",
        "rdfs:subClassOf",
    } <= names


def test_a_build_with_rules_writes_what_a_build_with_owlrl_writes(builds):
    assert (builds["rules"] / "inferred.nt").read_bytes() == (builds["owlrl"] / "inferred.nt").read_bytes()
    counts = [artifact.manifest({"BUILD_DIR": str(builds[engine])})["counts"] for engine in builds]
    assert counts[0] == counts[1]


def test_auto_picks_the_rules_when_they_cover_the_graph_and_owlrl_otherwise(monkeypatch):
    covered = turtle(CASES["subclass"][0])
    with monkeypatch.context() as patch:
        patch.setattr(build.owlrl, "DeductiveClosure", None)
        assert set(build.infer(covered, "auto", config.ROOT)) == set(turtle(CASES["subclass"][1]))
    functional = turtle("ex:p a owl:FunctionalProperty . ex:a ex:p ex:b , ex:c .")
    monkeypatch.setattr(build.inference, "infer", None)
    assert (URIRef("http://example.org/b"), OWL.sameAs, URIRef("http://example.org/c")) in set(
        build.infer(functional, "auto", config.ROOT)
    )


def test_an_unknown_engine_is_a_build_error():
    with pytest.raises(BuildError, match="INFERENCE must be owlrl, rules or auto, not 'pellet'"):
        build.infer(turtle(""), "pellet", config.ROOT)


def test_the_setting_defaults_to_auto_and_reads_the_environment(monkeypatch):
    monkeypatch.delenv("POLICYKG_INFERENCE", raising=False)
    assert config.settings()["INFERENCE"] == "auto"
    monkeypatch.setenv("POLICYKG_INFERENCE", "rules")
    assert config.settings()["INFERENCE"] == "rules"


def test_fixpoint_takes_as_many_rounds_as_a_chain_needs():
    # each round doubles the reach of a transitive property: 1 → 2 → 4 → 8 steps, then a round that adds nothing
    chain = " ".join(f"ex:n{k} ex:partOf ex:n{k + 1} ." for k in range(8))
    store = pyoxigraph.Store()
    store.load(
        turtle("ex:partOf a owl:TransitiveProperty . " + chain).serialize(format="nt").encode(),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    assert (
        inference.saturate(
            store,
            [rule for rule in inference.load(inference.folder(config.ROOT)) if rule.name == "transitive"],
        )
        == 4
    )
    assert len(store) == 1 + 9 * 8 // 2
