"""A synthetic graph of many handbooks: the real one's data repeated with fresh IRIs.

Copy 0 is the handbook as it is; copy k (k ≥ 1) renames every IRI the data mints under
`<BASE>id/` (policies, benefits, amounts, criteria, groups, constraints, documents, standards,
bodies, hotlines, places, recognitions, the handbook and its sections) by appending `-c<k>`
("city k"), so `id/policy/provincial-quality-award` becomes `…-c7`. Code lists (`id/concept/`)
and the ontology stay as they are, once. Written as N-Triples, copy after copy, so that a
thousand handbooks never sit in memory as text.
"""

import re
from pathlib import Path

import pyoxigraph
from rdflib import RDF

from policykg import build, config

MINTED = re.compile(r"<(" + re.escape(build.CANONICAL_BASE) + r"id/(?!concept/)[^>]*)>")
POLICY = f"<{RDF.type}> <{build.CANONICAL_BASE}def/Policy> .\n"
BLANK = re.compile(r"(^|\s)_:", re.MULTILINE)


def write(path, copies, root=config.ROOT):
    """Write the ontology, code lists and `copies` renamed copies of `data/*.ttl` to `path`
    (N-Triples); return the numbers of triples and of policies written."""
    root = Path(root)
    schema = _ntriples(sorted(path for path in root.glob("ontology/*.ttl") if build.is_graph_file(path)))
    data = _ntriples(sorted(root.glob("data/*.ttl")))
    if BLANK.search(data):
        raise ValueError("the data has blank nodes, which the copies would share; give them IRIs")
    with open(path, "w", encoding="utf-8") as out:
        out.write(schema)
        for k in range(copies):
            out.write(data if k == 0 else _renamed(data, k))
    return {
        "triples": schema.count("\n") + copies * data.count("\n"),
        "policies": copies * data.count(POLICY),
    }


def _renamed(text, k):
    return MINTED.sub(lambda match: f"<{match[1]}-c{k}>", text)


def _ntriples(paths):
    """The triples of `paths` (Turtle) as N-Triples text, one triple a line."""
    store = pyoxigraph.Store()
    for path in paths:
        store.load(path=path, format=pyoxigraph.RdfFormat.TURTLE, base_iri=build.CANONICAL_BASE)
    return store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph()).decode(
        "utf-8"
    )
