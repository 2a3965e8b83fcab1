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
from rdflib import URIRef

# Where a project keeps its rules, under its root (the ROOT setting).
RULES = Path("queries/rules")


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
