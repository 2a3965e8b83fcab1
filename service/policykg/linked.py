"""Linked data as plain functions: describe one resource, the JSON-LD context, the ontology's
documentation, the dumps, and the dataset description (DCAT + VoID). `views/linked.py` serves
them; nothing here needs Flask.

Addresses: the data's IRIs sit under the configured base (`cfg["BASE_IRI"]`), and the service
answers for that base on whatever host it runs on: `<BASE>id/x` → `/id/x` → 303 → `/doc/x`;
`<BASE>def/Term` → `/def/Term` → 303 → `/def/#Term`; the ontology `<BASE>def/` is `/def/`.
Decisions: docs/decisions/20261125-303-see-other.md and docs/linked-data.md.

Everything that depends only on the data is cached per data version (the data is read-only):
the `version` arguments are those cache keys.
"""

import fcntl
import gzip
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib.collection import Collection

from . import artifact, build, errors, negotiate, queries, render
from .cache import PerVersion
from .namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    FORMATS,
    IANA,
    OWL,
    PROV,
    RDF,
    RDF_LANG_STRING,
    RDFS,
    SD,
    SKOS,
    VOID,
    XSD,
    XSD_STRING,
)

log = logging.getLogger(__name__)

RDF_TYPE = NamedNode(RDF + "type")
LABELS = (RDFS + "label", SKOS + "prefLabel")

# Prefixes the dataset description needs beyond those the project's Turtle files declare.
DESCRIPTION_PREFIXES = {"void": VOID, "sd": SD, "formats": FORMATS, "dcat": DCAT}

# The dumps: parts of the build, and the formats each is offered in.
PARTS = ("asserted", "inferred", "closure")
DUMP_FORMATS = ("nt", "ttl", "jsonld")
# Where they are kept: `<BUILD_DIR>/dumps/<data version>/<part>.<format>[.gz]`.
DUMPS_FOLDER = "dumps"
# The build's files each part is read from.
PART_FILES = {"asserted": ["asserted"], "inferred": ["inferred"], "closure": ["asserted", "inferred"]}
# The formats Oxigraph writes itself.
STREAMED = {"nt": pyoxigraph.RdfFormat.N_TRIPLES, "ttl": pyoxigraph.RdfFormat.TURTLE}

# Where the dataset description lives, relative to the base and to the host.
VOID_PATH = ".well-known/void"
CONTEXT_PATH = "context.jsonld"

# What the data set is called, in the description.
TITLE = {"zh": "惠企政策知识图谱", "en": "policykg: a knowledge graph of enterprise-support policies"}
DESCRIPTION = {
    "zh": "惠企政策、惠企内容（金额、上限、比例、分档）、申报条件、政策依据文件、发布机关与咨询电话，"
    "逐条附手册原文与页码；含本体、代码表与 OWL-RL 推理结果。",
    "en": "Enterprise-support policies, their benefits (amounts, caps, rates, tiers), eligibility "
    "criteria, legal bases, bodies and hotlines, each with the handbook's verbatim text and "
    "pages; with the ontology, the code lists and the OWL-RL inferences.",
}
PUBLISHER = {"zh": "惠企政策知识图谱项目", "en": "the policykg project"}
PART_TITLES = {
    "asserted": (
        "陈述的三元组：本体、代码表与手册数据",
        "Asserted triples: ontology, code lists, handbook data",
    ),
    "inferred": (
        "推理得出的三元组（OWL-RL 闭包减去陈述部分）",
        "Inferred triples (OWL-RL closure minus the asserted ones)",
    ),
    "closure": ("全部三元组（陈述 + 推理）", "All triples (asserted + inferred)"),
}


# ---------------------------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------------------------


def web_link(iri):
    """`iri` when a browser may follow it as a link (http or https), else "": never a
    `javascript:` or `data:` IRI, nor a protocol-relative `//host` one."""
    return iri if iri.lower().startswith(("http://", "https://")) else ""


def href(iri, base):
    """Where a browser on this service reads about `iri`: a root-relative path for our own IRIs
    (`/doc/…` for things, `/def/#Term` for ontology terms), the IRI itself for anyone else's
    when it is http(s) (`web_link`), else "" (no link)."""
    if not iri.startswith(base) or iri[len(base) :].startswith(("/", "\\")):
        return web_link(iri)  # (a path of ours starting "//" or "/\\" would leave the site)
    rest = iri[len(base) :]
    if rest.startswith("id/"):
        return "/doc/" + rest[len("id/") :]
    if rest.startswith("def/") and rest != "def/":
        return "/def/#" + rest[len("def/") :]
    return "/" + rest


# What depends only on one data version, kept for the newest versions.
PREFIXES: PerVersion[dict] = PerVersion("linked.prefixes", 4)
ONTOLOGIES: PerVersion[rdflib.Graph] = PerVersion("linked.ontology", 4)
ONTOLOGY_TRIPLES: PerVersion[tuple] = PerVersion("linked.ontology-triples", 4)
TERM_LABELS: PerVersion[dict] = PerVersion("linked.term-labels", 4)
# The VoID counts (whole-graph scans) and the handbook data sets: once per data version.
STATISTICS: PerVersion = PerVersion("linked.statistics")
HANDBOOK_DATASETS: PerVersion[list] = PerVersion("linked.handbook-datasets")
CACHES = (PREFIXES, ONTOLOGIES, ONTOLOGY_TRIPLES, TERM_LABELS, STATISTICS, HANDBOOK_DATASETS)


