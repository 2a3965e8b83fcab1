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
import io
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import owlrl
import pyoxigraph
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from . import artifact, config, filehash, fulltext, inference, precompute, shacl
from .errors import BuildError

CANONICAL_BASE = config.CANONICAL_BASE
# The modules whose code decides what the build writes, besides this one.
BUILD_CODE = (inference, shacl, fulltext, precompute)
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
    rules, and the internal queries the full-text index and the precomputed rows come from), and
    the build's own code (an edit to any of it makes the artifact stale)."""
    root = Path(cfg["ROOT"])
    return [
        *sorted(root.glob("ontology/*.ttl")),
        *sorted(root.glob("data/*.ttl")),
        *sorted(root.glob("queries/checks/*.rq")),
        *sorted(root.glob("queries/internal/*.rq")),
        *sorted(inference.folder(root).glob("*.ru")),
        *(Path(module.__file__).resolve() for module in BUILD_CODE),
        Path(__file__).resolve(),
    ]


def is_graph_file(path):
    """Turtle that belongs in the knowledge graph: everything but the SHACL shapes."""
    return path.suffix == ".ttl" and path.name != "shapes.ttl"


def is_stale(cfg):
    manifest = _previous(cfg)
    return manifest is None or manifest.get("data_version") != _fingerprint(cfg, _hashes(cfg))[1]


class Progress:
    """Lines on `stream` (the command's stderr) as a build goes: each stage as it starts and
    ends, each handbook done (of how many), with the seconds since the build began and the
    build's memory (resident set, MB). Silent without a stream."""

    def __init__(self, stream=None):
        self.stream, self.started = stream, time.perf_counter()

    def __call__(self, message):
        if self.stream is not None:
            print(
                f"[{time.perf_counter() - self.started:7.1f} s] {message} · {_resident_mb()} MB",
                file=self.stream,
                flush=True,
            )


