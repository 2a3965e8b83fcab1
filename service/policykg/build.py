"""The build: parse the project's Turtle, close it under OWL-RL, check it, write the artifact.

Steps: parse `ontology/*.ttl` + `data/*.ttl`; OWL-RL closure (owlrl, or the same facts from
the rules in `queries/rules/`: INFERENCE) minus owlrl's trivia;
SHACL (`ontology/shapes.ttl`); `queries/checks/*.rq` must return no rows; then write
`BUILD_DIR` (see docs/architecture.md) into a temporary sibling and swap it in with renames.
Reasoning and checks run on the canonical IRIs the files are written in, so shapes, check
queries and error messages all speak the files' language; IRIs move to the configured base
only when the artifact is written.
"""

import fcntl
import gc
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import owlrl
import pyoxigraph
import pyshacl
from rdflib import OWL, RDF, RDFS, SH, XSD, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from . import artifact, config, fulltext, inference
from .errors import BuildError

CANONICAL_BASE = config.CANONICAL_BASE
VOCABULARIES = (str(RDF), str(RDFS), str(OWL), str(XSD))
REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
EVERYTHING = {OWL.Thing, RDFS.Resource}
MAX_VIOLATIONS = 20
MAX_ROWS = 10
# A build that keeps less than this share of the previous artifact's policies or triples is
# refused unless asked for (`allow_shrink`): an emptied data file must not empty the service.
SHRINK_FLOOR = 0.5
POLICY = URIRef(CANONICAL_BASE + "def/Policy")
PARTS = ("asserted", "inferred")


def input_files(cfg):
    """Every file whose content decides the build: the project's inputs (with its inference
    rules), and the build's own code."""
    root = Path(cfg["ROOT"])
    return [
        *sorted(root.glob("ontology/*.ttl")),
        *sorted(root.glob("data/*.ttl")),
        *sorted(root.glob("queries/checks/*.rq")),
        *sorted(inference.folder(root).glob("*.ru")),
        Path(inference.__file__).resolve(),
        Path(__file__).resolve(),
    ]


def is_graph_file(path):
    """Turtle that belongs in the knowledge graph: everything but the SHACL shapes."""
    return path.suffix == ".ttl" and path.name != "shapes.ttl"


def is_stale(cfg):
    manifest = _previous(cfg)
    return manifest is None or manifest.get("data_version") != _fingerprint(cfg)[1]


class Progress:
    """Lines on `stream` (the command's stderr) as a build goes: each stage as it starts and
    ends, each data file parsed, with the seconds since the build began. Silent without a stream."""

    def __init__(self, stream=None):
        self.stream, self.started = stream, time.perf_counter()

    def __call__(self, message):
        if self.stream is not None:
            print(f"[{time.perf_counter() - self.started:7.1f} s] {message}", file=self.stream, flush=True)


def build(cfg, force=False, allow_shrink=False, progress=None):
    """Build the artifact unless it is up to date and intact (or `force`); return its manifest.

    A damaged or missing manifest, or an artifact whose files or store no longer match it, is
    rebuilt. A build that falls below SHRINK_FLOOR of the previous artifact's policies or
    triples is refused (BuildError, the previous artifact stays) unless `allow_shrink`.
    `progress` (a `Progress`) hears how it goes."""
    progress = progress or Progress()
    if not any(is_graph_file(path) for path in input_files(cfg)):
        raise BuildError(
            f"{cfg['ROOT']}: 没有 ontology/*.ttl 或 data/*.ttl (no ontology or data found); "
            "set POLICYKG_ROOT to the folder that holds ontology/, data/ and queries/"
        )
    target = Path(cfg["BUILD_DIR"]).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent):
        inputs, version = _fingerprint(cfg)
        manifest = _previous(cfg)
        if manifest and manifest.get("data_version") == version and not force:
            progress("inputs unchanged: verifying the artifact")
            if is_intact(target, manifest):
                progress("up to date")
                return manifest
            progress("the artifact does not match its manifest: rebuilding")
        return _build(cfg, target, inputs, version, None if allow_shrink else manifest, progress)


def _previous(cfg):
    """The manifest in BUILD_DIR, None when it is missing or damaged (both mean: rebuild)."""
    try:
        return artifact.manifest(cfg)
    except artifact.Damaged:
        return None