def _prefixes(root, base):
    """The prefixes each graph file declares before its first triple (where Turtle files declare
    them): the parser stops there, so 1 000 handbooks (586 MB) cost milliseconds, not seconds."""
    found = {}
    for path in build.input_files({"ROOT": root}):
        if build.is_graph_file(path):  # the knowledge graph's files, not the SHACL shapes
            parsed = pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
            next(iter(parsed), None)
            found.update(parsed.prefixes)
    canonical = build.CANONICAL_BASE
    return {
        name: base + iri[len(canonical) :] if iri.startswith(canonical) else iri
        for name, iri in sorted(found.items())
        if name
    }


def prefixes(cfg, version):
    """The prefixes the knowledge graph's Turtle files declare, moved to the configured base."""
    root, base = cfg["ROOT"], cfg["BASE_IRI"]
    return dict(PREFIXES.get((root, base), version, lambda: _prefixes(root, base)))


def context(cfg, version):
    """The JSON-LD context published at `/context.jsonld`: every prefix of the project."""
    return {"@context": {**prefixes(cfg, version), **DESCRIPTION_PREFIXES}}


def compact(iri, names):
    """`iri` as `prefix:local` when a prefix covers it, else the IRI."""
    best = max((ns for ns in names.values() if iri.startswith(ns)), key=len, default=None)
    if best is None or best == iri:
        return iri
    name = next(n for n, ns in names.items() if ns == best)
    return f"{name}:{iri[len(best) :]}"


# ---------------------------------------------------------------------------------------------
# RDF in and out
# ---------------------------------------------------------------------------------------------


def run(store, cfg, name, **params):
    """Run `queries/internal/<name>.rq` with `params` bound; the store's Result."""
    return store.query(queries.internal(cfg, name).bind(params))


def jsonld(triples, cfg, version, first=None):
    """JSON-LD compacted with the published context (inline, so a reader needs no second
    request); the nodes sorted by @id, `first` (the resource described) leading."""
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES).decode("utf-8")
    parsed = rdflib.Graph().parse(data=text, format="nt")
    ctx = context(cfg, version)["@context"]
    document = json.loads(parsed.serialize(format="json-ld", context=ctx, auto_compact=True))
    document.pop("@context", None)
    nodes = document.get("@graph", [document] if document else [])
    first = compact(first, ctx) if first else None
    nodes.sort(key=lambda node: (node.get("@id") != first, node.get("@id", "")))
    return json.dumps({"@context": ctx, "@graph": nodes}, ensure_ascii=False, indent=2)


def serialize(fmt, triples, cfg, version, first=None, names=None):
    """`triples` as the body of RDF format `fmt` (a `negotiate.Format` of kind `graph`); Turtle
    and RDF/XML write `names` (default: every prefix), JSON-LD always uses the published context."""
    if fmt.name == "jsonld":
        return jsonld(triples, cfg, version, first)
    return fmt.render(render.Triples(triples, names or prefixes(cfg, version)))


# ---------------------------------------------------------------------------------------------
# Descriptions of resources
# ---------------------------------------------------------------------------------------------


def describe(store, cfg, iri):
    """The triples describing `iri` (queries/internal/describe.rq): its own, those of the
    amounts, criteria and constraints nested in it, and the labels of what they point to.
    Empty when the graph does not hold `iri`."""
    try:
        result = run(store, cfg, "describe", iri=iri)
    except errors.ParamError:  # not even an IRI, so not one of ours
        return []
    found = render.triples(result)
    if not any(t.subject.value == iri for t in found):
        return []
    # The resource first, then by subject, so that every writer groups each node's triples.
    return sorted(
        found, key=lambda t: (t.subject.value != iri, str(t.subject), str(t.predicate), str(t.object))
    )


def label(term, triples, names):
    """The best label for `term` among `triples` (zh, then en, then any), else its short name."""
    found = {}
    for t in triples:
        if t.subject == term and t.predicate.value in LABELS:
            found.setdefault(t.object.language or "", t.object.value)
    for lang in ("zh", "en", ""):
        if lang in found:
            return found[lang]
    if found:
        return next(iter(found.values()))
    return compact(term.value, names) if isinstance(term, NamedNode) else str(term)


def term_view(term, triples, cfg, names, terms):
    """A term as the templates show it: text, link, and language or datatype for literals."""
    if isinstance(term, NamedNode):
        text = terms.get(term.value) or label(term, triples, names)
        return {"text": text, "href": href(term.value, cfg["BASE_IRI"]), "iri": term.value}
    if isinstance(term, BlankNode):
        return {"text": str(term)}
    datatype = term.datatype.value
    shown = "" if datatype in (XSD_STRING, RDF_LANG_STRING) else compact(datatype, names)
    return {"text": term.value, "lang": term.language or "", "datatype": shown}


