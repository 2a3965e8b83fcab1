"""The gate every ad-hoc query passes before a store sees it: safe by default.

The query text is split into the terminals of the SPARQL 1.1 grammar (§19.8: IRIREF,
PNAME_NS/PNAME_LN with PLX escapes, BLANK_NODE_LABEL, VAR1/VAR2, LANGTAG, numbers, the four
string forms with ECHAR/UCHAR, NIL, ANON, WS, comments), so `"DELETE"` in a string, `#` in an
IRI or `ex:a\\#b` mean what they mean to the store's parser. Keywords are matched
case-insensitively. Whatever cannot be read as a terminal is refused, never skipped: a
character no token starts with, an unterminated string, a bare word that is no SPARQL keyword
(the store reads `trueSERVICE` as `true SERVICE`), a prefixed name whose prefix was never
declared (the store would try another reading of it). Refused:
- SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD, WITH): 403;
- SERVICE anywhere (the store would call out to another endpoint): 400;
- FROM / FROM NAMED, `default-graph-uri`, `named-graph-uri` naming any graph other than
  the store's own `<BASE>graph/asserted`, `<BASE>graph/inferred`, `<BASE>graph/ontology` and
  `<BASE>graph/handbook/<stem>`: 400;
- text the guard cannot read: 400;
- brackets `(` `{` `[` nested deeper than MAX_NESTING (the store's parser recurses per level
  and overflows its stack near 5 000): 400;
- text longer than MAX_QUERY_BYTES: 413.
What passes is described by `Inspection`: the query form (so the view can negotiate a
format before running it) and the prefixes it declares (used to write RDF answers).

A verdict that passes is kept per query text (and the settings it depends on) in a small LRU,
`VERDICTS`, so a query sent again (a canned query's SPARQL, a page's request) is not read again.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from . import artifact, cache, errors

# ---- the terminals of SPARQL 1.1 (§19.8), as regular expressions ------------------------

PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
PN_CHARS_U = PN_CHARS_BASE + "_"
PN_CHARS = PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
VARNAME = f"[{PN_CHARS_U}0-9][{PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
# The dot rules written so that no character is read twice (possessive: a hostile `a.a.a…` or
# `_:b……` costs linear time): X ((X | ".")* X)? is X X* ("."+ X+)*.
PN_PREFIX = f"[{PN_CHARS_BASE}][{PN_CHARS}]*(?:\\.+[{PN_CHARS}]+)*"
PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
PN_LOCAL = f"(?:[{PN_CHARS_U}:0-9]|{PLX})(?:[{PN_CHARS}:]|{PLX})*(?:\\.+(?:[{PN_CHARS}:]|{PLX})+)*"
# Oxigraph reads the dots of a local name in one run only (`ex:a.b.c` is `ex:a.b` then `.c`): a
# local name the two read differently is refused, or `ex:a.b.SERVICE` would hide a keyword.
# (Greedy, not possessive, quantifiers in names: dots never end a name either way, and Python
# 3.11.2's possessive repeats let `ex:a%41.b.` keep its final dot.)
OXIGRAPH_LOCAL = re.compile(
    f"(?:[{PN_CHARS_U}:0-9]|{PLX})(?:[{PN_CHARS}:]|{PLX})*(?:\\.+(?:[{PN_CHARS}:]|{PLX})+)?"
)
UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
# Oxigraph reads UCHAR inside strings and IRIs as Turtle does; the grammar's ECHAR are the rest.
ESCAPED = rf"\\[tbnrf\\\"']|{UCHAR}"
EXPONENT = r"[eE][+-]?[0-9]+"
NUMBER = rf"[+-]?(?:[0-9]+\.[0-9]*{EXPONENT}|\.[0-9]+{EXPONENT}|[0-9]+{EXPONENT}|[0-9]*\.[0-9]+|[0-9]+)"

TERMINALS = [
    ("ws", r"[ \t\r\n]+"),
    ("comment", r"#[^\r\n]*"),
    ("string", rf"'''(?:(?:'|'')?(?:[^'\\]|{ESCAPED}))*+'''"),
    ("string", rf'"""(?:(?:"|"")?(?:[^"\\]|{ESCAPED}))*+"""'),
    ("string", rf"'(?:[^'\\\r\n]|{ESCAPED})*+'"),
    ("string", rf'"(?:[^"\\\r\n]|{ESCAPED})*+"'),
    ("iri", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{UCHAR})*+>"),
    ("bnode", f"_:[{PN_CHARS_U}0-9][{PN_CHARS}]*(?:\\.+[{PN_CHARS}]+)*"),
    ("pname", f"(?:{PN_PREFIX})?:(?:{PN_LOCAL})?"),
    ("variable", f"[?$]{VARNAME}"),
    ("lang", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", NUMBER),
    ("nil", r"\([ \t\r\n]*\)"),
    ("anon", r"\[[ \t\r\n]*\]"),
    ("other", r"&&|\|\||!=|<=|>=|\^\^|[{}()\[\];,.=!<>+\-*/^|?]"),
]
# Verdicts kept: at most this many query texts, and this many bytes of them in all.
VERDICT_ENTRIES = 1024
VERDICT_BYTES = 8 << 20
TOKEN = re.compile("|".join(f"(?P<{kind}{i}>{pattern})" for i, (kind, pattern) in enumerate(TERMINALS)))
# A run of name characters not followed by ":" is no prefixed name: it is read as keywords, dots
# and numbers (`true.SERVICE` is three tokens), once, without trying the prefixed name again at
# each of its characters.
WORD_RUN = re.compile(PN_PREFIX)
IN_RUN = re.compile(f"(?P<keyword>[A-Za-z][A-Za-z0-9_]*)|(?P<number>{NUMBER})|(?P<other>[.-])")
# A string opened but not closed as its form requires: a parser that backtracks would read
# `'''…` as `''` followed by `'…`, so no reading of it is trusted.
OPENED = re.compile(r"'''|\"\"\"|'|\"")

# Every bare word of the SPARQL 1.1 grammar, and those of SPARQL 1.2 / RDF-star that Oxigraph
# reads. Any other word is refused: the store matches keywords without a word boundary.
WORDS = """BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT WHERE DESCRIBE ASK FROM NAMED GROUP BY
    HAVING ORDER ASC DESC LIMIT OFFSET VALUES LOAD SILENT INTO CLEAR DROP CREATE ADD TO MOVE COPY
    INSERT DATA DELETE WITH USING DEFAULT GRAPH ALL OPTIONAL SERVICE BIND UNDEF MINUS UNION FILTER
    A NOT IN STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT
    STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY
    HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF
    STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE EXISTS
    COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR TRUE FALSE
TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LATERAL VERSION LANGDIR STRLANGDIR HASLANG HASLANGDIR"""
KEYWORDS = set(WORDS.split())
UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
FORMS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}
GRAPHS = ("graph/asserted", "graph/inferred", "graph/ontology")
# Each handbook's graph: `<BASE>graph/handbook/<stem>` (docs/stores.md).
HANDBOOK_GRAPH = "graph/handbook/"
HANDBOOK_STEM = re.compile(r"[^/?#<>\s]+")
# The deepest nesting of ( { [ a query may have, counted on the guard's tokens (so brackets in
# strings, IRIs and comments do not count); real queries stay under 20.
MAX_NESTING = 200
OPENERS, CLOSERS = set("({["), set(")}]")
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass
class Inspection:
    form: str | None  # select | ask | graph; None when no query form keyword was found
    prefixes: dict = field(default_factory=dict)


# Texts that passed, with their size: (size, Inspection) by (text, MAX_QUERY_BYTES, own graphs).
VERDICTS: cache.LRU = cache.LRU(VERDICT_BYTES, lambda kept: kept[0], most=VERDICT_ENTRIES)


def own_graphs(cfg):
    """The named graphs of the store: the fixed ones, and one per handbook of the build."""
    try:
        manifest = artifact.manifest(cfg) if cfg.get("BUILD_DIR") else None
    except errors.ServiceError:
        manifest = None
    books = (manifest or {}).get("handbooks")
    handbooks = [book["graph"] for book in books if isinstance(book, dict)] if isinstance(books, list) else []
    return [cfg["BASE_IRI"] + name for name in GRAPHS] + [
        graph for graph in handbooks if isinstance(graph, str) and is_own_graph(graph, cfg)
    ]


def is_own_graph(iri, cfg):
    """Whether `iri` names one of the store's graphs, or a handbook's (which may be empty)."""
    base = cfg["BASE_IRI"]
    if iri in (base + name for name in GRAPHS):
        return True
    prefix = base + HANDBOOK_GRAPH
    return iri.startswith(prefix) and HANDBOOK_STEM.fullmatch(iri[len(prefix) :]) is not None


def allowed_graphs(cfg):
    """The graphs a query may name, as an error message lists them."""
    return [cfg["BASE_IRI"] + name for name in GRAPHS] + [cfg["BASE_IRI"] + HANDBOOK_GRAPH + "{stem}"]


def tokens(text):
    """(kind, text) pairs, white space and comments left out; keywords upper-cased.

    Kinds: iri, pname, bnode, variable, lang, number, string, nil, anon, keyword, other
    (punctuation and operators). Text that is no SPARQL terminal raises BadRequest."""
    position = 0
    while position < len(text):
        run = WORD_RUN.match(text, position)
        if run and not text.startswith(":", run.end()):
            yield from _words(text, position, run.end())
            position = run.end()
            continue
        match = TOKEN.match(text, position)
        kind = match.lastgroup.rstrip("0123456789") if match else None
        if kind in (None, "other") and text[position] in "'\"":
            _unreadable(text, position, "字符串没有正确结束 (unterminated string or bad escape)")
        if kind == "string" and OPENED.match(text, position).end() - position != _opener(match.group()):
            _unreadable(text, position, "字符串没有正确结束 (unterminated string or bad escape)")
        if kind is None:
            _unreadable(text, position, f"无法识别的字符 {text[position]!r} (unexpected character)")
        value = match.group()
        if kind == "pname" and not OXIGRAPH_LOCAL.fullmatch(value.split(":", 1)[1] or "a"):
            _unreadable(
                text,
                position,
                f"前缀名 {value} 的读法因解析器而异 (parsers read this prefixed name differently)",
            )
        if kind not in ("ws", "comment"):
            yield kind, value
        position = match.end()


def _words(text, start, end):
    """The tokens of a run of name characters that is no prefixed name."""
    position = start
    while position < end:
        match = IN_RUN.match(text, position, end)
        if match is None:
            _unreadable(text, position, f"无法识别的字符 {text[position]!r} (unexpected character)")
        kind, value = match.lastgroup, match.group()
        if kind == "keyword":
            if value.upper() not in KEYWORDS:
                _unreadable(text, position, f"不是 SPARQL 关键字：{value} (not a SPARQL keyword)")
            value = value.upper()
        yield kind, value
        position = match.end()


def _opener(string):
    """How many quote characters open `string`: 3 for the long forms, 1 for the short."""
    return 3 if string[:3] in ("'''", '"""') and len(string) >= 6 else 1