def _resident_mb():
    """This process's resident set now, in MB (0 where /proc is not there)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") >> 20


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
        hashes = _hashes(cfg)
        try:
            inputs, version = _fingerprint(cfg, hashes)
            manifest = _previous(cfg)
            if manifest and manifest.get("data_version") == version and not force:
                progress("inputs unchanged: verifying the artifact")
                if is_intact(target, manifest, hashes):
                    progress("up to date")
                    return manifest
                progress("the artifact does not match its manifest: rebuilding")
        finally:
            hashes.save()
        return _build(cfg, target, inputs, version, None if allow_shrink else manifest, progress)


def _hashes(cfg):
    """The hashes of inputs and artifact files, remembered beside the build (filehash)."""
    return filehash.Hashes(cache_root(cfg) / "hashes.json")


def _previous(cfg):
    """The manifest in BUILD_DIR, None when it is missing or damaged (both mean: rebuild)."""
    try:
        return artifact.manifest(cfg)
    except artifact.Damaged:
        return None


def is_intact(folder, manifest, hashes=None):
    """Whether the artifact in `folder` is the one `manifest` describes: each N-Triples file
    has the hash and line count recorded, and the store opens read-only with every graph.
    `hashes` (a filehash.Hashes) spares reading files whose stat it remembers."""
    hashes = hashes or filehash.Hashes()
    files, handbooks = manifest.get("files"), manifest.get("handbooks")
    if not isinstance(files, dict) or not isinstance(handbooks, list):
        return False  # written before artifacts were verified: nothing to compare with
    records = [(name, files.get(name)) for name in (*PARTS_FILES, ONTOLOGY_FILE)]
    try:
        records += [
            (f"{HANDBOOKS_FOLDER}/{book['stem']}.nt", {"sha256": book["sha256"], "triples": book["triples"]})
            for book in handbooks
        ]
        graphs = [f"{manifest['base_iri']}graph/{name}" for name in (*PARTS, "ontology")]
        graphs += [book["graph"] for book in handbooks if book["triples"]]
    except (KeyError, TypeError):
        return False
    for name, recorded in records:
        try:
            if recorded != hashes.record(Path(folder) / name):
                return False
        except OSError:
            return False
    try:
        store = pyoxigraph.Store.read_only(str(Path(folder) / "store"))
        present = all(store.contains_named_graph(pyoxigraph.NamedNode(graph)) for graph in graphs)
    except (OSError, RuntimeError, ValueError):  # RocksDB reports corruption as RuntimeError
        return False
    return present


def _file_record(path):
    """{"sha256", "triples"} of an N-Triples file written by `_write` (one triple a line)."""
    return filehash.read(path)


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
    with _timed(seconds, "ontology", progress):
        schema = _schema(cfg, root, inputs)
    books = handbook_files(cfg)
    with _timed(seconds, "handbooks", progress):
        results = _handbooks(schema, books, _cache_folder(cfg), progress)
    shared = _shared(schema, results)
    if shared:
        # Two handbooks describe or join through the same resource: each alone is not enough.
        progress(f"handbooks share resources ({shared}): reasoning and checking their union")
        with _timed(seconds, "union", progress):
            closed = _union(schema, results)
    else:
        for result in results:
            if result["failure"]:
                raise BuildError(result["failure"])
        closed = _together(results)
    counts = {
        "asserted": len(schema.asserted) + sum(result["triples"] for result in results),
        "inferred": len(schema.inferred) + sum(text.count("\n") for text in closed["inferred"]),
        "policies": closed["policies"],
    }
    counts["total"] = counts["asserted"] + counts["inferred"]
    counts = {key: counts[key] for key in ("asserted", "inferred", "total", "policies")}
    refuse_shrink(previous, counts)
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        with _timed(seconds, "write", progress):
            handbooks = _write(staging, schema, results, closed, base, progress)
        with _timed(seconds, "store", progress):
            if shared or not _update_store(staging, target, handbooks, base, progress):
                _load_store(staging, handbooks, base)
        with _timed(seconds, "fulltext", progress):
            # The full-text index keeps its texts' words in the build cache, when there is one.
            cache = target.with_name(f"{target.name}.cache")
            fulltext.build_index(
                pyoxigraph.Store.read_only(str(staging / "store")),
                staging / "fulltext",
                root,
                base,
                cache=cache if cache.is_dir() else None,
            )
        # Rows of the internal queries marked `#+ precompute: true` (ask's lexicon, match's rules),
        # run once per build so that no web worker reads the whole graph (policykg.precompute).
        with _timed(seconds, "precompute", progress):
            independent = not shared and not _refer_to_each_other(results)
            precomputed = precompute.write(
                staging / "store",
                staging / precompute.FOLDER,
                cfg,
                version,
                per_handbook=[result.get("rows") or {} for result in results] if independent else None,
                ontology=_closure_text(schema),
            )
        manifest = {
            "data_version": version,
            "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "base_iri": base,
            "inputs": inputs,
            "counts": counts,
            "files": {name: _file_record(staging / name) for name in (*PARTS_FILES, ONTOLOGY_FILE)},
            "handbooks": handbooks,
            "seconds": {step: round(value, 3) for step, value in seconds.items()},
            # Per precomputed query: its rows, seconds, and whether they were merged from the
            # handbooks' own ("handbooks") or read from the whole store ("store").
            "precomputed": precomputed,
        }
        (staging / artifact.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        _swap(staging, target)
        progress(
            f"done in {time.perf_counter() - started:.1f} s: {counts['total']} triples, "
            f"{counts['policies']} policies, {len(handbooks)} handbooks"
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


# ---- The ontology: parsed and closed once, shared by every handbook's work ----


@dataclass
class Schema:
    """What every handbook is read against: the ontology's triples and their closure, the rules,
    the shapes and the checks, and a key that changes whenever any of them does."""

    root: str
    engine: str
    asserted: list  # Oxigraph Triples of ontology/*.ttl (shapes aside)
    inferred: list  # what the closure of the ontology alone adds
    rules: list
    joining: frozenset  # properties through which rules join two instance triples
    described: frozenset  # IRIs the ontology describes (subjects of its triples)
    key: str

    @property
    def closure(self):
        return self.asserted + self.inferred


def handbook_files(cfg):
    """`data/*.ttl`, one handbook each, by stem."""
    return sorted(Path(cfg["ROOT"]).glob("data/*.ttl"))


def _schema(cfg, root, inputs):
    engine = cfg["INFERENCE"]
    if engine not in ("owlrl", "rules", "auto"):
        raise BuildError(f"INFERENCE must be owlrl, rules or auto, not {engine!r}")
    paths = [path for path in sorted(root.glob("ontology/*.ttl")) if is_graph_file(path)]
    asserted = []
    for path in paths:
        asserted += _parse_file(path, root, rename=False)
    rules = inference.load(inference.folder(root))
    if engine == "auto" and inference.uncovered(_rdflib(asserted)):
        engine = "owlrl"
    asserted = _canonical(asserted)
    inferred = _canonical(_infer(asserted, [], engine, rules))
    # Everything but the data decides each handbook's result too.
    fixed = sorted((name, digest) for name, digest in inputs.items() if not name.startswith("data/"))
    key = hashlib.sha256(json.dumps([fixed, engine]).encode()).hexdigest()
    return Schema(
        root=str(root),
        engine=engine,
        asserted=asserted,
        inferred=inferred,
        rules=rules,
        joining=inference.joining_properties(asserted),
        described=frozenset(t.subject.value for t in asserted if isinstance(t.subject, pyoxigraph.NamedNode)),
        key=key,
    )


def _parse_file(path, root, rename=True):
    """The triples of one Turtle file (Oxigraph terms); a syntax error names the file and line."""
    try:
        return [
            quad.triple
            for quad in pyoxigraph.parse(
                path=str(path),
                format=pyoxigraph.RdfFormat.TURTLE,
                base_iri=CANONICAL_BASE,
                rename_blank_nodes=rename,
                without_named_graphs=True,
            )
        ]
    except SyntaxError as exc:
        where = SYNTAX_ERROR.match(str(exc))
        if where:
            raise BuildError(f"{_label(path, root)} line {where[1]}: {where[2]}") from None
        raise BuildError(f"{_label(path, root)}: {exc}") from None


# Oxigraph's message: "Parser error at line 6 column 3: …" or "… between line 6 column 33 and
# line 7 column 1: … (file.ttl, line 6)".
SYNTAX_ERROR = re.compile(
    r"Parser error (?:at|between) line (\d+) column \d+(?: and line \d+ column \d+)?: (.*?)"
    r"(?: \([^()]*, line \d+\))?$",
    re.DOTALL,
)


def _infer(triples, given, engine, rules):
    """What the closure adds to `triples` beyond `given` (the ontology's closure, itself closed),
    trivia left out; Oxigraph triples."""
    if engine == "owlrl" or (engine == "auto" and _uses_uncovered(triples)):
        found = infer(_rdflib(given + triples), "owlrl", None)
        known = set(given)
        return sorted({t for t in _triples(found.serialize(format="nt")) if t not in known}, key=str)
    added = inference.added(triples, given, rules)
    return sorted({t for t in added if not _is_trivia(t)}, key=str)


def _uses_uncovered(triples):
    """Whether `triples` use an RDFS/OWL term the rules may not cover (then owlrl closes them)."""
    inert = {str(term) for term in inference.INERT_TERMS}
    vocabulary = (str(RDFS), str(OWL))

    def suspect(t):
        term = t.object.value if t.predicate.value == str(RDF.type) else t.predicate.value
        return isinstance(term, str) and term.startswith(vocabulary) and term not in inert

    return any(map(suspect, triples)) and bool(inference.uncovered(_rdflib(triples)))


def _is_trivia(triple):
    """`is_trivia` on Oxigraph terms."""
    subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
    return (
        (isinstance(subject, pyoxigraph.NamedNode) and subject.value.startswith(VOCABULARIES))
        or (predicate in REFLEXIVE_IRIS and subject == obj)
        or (
            predicate in (str(RDF.type), str(RDFS.subClassOf))
            and getattr(obj, "value", None) in EVERYTHING_IRIS
        )
    )


REFLEXIVE_IRIS = frozenset(str(term) for term in REFLEXIVE)
EVERYTHING_IRIS = frozenset(str(term) for term in EVERYTHING)


# ---- One handbook: parse, close, validate, check (in a worker process, cached) ----

_WORKER = {}


def _handbook_key(schema, path):
    return hashlib.sha256(f"{schema.key}\n{path.name}\n".encode() + path.read_bytes()).hexdigest()


def _handbooks(schema, paths, cache, progress):
    """Each handbook's result (`_one_handbook`), from the cache when its file and the schema
    are unchanged; the others computed in up to WORKERS processes."""
    cache.mkdir(parents=True, exist_ok=True)
    results, todo = {}, []
    for path in paths:
        key = _handbook_key(schema, path)
        cached = cache / f"{key}.json"
        try:
            results[path] = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            todo.append((path, key))
    progress(f"handbooks: {len(results)}/{len(paths)} unchanged (cached), {len(todo)} to read")
    done = len(results)

    def keep(path, key, result):
        nonlocal done
        results[path] = result
        done += 1
        if not result["failure"]:
            temporary = cache / f".{key}.{os.getpid()}.tmp"
            temporary.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            temporary.replace(cache / f"{key}.json")
        progress(f"handbooks: {done}/{len(paths)} done ({result['file']})")

    if len(todo) >= 4 and WORKERS > 1:
        context = multiprocessing.get_context("spawn")
        with context.Pool(WORKERS, initializer=_start_worker, initargs=(_portable(schema),)) as pool:
            jobs = [(path, key, pool.apply_async(_worker_handbook, (str(path),))) for path, key in todo]
            for path, key, job in jobs:
                keep(path, key, job.get())
    else:
        for path, key in todo:
            keep(path, key, _one_handbook(schema, path))
    return [results[path] for path in paths]


WORKERS = 2


def _portable(schema):
    """`schema` as plain text, for a worker process to rebuild."""
    return {
        "root": schema.root,
        "engine": schema.engine,
        "asserted": _nt(schema.asserted),
        "inferred": _nt(schema.inferred),
        "joining": sorted(schema.joining),
        "described": sorted(schema.described),
        "key": schema.key,
    }


def _start_worker(portable):
    root = Path(portable["root"])
    _WORKER["schema"] = Schema(
        root=portable["root"],
        engine=portable["engine"],
        asserted=_triples(portable["asserted"]),
        inferred=_triples(portable["inferred"]),
        rules=inference.load(inference.folder(root)),
        joining=frozenset(portable["joining"]),
        described=frozenset(portable["described"]),
        key=portable["key"],
    )


def _shapes(root):
    """The shapes, read once per process."""
    key = ("shapes", str(root))
    if key not in _WORKER:
        _WORKER[key] = load_shapes(root)
    return _WORKER[key]


def _closure_text(schema):
    """The ontology's closure as N-Triples, made once per process."""
    key = ("closure", schema.key)
    if key not in _WORKER:
        _WORKER[key] = _nt(schema.closure)
    return _WORKER[key]


def _worker_handbook(path):
    return _one_handbook(_WORKER["schema"], Path(path))


def _one_handbook(schema, path):
    """Parse, close, validate and check one handbook with the ontology. Returns plain data:
    its asserted and inferred triples (sorted N-Triples, canonical IRIs), what it describes and
    joins through (so the build can see whether handbooks are independent), its counts, and
    the first failure of its shapes or checks (None when it conforms)."""
    root = Path(schema.root)
    asserted = _canonical(_parse_file(path, root))
    inferred = _canonical(_infer(asserted, schema.closure, schema.engine, schema.rules))
    own = asserted + inferred
    asserted_text = _nt(sorted(asserted, key=str))
    failure = None
    store = pyoxigraph.Store()  # parsed from text in Rust: faster than Quads made in Python
    store.load(_closure_text(schema) + asserted_text + _nt(inferred), format=pyoxigraph.RdfFormat.N_TRIPLES)
    try:
        validate_shapes(store, root, _shapes(root))
        run_checks(store, root)
    except BuildError as error:
        failure = str(error)
    # The rows of the internal queries marked per-handbook, on this handbook's store alone.
    rows = precompute.handbook_rows(store, root) if failure is None else {}
    subjects = {t.subject.value for t in own if isinstance(t.subject, pyoxigraph.NamedNode)}
    described = {t.subject.value for t in asserted} - schema.described
    into = {
        t.object.value
        for t in own
        if t.predicate.value in schema.joining and isinstance(t.object, pyoxigraph.NamedNode)
    }
    out_of = {
        t.subject.value
        for t in own
        if t.predicate.value in schema.joining and isinstance(t.subject, pyoxigraph.NamedNode)
    }
    rdf_type, handbook_class, policy = str(RDF.type), CANONICAL_BASE + "def/Handbook", str(POLICY)
    schema_terms = {str(term) for term in inference.RULE_TERMS} - {str(OWL.Class)}
    return {
        "stem": path.stem,
        "file": _label(path, root),
        "asserted": asserted_text,
        # What it infers about a resource it does not describe (a code-list concept) another
        # handbook may infer too: kept apart, so that the artifact holds it once.
        "inferred": _nt(t for t in inferred if t.subject.value in described),
        "inferred_shared": _nt(t for t in inferred if t.subject.value not in described),
        "triples": len(asserted),
        "iri": min(
            (
                t.subject.value
                for t in asserted
                if t.predicate.value == rdf_type and t.object.value == handbook_class
            ),
            default=None,
        ),
        "policies": len(
            {t.subject for t in own if t.predicate.value == rdf_type and t.object.value == policy}
        ),
        "subjects": sorted(subjects - schema.described),
        # The resources it names but does not describe (nor does the ontology): another
        # handbook's, maybe, which a query could join it with.
        "refers": sorted(
            {t.object.value for t in asserted if isinstance(t.object, pyoxigraph.NamedNode)}
            - subjects
            - schema.described
        ),
        "rows": rows,
        # Digests of what it states or infers about resources it does not describe: two
        # handbooks that say the same about one would count it twice if their rows were added.
        "foreign": sorted(
            {
                hashlib.sha1(str(t).encode()).hexdigest()[:16]
                for t in own
                if t.subject.value not in subjects or t.subject.value in schema.described
            }
        ),
        "into": sorted(into),
        "out_of": sorted(out_of),
        "axioms": any(
            t.predicate.value in schema_terms
            or (t.predicate.value == rdf_type and getattr(t.object, "value", "") in AXIOM_TYPES)
            for t in asserted
        ),
        "failure": failure,
    }


AXIOM_TYPES = frozenset({str(OWL.TransitiveProperty), str(OWL.SymmetricProperty)})


def _shared(schema, results):
    """Why the handbooks cannot be reasoned about and checked one by one ("" when they can):
    a resource described by two handbooks, a join of the rules through one resource from two
    handbooks, or a handbook that states axioms of its own."""
    owner = {}
    for result in results:
        if result["axioms"]:
            return f"{result['file']} states axioms"
        for subject in result["subjects"]:
            if owner.setdefault(subject, result["file"]) != result["file"]:
                return f"<{subject}> in {owner[subject]} and {result['file']}"
    joins = {}
    for result in results:
        for node in result["out_of"]:
            joins.setdefault(node, set()).add(result["file"])
    for result in results:
        for node in result["into"]:
            others = joins.get(node, set()) - {result["file"]}
            if others:
                return f"<{node}> joins {result['file']} and {min(others)}"
    return ""


def _refer_to_each_other(results):
    """Whether a handbook names a resource another handbook describes (so that a query may join
    the two): then rows per handbook are not the whole graph's (policykg.precompute)."""
    owner = {subject: result["file"] for result in results for subject in result["subjects"]}
    if any(
        owner.get(iri, result["file"]) != result["file"]
        for result in results
        for iri in result.get("refers", [])
    ):
        return True
    said = Counter(digest for result in results for digest in result.get("foreign", []))
    return any(count > 1 for count in said.values())


def _together(results):
    """What the handbooks, each closed alone, infer and count together: their inferred texts,
    then what they infer about resources none of them describes, each line once."""
    shared = sorted({line for result in results for line in result["inferred_shared"].splitlines()})
    return {
        "inferred": [result["inferred"] for result in results] + ["".join(f"{line}\n" for line in shared)],
        "policies": sum(result["policies"] for result in results),
    }


def _union(schema, results):
    """Reason about and check every handbook together (the shared case)."""
    asserted = _triples("".join(result["asserted"] for result in results))
    inferred = _infer(asserted, schema.closure, schema.engine, schema.rules)
    everything = schema.closure + asserted + inferred
    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in everything)
    validate_shapes(store, Path(schema.root))
    run_checks(store, Path(schema.root))
    policy, rdf_type = str(POLICY), str(RDF.type)
    return {
        "inferred": [_nt(_canonical(inferred))],
        "policies": len(
            {t.subject for t in everything if t.predicate.value == rdf_type and t.object.value == policy}
        ),
    }