def resource_page(iri, triples, cfg, version):
    """What `resource.html` shows: the resource, then each typed node nested in it, every
    property in a table (labels linked); label-only nodes are not listed on their own."""
    names = prefixes(cfg, version)
    terms = term_labels(cfg, version)
    subjects = [iri] + sorted({t.subject.value for t in triples if t.predicate == RDF_TYPE} - {iri})
    nodes = []
    for subject in subjects:
        rows = sorted(
            (t for t in triples if t.subject.value == subject),
            key=lambda t: (t.predicate != RDF_TYPE, t.predicate.value, str(t.object)),
        )
        node = NamedNode(subject)
        nodes.append(
            {
                "iri": subject,
                "title": label(node, triples, names),
                "href": href(subject, cfg["BASE_IRI"]),
                "rows": [
                    {
                        "property": term_view(t.predicate, triples, cfg, names, terms),
                        "value": term_view(t.object, triples, cfg, names, terms),
                    }
                    for t in rows
                ],
            }
        )
    return {"title": nodes[0]["title"], "iri": iri, "nodes": nodes}


# ---------------------------------------------------------------------------------------------
# The ontology (ontology/policy.ttl, at the configured base)
# ---------------------------------------------------------------------------------------------


def _ontology(root, base):
    path = Path(root) / "ontology/policy.ttl"
    parsed = rdflib.Graph().parse(path, format="turtle", publicID=build.CANONICAL_BASE)
    return build.rebase(parsed, base)


def ontology(cfg, version):
    """`ontology/policy.ttl` as an rdflib graph, its IRIs under the configured base. Do not mutate."""
    root, base = cfg["ROOT"], cfg["BASE_IRI"]
    return ONTOLOGIES.get((root, base), version, lambda: _ontology(root, base))


def ontology_triples(cfg, version):
    """The ontology as pyoxigraph triples, for the RDF writers."""

    def make():
        text = ontology(cfg, version).serialize(format="nt")
        return tuple(quad.triple for quad in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_TRIPLES))

    return list(ONTOLOGY_TRIPLES.get((cfg["ROOT"], cfg["BASE_IRI"]), version, make))


def term_labels(cfg, version):
    """{IRI: Chinese label} of the ontology's terms (for showing properties by name)."""

    def make():
        return {
            str(s): str(o)
            for s, o in ontology(cfg, version).subject_objects(rdflib.RDFS.label)
            if getattr(o, "language", None) == "zh"
        }

    return dict(TERM_LABELS.get((cfg["ROOT"], cfg["BASE_IRI"]), version, make))


def defines(cfg, version, iri):
    """Whether the ontology says anything about `iri` (as a subject)."""
    return (rdflib.URIRef(iri), None, None) in ontology(cfg, version)


# The relations documented for each term, in this order: (predicate, Chinese name, English name).
MAPPINGS = (
    (rdflib.RDFS.subClassOf, "上位类", "subclass of"),
    (rdflib.OWL.equivalentClass, "等价类", "equivalent class"),
    (rdflib.OWL.disjointWith, "不相交", "disjoint with"),
    (rdflib.RDFS.subPropertyOf, "上位属性", "subproperty of"),
    (rdflib.OWL.equivalentProperty, "等价属性", "equivalent property"),
    (rdflib.OWL.inverseOf, "逆属性", "inverse of"),
    (rdflib.RDFS.domain, "定义域", "domain"),
    (rdflib.RDFS.range, "值域", "range"),
    (rdflib.OWL.propertyChainAxiom, "属性链", "property chain"),
    (rdflib.SKOS.exactMatch, "完全匹配", "exact match"),
    (rdflib.SKOS.closeMatch, "相近匹配", "close match"),
)
KINDS = (
    (rdflib.OWL.Class, "classes", "类", "Classes"),
    (rdflib.OWL.ObjectProperty, "object_properties", "对象属性", "Object properties"),
    (rdflib.OWL.DatatypeProperty, "datatype_properties", "数据属性", "Datatype properties"),
)


