"""Content negotiation in one place: one table of formats and one way to choose among them.

A view says which kinds of answer it can give in its order of preference: `results`
(SELECT/ASK as SPARQL JSON, XML, CSV, TSV), `graph` (RDF), `page` (HTML), `data` (plain
JSON of the API) or `table` (plain JSON or CSV with `columns` and `rows`). Then
`choose` picks one format by, in this order of precedence:

1. the file extension of the last path segment (`/queries/x.json`), when it names a format;
2. `?format=<name>` (or a `format` form field);
3. the `Accept` header with q-values: for each offered media type the most specific
   matching range decides its quality (`text/csv;q=0` excludes CSV even under `text/*`);
   the highest quality wins, ties go to the view's order.

Nothing fits → `errors.NotAcceptable` (406) listing what is offered. A format's name is also
its file extension. Names repeat across kinds (`json` is SPARQL JSON for `results`, plain JSON
for `data`): the first offered kind that has the name wins.
"""

from collections.abc import Callable
from dataclasses import dataclass

from . import errors, render
from .namespaces import FORMATS


@dataclass(frozen=True)
class Format:
    name: str  # ?format= value and file extension
    media_type: str  # what the answer is sent as
    kind: str  # results | graph | page | data | table
    render: Callable  # payload of the kind → body (str or bytes)
    w3c: str = ""  # IRI in the W3C format registry, for the service description
    also: tuple = ()  # further media types a client may ask for it by


FORMATS = (
    Format(
        "json",
        "application/sparql-results+json",
        "results",
        render.sparql_json,
        FORMATS + "SPARQL_Results_JSON",
        ("application/json",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "results",
        render.sparql_xml,
        FORMATS + "SPARQL_Results_XML",
        ("application/xml", "text/xml"),
    ),
    Format("csv", "text/csv", "results", render.sparql_csv, FORMATS + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "results", render.sparql_tsv, FORMATS + "SPARQL_Results_TSV"),
    Format("ttl", "text/turtle", "graph", render.turtle, FORMATS + "Turtle", ("application/x-turtle",)),
    Format(
        "jsonld", "application/ld+json", "graph", render.jsonld, FORMATS + "JSON-LD", ("application/json",)
    ),
    Format(
        "rdf",
        "application/rdf+xml",
        "graph",
        render.rdfxml,
        FORMATS + "RDF_XML",
        ("application/xml", "text/xml"),
    ),
    Format("nt", "application/n-triples", "graph", render.ntriples, FORMATS + "N-Triples"),
    Format("nq", "application/n-quads", "graph", render.nquads, FORMATS + "N-Quads"),
    Format("html", "text/html", "page", render.page, also=("application/xhtml+xml",)),
    Format("json", "application/json", "data", render.data_json),
    Format("json", "application/json", "table", render.data_json),
    Format("csv", "text/csv", "table", render.data_csv),
)


def offered(kinds):
    """The formats of these kinds, in the kinds' order, then the table's."""
    return [fmt for kind in kinds for fmt in FORMATS if fmt.kind == kind]


def by_name(name, kinds):
    return next((fmt for fmt in offered(kinds) if fmt.name == name), None)


def extension(path):
    """The format name a path ends with (`/queries/x.json` → `json`), if it is one."""
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return None
    name = last.rsplit(".", 1)[1]
    return name if any(fmt.name == name for fmt in FORMATS) else None


def stem(segment):
    """A path segment without its format extension (`x.json` → `x`)."""
    name = extension(segment)
    return segment[: -len(name) - 1] if name else segment


def parse_accept(header):
    """`Accept` → list of (type, subtype, q); malformed q-values count as 1."""
    ranges = []
    for item in (header or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if "/" not in media:
            continue
        main, sub = (piece.strip().lower() for piece in media.split("/", 1))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0
        ranges.append((main, sub, q))
    return ranges


def quality(ranges, media_type):
    """The q of the most specific range matching `media_type` (0 when none matches)."""
    return match(ranges, media_type)[1]


def match(ranges, media_type):
    """(specificity, q) of the most specific range matching `media_type`; (-1, 0) if none."""
    main, sub = media_type.split("/", 1)
    best = (-1, 0.0)
    for r_main, r_sub, q in ranges:
        if (r_main, r_sub) == (main, sub):
            specificity = 2
        elif (r_main, r_sub) == (main, "*"):
            specificity = 1
        elif (r_main, r_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, q)
    return best


def by_accept(header, kinds):
    """The best format for an `Accept` header, or None when nothing is acceptable."""
    ranges = parse_accept(header or "*/*")
    best, best_q = None, 0.0
    for fmt in offered(kinds):
        # The most specific mention of any of its media types decides: `text/turtle;q=0`
        # excludes Turtle even though `*/*` would match its alias application/x-turtle.
        q = max(match(ranges, media) for media in (fmt.media_type, *fmt.also))[1]
        if q > best_q:
            best, best_q = fmt, q
    return best


def choose(request, kinds):
    """The format to answer `request` in, among the offered kinds (see the module text)."""
    name = extension(request.path) or request.values.get("format")
    fmt = by_name(name, kinds) if name else by_accept(request.headers.get("Accept"), kinds)
    if fmt is None:
        names = ", ".join(f"{f.name} ({f.media_type})" for f in offered(kinds))
        asked = f"格式 {name}" if name else f"Accept: {request.headers.get('Accept')}"
        raise errors.NotAcceptable(
            f"无法提供所要求的格式（{asked}）；可提供：{names}",
            offered=[f.media_type for f in offered(kinds)],
        )
    return fmt


def wants_html(request):
    """Whether an error should be a page: the client asked for HTML, or prefers it to JSON.

    A path or `?format=` naming html or json decides; any other name (csv, ttl…) cannot carry
    an error, so `Accept` decides. Reads the URL and headers only: the body may be what the
    error is about (413)."""
    name = extension(request.path) or request.args.get("format")
    if name in ("html", "json"):
        return name == "html"
    ranges = parse_accept(request.headers.get("Accept") or "*/*")
    return quality(ranges, "text/html") > quality(ranges, "application/json")