def is_intact(folder, manifest):
    """Whether the artifact in `folder` is the one `manifest` describes: each N-Triples file
    has the hash and line count recorded, and the store opens read-only with both parts."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        return False  # written before artifacts were verified: nothing to compare with
    for part in PARTS:
        recorded, path = files.get(f"{part}.nt"), Path(folder) / f"{part}.nt"
        try:
            if recorded != _file_record(path):
                return False
        except OSError:
            return False
    try:
        store = pyoxigraph.Store.read_only(str(Path(folder) / "store"))
        base = manifest["base_iri"]
        present = all(
            store.contains_named_graph(pyoxigraph.NamedNode(f"{base}graph/{part}")) for part in PARTS
        )
    except (OSError, RuntimeError, KeyError, ValueError):  # RocksDB reports corruption as RuntimeError
        return False
    return present


def _file_record(path):
    """{"sha256", "triples"} of an N-Triples file written by `_write` (one triple a line)."""
    digest, lines = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return {"sha256": digest.hexdigest(), "triples": lines}


def refuse_shrink(previous, counts):
    """BuildError when `counts` fall below SHRINK_FLOOR of the `previous` manifest's."""
    before = previous.get("counts", {}) if previous else {}
    fallen = [
        f"{what} {before[what]} → {counts[what]}"
        for what in ("policies", "total")
        if isinstance(before.get(what), int) and counts[what] < before[what] * SHRINK_FLOOR
    ]
    if fallen:
        raise BuildError(
            "构建结果比上一次小得多，已拒绝 (the build shrank sharply against the previous artifact: "
            + ", ".join(fallen)
            + "); the previous artifact keeps serving. If this is intended, run `policykg build --allow-shrink`"
        )


