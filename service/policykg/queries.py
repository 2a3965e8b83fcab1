"""Canned queries: `queries/*.rq` read with their headers, parameters typed and bound.

A file's header (`#+ title:`, `#+ description:`, `#+ param: name | type | example | description`)
describes it; its outermost WHERE group opens with a VALUES block of the examples. Binding
replaces that block with one built from validated values serialized as RDF terms by
pyoxigraph, so what a user types can only ever be a term, never query text.

A paged query (`#+ page: key | description`) picks one page of keys in a subquery (`SELECT
DISTINCT ?key … ORDER BY … LIMIT n OFFSET m`, the one LIMIT of the file) and fetches their
rows around it; its VALUES block is then the first in that subquery (opening the group, often
itself a subquery, that turns the bound values into the few terms they name), so the bound
values select the keys first. Binding a page rewrites the subquery's LIMIT and OFFSET (integers only);
`count` gives the query counting every key (the subquery without its order and cut).
An internal query marked `#+ precompute: true` is run once per build (`policykg.precompute`).
"""

import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode

from policykg import config, docnumber, errors
from policykg.namespaces import XSD

# The settings (`config.settings`), as the functions that read them take them.
Settings = Mapping[str, Any]

# The service's own queries (lexicons, eligibility rules, descriptions, VoID), by name.
INTERNAL = Path("queries/internal")
# The artifact's folder of rows computed at build time (`policykg.precompute`).
PRECOMPUTED = "precomputed"

# The lexical pieces of SPARQL that can hide a brace or a keyword: comments, strings, IRIs,
# prefixed names (`select:x` is not the SELECT keyword).
TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\" | '''(?:[^'\\]|\\.|'(?!''))*'''
                  | "(?:[^"\\\n\r]|\\.)*" | '(?:[^'\\\n\r]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<pname>(?:[^\W\d][\w.-]*)?:[\w.:%\\-]*)
      | (?P<var>[?$]\w+)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<number>\d+)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
HEADER = re.compile(r"#\+\s*(?P<key>\w+)\s*:\s*(?P<value>.*)")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
INTEGER = re.compile(r"[+-]?\d+")
DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
HTTP_IRI = re.compile(r"https?://[^\s<>\"{}|^`\\]+")
LOCAL_NAME = re.compile(r"[A-Za-z0-9_-]+")
FORMS = ("select", "ask", "construct", "describe")
# The rows of one page of keys when a caller gives no `limit` (a paged file's own LIMIT is this).
PAGE_SIZE = 100
# A page that holds every key (`bind_all`).
EVERY_KEY = 1_000_000_000
# Past this many rows an internal query's answer is refused, precomputed or not: a list that
# long is a design error on the request path (it is read whole into each web worker).
INTERNAL_HARD_CAP = 1_000_000


def _integer(text, base_iri):
    if not INTEGER.fullmatch(text.strip()):
        raise ValueError("应为整数 (expected an integer)")
    return Literal(str(int(text)), datatype=NamedNode(XSD + "integer"))


def _decimal(text, base_iri):
    if not DECIMAL.fullmatch(text.strip()):
        raise ValueError("应为数字，如 100000 或 0.6 (expected a decimal number)")
    return Literal(format(Decimal(text.strip()), "f"), datatype=NamedNode(XSD + "decimal"))


def _string(text, base_iri):
    return Literal(text)


def _label(text, base_iri):
    """A name as the graph writes its labels: the text untagged, in Chinese and in English —
    alternatives, one VALUES row each, so a query finds the labels by index, not by a scan."""
    return [Literal(text), Literal(text, language="zh"), Literal(text, language="en")]


def _docnumber(text, base_iri):
    key = docnumber.normalize(text)
    if key is None:
        raise ValueError("不是发文字号，如 临政字〔2020〕113号 (not a document number)")
    return Literal(key)


def _iri(text, base_iri):
    text = text.strip()
    if not HTTP_IRI.fullmatch(text):
        raise ValueError("应为 http(s) 开头的完整 IRI (expected an absolute http(s) IRI)")
    return NamedNode(text)


def _concept(text, base_iri):
    if LOCAL_NAME.fullmatch(text.strip()):
        return NamedNode(f"{base_iri}id/concept/{text.strip()}")
    if HTTP_IRI.fullmatch(text.strip()):
        return NamedNode(text.strip())
    raise ValueError("应为概念 IRI 或其名称，如 individual (expected a concept IRI or local name)")