def ontology_doc(cfg, version):
    """What `ontology.html` shows: the ontology's metadata, then every class and property with
    its zh/en labels and definitions and its mappings (to reused vocabularies or our own terms),
    then the axioms the ontology states about other vocabularies' terms."""
    onto, base = ontology(cfg, version), cfg["BASE_IRI"]
    names = prefixes(cfg, version)
    namespace = base + "def/"
    this = rdflib.URIRef(namespace)

    def ref(node):
        if isinstance(node, rdflib.BNode):  # an RDF list: a property chain
            return {"chain": [ref(item) for item in Collection(onto, node)]}
        iri = str(node)
        local = iri[len(namespace) :] if iri.startswith(namespace) else None
        return {"text": compact(iri, names), "href": f"#{local}" if local else web_link(iri), "iri": iri}

    def texts(subject, predicate):
        found = {}
        for value in onto.objects(subject, predicate):
            found.setdefault(getattr(value, "language", None) or "", []).append(str(value))
        return {lang: " ".join(sorted(values)) for lang, values in found.items()}

    def mappings(subject):
        rows = []
        for predicate, zh, en in MAPPINGS:
            values = sorted(
                (ref(o) for o in onto.objects(subject, predicate)), key=lambda v: v.get("iri", "")
            )
            if predicate == rdflib.OWL.inverseOf:  # stated on either side
                values += [ref(s) for s in onto.subjects(predicate, subject)]
            if values:
                rows.append({"zh": zh, "en": en, "values": values})
        return rows

    def term(subject, kind):
        extra = [compact(str(t), names) for t in onto.objects(subject, rdflib.RDF.type) if t != kind]
        return {
            "name": str(subject)[len(namespace) :],
            "iri": str(subject),
            "label": texts(subject, rdflib.RDFS.label),
            "definition": texts(subject, rdflib.SKOS.definition),
            "characteristics": sorted(extra),
            "mappings": mappings(subject),
        }

    sections = []
    for kind, key, zh, en in KINDS:
        members = sorted(
            (s for s in onto.subjects(rdflib.RDF.type, kind) if str(s).startswith(namespace)), key=str
        )
        sections.append({"key": key, "zh": zh, "en": en, "terms": [term(s, kind) for s in members]})
    foreign = sorted(
        {s for s in onto.subjects() if isinstance(s, rdflib.URIRef) and not str(s).startswith(namespace)},
        key=str,
    )
    prefix_of = {ns: name for name, ns in names.items()}
    reused = sorted(
        {
            ns
            for ns in names.values()
            if not ns.startswith(base)
            and any(str(o).startswith(ns) for o in onto.objects() if isinstance(o, rdflib.URIRef))
        }
    )
    return {
        "iri": namespace,
        "title": texts(this, rdflib.DCTERMS.title),
        "description": texts(this, rdflib.DCTERMS.description),
        "version": str(onto.value(this, rdflib.OWL.versionInfo) or ""),
        "licence": str(onto.value(this, rdflib.DCTERMS.license) or ""),
        "created": str(onto.value(this, rdflib.DCTERMS.created) or ""),
        "sections": sections,
        "foreign": [
            {
                "term": ref(s),
                "mappings": mappings(s),
                "characteristics": sorted(compact(str(t), names) for t in onto.objects(s, rdflib.RDF.type)),
            }
            for s in foreign
        ],
        "vocabularies": [{"prefix": prefix_of[ns], "iri": ns} for ns in reused],
    }


# ---------------------------------------------------------------------------------------------
# Dumps (from the build artifact)
# ---------------------------------------------------------------------------------------------


def dump_name(part, fmt, compressed=False):
    return f"{part}.{fmt}" + (".gz" if compressed else "")


def parse_dump_name(name):
    """(part, format name, compressed) from `asserted.ttl` / `closure.nt.gz`; NotFound otherwise."""
    compressed = name.endswith(".gz")
    stem = name[: -len(".gz")] if compressed else name
    part, _, fmt = stem.partition(".")
    if part not in PARTS or fmt not in DUMP_FORMATS:
        offered = ", ".join(dump_name(p, f) for p in PARTS for f in DUMP_FORMATS)
        raise errors.NotFound(
            f"没有这个数据下载：{name}；可下载：{offered}（均可加 .gz）",
            offered=[dump_name(p, f) for p in PARTS for f in DUMP_FORMATS],
        )
    return part, fmt, compressed


def dump(cfg, version, part, fmt, compressed=False) -> Path:
    """The file of one dump, made once per data version and kept in the artifact
    (`<BUILD_DIR>/dumps/<version>/<name>`; a folder in the system's temp when the artifact is
    read-only), so that every web worker serves the same file and none holds a dump in memory
    (`_write_dump`). One maker at a time (a file lock); a file is complete once it has its name
    (written under another, then renamed)."""
    name = dump_name(part, fmt, compressed)
    folder = _dumps_folder(cfg, version)
    path = folder / name
    if path.is_file():
        return path
    # A .gz is made from its plain dump, which is made first: outside the lock, which one process
    # cannot take twice (a second open file would wait for the first).
    plain = dump(cfg, version, part, fmt) if compressed else None
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            unfinished = folder / f".{name}.{os.getpid()}.part"
            try:
                if plain is not None:
                    _gzip_file(plain, unfinished)
                else:
                    _write_dump(cfg, version, part, fmt, unfinished)
                os.replace(unfinished, path)
            finally:
                unfinished.unlink(missing_ok=True)
    return path


def _dumps_folder(cfg, version):
    """Where the dumps of data version `version` are kept (made when missing)."""
    for parent in (artifact.folder(cfg) / DUMPS_FOLDER, Path(tempfile.gettempdir()) / "policykg-dumps"):
        folder = parent / version
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise errors.StoreUnavailable("无处写入数据下载文件 (no writable folder for the dumps)")


