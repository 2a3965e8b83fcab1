"""SHACL validation over an Oxigraph store: a walk over the store's triples, no copy of the data.

The build used to hand the whole closure to pyshacl, which copies it into an rdflib graph first;
that was 43 % of a 1 000-policy build and never finished at 10 000. This module reads the shapes
graph once (`load_shapes`), then validates by looking up, for each target node, the triples
each constraint needs (`quads_for_pattern` on a pyoxigraph Store, restricted to the graphs
given). It implements the SHACL Core features listed in `SUPPORTED`; a shapes graph that uses
anything else (SPARQL constraints, `sh:closed`, property pairs, qualified shapes, `sh:zeroOrMorePath`
and the other path operators with repetition, recursive shapes …) is validated by pyshacl instead, with a
`FallbackWarning` naming the features, and the report says so (`Report.engine == "pyshacl"`,
`Report.unsupported`).

How the build calls it, in place of `pyshacl.validate` in `build.validate_shapes` (the shapes
read once; each handbook's graph validated with the ontology's, and the inferred triples' graph
if they live in another):

    shapes = shacl.load_shapes(root / "ontology/shapes.ttl", base_iri=CANONICAL_BASE)
    report = shacl.validate(store, shapes, graphs=[handbook_graph, ontology_graph])
    if not report.conforms:
        raise BuildError(
            f"{_label(path, root)}: the data does not conform\n"
            + _listed(report.lines(), MAX_VIOLATIONS)
        )

`data` may also be an rdflib Graph or N-Triples text (then loaded into a fresh Store).
`Report.lines()` gives the lines `build.validate_shapes` prints, in its form:
`focus node <iri> · path <p> · message` (sorted), with these differences from pyshacl: a path is
written as a SPARQL property path (`^<p>` for an inverse path, where pyshacl's report shows a
blank node), and the message of a constraint without `sh:message` is this module's own wording.

Semantics follow pyshacl's (the reference, checked by tests/test_shacl.py on faults seeded into
the handbook): `sh:targetClass` and `sh:class` follow `rdfs:subClassOf*` in the data; a report
conforms when it has no result, whatever the severity; `sh:datatype` rejects ill-formed lexical
forms of the common XSD types; a range constraint on a value that cannot be compared with the
bound is a violation.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_FIRST = ox.NamedNode(RDF + "first")
RDF_REST = ox.NamedNode(RDF + "rest")
RDF_NIL = ox.NamedNode(RDF + "nil")
RDF_LANGSTRING = ox.NamedNode(RDF + "langString")
SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
RDFS_CLASS = ox.NamedNode(RDFS + "Class")
OWL_CLASS = ox.NamedNode("http://www.w3.org/2002/07/owl#Class")
XSD_STRING = ox.NamedNode(XSD + "string")
VIOLATION = SH + "Violation"

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple  # a triple: RDF 1.2's quoted triple
GraphName = ox.NamedNode | ox.DefaultGraph
Graphs = Sequence[GraphName] | None


def sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


def _quads(
    store: ox.Store,
    subject: Term | None,
    predicate: ox.NamedNode | None,
    obj: Term | None,
    graph: GraphName | None = None,
) -> Iterator[ox.Quad]:
    """`store.quads_for_pattern`, where a literal subject simply matches nothing."""
    if isinstance(subject, ox.Literal):
        return iter(())
    return store.quads_for_pattern(subject, predicate, obj, graph)


def _lexical(term: Term) -> str:
    """An IRI's, blank node's or literal's string; a quoted triple's N-Triples form."""
    return str(term) if isinstance(term, ox.Triple) else term.value


# The sh: parameters this engine evaluates, and those that only annotate a shape.
CONSTRAINTS = {
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive",
    "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "languageIn", "in",
    "hasValue", "node", "and", "or", "not", "xone", "property",
}  # fmt: skip
TARGETS = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"}
ANNOTATIONS = {
    "path", "flags", "message", "severity", "deactivated", "name", "description", "order",
    "group", "defaultValue", "prefixes", "declare",
}  # fmt: skip
SUPPORTED = CONSTRAINTS | TARGETS | ANNOTATIONS
SHAPE_TYPES = {sh("NodeShape"), sh("PropertyShape")}
COMPONENT = {
    "class": "ClassConstraintComponent",
    "datatype": "DatatypeConstraintComponent",
    "nodeKind": "NodeKindConstraintComponent",
    "minCount": "MinCountConstraintComponent",
    "maxCount": "MaxCountConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent",
    "maxExclusive": "MaxExclusiveConstraintComponent",
    "maxInclusive": "MaxInclusiveConstraintComponent",
    "minLength": "MinLengthConstraintComponent",
    "maxLength": "MaxLengthConstraintComponent",
    "pattern": "PatternConstraintComponent",
    "languageIn": "LanguageInConstraintComponent",
    "in": "InConstraintComponent",
    "hasValue": "HasValueConstraintComponent",
    "node": "NodeConstraintComponent",
    "and": "AndConstraintComponent",
    "or": "OrConstraintComponent",
    "not": "NotConstraintComponent",
    "xone": "XoneConstraintComponent",
}
NUMERIC = {
    XSD + name
    for name in (
        "integer", "decimal", "double", "float", "long", "int", "short", "byte", "nonNegativeInteger",
        "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
INTEGER = re.compile(r"[+-]?[0-9]+")
LEXICAL = {
    XSD + "integer": INTEGER,
    XSD + "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"),
    XSD + "boolean": re.compile(r"true|false|1|0"),
    XSD + "double": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    XSD + "float": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN"),
    XSD + "date": re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?"),
    XSD + "gYear": re.compile(r"-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?"),
    XSD + "dateTime": re.compile(
        r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
    ),
}
NODE_KINDS = {
    "IRI": (ox.NamedNode,),
    "BlankNode": (ox.BlankNode,),
    "Literal": (ox.Literal,),
    "BlankNodeOrIRI": (ox.BlankNode, ox.NamedNode),
    "BlankNodeOrLiteral": (ox.BlankNode, ox.Literal),
    "IRIOrLiteral": (ox.NamedNode, ox.Literal),
}


EMPTY: frozenset[Term] = frozenset()
INDEX_AFTER = 64  # look-ups of one predicate after which it is read in one scan


class FallbackWarning(UserWarning):
    """The shapes graph uses a feature this engine lacks; pyshacl validated instead."""


# ---------------------------------------------------------------- paths


@dataclass(frozen=True)
class Inverse:
    path: PathExpr


@dataclass(frozen=True)
class SequencePath:
    steps: tuple[PathExpr, ...]


@dataclass(frozen=True)
class Alternative:
    options: tuple[PathExpr, ...]


PathExpr = ox.NamedNode | Inverse | SequencePath | Alternative


def path_text(path: PathExpr | None) -> str:
    """A path as a SPARQL property path; "-" for none (a node shape's result)."""
    if path is None:
        return "-"
    if isinstance(path, ox.NamedNode):
        return str(path)
    if isinstance(path, Inverse):
        inner = path_text(path.path)
        return f"^{inner}" if isinstance(path.path, ox.NamedNode) else f"^({inner})"
    if isinstance(path, SequencePath):
        return "/".join(path_text(step) for step in path.steps)
    return "(" + "|".join(path_text(option) for option in path.options) + ")"


# ---------------------------------------------------------------- shapes


@dataclass(eq=False)
class Shape:
    node: Term
    path: PathExpr | None = None
    targets: list[tuple[str, Term]] = field(default_factory=list)
    constraints: list[tuple[str, object]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    severity: str = VIOLATION
    messages: tuple[str, ...] = ()
    deactivated: bool = False


@dataclass
class Shapes:
    """A compiled shapes graph: the shapes with targets, and the features this engine lacks."""

    roots: list[Shape]
    unsupported: set[str]
    turtle: bytes  # the shapes graph as Turtle, for pyshacl when it has to stand in


def load_shapes(source: str | Path | bytes, base_iri: str | None = None) -> Shapes:
    """Read a shapes graph (a Turtle file's path, or Turtle bytes) and compile it."""
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    graph = ox.Store()
    graph.load(data, format=ox.RdfFormat.TURTLE, base_iri=base_iri, to_graph=ox.DefaultGraph())
    compiler = _Compiler(graph)
    roots = [compiler.shape(node) for node in _shape_roots(graph)]
    if any(_is_recursive(root, set()) for root in roots):
        compiler.unsupported.add("recursive shapes")
    turtle = graph.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph())
    return Shapes(roots=roots, unsupported=compiler.unsupported, turtle=turtle or b"")


def _shape_roots(graph: ox.Store) -> list[Term]:
    """Shapes with a target (explicit, or implicit: a shape that is also a class), in a fixed order."""
    roots: set[Term] = set()
    for name in TARGETS:
        roots.update(quad.subject for quad in graph.quads_for_pattern(None, sh(name), None))
    for shape_type in SHAPE_TYPES:
        for quad in graph.quads_for_pattern(None, RDF_TYPE, shape_type):
            if _is_class(graph, quad.subject):
                roots.add(quad.subject)
    return sorted(roots, key=str)


def _is_class(graph: ox.Store, node: Term) -> bool:
    return any(next(_quads(graph, node, RDF_TYPE, cls), None) is not None for cls in (RDFS_CLASS, OWL_CLASS))


class _Compiler:
    def __init__(self, graph: ox.Store):
        self.graph = graph
        self.done: dict[Term, Shape] = {}
        self.unsupported: set[str] = set()

    def objects(self, node: Term, predicate: ox.NamedNode) -> list[Term]:
        return sorted((quad.object for quad in _quads(self.graph, node, predicate, None)), key=str)

    def one(self, node: Term, predicate: ox.NamedNode) -> Term | None:
        values = self.objects(node, predicate)
        return values[0] if values else None

    def items(self, node: Term) -> list[Term]:
        items = []
        while node != RDF_NIL:
            first = self.one(node, RDF_FIRST)
            rest = self.one(node, RDF_REST)
            if first is None or rest is None:
                self.unsupported.add("a malformed RDF list")
                break
            items.append(first)
            node = rest
        return items

    def shape(self, node: Term) -> Shape:
        if node in self.done:
            return self.done[node]
        shape = self.done[node] = Shape(node=node)
        for quad in sorted(_quads(self.graph, node, None, None), key=lambda quad: str(quad.predicate)):
            iri = quad.predicate.value
            if not iri.startswith(SH):
                continue
            name, value = iri[len(SH) :], quad.object
            if name not in SUPPORTED:
                self.unsupported.add(f"sh:{name}")
            elif name == "path":
                shape.path = self.path(value)
            elif name in TARGETS:
                shape.targets.append((name, value))
            elif name == "property":
                shape.properties.append(self.shape(value))
            elif name in ("node", "not"):
                shape.constraints.append((name, self.shape(value)))
            elif name in ("and", "or", "xone"):
                shape.constraints.append((name, [self.shape(member) for member in self.items(value)]))
            elif name in ("in", "languageIn"):
                shape.constraints.append((name, self.items(value)))
            elif name == "pattern":
                flags = self.one(node, sh("flags"))
                shape.constraints.append((name, _regex(_lexical(value), _lexical(flags) if flags else "")))
            elif name in ("minCount", "maxCount", "minLength", "maxLength"):
                shape.constraints.append((name, int(_lexical(value))))
            elif name in CONSTRAINTS:
                shape.constraints.append((name, value))
            elif name == "severity":
                shape.severity = _lexical(value)
            elif name == "message":
                shape.messages += (_lexical(value),)
            elif name == "deactivated":
                shape.deactivated = isinstance(value, ox.Literal) and value.value in ("true", "1")
        return shape

    def path(self, node: Term) -> PathExpr:
        if isinstance(node, ox.NamedNode):
            return node
        if next(_quads(self.graph, node, RDF_FIRST, None), None) is not None:
            return SequencePath(tuple(self.path(step) for step in self.items(node)))
        inverse = self.one(node, sh("inversePath"))
        if inverse is not None:
            return _inverse(self.path(inverse))
        alternative = self.one(node, sh("alternativePath"))
        if alternative is not None:
            return Alternative(tuple(self.path(option) for option in self.items(alternative)))
        for quad in _quads(self.graph, node, None, None):
            self.unsupported.add(f"path {quad.predicate.value.removeprefix(SH)}")
        return ox.NamedNode(SH + "unsupportedPath")


def _is_recursive(shape: Shape, open_shapes: set[int]) -> bool:
    """Whether `shape` reaches itself through sh:property, sh:node, sh:not, sh:and, sh:or or sh:xone
    (SHACL leaves the meaning of such shapes open; this engine would not terminate)."""
    if id(shape) in open_shapes:
        return True
    open_shapes.add(id(shape))
    nested = list(shape.properties)
    for _, parameter in shape.constraints:
        if isinstance(parameter, Shape):
            nested.append(parameter)
        elif isinstance(parameter, list):
            nested.extend(item for item in parameter if isinstance(item, Shape))
    found = any(_is_recursive(child, open_shapes) for child in nested)
    open_shapes.discard(id(shape))
    return found


def _inverse(path: PathExpr) -> PathExpr:
    """The inverse of `path`, pushed down to single predicates."""
    if isinstance(path, Inverse):
        return path.path
    if isinstance(path, SequencePath):
        return SequencePath(tuple(_inverse(step) for step in reversed(path.steps)))
    if isinstance(path, Alternative):
        return Alternative(tuple(_inverse(option) for option in path.options))
    return Inverse(path)


def _regex(pattern: str, flags: str) -> re.Pattern[str]:
    value = 0
    for flag, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL), ("x", re.VERBOSE)):
        if flag in flags:
            value |= bit
    return re.compile(pattern, value)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Result:
    focus: Term
    path: PathExpr | None
    component: str  # the constraint component's IRI
    value: Term | None
    message: str
    severity: str = VIOLATION
    messages: tuple[str, ...] = ()  # every sh:message (one per language); `message` is the first

    def line(self) -> str:
        """The result as build.validate_shapes writes it."""
        return f"focus node {self.focus} · path {path_text(self.path)} · {self.message}"


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    engine: str = "policykg"  # or "pyshacl", when the shapes graph needed it
    unsupported: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return sorted(result.line() for result in self.results)