TYPES = {
    "integer": _integer,
    "decimal": _decimal,
    "string": _string,
    "label": _label,
    "docnumber": _docnumber,
    "iri": _iri,
    "concept": _concept,
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    example: str
    description: str


@dataclass(frozen=True)
class Page:
    """How a paged query cuts its answer: by `key` (a variable its page subquery projects)."""

    key: str
    description: str
    # Where the subquery's LIMIT and OFFSET numbers sit in the query text (start, end).
    limit_span: tuple = field(repr=False)
    offset_span: tuple = field(repr=False)
    # The query counting every key (`?count`), and where its VALUES block sits.
    count_text: str = field(repr=False)
    count_values_span: tuple | None = field(repr=False)


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    params: tuple
    text: str
    form: str
    base_iri: str = field(repr=False)
    # Where the opening VALUES block sits in `text` (start, end); None when there are no params.
    values_span: tuple | None = field(repr=False)
    page: Page | None = field(default=None, repr=False)
    # `#+ precompute: true` ("whole"): its rows are stored in the artifact once per build, from
    # the whole store; `#+ precompute: per-handbook`: from each handbook's own store, cached
    # with the handbook and merged (policykg.precompute); False: run when asked.
    precompute: str | bool = False

    def bind(
        self, values: Mapping[str, str] | None = None, *, limit: int | None = None, offset: int | None = None
    ) -> str:
        """The query text with the opening VALUES block holding `values` (missing → examples);
        for a paged query, the page of `limit` keys (default PAGE_SIZE) from `offset` (0)."""
        edits = self._values_edit(values, self.values_span)
        if self.page is not None:
            edits += [
                (self.page.limit_span, str(int(PAGE_SIZE if limit is None else limit))),
                (self.page.offset_span, str(int(offset or 0))),
            ]
        elif limit is not None or offset is not None:
            raise ValueError(f"{self.name}.rq 没有分页 (the query is not paged)")
        return _edited(self.text, edits)

    def bind_all(self, values: Mapping[str, str] | None = None) -> str:
        """The query text for its whole answer: every key of a paged query, not its first page
        (for the command line, which has no next page; the store's row cap still applies)."""
        return self.bind(values, limit=EVERY_KEY) if self.page is not None else self.bind(values)

    def count(self, values: Mapping[str, str] | None = None) -> str:
        """The query counting every key of a paged query (`?count`), with `values` bound."""
        if self.page is None:
            raise ValueError(f"{self.name}.rq 没有分页 (the query is not paged)")
        return _edited(self.page.count_text, self._values_edit(values, self.page.count_values_span))

    def bind_rows(self, rows: list[Mapping[str, str]]) -> str:
        """The query text with the opening VALUES block holding one row per mapping of `rows`
        (each checked and typed as `bind` does; missing → examples), so that one query answers
        for several values at once (not for paged queries, which bind one)."""
        if not rows:
            raise ValueError("bind_rows 至少需要一行 (at least one row)")
        if self.page is not None:
            raise ValueError(f"{self.name}.rq 是分页查询 (a paged query binds one row)")
        return _edited(self.text, self._values_edit(rows, self.values_span))

    def _values_edit(self, rows, span):
        """[(span, VALUES block)] for `rows` (a mapping of values, or a list of them; checked,
        typed), [] when there are no params. A value with alternatives (a `label`) gives one
        row per alternative."""
        if not self.params:
            for values in [rows] if not isinstance(rows, list) else rows:
                self._value_rows(values)  # unknown names are refused all the same
            return []
        data = [
            row
            for values in ([rows] if not isinstance(rows, list) else rows)
            for row in self._value_rows(values)
        ]
        names = " ".join(f"?{param.name}" for param in self.params)
        assert span is not None  # a query with parameters opens with its VALUES block
        return [(span, f"VALUES ({names}) {{ {' '.join(data)} }}")]

    def _value_rows(self, values):
        """The VALUES rows, as text, for one mapping of values (missing → examples)."""
        values = dict(values or {})
        known = {param.name for param in self.params}
        for name in values:
            if name not in known:
                raise errors.ParamError(name, f"查询 {self.name} 没有这个参数 (unknown parameter)")
        terms = []
        for param in self.params:
            term = self._term(param, values.get(param.name, param.example))
            terms.append(term if isinstance(term, list) else [term])
        return [f"({' '.join(str(term) for term in row)})" for row in itertools.product(*terms)]

    def _term(self, param, value):
        if not isinstance(value, str):
            raise errors.ParamError(param.name, "应为文本 (expected text)")
        try:
            return TYPES[param.type](value, self.base_iri)
        except ValueError as error:
            raise errors.ParamError(param.name, str(error)) from None


def _edited(text, edits):
    """`text` with each (start, end) span replaced by its new text (spans do not overlap)."""
    for (start, end), new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _tokens(text):
    """(kind, text, start, end) of every significant token: no spaces, no comments."""
    for match in TOKEN.finditer(text):
        if match.lastgroup not in ("space", "comment"):
            yield match.lastgroup, match.group(), match.start(), match.end()


def form(text):
    """The form of SPARQL `text`: select, ask, construct or describe; None when it has none."""
    words = (value.lower() for kind, value, _, _ in _tokens(text) if kind == "word")
    return next((word for word in words if word in FORMS), None)


def paged(sparql: str, limit: int, offset: int) -> str:
    """SELECT `sparql` (with no LIMIT or OFFSET of its own) cut to one page: its solutions
    `offset` to `offset + limit`, in its own ORDER BY. Only integers are written into the text."""
    return f"{sparql.rstrip()}\nLIMIT {int(limit)} OFFSET {int(offset)}"


def counted(sparql: str) -> str:
    """A query giving, as `?count`, how many solutions SELECT `sparql` has."""
    start = next(
        begin for kind, value, begin, _ in _tokens(sparql) if kind == "word" and value.lower() == "select"
    )
    return f"{sparql[:start]}SELECT (COUNT(*) AS ?count) WHERE {{\n{sparql[start:]}\n}}"


def _opening_values(text, within=None):
    """The VALUES block opening the outermost group — or, given `within` (a range of token
    indexes), the first group in it that opens with VALUES: ((start, end), [variables]) or
    (None, [])."""
    tokens = list(_tokens(text))
    depth = 0
    for index, (_, value, _, _) in enumerate(tokens):
        if value == "{":
            following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
            opens = index in within if within is not None else depth == 0
            if opens and following.upper() == "VALUES":
                return _values_block(tokens, index + 1)
            depth += 1
        elif value == "}":
            depth -= 1
    return None, []


def _page(path, text, key, description):
    """(Page, the token indexes of its subquery's WHERE clause) for a file whose header names
    the page key; BuildError unless it has exactly one `LIMIT n OFFSET m`, inside a subquery
    `{ SELECT … ?key … }`."""
    tokens = list(_tokens(text))
    words = [value.upper() if kind == "word" else value for kind, value, _, _ in tokens]
    limits = [index for index, word in enumerate(words) if word == "LIMIT"]
    if len(limits) != 1 or words[limits[0] + 2 : limits[0] + 3] != ["OFFSET"]:
        raise errors.BuildError(
            f"{path}: 分页查询应恰有一处 LIMIT n OFFSET m (a paged query has one LIMIT n OFFSET m)"
        )
    at = limits[0]
    if not (
        INTEGER.fullmatch(words[at + 1]) and INTEGER.fullmatch(words[at + 3] if at + 3 < len(words) else "")
    ):
        raise errors.BuildError(f"{path}: LIMIT 与 OFFSET 后应为整数 (LIMIT and OFFSET take integers)")
    # Walk back to the `{` opening the group that holds the LIMIT: the subquery's.
    depth, opening = 0, None
    for index in range(at - 1, -1, -1):
        if words[index] == "}":
            depth += 1
        elif words[index] == "{":
            if depth == 0:
                opening = index
                break
            depth -= 1
    if opening is None or words[opening + 1] != "SELECT":
        raise errors.BuildError(
            f"{path}: LIMIT 应在子查询 {{ SELECT … }} 中 (the LIMIT belongs in a subquery)"
        )
    where = next(index for index in range(opening + 1, at) if words[index] == "{")
    if f"?{key}" not in words[opening + 1 : where] and f"${key}" not in words[opening + 1 : where]:
        raise errors.BuildError(f"{path}: 分页子查询应投影 ?{key} (the page subquery must project ?{key})")
    # The count: every key, that is the subquery without its ORDER BY and cut.
    depth, cut = 0, at
    for index in range(where, at):
        depth += {"{": 1, "}": -1}.get(words[index], 0)
        if depth == 0 and words[index] == "ORDER":
            cut = index
            break
    outer = next(
        index for index, word in enumerate(words) if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    )
    head = text[: tokens[outer][2]] + "SELECT (COUNT(*) AS ?count) WHERE {\n"
    body_start = tokens[opening + 1][2]
    count_text = head + text[body_start : tokens[cut][2]].rstrip() + "\n}\n"
    span, _ = _opening_values(text, range(where, cut))
    count_span = None
    if span is not None:
        shift = len(head) - body_start
        count_span = (span[0] + shift, span[1] + shift)
    page = Page(
        key,
        description,
        (tokens[at + 1][2], tokens[at + 1][3]),
        (tokens[at + 3][2], tokens[at + 3][3]),
        count_text,
        count_span,
    )
    return page, range(where, cut)


def _values_block(tokens, index):
    """Span and variables of the VALUES block whose keyword is tokens[index]; ValueError if cut short."""
    start = tokens[index][2]
    rest = tokens[index + 1 :]
    if rest and rest[0][1] == "(":
        closing = next((i for i, token in enumerate(rest) if token[1] == ")"), None)
        if closing is None:
            raise ValueError("VALUES 变量列表未闭合 (unclosed variable list)")
        variables = [token[1][1:] for token in rest[1:closing]]
        rest = rest[closing + 1 :]
    else:
        variables = [token[1][1:] for token in rest[:1] if token[0] == "var"]
        rest = rest[1:]
    end = next((token[3] for token in rest if token[1] == "}"), None)
    if end is None:
        raise ValueError("VALUES 数据块未闭合 (unclosed data block)")
    return (start, end), variables


def _header(path, text):
    """title, description, params, page ((key, description) or None) and precompute from the
    leading `#+` lines."""
    title, description, params, page = None, [], [], None
    precompute: str | bool = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = HEADER.fullmatch(stripped)
        if not stripped.startswith("#+"):
            continue
        if match is None:
            raise errors.BuildError(f"{path}:{lineno}: 头部行应为 '#+ key: value' (malformed header line)")
        key, value = match["key"], match["value"].strip()
        if key == "title":
            title = value
        elif key == "description":
            description.append(value)
        elif key == "param":
            params.append(_param(path, lineno, value))
        elif key == "page":
            key_name, _, about = (part.strip() for part in value.partition("|"))
            if not NAME.fullmatch(key_name.lstrip("?$")):
                raise errors.BuildError(
                    f"{path}:{lineno}: 应为 '#+ page: key | description' (malformed page line)"
                )
            page = (key_name.lstrip("?$"), about)
        elif key == "precompute":
            if value not in ("true", "per-handbook", "false"):
                raise errors.BuildError(f"{path}:{lineno}: precompute 应为 true、per-handbook 或 false")
            precompute = False if value == "false" else "whole" if value == "true" else value
        else:
            raise errors.BuildError(f"{path}:{lineno}: 未知的头部字段 {key} (unknown header key)")
    if not title:
        raise errors.BuildError(f"{path}: 缺少 '#+ title:' (missing title)")
    names = [param.name for param in params]
    if len(set(names)) != len(names):
        raise errors.BuildError(f"{path}: 参数重名 (duplicate parameter) {names}")
    return title, " ".join(description), tuple(params), page, precompute


def _param(path, lineno, value):
    fields = [part.strip() for part in value.split("|", 3)]
    if len(fields) != 4:
        raise errors.BuildError(
            f"{path}:{lineno}: 参数应为 'name | type | example | description' (malformed param)"
        )
    name, kind, example, description = fields
    if not NAME.fullmatch(name):
        raise errors.BuildError(f"{path}:{lineno}: 参数名无效 (bad parameter name) {name!r}")
    if kind not in TYPES:
        raise errors.BuildError(
            f"{path}:{lineno}: 参数 {name} 的类型 {kind!r} 未知 (unknown type; one of {', '.join(TYPES)})"
        )
    return Param(name, kind, example, description)


def load(path: str | Path, base_iri: str = config.CANONICAL_BASE) -> CannedQuery:
    """One canned query from its file; a malformed file raises BuildError naming it.

    Files are written with the canonical base (`https://w3id.org/policykg/`), like the data; a
    build for another base IRI rewrites the data's IRIs, so the query text is rewritten to match."""
    path = Path(path)
    text = path.read_text(encoding="utf-8").replace(config.CANONICAL_BASE, base_iri)
    title, description, params, paging, precompute = _header(path, text)
    page, within = _page(path, text, *paging) if paging else (None, None)
    try:
        span, variables = _opening_values(text, within)
    except ValueError as error:
        raise errors.BuildError(f"{path}: {error}") from None
    query_form = form(text)
    if query_form is None:
        raise errors.BuildError(f"{path}: 找不到 SELECT/ASK/CONSTRUCT/DESCRIBE (no query form)")
    if sorted(variables) != sorted(param.name for param in params):
        raise errors.BuildError(
            f"{path}: WHERE 开头的 VALUES 应恰好列出参数 (the VALUES block opening the WHERE group "
            f"— of the page subquery, when paged — must list exactly the parameters): VALUES "
            f"{variables}, params {[p.name for p in params]}"
        )
    query = CannedQuery(
        path.stem, title, description, params, text, query_form, base_iri, span, page, precompute
    )
    try:
        query.bind()
    except errors.ParamError as error:
        raise errors.BuildError(f"{path}: 示例值无效 (bad example): {error.message}") from None
    return query


class Catalog:
    """Every `*.rq` in a folder (not its subfolders), by name."""

    def __init__(self, directory: str | Path, base_iri: str = config.CANONICAL_BASE):
        files = sorted(Path(directory).glob("*.rq"))
        self._queries = {path.stem: load(path, base_iri) for path in files}

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> CannedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise errors.NotFound(f"没有名为 {name} 的查询 (no canned query named {name})") from None

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)