def _write_dump(cfg, version, part, fmt, target):
    """Write one dump to `target`, in a process of its own (a fresh interpreter), so that
    the web worker never holds the whole graph: at 10 000 policies a dump takes gigabytes while
    it is made, which a worker's allocator would keep."""
    files = [Path(cfg["BUILD_DIR"]) / f"{name}.nt" for name in PART_FILES[part]]
    if not all(path.is_file() for path in files):
        raise errors.StoreUnavailable("还没有构建结果，无法提供数据下载 (no build)")
    settings = {key: cfg[key] for key in ("ROOT", "BASE_IRI", "BUILD_DIR")}
    job = json.dumps([settings, version, [str(path) for path in files], fmt, str(target)])
    maker = subprocess.run(
        [sys.executable, "-c", "import sys; from policykg import linked; linked.dump_main(sys.argv[1])", job],
        capture_output=True,
        text=True,
    )
    if maker.returncode != 0:
        log.warning("making the dump %s.%s failed: %s", part, fmt, maker.stderr.strip()[-2000:])
        raise errors.StoreUnavailable("数据下载文件生成失败 (making the dump failed)")


def dump_main(job):
    """`_dump_into` with the arguments `_write_dump` sends (JSON), in the process it starts."""
    _dump_into(*json.loads(job))


def _dump_into(cfg, version, files, fmt, target):
    """The build's N-Triples `files` loaded into an in-memory Oxigraph store, so that literals
    take the canonical forms the store holds ("2000000.0"^^xsd:decimal becomes "2000000") and a
    dump says exactly what SPARQL answers say; then written to `target` by Oxigraph itself
    (N-Triples, Turtle with our prefixes) or as JSON-LD compacted with the published context.
    (Reading the build's on-disk store instead is 6× slower: 71 s against 12 s for the asserted
    triples at 1 000 handbooks.)"""
    canonical = pyoxigraph.Store()
    for path in files:
        canonical.bulk_load(path=path, format=pyoxigraph.RdfFormat.N_TRIPLES)
    if fmt == "jsonld":
        triples = [quad.triple for quad in canonical]
        Path(target).write_text(jsonld(triples, cfg, version), encoding="utf-8")
    else:
        default = pyoxigraph.DefaultGraph()
        canonical.dump(target, STREAMED[fmt], from_graph=default, prefixes=prefixes(cfg, version))


