"""The fast inference path: OWL 2 RL rules as SPARQL updates, run in Oxigraph to a fixpoint.

Each `queries/rules/*.ru` is one rule, read from the ontology's own axioms (sub-class,
sub-property, inverse, transitive, symmetric, property chains, domain, range), never from the
names of our terms. `infer` gives what the rules add to a graph; `build.infer` removes the same
trivia from it as from owlrl's closure, and tests/test_rules.py checks the two agree.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from rdflib import OWL, RDF, RDFS, URIRef
from rdflib.collection import Collection

# Where a project keeps its rules, under its root (the ROOT setting).
RULES = Path("queries/rules")


# What a graph may use for the rules to give owlrl's triples: the axioms the rules read, and terms
# from which OWL 2 RL derives nothing the build keeps on a consistent graph (declarations,
# annotations, disjointness: docs/inference.md on consistency). Property chains of 2 or 3 steps.
RULE_TERMS = frozenset(
    {
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.inverseOf,
        OWL.propertyChainAxiom,
        OWL.TransitiveProperty,
        OWL.SymmetricProperty,
        OWL.Class,
    }
)
INERT_TERMS = frozenset(
    {
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.versionInfo,
        OWL.Ontology,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        OWL.disjointWith,
    }
)
CHAIN_LENGTHS = frozenset({2, 3})


def uncovered(graph):
    """The RDFS/OWL terms (and chain lengths) `graph` uses that the rules do not cover: empty
    when the rules give exactly owlrl's triples (tests/test_rules.py)."""
    vocabularies = (str(RDFS), str(OWL))
    # str() first: rdflib's URIRef.startswith takes one prefix, and a tuple's str() matches nothing.
    used = {predicate for predicate in graph.predicates() if str(predicate).startswith(vocabularies)}
    used |= {
        kind
        for kind in graph.objects(None, RDF.type)
        if isinstance(kind, URIRef) and str(kind).startswith(vocabularies)
    }
    found = {str(term) for term in used - RULE_TERMS - INERT_TERMS}
    chains = {len(Collection(graph, chain)) for chain in graph.objects(None, OWL.propertyChainAxiom)}
    found |= {f"a property chain of {length}" for length in chains - CHAIN_LENGTHS}
    return found


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    text: str


def folder(root):
    """The rules folder of the project at `root`."""
    return Path(root) / RULES


def load(folder):
    """Every rule in `folder`, in file-name order."""
    rules = []
    for path in sorted(Path(folder).glob("*.ru")):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^#\+\s*title:\s*(.*)$", text, re.MULTILINE)
        rules.append(Rule(path.stem, title[1].strip() if title else path.stem, text))
    return rules


def saturate(store, rules):
    """Run every rule over `store`'s default graph, round after round, until a round adds
    nothing; return the number of rounds (the last one only confirms)."""
    rounds, size = 0, len(store)
    while True:
        rounds += 1
        for rule in rules:
            store.update(rule.text)
        grown = len(store)
        if grown == size:
            return rounds
        size = grown


def infer(asserted, rules):
    """The triples (rdflib terms) the rules add to the rdflib graph `asserted`, owlrl's trivia among them."""
    terms, given = _Terms(), set(asserted)
    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(*(terms.to_oxigraph(term) for term in triple)) for triple in given)
    saturate(store, rules)
    closure = (
        (terms.to_rdflib(quad.subject), terms.to_rdflib(quad.predicate), terms.to_rdflib(quad.object))
        for quad in store
    )
    return {triple for triple in closure if triple not in given}


class _Terms:
    """rdflib terms ↔ Oxigraph terms. Each literal stands in as a blank node of its own, as owlrl
    lets literals be subjects while reasoning and Oxigraph rewrites a literal's lexical form
    (200000.0 → 200000); rules mint no blank nodes, so every term they write is either one of
    the input's, mapped back exactly as it came, or an IRI of a rule (owl:Thing, rdf:type…)."""

    def __init__(self):
        self.forward, self.back = {}, {}

    def to_oxigraph(self, term):
        found = self.forward.get(term)
        if found is None:
            found = pyoxigraph.NamedNode(term) if isinstance(term, URIRef) else pyoxigraph.BlankNode()
            self.forward[term] = found
            self.back[found] = term
        return found

    def to_rdflib(self, term):
        found = self.back.get(term)
        return URIRef(term.value) if found is None else found


# The build's own path: Oxigraph terms in, Oxigraph terms out, no rdflib graph.
TRANSITIVE_QUERY = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?p WHERE {
  { ?p rdf:type owl:TransitiveProperty }
  UNION { ?chain ^owl:propertyChainAxiom ?q . ?chain rdf:rest*/rdf:first ?p }
}"""


def added(triples, given, rules):
    """The triples (Oxigraph `Triple`s) the rules add to `triples` and `given` together, owlrl's
    trivia among them; `given` (already closed, the ontology's closure) is taken as it is and
    nothing from it is returned. As in `_Terms`, each literal stands in as a blank node of its
    own while the rules run, so that literals come back exactly as they were written."""
    literals, back = {}, {}

    def stand_in(term):
        if isinstance(term, pyoxigraph.Literal):
            found = literals.get(term)
            if found is None:
                found = literals[term] = pyoxigraph.BlankNode()
                back[found] = term
            return found
        return term

    def quads(source):
        return [pyoxigraph.Quad(stand_in(t.subject), t.predicate, stand_in(t.object)) for t in source]

    known = quads(given) + quads(triples)
    store = pyoxigraph.Store()
    store.extend(known)
    saturate(store, rules)
    before = set(known)
    # A literal's stand-in as a subject is owlrl's trivia (a literal subject): left out here.
    return [
        pyoxigraph.Triple(quad.subject, quad.predicate, back.get(quad.object, quad.object))
        for quad in store
        if quad.subject not in back and quad not in before
    ]


def joining_properties(triples):
    """The properties through which the rules join two instance triples: transitive properties
    and the links of property chains, as IRIs. Every other rule reads one instance triple and
    the ontology's axioms, so it never joins what two handbooks say (docs/inference.md)."""
    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
    return frozenset(
        row["p"].value for row in store.query(TRANSITIVE_QUERY) if isinstance(row["p"], pyoxigraph.NamedNode)
    )