def _canonical(triples):
    """`triples` as the store holds them and answers them (literals in canonical form: "2.0"^^
    xsd:decimal is "2"), sorted: what the artifact's files say is what SPARQL and dumps say."""
    store = pyoxigraph.Store()
    store.load(_nt(triples), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return sorted((quad.triple for quad in store), key=str)


def _nt(triples):
    return "".join(f"{triple} .\n" for triple in triples)


def _triples(text):
    return [quad.triple for quad in pyoxigraph.parse(text.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)]


def _rdflib(triples):
    """An rdflib graph of a few Oxigraph triples (one handbook's, for pyshacl and owlrl)."""
    graph = Graph()
    graph.parse(data=_nt(triples), format="nt")
    return graph


def cache_root(cfg):
    """What is kept between builds, beside the build: `<BUILD_DIR>.cache/`."""
    target = Path(cfg["BUILD_DIR"]).resolve()
    return target.parent / f"{target.name}.cache"


def _cache_folder(cfg):
    """Per-handbook results, beside the build: `<BUILD_DIR>.cache/handbooks`."""
    return cache_root(cfg) / "handbooks"


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


def validate_shapes(closure, root, shapes=None):
    """Validate `closure` (a pyoxigraph Store, an rdflib Graph or N-Triples text) against
    `ontology/shapes.ttl` (`shapes`, when already read by `load_shapes`) with `policykg.shacl`;
    BuildError listing the violations when it does not conform."""
    path = root / "ontology/shapes.ttl"
    if shapes is None:
        shapes = load_shapes(root)
    if shapes is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", shacl.FallbackWarning)  # pyshacl then; the same answer
        report = shacl.validate(closure, shapes)
    if report.conforms:
        return
    raise BuildError(
        f"{_label(path, root)}: the data does not conform\n" + _listed(report.lines(), MAX_VIOLATIONS)
    )


def load_shapes(root):
    """The project's shapes (`ontology/shapes.ttl`), None when it has none."""
    path = Path(root) / "ontology/shapes.ttl"
    return shacl.load_shapes(path, base_iri=CANONICAL_BASE) if path.exists() else None


def run_checks(closure, root):
    """Run each `queries/checks/*.rq` (a SELECT) over the closure (a pyoxigraph Store, or
    N-Triples text); any row stops the build."""
    if isinstance(closure, pyoxigraph.Store):
        store = closure
    else:
        store = pyoxigraph.Store()
        store.load(closure, format=pyoxigraph.RdfFormat.N_TRIPLES)
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


PARTS_FILES = tuple(f"{part}.nt" for part in PARTS)
ONTOLOGY_FILE = "ontology.nt"
HANDBOOKS_FOLDER = "handbooks"
BLOCK_BYTES = 1 << 24


def _write(folder, schema, results, closed, base, progress):
    """The artifact's N-Triples files (each written once); return the manifest's
    `handbooks` list. `asserted.nt` is `ontology.nt` then each handbook's file, in stem order;
    `inferred.nt` the ontology's closure, then each handbook's (or the union's), then what
    handbooks infer about resources none of them describes, once."""
    move = _rebaser(base)
    (folder / HANDBOOKS_FOLDER).mkdir()
    ontology = move(_nt(sorted(schema.asserted, key=str)))
    (folder / ONTOLOGY_FILE).write_text(ontology, encoding="utf-8")
    handbooks = []
    with open(folder / "asserted.nt", "w", encoding="utf-8") as asserted:
        asserted.write(ontology)
        for result in results:
            name, text = f"{HANDBOOKS_FOLDER}/{result['stem']}.nt", move(result["asserted"])
            (folder / name).write_text(text, encoding="utf-8")
            asserted.write(text)
            record = _file_record(folder / name)
            graph = f"{base}graph/handbook/{result['stem']}"
            handbooks.append(
                {
                    "stem": result["stem"],
                    "file": name,
                    "graph": graph,
                    "iri": move(f"<{result['iri']}>")[1:-1] if result["iri"] else None,
                    "triples": record["triples"],
                    "sha256": record["sha256"],
                }
            )
    with open(folder / "inferred.nt", "w", encoding="utf-8") as inferred:
        inferred.write(move(_nt(schema.inferred)))
        for text in closed["inferred"]:
            inferred.write(move(text))
    return handbooks


def _load_store(folder, handbooks, base):
    """The store: each handbook's and the ontology's graph, the two parts and their union."""
    graphs = [(ONTOLOGY_FILE, f"{base}graph/ontology")]
    graphs += [(f"{HANDBOOKS_FOLDER}/{book['stem']}.nt", book["graph"]) for book in handbooks]
    for part in PARTS:
        graphs.append((f"{part}.nt", f"{base}graph/{part}"))
        graphs.append((f"{part}.nt", None))
    store = pyoxigraph.Store(str(folder / "store"))
    store.bulk_load(_Quads(folder, graphs), format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    del store
    gc.collect()  # the store closes (and releases its lock) only when the object is gone
    pyoxigraph.Store.read_only(str(folder / "store"))  # opens as every reader will, or raises


# An edit of at most this share of the handbooks updates a copy of the previous store in place.
UPDATE_SHARE = 0.1


def _update_store(folder, previous, handbooks, base, progress):
    """Make `folder`/store from the artifact in `previous` when only a few handbooks changed: its
    SST files hard-linked (RocksDB never rewrites one), the rest copied, then only the changed
    triples removed and added, each removal checked against what the other graphs still hold.
    False (nothing written) when the previous artifact is not one to start from."""
    try:
        old = json.loads((previous / artifact.MANIFEST).read_text(encoding="utf-8"))
        before = {book["stem"]: book for book in old["handbooks"]}
        same_ontology = old["files"][ONTOLOGY_FILE] == _file_record(folder / ONTOLOGY_FILE)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    after = {book["stem"]: book for book in handbooks}
    changed = sorted(
        stem
        for stem in before.keys() | after.keys()
        if (before.get(stem) or {}).get("sha256") != (after.get(stem) or {}).get("sha256")
    )
    if old.get("base_iri") != base or not same_ontology or len(changed) > UPDATE_SHARE * len(after):
        return False
    if not is_intact(previous, old):  # start only from a store known to be whole
        return False
    progress(f"store: updating the previous store in place for {len(changed)} changed handbook(s)")
    try:
        _update_copy(folder, previous, handbooks, base, before, after, changed)
    except (OSError, RuntimeError, ValueError, SyntaxError) as error:  # a damaged previous store
        progress(f"store: the previous store cannot be updated ({error}); loading it whole")
        gc.collect()
        shutil.rmtree(folder / "store", ignore_errors=True)
        return False
    return True


def _update_copy(folder, previous, handbooks, base, before, after, changed):
    (folder / "store").mkdir()
    for entry in os.scandir(previous / "store"):
        if entry.name == "LOCK":
            continue
        if entry.name.endswith(".sst"):
            os.link(entry.path, folder / "store" / entry.name)
        else:
            shutil.copy2(entry.path, folder / "store" / entry.name)
    store = pyoxigraph.Store(str(folder / "store"))
    asserted, inferred = (
        pyoxigraph.NamedNode(f"{base}graph/asserted"),
        pyoxigraph.NamedNode(f"{base}graph/inferred"),
    )
    gone, new = set(), set()
    for stem in changed:
        graph = pyoxigraph.NamedNode(f"{base}graph/handbook/{stem}")
        was = _lines(previous / HANDBOOKS_FOLDER / f"{stem}.nt") if stem in before else set()
        now = _lines(folder / HANDBOOKS_FOLDER / f"{stem}.nt") if stem in after else set()
        for triple in _parsed(was - now):
            store.remove(pyoxigraph.Quad(*triple, graph))
            gone.add(triple)
        for triple in _parsed(now - was):
            store.add(pyoxigraph.Quad(*triple, graph))
            new.add(triple)
    owners = {pyoxigraph.NamedNode(book["graph"]) for book in handbooks}
    owners.add(pyoxigraph.NamedNode(f"{base}graph/ontology"))
    for triple in gone:
        if not any(quad.graph_name in owners for quad in store.quads_for_pattern(*triple)):
            store.remove(pyoxigraph.Quad(*triple, asserted))
    for triple in new:
        store.add(pyoxigraph.Quad(*triple, asserted))
    was, now = _lines(previous / "inferred.nt"), _lines(folder / "inferred.nt")
    for triple in _parsed(was - now):
        store.remove(pyoxigraph.Quad(*triple, inferred))
        gone.add(triple)
    for triple in _parsed(now - was):
        store.add(pyoxigraph.Quad(*triple, inferred))
        new.add(triple)
    for triple in gone:
        if (
            pyoxigraph.Quad(*triple, asserted) not in store
            and pyoxigraph.Quad(*triple, inferred) not in store
        ):
            store.remove(pyoxigraph.Quad(*triple))
    for triple in new:
        store.add(pyoxigraph.Quad(*triple))
    store.flush()
    del store
    gc.collect()  # the store closes (and releases its lock) only when the object is gone
    pyoxigraph.Store.read_only(str(folder / "store"))


def _lines(path):
    with open(path, encoding="utf-8") as stream:
        return set(stream)


def _parsed(lines):
    """(subject, predicate, object) of each N-Triples line."""
    text = "".join(lines).encode("utf-8")
    return [
        (q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_TRIPLES)
    ]


class _Quads(io.RawIOBase):
    """N-Quads, read as a file: each (N-Triples file, graph IRI or None for the default graph)
    of `graphs` in turn, a block of whole lines at a time, never a whole file in memory."""

    def __init__(self, folder, graphs):
        self._blocks = self._each(folder, graphs)
        self._pending, self._at = b"", 0

    @staticmethod
    def _each(folder, graphs):
        for name, graph in graphs:
            ending = b" .\n" if graph is None else f" <{graph}> .\n".encode()
            with open(folder / name, "rb") as stream:
                rest = b""
                while block := stream.read(BLOCK_BYTES):
                    block = rest + block
                    cut = block.rfind(b"\n") + 1
                    block, rest = block[:cut], block[cut:]
                    if block:
                        # A line ends with " .\n" and no literal holds a raw line break.
                        yield block if graph is None else block.replace(b" .\n", ending)
                if rest.strip():
                    raise BuildError(f"{name}: the last line has no line break")

    def readable(self):
        return True

    def readinto(self, buffer):
        while self._at >= len(self._pending):
            try:
                self._pending, self._at = next(self._blocks), 0
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending) - self._at)
        buffer[:size] = self._pending[self._at : self._at + size]
        self._at += size
        return size


def _rebaser(base):
    """N-Triples text → the same with every IRI under the canonical base moved under `base`
    (IRIs and datatypes; never the inside of a literal)."""
    if base == CANONICAL_BASE:
        return lambda text: text
    found = re.compile(r'"(?:[^"\\]|\\.)*"|<' + re.escape(CANONICAL_BASE))
    replacement = "<" + base

    def moved(match):
        return match[0] if match[0].startswith('"') else replacement

    return lambda text: found.sub(moved, text)


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


def _fingerprint(cfg, hashes):
    """({relative path: sha256}, data_version) of the inputs and the base IRI."""
    root = Path(cfg["ROOT"])
    inputs = {_label(path, root): hashes.sha256(path) for path in input_files(cfg)}
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
