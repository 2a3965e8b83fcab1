"""The gate every ad-hoc query passes before a store sees it: safe by default.

The query text is read lexically (comments, string literals and IRIs are tokens of their
own, so `"DELETE"` in a string or `#` in an IRI mean nothing); keywords are matched
case-insensitively. Refused:
- SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD, WITH): 403;
- SERVICE anywhere (the store would call out to another endpoint): 400;
- FROM / FROM NAMED, `default-graph-uri`, `named-graph-uri` naming any graph other than
  the store's own `<BASE>graph/asserted` and `<BASE>graph/inferred`: 400;
- text longer than MAX_QUERY_BYTES: 413.
What passes is described by `Inspection`: the query form (so the view can negotiate a
format before running it) and the prefixes it declares (used to write RDF answers).
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from . import errors

TOKEN = re.compile(
    r'''
    (?P<comment>\#[^\r\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
              |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>(?:[^\W\d][\w.-]*)?:[\w.:%\\-]*)
  | (?P<variable>[?$]\w+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<keyword>[^\W\d]\w*)
  | (?P<other>\S)
''',
    re.VERBOSE | re.DOTALL,
)

UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
GRAPHS = ("graph/asserted", "graph/inferred")
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass
class Inspection:
    form: str | None  # select | ask | graph; None when no query form keyword was found
    prefixes: dict = field(default_factory=dict)


def own_graphs(cfg):
    """The named graphs of the store, the only ones a query may name."""
    return [cfg["BASE_IRI"] + name for name in GRAPHS]


def tokens(text):
    """(kind, text) pairs, comments left out; keywords upper-cased.

    Keywords are bare words without dots or hyphens, as the SPARQL grammar reads them, so
    `true.SERVICE` is two tokens here as it is for the store's parser."""
    for match in TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "keyword":
            yield kind, value.upper()
        elif kind != "comment":
            yield kind, value


def check_graphs(iris, cfg, where):
    """Refuse any graph IRI (named by `where`: FROM, default-graph-uri…) not of the store."""
    allowed = own_graphs(cfg)
    for iri in iris:
        if iri not in allowed:
            raise errors.BadRequest(
                f"{where} 只能指向本库的图：{'、'.join(allowed)}（收到 {iri}）", graph=iri, allowed=allowed
            )


def check(text, cfg):
    """Refuse what a public read-only endpoint must not run; describe what it may."""
    size, limit = len(text.encode("utf-8")), cfg["MAX_QUERY_BYTES"]
    if size > limit:
        raise errors.PayloadTooLarge(f"查询太大：{size} 字节，上限 {limit} 字节", size=size, limit=limit)
    unescaped = unescape(text)
    if unescaped != text:
        # SPARQL 1.1 §19.2: a parser may read \uXXXX escapes anywhere, before parsing (Oxigraph
        # does not, other servers do): what the escapes spell must pass too.
        inspect(unescaped, cfg)
    return inspect(text, cfg)


def unescape(text):
    r"""The text with SPARQL codepoint escapes (\uXXXX, \UXXXXXXXX) read as their characters."""

    def character(match):
        point = int(match.group(1) or match.group(2), 16)
        return chr(point) if point < 0x110000 else match.group(0)

    return ESCAPE.sub(character, text)


def inspect(text, cfg):
    """The checks on one reading of the query text."""
    items = list(tokens(text))
    form, prefixes, base = None, {}, ""
    for i, (kind, value) in enumerate(items):
        if kind != "keyword":
            continue
        if value in UPDATE:
            raise errors.Forbidden("只读服务：不接受 SPARQL 更新", keyword=value)
        if value == "SERVICE":
            raise errors.BadRequest("不允许 SERVICE（外部查询）")
        if form is None and value in FORMS:
            form = FORMS[value]
        following = items[i + 1 : i + 3]
        if value == "BASE" and following and following[0][0] == "iri":
            base = following[0][1][1:-1]
        if value == "PREFIX" and len(following) == 2 and following[1][0] == "iri":
            prefixes[following[0][1].rstrip(":")] = following[1][1][1:-1]
        if value == "FROM":
            if following and following[0] == ("keyword", "NAMED"):
                following = following[1:]
            target = _iri(following[0] if following else ("other", "(无)"), prefixes, base)
            check_graphs([target], cfg, "FROM")
    return Inspection(form, prefixes)


def _iri(token, prefixes, base):
    """The absolute IRI a FROM clause names (the token as written when it cannot be told)."""
    kind, value = token
    if kind == "iri":
        return urljoin(base, value[1:-1]) if base else value[1:-1]
    if kind == "pname":
        prefix, local = value.split(":", 1)
        return prefixes[prefix] + local if prefix in prefixes else value
    return value