# ---------------------------------------------------------------- data


class _Data:
    """The triples of `graphs` in `store` (all its graphs when None), with the look-ups the
    constraints need and caches for types and super-classes."""

    def __init__(self, store: ox.Store, graphs: Graphs):
        self.store = store
        self.graphs: list[ox.NamedNode | ox.DefaultGraph | None] = (
            list(graphs) if graphs is not None else [None]
        )
        self.supers: dict[Term, frozenset[Term]] = {}
        self.type_cache: dict[Term, frozenset[Term]] = {}
        # A predicate looked up often enough is read in one scan: subject → objects, object → subjects.
        self.calls: dict[tuple[ox.NamedNode, bool], int] = {}
        self.indexes: dict[tuple[ox.NamedNode, bool], dict[Term, set[Term]]] = {}

    def _quads(
        self, subject: Term | None, predicate: ox.NamedNode | None, obj: Term | None
    ) -> Iterator[ox.Quad]:
        if len(self.graphs) == 1:
            return _quads(self.store, subject, predicate, obj, self.graphs[0])
        return (quad for graph in self.graphs for quad in _quads(self.store, subject, predicate, obj, graph))

    def quads(self) -> Iterator[ox.Quad]:
        return self._quads(None, None, None)

    def objects(self, subject: Term, predicate: ox.NamedNode) -> AbstractSet[Term]:
        index = self._index(predicate, True)
        if index is not None:
            return index.get(subject, EMPTY)
        return {quad.object for quad in self._quads(subject, predicate, None)}

    def _index(self, predicate: ox.NamedNode, forward: bool) -> dict[Term, set[Term]] | None:
        """The predicate's triples by subject (forward) or object, once it has been asked for
        INDEX_AFTER times; None before (and always for rdf:type, the largest, cached per node)."""
        key = (predicate, forward)
        index = self.indexes.get(key)
        if index is not None or predicate == RDF_TYPE:
            return index
        calls = self.calls[key] = self.calls.get(key, 0) + 1
        if calls < INDEX_AFTER:
            return None
        index = self.indexes[key] = {}
        for quad in self._quads(None, predicate, None):
            start, end = (quad.subject, quad.object) if forward else (quad.object, quad.subject)
            index.setdefault(start, set()).add(end)
        return index

    def subjects(self, predicate: ox.NamedNode, obj: Term | None) -> AbstractSet[Term]:
        index = self._index(predicate, False) if obj is not None else None
        if index is not None:
            return index.get(obj, EMPTY)  # type: ignore[arg-type]
        return {quad.subject for quad in self._quads(None, predicate, obj)}

    def values(self, focus: Term, path: PathExpr) -> AbstractSet[Term]:
        if isinstance(path, ox.NamedNode):
            return self.objects(focus, path)
        if isinstance(path, Inverse):
            assert isinstance(path.path, ox.NamedNode)  # _inverse pushes inverses down
            return self.subjects(path.path, focus)
        if isinstance(path, SequencePath):
            nodes: AbstractSet[Term] = {focus}
            for step in path.steps:
                nodes = {value for node in nodes for value in self.values(node, step)}
            return nodes
        return {value for option in path.options for value in self.values(focus, option)}

    def superclasses(self, cls: Term) -> frozenset[Term]:
        """`cls` and every class it is an rdfs:subClassOf*."""
        if cls not in self.supers:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.objects(todo.pop(), SUBCLASS_OF):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self.supers[cls] = frozenset(seen)
        return self.supers[cls]

    def subclasses(self, cls: Term) -> set[Term]:
        seen, todo = {cls}, [cls]
        while todo:
            for child in self.subjects(SUBCLASS_OF, todo.pop()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def classes(self, node: Term) -> frozenset[Term]:
        """Every class `node` is an instance of (its types and their super-classes)."""
        if node not in self.type_cache:
            self.type_cache[node] = frozenset(
                cls for declared in self.objects(node, RDF_TYPE) for cls in self.superclasses(declared)
            )
        return self.type_cache[node]

    def targets(self, shape: Shape) -> set[Term]:
        nodes: set[Term] = set()
        for kind, value in shape.targets:
            if kind == "targetNode":
                nodes.add(value)
            elif kind == "targetClass":
                for cls in self.subclasses(value):
                    nodes |= self.subjects(RDF_TYPE, cls)
            elif kind == "targetSubjectsOf" and isinstance(value, ox.NamedNode):
                nodes |= self.subjects(value, None)
            elif kind == "targetObjectsOf" and isinstance(value, ox.NamedNode):
                nodes |= {quad.object for quad in self._quads(None, value, None)}
        if not shape.targets:  # a shape that is also a class targets its instances
            for cls in self.subclasses(shape.node):
                nodes |= self.subjects(RDF_TYPE, cls)
        return nodes


# ---------------------------------------------------------------- validation


def validate(data: ox.Store | object, shapes: Shapes, graphs: Graphs = None) -> Report:
    """Validate `data` against `shapes`.

    `data`: a pyoxigraph Store (read in `graphs`, a list of graph names, or in all its graphs
    when None), an rdflib Graph, or N-Triples text (str or bytes). Falls back to pyshacl, with
    a FallbackWarning, when `shapes.unsupported` is not empty.
    """
    store = data if isinstance(data, ox.Store) else _to_store(data)
    if store is not data:
        graphs = None
    if shapes.unsupported:
        features = tuple(sorted(shapes.unsupported))
        warnings.warn(
            f"SHACL features not supported by policykg.shacl, pyshacl validates instead: {', '.join(features)}",
            FallbackWarning,
            stacklevel=2,
        )
        return _pyshacl(store, graphs, shapes, features)
    view = _Data(store, graphs)
    results: list[Result] = []
    for shape in shapes.roots:
        if shape.deactivated:
            continue
        for focus in view.targets(shape):
            _validate_shape(view, shape, focus, results)
    results.sort(
        key=lambda result: (str(result.focus), path_text(result.path), result.component, str(result.value))
    )
    return Report(conforms=not results, results=results)


def _to_store(data: object) -> ox.Store:
    store = ox.Store()
    if isinstance(data, str):
        text = data.encode("utf-8")
    elif isinstance(data, bytes):
        text = data
    else:  # an rdflib Graph
        text = data.serialize(format="nt", encoding="utf-8")  # type: ignore[attr-defined]
    store.bulk_load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    return store


def _validate_shape(view: _Data, shape: Shape, focus: Term, results: list[Result]) -> None:
    """Append every result of `shape` on `focus` to `results`."""
    if shape.deactivated:
        return
    values = view.values(focus, shape.path) if shape.path is not None else {focus}
    for name, parameter in shape.constraints:
        for value in _violations(view, name, parameter, values):
            results.append(_result(shape, focus, name, parameter, value))
    for prop in shape.properties:
        for node in values:
            _validate_shape(view, prop, node, results)


def _conforms(view: _Data, node: Term, shape: Shape) -> bool:
    results: list[Result] = []
    _validate_shape(view, shape, node, results)
    return not results


def _violations(
    view: _Data, name: str, parameter: object, values: AbstractSet[Term]
) -> Iterator[Term | None]:
    """The value nodes that violate one constraint; None for a constraint on the count."""
    if name == "minCount":
        if len(values) < parameter:  # type: ignore[operator]
            yield None
        return
    if name == "maxCount":
        if len(values) > parameter:  # type: ignore[operator]
            yield None
        return
    if name == "hasValue":
        if parameter not in values:
            yield None
        return
    test = _TESTS[name]
    for value in values:
        if not test(view, parameter, value):
            yield value


def _has_class(view: _Data, cls: object, value: Term) -> bool:
    return not isinstance(value, ox.Literal) and cls in view.classes(value)


def _has_datatype(view: _Data, datatype: object, value: Term) -> bool:
    if not isinstance(value, ox.Literal) or value.datatype != datatype:
        return False
    lexical = LEXICAL.get(value.datatype.value)
    return lexical is None or lexical.fullmatch(value.value) is not None


def _has_node_kind(view: _Data, kind: object, value: Term) -> bool:
    assert isinstance(kind, ox.NamedNode)
    return isinstance(value, NODE_KINDS[kind.value.removeprefix(SH)])


def _number(term: Term) -> Decimal | None:
    if not isinstance(term, ox.Literal) or term.datatype.value not in NUMERIC:
        return None
    try:
        return Decimal(term.value.strip())
    except InvalidOperation:
        return None


def _compare(value: Term, bound: object) -> int | None:
    """-1, 0 or 1 as `value` is below, at or above `bound`; None when they cannot be compared."""
    assert isinstance(bound, ox.Literal)
    left, right = _number(value), _number(bound)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    if (
        isinstance(value, ox.Literal)
        and value.datatype == bound.datatype
        and not value.language
        and LEXICAL.get(value.datatype.value, INTEGER).fullmatch(value.value) is not None
        and value.datatype.value in (XSD + "date", XSD + "dateTime", XSD + "gYear", XSD + "string")
    ):
        return (value.value > bound.value) - (value.value < bound.value)
    return None


def _in_range(accept: set[int]):
    def test(view: _Data, bound: object, value: Term) -> bool:
        return _compare(value, bound) in accept

    return test


def _text(value: Term) -> str | None:
    return None if isinstance(value, (ox.BlankNode, ox.Triple)) else value.value


def _length(compare):
    def test(view: _Data, bound: object, value: Term) -> bool:
        text = _text(value)
        return text is not None and compare(len(text), bound)

    return test


def _matches(view: _Data, pattern: object, value: Term) -> bool:
    assert isinstance(pattern, re.Pattern)
    text = _text(value)
    return text is not None and pattern.search(text) is not None


def _language_in(view: _Data, ranges: object, value: Term) -> bool:
    assert isinstance(ranges, list)
    if not isinstance(value, ox.Literal) or not value.language:
        return False
    tag = value.language.lower()
    for lang_range in (item.value.lower() for item in ranges):
        if lang_range == "*" or tag == lang_range or tag.startswith(lang_range + "-"):
            return True
    return False


def _in_list(view: _Data, items: object, value: Term) -> bool:
    assert isinstance(items, list)
    return value in items


def _node(view: _Data, shape: object, value: Term) -> bool:
    assert isinstance(shape, Shape)
    return _conforms(view, value, shape)


def _not(view: _Data, shape: object, value: Term) -> bool:
    assert isinstance(shape, Shape)
    return not _conforms(view, value, shape)


def _and(view: _Data, members: object, value: Term) -> bool:
    assert isinstance(members, list)
    return all(_conforms(view, value, member) for member in members)


def _or(view: _Data, members: object, value: Term) -> bool:
    assert isinstance(members, list)
    return any(_conforms(view, value, member) for member in members)


def _xone(view: _Data, members: object, value: Term) -> bool:
    assert isinstance(members, list)
    return sum(_conforms(view, value, member) for member in members) == 1


_TESTS = {
    "class": _has_class,
    "datatype": _has_datatype,
    "nodeKind": _has_node_kind,
    "minExclusive": _in_range({1}),
    "minInclusive": _in_range({0, 1}),
    "maxExclusive": _in_range({-1}),
    "maxInclusive": _in_range({-1, 0}),
    "minLength": _length(lambda length, bound: length >= bound),
    "maxLength": _length(lambda length, bound: length <= bound),
    "pattern": _matches,
    "languageIn": _language_in,
    "in": _in_list,
    "node": _node,
    "not": _not,
    "and": _and,
    "or": _or,
    "xone": _xone,
}


def _result(shape: Shape, focus: Term, name: str, parameter: object, value: Term | None) -> Result:
    return Result(
        focus=focus,
        path=shape.path,
        component=SH + COMPONENT[name],
        value=value,
        message=shape.messages[0]
        if shape.messages
        else _generic_message(shape, focus, name, parameter, value),
        severity=shape.severity,
        messages=shape.messages,
    )


def _generic_message(shape: Shape, focus: Term, name: str, parameter: object, value: Term | None) -> str:
    where = f"{focus}->{path_text(shape.path)}"
    if name == "minCount":
        return f"Less than {parameter} values on {where}"
    if name == "maxCount":
        return f"More than {parameter} values on {where}"
    if name == "hasValue":
        return f"Node {where} does not contain the value {parameter}"
    if isinstance(parameter, Shape):
        return f"Value {value} does not conform to shape {parameter.node}"
    if isinstance(parameter, list):
        shown = ", ".join(str(item.node if isinstance(item, Shape) else item) for item in parameter)
        return f"Value {value} fails sh:{name} ({shown})"
    if isinstance(parameter, re.Pattern):
        return f"Value {value} does not match pattern '{parameter.pattern}'"
    return f"Value {value} fails sh:{name} {parameter}"


# ---------------------------------------------------------------- pyshacl, for what this lacks


def _pyshacl(store: ox.Store, graphs: Graphs, shapes: Shapes, features: tuple[str, ...]) -> Report:
    return pyshacl_report(store, graphs, shapes.turtle, engine="pyshacl", unsupported=features)


def pyshacl_report(
    store: ox.Store,
    graphs: Graphs,
    shapes_turtle: bytes,
    engine: str = "pyshacl",
    unsupported: tuple[str, ...] = (),
) -> Report:
    """pyshacl's report on the triples of `graphs` in `store`, as a Report of Oxigraph terms
    (the reference tests/test_shacl.py compares this engine with)."""
    import pyshacl
    from rdflib import Graph

    lines = "".join(
        f"{quad.subject} {quad.predicate} {quad.object} .\n" for quad in _Data(store, graphs).quads()
    )
    flat = Graph().parse(data=lines, format="nt")
    shapes = Graph().parse(data=shapes_turtle.decode("utf-8"), format="turtle")
    conforms, report, _ = pyshacl.validate(
        data_graph=flat, shacl_graph=shapes, inference="none", advanced=True
    )
    # The report's own results (sh:result), not the sh:detail results nested under an sh:node one.
    results = [
        _from_rdflib_result(report, node)
        for top in report.subjects(_rdflib(RDF_TYPE), _rdflib(sh("ValidationReport")))
        for node in report.objects(top, _rdflib(sh("result")))
    ]
    return Report(conforms=bool(conforms), results=results, engine=engine, unsupported=unsupported)


def _rdflib(term: Term):
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal)
    return Literal(
        term.value, lang=term.language, datatype=None if term.language else URIRef(term.datatype.value)
    )