def _unreadable(text, position, reason):
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    raise errors.BadRequest(
        f"无法读取查询 (cannot read the query)：第 {line} 行第 {column} 列，{reason}",
        line=line,
        column=column,
    )


def check_graphs(iris, cfg, where):
    """Refuse any graph IRI (named by `where`: FROM, default-graph-uri…) not of the store."""
    allowed = allowed_graphs(cfg)
    for iri in iris:
        if not is_own_graph(iri, cfg):
            raise errors.BadRequest(
                f"{where} 只能指向本库的图：{'、'.join(allowed)}（收到 {iri}）", graph=iri, allowed=allowed
            )


def check(text, cfg):
    """Refuse what a public read-only endpoint must not run; describe what it may. A text
    that passed before (with the same limits and graphs) is not read again."""
    size, limit = len(text.encode("utf-8")), cfg["MAX_QUERY_BYTES"]
    if size > limit:
        raise errors.PayloadTooLarge(f"查询太大：{size} 字节，上限 {limit} 字节", size=size, limit=limit)
    key = (text, limit, tuple(own_graphs(cfg)))
    kept = VERDICTS.get(key)
    if kept is None:
        unescaped = unescape(text)
        if unescaped != text:
            # SPARQL 1.1 §19.2: a parser may read \uXXXX escapes anywhere, before parsing (Oxigraph
            # does not, other servers do): what the escapes spell must pass too.
            inspect(unescaped, cfg)
        kept = (size, inspect(text, cfg))
        VERDICTS.put(key, kept)
    known = kept[1]
    return Inspection(known.form, dict(known.prefixes))  # a copy: the kept one stays as it was