@functools.lru_cache(maxsize=16)
def catalog(directory: str, base_iri: str) -> Catalog:
    """The catalog of a folder, read once per process (the files ship with the service)."""
    return Catalog(directory, base_iri)


def canned(cfg: Settings) -> Catalog:
    """The canned queries (`queries/*.rq`) for these settings, read afresh (the app reads them
    once when it starts and keeps them)."""
    return Catalog(Path(cfg["ROOT"]) / "queries", cfg["BASE_IRI"])


def api(cfg: Settings) -> Catalog:
    """The queries of the pages and JSON API (`queries/api/*.rq`)."""
    return catalog(str(Path(cfg["ROOT"]) / "queries" / "api"), cfg["BASE_IRI"])


@functools.lru_cache(maxsize=64)
def _internal(root: str, name: str, base_iri: str) -> CannedQuery:
    return load(Path(root) / INTERNAL / f"{name}.rq", base_iri)


def internal(cfg: Settings, name: str) -> CannedQuery:
    """`queries/internal/<name>.rq`, read once per process: the one way to load the service's
    own queries."""
    return _internal(str(cfg["ROOT"]), name, cfg["BASE_IRI"])


class Queryable(Protocol):
    """What runs a query: a store (`store.Store`, `store.Newest`)."""

    def query(self, sparql: str, **limits: Any) -> Any: ...

    def data_version(self) -> str | None: ...