def _oxigraph(term) -> Term:
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD_STRING.value)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    return ox.NamedNode(str(term))


def _from_rdflib_result(report, node) -> Result:
    def value(name: str):
        return report.value(node, _rdflib(sh(name)))

    messages = tuple(sorted(str(message) for message in report.objects(node, _rdflib(sh("resultMessage")))))
    found = value("value")
    path = value("resultPath")
    return Result(
        focus=_oxigraph(value("focusNode")),
        path=_rdflib_path(report, path) if path is not None else None,
        component=str(value("sourceConstraintComponent")),
        value=_oxigraph(found) if found is not None else None,
        message=messages[0] if messages else "",
        severity=str(value("resultSeverity")),
        messages=messages,
    )


def _rdflib_path(graph, node) -> PathExpr:
    from rdflib import BNode, URIRef

    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    assert isinstance(node, BNode)
    first = graph.value(node, _rdflib(RDF_FIRST))
    if first is not None:
        steps = []
        while node is not None and node != _rdflib(RDF_NIL):
            steps.append(_rdflib_path(graph, graph.value(node, _rdflib(RDF_FIRST))))
            node = graph.value(node, _rdflib(RDF_REST))
        return SequencePath(tuple(steps))
    inverse = graph.value(node, _rdflib(sh("inversePath")))
    if inverse is not None:
        return _inverse(_rdflib_path(graph, inverse))
    options = graph.value(node, _rdflib(sh("alternativePath")))
    if options is not None:
        return Alternative(_rdflib_path(graph, options).steps)  # type: ignore[union-attr]
    return ox.NamedNode(SH + "unsupportedPath")


def iter_lines(results: Iterable[Result]) -> list[str]:
    """The sorted lines of `results`, as build.validate_shapes writes them."""
    return sorted(result.line() for result in results)