def unescape(text):
    r"""The text with SPARQL codepoint escapes (\uXXXX, \UXXXXXXXX) read as their characters."""

    def character(match):
        point = int(match.group(1) or match.group(2), 16)
        return chr(point) if point < 0x110000 else match.group(0)

    return ESCAPE.sub(character, text)


def inspect(text, cfg):
    """The checks on one reading of the query text."""
    items = list(tokens(text))
    _check_nesting(items)
    form, prefixes, base = None, {}, ""
    for i, (kind, value) in enumerate(items):
        following = items[i + 1 : i + 3]
        if kind == "pname" and not (i > 0 and items[i - 1] == ("keyword", "PREFIX")):
            prefix = value.split(":", 1)[0]
            if prefix not in prefixes:
                raise errors.BadRequest(f"前缀 {prefix}: 没有声明 (undeclared prefix)", prefix=prefix)
        if kind != "keyword":
            continue
        if value in UPDATE:
            raise errors.Forbidden("只读服务：不接受 SPARQL 更新", keyword=value)
        if value == "SERVICE":
            raise errors.BadRequest("不允许 SERVICE（外部查询）")
        if form is None and value in FORMS:
            form = FORMS[value]
        if value == "BASE" and following and following[0][0] == "iri":
            base = _iri(following[0], prefixes, base)
        if value == "PREFIX" and len(following) == 2 and following[0][0] == "pname":
            if not following[0][1].endswith(":") or following[1][0] != "iri":
                raise errors.BadRequest("PREFIX 应为 名称: <IRI> (PREFIX needs a name and an IRI)")
            prefixes[following[0][1][:-1]] = _iri(following[1], prefixes, base)
        if value == "FROM":
            if following and following[0] == ("keyword", "NAMED"):
                following = following[1:]
            target = _iri(following[0] if following else ("other", "(无)"), prefixes, base)
            check_graphs([target], cfg, "FROM")
    return Inspection(form, prefixes)


def _check_nesting(items):
    """400 when brackets nest deeper than MAX_NESTING, before any parser reads the text."""
    depth = 0
    for kind, value in items:
        if kind != "other":
            continue
        if value in OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                raise errors.BadRequest(
                    f"查询嵌套太深：括号最多 {MAX_NESTING} 层 (brackets nested deeper than {MAX_NESTING})",
                    limit=MAX_NESTING,
                )
        elif value in CLOSERS:
            depth -= 1


def _iri(token, prefixes, base):
    """The absolute IRI an IRI token names (the token as written when it cannot be told)."""
    kind, value = token
    if kind == "iri":
        iri = unescape(value[1:-1])
        return urljoin(base, iri) if base else iri
    if kind == "pname":
        prefix, local = value.split(":", 1)
        return prefixes[prefix] + LOCAL_ESCAPE.sub(r"\1", local) if prefix in prefixes else value
    return value