def internal_rows(store: Queryable, cfg: Settings, name: str, **params: str) -> list[dict]:
    """The rows of internal query `name`: for a query marked `#+ precompute: true` (and no
    `params`), those the build stored for the data version the store serves; else (or when the
    artifact has none) from running it. No row cap, but ServiceError past INTERNAL_HARD_CAP."""
    query = internal(cfg, name)
    if query.precompute and not params:
        rows = precomputed_rows(cfg, query, store.data_version())
        if rows is not None:
            return rows
    result = store.query(query.bind(params), row_cap=INTERNAL_HARD_CAP)
    if result.truncated:
        raise errors.ServiceError(
            f"{name}.rq 的结果超过 {INTERNAL_HARD_CAP} 行 (the answer exceeds the hard cap of internal "
            f"queries, {INTERNAL_HARD_CAP} rows)",
            500,
        )
    return result.rows


def digest(query: CannedQuery) -> str:
    """A digest of a query's text, as it runs (after the base IRI is applied)."""
    return hashlib.sha256(query.text.encode("utf-8")).hexdigest()


def precomputed_rows(cfg: Settings, query: CannedQuery, version: str | None) -> list[dict] | None:
    """The rows `policykg.precompute` stored in the artifact for `query` at data version
    `version`; None when there are none for that version and that query text (or the file
    cannot be read)."""
    if version is None:
        return None
    path = Path(cfg["BUILD_DIR"]) / PRECOMPUTED / f"{query.name}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("data_version") != version:
        return None
    if record.get("query_sha256") != digest(query):
        return None
    rows = record.get("rows")
    return rows if isinstance(rows, list) else None