def _build(cfg, target, inputs, version, previous, progress):
    root, base = Path(cfg["ROOT"]), cfg["BASE_IRI"]
    seconds = {}
    with _timed(seconds, "parse", progress):
        asserted = parse([path for path in input_files(cfg) if is_graph_file(path)], root, progress)
    with _timed(seconds, "reason", progress):
        inferred = infer(asserted, cfg["INFERENCE"], root)
        closure = asserted + inferred
    with _timed(seconds, "shacl", progress):
        validate_shapes(closure, root)
    with _timed(seconds, "checks", progress):
        run_checks(ntriples(asserted) + ntriples(inferred), root)
    counts = {
        "asserted": len(asserted),
        "inferred": len(inferred),
        "total": len(closure),
        "policies": len(set(closure.subjects(RDF.type, POLICY))),
    }
    refuse_shrink(previous, counts)
    progress("write …")
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        _write(staging, rebase(asserted, base), rebase(inferred, base), base)
        # The full-text index keeps its texts' words in the build cache, when there is one.
        cache = target.with_name(f"{target.name}.cache")
        fulltext.build_index(
            pyoxigraph.Store.read_only(str(staging / "store")),
            staging / "fulltext",
            root,
            base,
            cache=cache if cache.is_dir() else None,
        )
        seconds["write"] = time.perf_counter() - started
        manifest = {
            "data_version": version,
            "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "base_iri": base,
            "inputs": inputs,
            "counts": counts,
            "files": {f"{part}.nt": _file_record(staging / f"{part}.nt") for part in PARTS},
            "seconds": {step: round(value, 3) for step, value in seconds.items()},
        }
        (staging / artifact.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        _swap(staging, target)
        progress(
            f"write done in {seconds['write']:.1f} s: {counts['total']} triples, {counts['policies']} policies"
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def parse(paths, root, progress=None):
    """One graph from Turtle files; a syntax error names the file and line."""
    graph = Graph()
    for done, path in enumerate(paths, 1):
        name = _label(path, root)
        try:
            graph.parse(path, format="turtle", publicID=CANONICAL_BASE)
        except BadSyntax as exc:
            # BadSyntax keeps its reason and 0-based line in attributes; its str() dumps the input.
            raise BuildError(f"{name} line {exc.lines + 1}: {exc._why}") from None
        except (SyntaxError, ParserError, ValueError) as exc:
            raise BuildError(f"{name}: {exc}") from None
        if progress:
            progress(f"parse: {done}/{len(paths)} files ({name})")
    return graph


def infer(asserted, engine, root):
    """What the OWL-RL closure adds to `asserted`, without owlrl's trivia.

    `engine` (the INFERENCE setting): "owlrl", the reference; "rules", `<root>/queries/rules/*.ru` run
    in Oxigraph (the same triples, checked against owlrl by tests/test_rules.py, and far
    faster: docs/inference.md); "auto", the rules whenever the graph uses only what they cover
    (`inference.uncovered` is empty: then they give owlrl's triples), owlrl otherwise.
    """
    if engine == "auto":
        engine = "owlrl" if inference.uncovered(asserted) else "rules"
    if engine == "owlrl":
        closure = Graph()
        closure += asserted
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(
            closure
        )
        added = (triple for triple in closure if triple not in asserted)
    elif engine == "rules":
        added = inference.infer(asserted, inference.load(inference.folder(root)))
    else:
        raise BuildError(f"INFERENCE must be owlrl, rules or auto, not {engine!r}")
    inferred = Graph()
    for triple in added:
        if not is_trivia(triple):
            inferred.add(triple)
    return inferred


def is_trivia(triple):
    """owlrl's bookkeeping: reflexive axioms, the RDF/RDFS/OWL/XSD vocabularies, typed literals."""
    subject, predicate, obj = triple
    return (
        isinstance(subject, Literal)
        or (isinstance(subject, URIRef) and str(subject).startswith(VOCABULARIES))
        or (predicate in REFLEXIVE and subject == obj)
        or (predicate in (RDF.type, RDFS.subClassOf) and obj in EVERYTHING)
    )


def validate_shapes(closure, root):
    path = root / "ontology/shapes.ttl"
    if not path.exists():
        return
    shapes = Graph().parse(path, format="turtle", publicID=CANONICAL_BASE)
    conforms, report, _ = pyshacl.validate(
        data_graph=closure, shacl_graph=shapes, inference="none", advanced=True
    )
    if conforms:
        return
    violations = sorted(
        " · ".join(
            [
                f"focus node {report.value(result, SH.focusNode).n3()}",
                f"path {_n3(report.value(result, SH.resultPath))}",
                str(
                    report.value(result, SH.resultMessage)
                    or report.value(result, SH.sourceConstraintComponent)
                ),
            ]
        )
        for result in report.subjects(RDF.type, SH.ValidationResult)
    )
    raise BuildError(
        f"{_label(path, root)}: the data does not conform\n" + _listed(violations, MAX_VIOLATIONS)
    )


def run_checks(closure_ntriples, root):
    """Run each `queries/checks/*.rq` (a SELECT) over the closure; any row stops the build."""
    store = pyoxigraph.Store()
    store.load(closure_ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    for path in sorted(root.glob("queries/checks/*.rq")):
        text, name = path.read_text(encoding="utf-8"), _label(path, root)
        try:
            solutions = store.query(text)
        except SyntaxError as exc:
            raise BuildError(f"{name}: {exc}") from None
        if not isinstance(solutions, pyoxigraph.QuerySolutions):
            raise BuildError(f"{name}: a check must be a SELECT query")
        names = [variable.value for variable in solutions.variables]
        rows = [
            " · ".join(f"?{var} = {row[var]}" for var in names if row[var] is not None) for row in solutions
        ]
        if rows:
            title = re.search(r"^#\+\s*title:\s*(.*)$", text, re.MULTILINE)
            heading = f"{name} ({title[1].strip()})" if title else name
            raise BuildError(f"check {heading}: {len(rows)} row(s)\n" + _listed(rows, MAX_ROWS))


def rebase(graph, base):
    """`graph` with every IRI under the canonical base moved under `base`."""
    if base == CANONICAL_BASE:
        return graph
    moved = Graph()
    for triple in graph:
        moved.add(tuple(_rebased(term, base) for term in triple))
    return moved


def _rebased(term, base):
    if isinstance(term, URIRef) and term.startswith(CANONICAL_BASE):
        return URIRef(base + term[len(CANONICAL_BASE) :])
    if isinstance(term, Literal) and term.datatype and term.datatype.startswith(CANONICAL_BASE):
        return Literal(str(term), datatype=_rebased(term.datatype, base))
    return term


def ntriples(graph):
    """`graph` as sorted N-Triples text."""
    lines = sorted(line for line in graph.serialize(format="nt").split("\n") if line)
    return "".join(f"{line}\n" for line in lines)


def _write(folder, asserted, inferred, base):
    store = pyoxigraph.Store(str(folder / "store"))
    for part, graph in zip(PARTS, (asserted, inferred), strict=True):
        path = folder / f"{part}.nt"
        path.write_text(ntriples(graph), encoding="utf-8")
        for name in (pyoxigraph.DefaultGraph(), pyoxigraph.NamedNode(f"{base}graph/{part}")):
            store.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=name)
    store.flush()
    del store
    gc.collect()  # the store closes (and releases its lock) only when the object is gone
    pyoxigraph.Store.read_only(str(folder / "store"))  # opens as every reader will, or raises


def _swap(staging, target):
    """Put `staging` where `target` is: readers see the old artifact or the new, never a mix."""
    retired = None
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.rename(retired / target.name)
    staging.rename(target)
    if retired:
        shutil.rmtree(retired)


@contextmanager
def _locked(folder):
    """An exclusive lock on `folder`, so that concurrent builds run one after the other."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextmanager
def _timed(seconds, step, progress):
    progress(f"{step} …")
    started = time.perf_counter()
    yield
    seconds[step] = time.perf_counter() - started
    progress(f"{step} done in {seconds[step]:.1f} s")


def _fingerprint(cfg):
    """({relative path: sha256}, data_version) of the inputs and the base IRI."""
    root = Path(cfg["ROOT"])
    inputs = {_label(path, root): hashlib.sha256(path.read_bytes()).hexdigest() for path in input_files(cfg)}
    digest = hashlib.sha256(json.dumps([inputs, cfg["BASE_IRI"]], sort_keys=True).encode())
    return inputs, digest.hexdigest()[:16]


def _label(path, root):
    """`path` relative to the project root (this module's own path relative to its checkout)."""
    path = Path(path).resolve()
    for top in (Path(root).resolve(), config.ROOT):
        if path.is_relative_to(top):
            return path.relative_to(top).as_posix()
    return path.as_posix()


def _listed(lines, limit):
    shown = [f"  {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"  and {len(lines) - limit} more")
    return "\n".join(shown)


def _n3(term):
    return term.n3() if term is not None else "-"