def _gzip_file(source, target):
    """`source` gzip-compressed into `target` (no name or timestamp in the header, so equal
    inputs give equal bytes)."""
    with (
        open(source, "rb") as plain,
        open(target, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
    ):
        shutil.copyfileobj(plain, packed, CHUNK)


# ---------------------------------------------------------------------------------------------
# One handbook's dump (from the artifact's handbooks/<stem>.nt, streamed)
# ---------------------------------------------------------------------------------------------

HANDBOOK_FORMATS = ("nt", "ttl")
# Where the build writes each handbook's triples: `<BUILD_DIR>/handbooks/<stem>.nt`.
HANDBOOKS_FOLDER = "handbooks"
# A handbook's stem: its data file's name (`data/<stem>.ttl`).
STEM = re.compile(r"[A-Za-z0-9_-]+")
CHUNK = 1 << 16


def handbook_files(manifest) -> list[dict]:
    """The manifest's `handbooks` (stem, file: the data file it is read from, graph, iri,
    triples and sha256 of the artifact's `handbooks/<stem>.nt`), in stem order; [] for a build
    that has none."""
    listed = (manifest or {}).get("handbooks") or []
    return sorted(
        (entry for entry in listed if isinstance(entry, dict) and "stem" in entry), key=lambda e: e["stem"]
    )


def handbook_dump_name(stem, fmt, compressed=False):
    return f"handbook/{stem}.{fmt}" + (".gz" if compressed else "")


def parse_handbook_dump_name(name):
    """(stem, format name, compressed) from `handbook.ttl` / `handbook-c1.nt.gz`; NotFound otherwise."""
    compressed = name.endswith(".gz")
    rest = name[: -len(".gz")] if compressed else name
    stem, _, fmt = rest.rpartition(".")
    if not STEM.fullmatch(stem) or fmt not in HANDBOOK_FORMATS:
        raise errors.NotFound(
            f"没有这个数据下载：handbook/{name}；每本手册可下载 <stem>.nt、<stem>.ttl（均可加 .gz），"
            "手册列表见 /.well-known/void",
            offered=[f"<stem>.{fmt}" for fmt in HANDBOOK_FORMATS],
        )
    return stem, fmt, compressed


def handbook_file(cfg, manifest, stem):
    """(the manifest's entry, `handbooks/<stem>.nt` in the artifact) for handbook `stem`; NotFound
    when the build has no such handbook, StoreUnavailable when its file is missing."""
    entry = next((entry for entry in handbook_files(manifest) if entry["stem"] == stem), None)
    if entry is None:
        raise errors.NotFound(f"没有这本手册：{stem}（手册列表见 /.well-known/void）", stem=stem)
    path = Path(cfg["BUILD_DIR"]) / HANDBOOKS_FOLDER / f"{stem}.nt"
    if not path.is_file():
        raise errors.StoreUnavailable(
            "构建结果中缺少这本手册的数据，请重新运行 policykg build (handbook file missing)"
        )
    return entry, path


def handbook_dump(cfg, version, path, fmt, compressed=False) -> Iterator[bytes]:
    """The bytes of one handbook's dump, in chunks: the triples of its N-Triples file in the
    literal forms the store holds (loaded into an in-memory Oxigraph store, as the whole
    graph's dumps are: "200000.0"^^xsd:decimal is "200000"), so the dump says what SPARQL says;
    as N-Triples or as Turtle with the project's prefixes. One handbook fits in memory; nothing
    is cached; gzip-compressed as it streams when `compressed`."""
    canonical = pyoxigraph.Store()
    canonical.bulk_load(path=str(path), format=pyoxigraph.RdfFormat.N_TRIPLES)
    triples = [quad.triple for quad in canonical]
    if fmt == "nt":
        body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    else:
        written = serialize(negotiate.by_name(fmt, ("graph",)), triples, cfg, version)
        body = written.encode("utf-8") if isinstance(written, str) else written
    chunks = (body[at : at + CHUNK] for at in range(0, len(body), CHUNK))
    return _gzipped(chunks) if compressed else chunks


def _gzipped(chunks):
    """`chunks` as one gzip stream (no timestamp, so equal inputs give equal bytes)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for chunk in chunks:
        if packed := packer.compress(chunk):
            yield packed
    yield packer.flush()


# ---------------------------------------------------------------------------------------------
# The dataset description: DCAT catalogue + VoID, from live SPARQL over the store
# ---------------------------------------------------------------------------------------------


@dataclass
class Statistics:
    triples: int
    entities: int
    subjects: int
    objects: int
    properties: list  # (IRI, triples)
    classes: list  # (IRI, entities)
    graphs: dict  # named graph IRI → triples
    sources: list  # IRIs of the handbooks the data comes from
    examples: list  # IRIs of a few policies
    vocabularies: list  # namespaces of the classes and properties


def statistics(store, cfg):
    """Counts and lists for VoID, each from a query in queries/internal/void-*.rq; made once per
    data version (they scan the whole graph), not per request."""
    return STATISTICS.get(cfg["BASE_IRI"], store.data_version(), lambda: _statistics(store, cfg))


def _statistics(store, cfg):
    def rows(name):  # precomputed by the build (`#+ precompute: true`), else run
        return queries.internal_rows(store, cfg, name)

    counts = rows("void-counts")[0]
    entities = rows("void-entities")[0]  # (its example is the configured base)
    properties = [(row["property"]["value"], int(row["triples"]["value"])) for row in rows("void-properties")]
    classes = [(row["class"]["value"], int(row["entities"]["value"])) for row in rows("void-classes")]
    graphs = part_sizes(cfg) or {
        row["graph"]["value"]: int(row["triples"]["value"]) for row in rows("void-graphs")
    }
    sources = [row["handbook"]["value"] for row in rows("void-sources")]
    examples = [row["resource"]["value"] for row in rows("void-examples")]
    used = {namespace_of(iri) for iri, _ in properties + classes}
    return Statistics(
        triples=int(counts["triples"]["value"]),
        entities=int(entities["entities"]["value"]),
        subjects=int(counts["subjects"]["value"]),
        objects=int(counts["objects"]["value"]),
        properties=properties,
        classes=classes,
        graphs=graphs,
        sources=sources,
        examples=examples,
        vocabularies=sorted(used),
    )


def part_sizes(cfg):
    """{graph IRI: triples} of the asserted and inferred named graphs, from the manifest the
    build wrote ({} without one): no count over the store."""
    found = (artifact.manifest(cfg) or {}).get("counts") or {}
    base = cfg["BASE_IRI"]
    return {
        f"{base}graph/{part}": found[part]
        for part in ("asserted", "inferred")
        if isinstance(found.get(part), int)
    }


def handbook_datasets(store, cfg, manifest) -> list[dict]:
    """Each handbook of the build as a data set: the manifest's entry (stem, graph, IRI, number
    of triples: sizes come from the build, never from counting on a request) with the
    handbook's label, titles, publisher, date and place (queries/internal/void-handbooks.rq,
    one row per handbook). In stem order; made once per data version."""
    return list(
        HANDBOOK_DATASETS.get(
            cfg["BASE_IRI"], store.data_version(), lambda: _handbook_datasets(store, cfg, manifest)
        )
    )


def _handbook_datasets(store, cfg, manifest):
    facts: dict = {}
    for row in queries.internal_rows(store, cfg, "void-handbooks"):
        found = facts.setdefault(row["handbook"]["value"], {})
        for key in ("label", "title", "titleEn", "publisher", "issued", "place"):
            if key in row and key not in found:
                found[key] = row[key]["value"]
    return [{**facts.get(entry.get("iri"), {}), **entry} for entry in handbook_files(manifest)]


def namespace_of(iri):
    """The vocabulary an IRI belongs to: everything up to its last `#` or `/`."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def handbook_dump_url(root, stem, fmt, compressed=False):
    return f"{root}dumps/{handbook_dump_name(stem, fmt, compressed)}"


def addresses(root):
    """Where this service answers, given its root URL (`http://host:port/`)."""
    return {
        "home": root,
        "sparql": root + "sparql",
        "void": root + VOID_PATH,
        "context": root + CONTEXT_PATH,
        "ontology": root + "def/",
        "dumps": {
            (part, fmt, gz): f"{root}dumps/{dump_name(part, fmt, gz)}"
            for part in PARTS
            for fmt in DUMP_FORMATS
            for gz in (False, True)
        },
    }


