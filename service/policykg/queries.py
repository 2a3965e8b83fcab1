"""Canned queries: `queries/*.rq` read with their headers, parameters typed and bound.

A file's header (`#+ title:`, `#+ description:`, `#+ param: name | type | example | description`)
describes it; its outermost WHERE group opens with a VALUES block of the examples. Binding
replaces that block with one built from validated values serialized as RDF terms by
pyoxigraph, so what a user types can only ever be a term, never query text.
"""

import functools
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

    def bind(self, values: Mapping[str, str] | None = None) -> str:
        """The query text with the opening VALUES block holding `values` (missing → examples)."""
        values = dict(values or {})
        known = {param.name for param in self.params}
        for name in values:
            if name not in known:
                raise errors.ParamError(name, f"查询 {self.name} 没有这个参数 (unknown parameter)")
        if not self.params:
            return self.text
        terms = [self._term(param, values.get(param.name, param.example)) for param in self.params]
        names = " ".join(f"?{param.name}" for param in self.params)
        block = f"VALUES ({names}) {{ ({' '.join(str(term) for term in terms)}) }}"
        assert self.values_span is not None  # a query with parameters opens with its VALUES block
        start, end = self.values_span
        return self.text[:start] + block + self.text[end:]

    def _term(self, param, value):
        if not isinstance(value, str):
            raise errors.ParamError(param.name, "应为文本 (expected text)")
        try:
            return TYPES[param.type](value, self.base_iri)
        except ValueError as error:
            raise errors.ParamError(param.name, str(error)) from None


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


def _opening_values(text):
    """The VALUES block opening the outermost group: ((start, end), [variables]) or (None, [])."""
    tokens = list(_tokens(text))
    depth = 0
    for index, (_, value, _, _) in enumerate(tokens):
        if value == "{":
            following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
            if depth == 0 and following.upper() == "VALUES":
                return _values_block(tokens, index + 1)
            depth += 1
        elif value == "}":
            depth -= 1
    return None, []


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
    """title, description and params from the leading `#+` lines."""
    title, description, params = None, [], []
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
        else:
            raise errors.BuildError(f"{path}:{lineno}: 未知的头部字段 {key} (unknown header key)")
    if not title:
        raise errors.BuildError(f"{path}: 缺少 '#+ title:' (missing title)")
    names = [param.name for param in params]
    if len(set(names)) != len(names):
        raise errors.BuildError(f"{path}: 参数重名 (duplicate parameter) {names}")
    return title, " ".join(description), tuple(params)


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
    title, description, params = _header(path, text)
    try:
        span, variables = _opening_values(text)
    except ValueError as error:
        raise errors.BuildError(f"{path}: {error}") from None
    query_form = form(text)
    if query_form is None:
        raise errors.BuildError(f"{path}: 找不到 SELECT/ASK/CONSTRUCT/DESCRIBE (no query form)")
    if sorted(variables) != sorted(param.name for param in params):
        raise errors.BuildError(
            f"{path}: WHERE 开头的 VALUES 应恰好列出参数 (the VALUES block opening the WHERE group "
            f"must list exactly the parameters): VALUES {variables}, params {[p.name for p in params]}"
        )
    query = CannedQuery(path.stem, title, description, params, text, query_form, base_iri, span)
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
    """The rows of an internal query; a row cap that cuts them is an error, not a silent gap."""
    result = store.query(internal(cfg, name).bind(params))
    if result.truncated:
        raise errors.ServiceError(f"{name}.rq 的结果超过了行数上限 ROW_CAP (the answer exceeds ROW_CAP)", 500)
    return result.rows