def licence(cfg, version):
    """The data set's licence: the one the ontology declares (one licence for the project)."""
    declared = ontology(cfg, version).value(rdflib.URIRef(cfg["BASE_IRI"] + "def/"), rdflib.DCTERMS.license)
    return str(declared) if declared else ""


def dataset_iri(base, name):
    """IRIs of the catalogue, the data set and its parts: fragments of the VoID document."""
    return NamedNode(f"{base}{VOID_PATH}#{name}")


def void(stats, cfg, version, manifest, urls, handbooks=()):
    """DCAT catalogue + VoID description triples of the data set the store holds, with one
    data set per handbook (`handbook_datasets`): its named graph, size and dumps."""
    base = cfg["BASE_IRI"]
    out = []

    def add(subject, predicate, obj):
        out.append(Triple(subject, NamedNode(predicate), obj))

    def texts(subject, predicate, values):
        for lang, text in values.items():
            add(subject, predicate, Literal(text, language=lang))

    def count(n):
        return Literal(str(n), datatype=NamedNode(XSD + "integer"))

    catalog, dataset = dataset_iri(base, "catalog"), dataset_iri(base, "dataset")
    service, publisher = dataset_iri(base, "sparql"), dataset_iri(base, "publisher")
    licensed = licence(cfg, version)
    modified = (manifest or {}).get("built_at")

    add(catalog, RDF + "type", NamedNode(DCAT + "Catalog"))
    texts(
        catalog,
        DCTERMS + "title",
        {
            lang: f"{text}（数据目录）" if lang == "zh" else f"{text} (catalogue)"
            for lang, text in TITLE.items()
        },
    )
    add(catalog, DCTERMS + "publisher", publisher)
    add(catalog, FOAF + "homepage", NamedNode(urls["home"]))
    add(catalog, DCAT + "dataset", dataset)
    add(catalog, DCAT + "service", service)

    add(publisher, RDF + "type", NamedNode(FOAF + "Organization"))
    texts(publisher, FOAF + "name", PUBLISHER)
    add(publisher, FOAF + "homepage", NamedNode(urls["home"]))

    add(dataset, RDF + "type", NamedNode(DCAT + "Dataset"))
    add(dataset, RDF + "type", NamedNode(VOID + "Dataset"))
    texts(dataset, DCTERMS + "title", TITLE)
    texts(dataset, DCTERMS + "description", DESCRIPTION)
    add(dataset, DCTERMS + "publisher", publisher)
    add(
        dataset,
        DCTERMS + "language",
        NamedNode("http://publications.europa.eu/resource/authority/language/ZHO"),
    )
    add(dataset, DCAT + "landingPage", NamedNode(urls["home"]))
    if licensed:
        for subject in (catalog, dataset):
            add(subject, DCTERMS + "license", NamedNode(licensed))
    if modified:
        for subject in (catalog, dataset):
            add(subject, DCTERMS + "modified", Literal(modified, datatype=NamedNode(XSD + "dateTime")))
    if version:
        add(dataset, OWL + "versionInfo", Literal(version))
    for source in stats.sources:
        add(dataset, DCTERMS + "source", NamedNode(source))
        add(dataset, PROV + "wasDerivedFrom", NamedNode(source))
    add(dataset, VOID + "uriSpace", Literal(base))
    add(dataset, VOID + "sparqlEndpoint", NamedNode(urls["sparql"]))
    for fmt in negotiate.offered(("graph",)):
        add(dataset, VOID + "feature", NamedNode(fmt.w3c))
    for namespace in stats.vocabularies:
        add(dataset, VOID + "vocabulary", NamedNode(namespace))
    for example in stats.examples:
        add(dataset, VOID + "exampleResource", NamedNode(example))
    add(dataset, VOID + "triples", count(stats.triples))
    add(dataset, VOID + "entities", count(stats.entities))
    add(dataset, VOID + "distinctSubjects", count(stats.subjects))
    add(dataset, VOID + "distinctObjects", count(stats.objects))
    add(dataset, VOID + "classes", count(len(stats.classes)))
    add(dataset, VOID + "properties", count(len(stats.properties)))
    for iri, n in stats.classes:
        partition = BlankNode()
        add(dataset, VOID + "classPartition", partition)
        add(partition, VOID + "class", NamedNode(iri))
        add(partition, VOID + "entities", count(n))
    for iri, n in stats.properties:
        partition = BlankNode()
        add(dataset, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", NamedNode(iri))
        add(partition, VOID + "triples", count(n))

    for handbook in handbooks:
        _handbook_dataset(add, texts, count, handbook, base, urls, dataset, catalog, publisher, licensed)

    add(service, RDF + "type", NamedNode(DCAT + "DataService"))
    add(service, RDF + "type", NamedNode(SD + "Service"))
    texts(service, DCTERMS + "title", {"zh": "SPARQL 查询服务", "en": "SPARQL endpoint"})
    add(service, DCAT + "endpointURL", NamedNode(urls["sparql"]))
    add(service, DCAT + "endpointDescription", NamedNode(urls["sparql"]))
    add(service, SD + "endpoint", NamedNode(urls["sparql"]))
    add(service, DCTERMS + "conformsTo", NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, DCAT + "servesDataset", dataset)

    for part in PARTS:
        holder = dataset if part == "closure" else dataset_iri(base, part)
        zh, en = PART_TITLES[part]
        if part != "closure":
            add(dataset, VOID + "subset", holder)
            add(holder, RDF + "type", NamedNode(VOID + "Dataset"))
            add(holder, RDF + "type", NamedNode(DCAT + "Dataset"))
            texts(holder, DCTERMS + "title", {"zh": zh, "en": en})
            add(holder, SD + "name", NamedNode(f"{base}graph/{part}"))
            named = stats.graphs.get(f"{base}graph/{part}")
            if named is not None:
                add(holder, VOID + "triples", count(named))
        for fmt_name in DUMP_FORMATS:
            fmt = negotiate.by_name(fmt_name, ("graph",))
            add(holder, VOID + "dataDump", NamedNode(urls["dumps"][(part, fmt_name, False)]))
            for gz in (False, True):
                distribution = dataset_iri(base, dump_name(part, fmt_name, gz).replace(".", "-"))
                url = NamedNode(urls["dumps"][(part, fmt_name, gz)])
                add(holder, DCAT + "distribution", distribution)
                add(distribution, RDF + "type", NamedNode(DCAT + "Distribution"))
                texts(
                    distribution,
                    DCTERMS + "title",
                    {
                        "zh": f"{zh}，{fmt_name}" + ("，gzip" if gz else ""),
                        "en": f"{en}, {fmt_name}" + (", gzip" if gz else ""),
                    },
                )
                add(distribution, DCAT + "downloadURL", url)
                add(distribution, DCAT + "accessURL", url)
                add(distribution, DCAT + "mediaType", NamedNode(IANA + fmt.media_type))
                add(distribution, DCTERMS + "format", NamedNode(fmt.w3c))
                if gz:
                    add(distribution, DCAT + "compressFormat", NamedNode(IANA + "application/gzip"))
                if licensed:
                    add(distribution, DCTERMS + "license", NamedNode(licensed))
    return out


def handbook_dataset_iri(base, stem):
    return dataset_iri(base, f"handbook-{stem}")


def _handbook_dataset(add, texts, count, handbook, base, urls, dataset, catalog, publisher, licensed):
    """The triples of one handbook's data set: a subset of the whole, in the catalogue, derived
    from the pkg:Handbook, its named graph and size, and a distribution per dump."""
    stem = handbook["stem"]
    node = handbook_dataset_iri(base, stem)
    name = handbook.get("label") or handbook.get("title") or stem
    add(catalog, DCAT + "dataset", node)
    add(dataset, VOID + "subset", node)
    add(node, RDF + "type", NamedNode(DCAT + "Dataset"))
    add(node, RDF + "type", NamedNode(VOID + "Dataset"))
    english = handbook.get("titleEn") or stem
    texts(node, DCTERMS + "title", {"zh": f"{name}的数据", "en": f"Data of the handbook {english}"})
    add(node, DCTERMS + "publisher", publisher)
    if handbook.get("iri"):
        add(node, DCTERMS + "source", NamedNode(handbook["iri"]))
        add(node, PROV + "wasDerivedFrom", NamedNode(handbook["iri"]))
    if handbook.get("place"):
        add(node, DCTERMS + "spatial", NamedNode(handbook["place"]))
    if handbook.get("graph"):
        add(node, SD + "name", NamedNode(handbook["graph"]))
    if isinstance(handbook.get("triples"), int):
        add(node, VOID + "triples", count(handbook["triples"]))
    if licensed:
        add(node, DCTERMS + "license", NamedNode(licensed))
    for fmt_name in HANDBOOK_FORMATS:
        fmt = negotiate.by_name(fmt_name, ("graph",))
        add(node, VOID + "dataDump", NamedNode(handbook_dump_url(urls["home"], stem, fmt_name)))
        for gz in (False, True):
            url = NamedNode(handbook_dump_url(urls["home"], stem, fmt_name, gz))
            distribution = dataset_iri(base, f"handbook-{stem}-{fmt_name}" + ("-gz" if gz else ""))
            add(node, DCAT + "distribution", distribution)
            add(distribution, RDF + "type", NamedNode(DCAT + "Distribution"))
            add(distribution, DCAT + "downloadURL", url)
            add(distribution, DCAT + "accessURL", url)
            add(distribution, DCAT + "mediaType", NamedNode(IANA + fmt.media_type))
            add(distribution, DCTERMS + "format", NamedNode(fmt.w3c))
            if gz:
                add(distribution, DCAT + "compressFormat", NamedNode(IANA + "application/gzip"))


def void_prefixes(cfg, version):
    """Prefixes for writing the description: the vocabularies', not those of our instances."""
    ours = cfg["BASE_IRI"] + "id/"
    kept = {name: ns for name, ns in prefixes(cfg, version).items() if not ns.startswith(ours)}
    return {**kept, **DESCRIPTION_PREFIXES}
