"""The guard reads a query as the SPARQL 1.1 grammar does (§19.8 terminals): property tests hide
SERVICE, FROM and every update keyword behind each escape, string and comment form the grammar
allows, and the converse, the same words only inside strings, IRIs, comments and local names.

Every generated query is also given to Oxigraph's own parser, in a process under the network
sandbox (so even a query that does call out cannot), to show the generated text is SPARQL the
store reads: the refusals are real attacks, the passes real queries."""

import json
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg import config, errors, guard

CFG = config.settings()
EXAMPLES = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
OUTSIDE = "http://127.0.0.1:18999"
UPDATE = sorted(guard.UPDATE)
DANGER = ["SERVICE", "FROM", *UPDATE]

# ---- the grammar's pieces, as strategies --------------------------------------------------

LOCAL_ESCAPES = "_~.-!$&'()*+,;=/?#@%"
letters = st.sampled_from("abcXYZ_é中文ͰⅠ")
digits = st.sampled_from("0123456789")
escape = st.sampled_from(LOCAL_ESCAPES).map(lambda c: "\\" + c)
percent = st.tuples(st.sampled_from("0123456789abcdefABCDEF"), st.sampled_from("0123456789ABCDEF")).map(
    lambda pair: "%" + "".join(pair)
)
word = st.sampled_from([*DANGER, "select", "where", "x"])
plx = st.one_of(escape, percent)
# PN_LOCAL: (PN_CHARS_U | ':' | [0-9] | PLX) ((PN_CHARS | '.' | ':' | PLX)* (PN_CHARS | ':' | PLX))?
local_middle = st.one_of(letters, digits, st.sampled_from("-.:·"), plx, word)
local_end = st.one_of(letters, digits, st.sampled_from("-:"), plx, word)
local_name = st.tuples(
    st.one_of(letters, digits, st.just(":"), plx, word), st.lists(local_middle, max_size=6), local_end
).map(lambda parts: parts[0] + "".join(parts[1]) + parts[2])


def _as_iri(local):
    """The local name, with what Oxigraph reads otherwise than the grammar made plain: an
    escaped % followed by hex digits (the IRI is checked), one # at most, the unescaped dots
    in one run (the guard refuses the rest, see test_what_cannot_be_read_is_refused)."""
    local = local.replace("\\%", "\\%41")
    first = local.find("\\#")
    if first >= 0:
        local = local[: first + 2] + local[first + 2 :].replace("\\#", "\\?")
    dots = re.search(r"(?<!\\)\.+", local)
    if dots:
        local = local[: dots.end()] + re.sub(r"(?<!\\)\.", "-", local[dots.end() :])
    return local


prefixed_name = local_name.map(lambda local: "ex:" + _as_iri(local))

echar = st.sampled_from(["\\t", "\\b", "\\n", "\\r", "\\f", '\\"', "\\'", "\\\\"])
# Codepoint escapes of characters that read the same before and after §19.2 unescaping.
uchar = st.sampled_from(["\\u0041", "\\u4e2d", "\\U0001F600", "\\u0053", "\\u007b"])
plain = st.one_of(
    st.sampled_from([*"ab #<>{}()?$:.;,@^`|&=*+", "é", "中"]),
    word,
    st.sampled_from([f" {w} <{OUTSIDE}/x> {{ ?s ?p ?o }} " for w in DANGER]),
)


def short_string(quote):
    other = "'" if quote == '"' else '"'
    piece = st.one_of(plain, echar, uchar, st.just(other))
    return st.lists(piece, max_size=8).map(lambda parts: quote + "".join(parts) + quote)


def long_string(quote):
    # ( ( q | qq )? ( [^q\\] | ECHAR ) )*, between three quotes each side
    piece = st.tuples(
        st.sampled_from(["", quote, quote * 2]), st.one_of(plain, echar, uchar, st.sampled_from(["\n", "\r"]))
    ).map("".join)
    return st.lists(piece, max_size=6).map(lambda parts: quote * 3 + "".join(parts) + quote * 3)


string = st.one_of(short_string("'"), short_string('"'), long_string("'"), long_string('"'))
lang_string = st.tuples(string, st.sampled_from(["", "@en", "@zh-Hans-CN", "^^ex:type"])).map("".join)
iri_char = st.one_of(
    st.sampled_from(list("abc/?':.;=!$&()*+,~-_") + ["中", "%41"]),
    word,
    uchar.filter(lambda u: u != "\\u007b"),
)
iri = st.tuples(st.lists(iri_char, max_size=8), st.lists(iri_char, max_size=4)).map(
    lambda parts: "<http://e/" + "".join(parts[0]) + "#" + "".join(parts[1]).replace("#", "") + ">"
)
comment = st.lists(st.one_of(plain, st.just("'"), st.just('"'), st.just("\\")), max_size=6).map(
    lambda parts: "#" + "".join(parts).replace("\n", " ").replace("\r", " ") + "\n"
)
space = st.one_of(st.just(" "), st.just("\n"), st.just("\t"), comment)
# A term in an expression position: what a hostile client hides the rest of the line behind.
term = st.one_of(prefixed_name, lang_string, iri, st.sampled_from(["?v", "$v", "1", "-1.5e3", ".5", "true"]))
hider = st.tuples(space, term, space).map("".join)


def spelled(keyword):
    """The keyword in any letter case, some letters as codepoint escapes (§19.2)."""
    letter = st.sampled_from(["lower", "upper", "escape"])
    return st.lists(letter, min_size=len(keyword), max_size=len(keyword)).map(
        lambda how: "".join(
            c.lower() if h == "lower" else c.upper() if h == "upper" else f"\\u{ord(c):04X}"
            for c, h in zip(keyword, how, strict=True)
        )
    )


PROLOGUE = "PREFIX ex: <http://e/> "

# ---- Oxigraph's parser, under the sandbox ---------------------------------------------------

PARSER = r"""
import json, sys
from policykg import sandbox
sandbox.forbid_network()
import pyoxigraph
store = pyoxigraph.Store()
for line in sys.stdin:
    try:
        answer = store.query(json.loads(line))
        if not isinstance(answer, pyoxigraph.QueryBoolean):
            list(answer)
        print("ok", flush=True)
    except SyntaxError as error:
        print("syntax", json.dumps(str(error)), flush=True)
    except Exception as error:
        print("ran", json.dumps(str(error)), flush=True)
"""


@pytest.fixture(scope="module")
def oxigraph_reads():
    """reads(query) → "ok" (parsed and ran), "ran" (parsed, failed running) or "syntax"."""
    process = subprocess.Popen(
        [sys.executable, "-c", PARSER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    def reads(query):
        process.stdin.write(json.dumps(query) + "\n")
        process.stdin.flush()
        return process.stdout.readline().split()[0]

    yield reads
    process.stdin.close()
    process.wait(10)
    process.stdout.close()


# ---- what the guard must refuse -------------------------------------------------------------


@EXAMPLES
@given(before=hider, after=hider, gap=space, keyword=spelled("SERVICE"), silent=st.booleans())
def test_service_behind_any_token_is_refused(oxigraph_reads, before, after, gap, keyword, silent):
    query = (
        f"{PROLOGUE}SELECT * WHERE {{ BIND({before} AS ?x){gap}{keyword} {'SILENT ' if silent else ''}"
        f"<{OUTSIDE}/x> {{ ?s ?p ?o }} BIND({after} AS ?y) }}"
    )
    with pytest.raises(errors.BadRequest, match="SERVICE"):
        guard.check(query, CFG)
    if "\\u" not in keyword.lower():  # Oxigraph reads no escapes outside strings and IRIs
        assert oxigraph_reads(query) != "syntax", query


@EXAMPLES
@given(
    before=hider,
    gap=space,
    keyword=spelled("FROM"),
    named=st.booleans(),
    target=st.sampled_from(["iri", "pname"]),
)
def test_from_elsewhere_behind_any_token_is_refused(oxigraph_reads, before, gap, keyword, named, target):
    graph = f"<{OUTSIDE}/g>" if target == "iri" else "out:g"
    query = (
        f"PREFIX ex: <http://e/> PREFIX out: <{OUTSIDE}/> SELECT ({before} AS ?x){gap}{keyword} "
        f"{'NAMED ' if named else ''}{graph} WHERE {{ ?s ?p ?o }}"
    )
    with pytest.raises(errors.BadRequest) as refused:
        guard.check(query, CFG)
    assert refused.value.details["graph"] == f"{OUTSIDE}/g"
    if "\\u" not in keyword.lower():
        assert oxigraph_reads(query) != "syntax", query


@EXAMPLES
@given(prefix_iri=iri, before=hider, gap=space, keyword=st.sampled_from(UPDATE).flatmap(spelled))
def test_updates_behind_any_token_are_forbidden(prefix_iri, before, gap, keyword):
    """An update behind the prologue's IRIs and comments, or behind a query's terms: 403."""
    for query in (
        f"PREFIX ex: {prefix_iri}{gap}{keyword} <http://e/g>",
        f"{PROLOGUE}SELECT * WHERE {{ ?s ?p {before} }}{gap}{keyword} <http://e/g>",
    ):
        with pytest.raises(errors.Forbidden):
            guard.check(query, CFG)


# ---- what the guard must let through ---------------------------------------------------------


@EXAMPLES
@given(terms=st.lists(st.one_of(prefixed_name, lang_string, iri), min_size=1, max_size=3), gap=space)
def test_the_words_inside_strings_iris_comments_and_local_names_pass(oxigraph_reads, terms, gap):
    values = " ".join(terms)
    query = f"{PROLOGUE}SELECT * WHERE {{{gap}VALUES ?x {{ {values} }}{gap}}}"
    assert guard.check(query, CFG).form == "select"
    assert oxigraph_reads(query) == "ok", query


# ---- the reading of each terminal -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kinds",
    [
        (r"ex:a\#b", ["pname"]),
        (r"ex:a\'", ["pname"]),
        ("ex:a%41.b.", ["pname", "other"]),
        ("ex:a:b", ["pname"]),
        ("ex:", ["pname"]),
        ("_:b1.x _:b2.", ["bnode", "bnode", "other"]),
        ("?x $y", ["variable", "variable"]),
        ('"a"@zh-Hans', ["string", "lang"]),
        ("1 -2 +3.5 .5 1e3 1.e-3 4.", ["number"] * 7 + ["other"]),  # 4. is INTEGER then "."
        ("( ) [\n]", ["nil", "anon"]),
        ("'''a''b'''", ["string"]),
        ('"""a\n"b"""', ["string"]),
        (r"'\'\u0041'", ["string"]),
        ("<http://e/#x'y> ?z", ["iri", "variable"]),
        ("?a <= 1", ["variable", "other", "number"]),
    ],
)
def test_terminals(text, kinds):
    assert [kind for kind, _ in guard.tokens("SELECT " + text)][1:] == kinds


@pytest.mark.parametrize(
    "query, reason",
    [
        ("SELECT * WHERE { ?s ?p ?o } \\", "unexpected character"),
        ("SELECT\u3000* WHERE { ?s ?p ?o }", "unexpected character"),
        ("SELECT * WHERE { ?s ?p 'a\\q' }", "unterminated string"),
        ("SELECT * WHERE { ?s ?p 'a\n' }", "unterminated string"),
        ("SELECT * WHERE { BIND(''' AS ?x) SERVICE <http://e/> { } BIND(' AS ?y) }", "unterminated string"),
        ("SELECT * WHERE { ?s ?p trueSERVICE <http://e/> { ?s ?p ?o } }", "not a SPARQL keyword"),
        ("SELECT * WHERE { ?s ?p ?o OPTIONALSERVICE <http://e/> { } }", "not a SPARQL keyword"),
        ("PREFIX : <http://e/> SELECT * WHERE { ?s ?p trueSERVICE:x { ?s ?p ?o } }", "undeclared prefix"),
        (r'SELECT * WHERE { ?s ?p "\u0022" }', "unterminated string"),  # the §19.2 reading
        ("SELECT * WHERE { ?s ?p ?o } & 1", "unexpected character"),
        (
            "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:a.b.SERVICE <http://e/> { } }",
            "read this prefixed",
        ),
    ],
)
def test_what_cannot_be_read_is_refused(query, reason):
    with pytest.raises(errors.BadRequest, match=reason) as refused:
        guard.check(query, CFG)
    assert refused.value.status == 400


def test_the_service_keyword_glued_to_a_term_really_is_read_by_the_store(oxigraph_reads):
    """Why unknown words and undeclared prefixes are refused: Oxigraph matches keywords without
    a word boundary and backtracks over a prefixed name it cannot resolve (here run against an
    empty store, under the sandbox: it parses, and only the SERVICE call fails)."""
    for query in (
        "SELECT * WHERE { ?s ?p trueSERVICE <http://e/> { ?s ?p ?o } }",
        "PREFIX : <http://e/> SELECT * WHERE { ?s ?p trueSERVICE:x { ?s ?p ?o } }",
        "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:a.b.SERVICE <http://e/> { ?s ?p ?o } }",
    ):
        assert oxigraph_reads(query) != "syntax"


def test_every_query_of_the_project_passes():
    for path in (config.ROOT / "queries").rglob("*.rq"):
        assert guard.check(path.read_text("utf-8"), CFG).form is not None, path


def test_local_name_escapes_are_read_for_from():
    base = CFG["BASE_IRI"]
    query = f"PREFIX g: <{base}graph/> SELECT * FROM g:assert\\ed WHERE {{ ?s ?p ?o }}"
    with pytest.raises(errors.BadRequest):  # \e is no PN_LOCAL_ESC
        guard.check(query, CFG)
    query = f"PREFIX g: <{base}> SELECT * FROM g:graph\\/asserted WHERE {{ ?s ?p ?o }}"
    assert guard.check(query, CFG).form == "select"


# ---- the reproducers of issue 10, through the service ---------------------------------------


def reproducers(port):
    here = f"http://127.0.0.1:{port}/x"
    bodies = [
        f"BIND(ex:a\\#b AS ?x) SERVICE <{here}> {{ ?s ?p ?o }}",
        f"BIND(ex:a\\' AS ?x) SERVICE <{here}> {{ ?s ?p ?o }} BIND('z' AS ?y)",
        f"?s ?p trueSERVICE <{here}> {{ ?s ?p ?o }}",
        f"?s ?p ex:a.b.SERVICE <{here}> {{ ?s ?p ?o }}",
    ]
    for body in bodies:
        yield f"PREFIX ex: <http://e/> SELECT * WHERE {{ {body} }}"
        yield f"PREFIX ex: <http://e/> ASK {{ {body} }}"
        yield f"PREFIX ex: <http://e/> CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {body} }}"


def test_the_reproducers_are_400_with_no_connection(client, listener):
    port, connected = listener
    for query in reproducers(port):
        for response in (
            client.get("/sparql", query_string={"query": query}),
            client.post("/sparql", data={"query": query}),
            client.post("/sparql", data=query.encode(), content_type="application/sparql-query"),
        ):
            assert response.status_code == 400, query
            assert response.get_json()["ok"] is False
    assert not connected()


def test_a_verdict_is_kept_per_text_and_settings(monkeypatch):
    guard.VERDICTS.clear()
    text = "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p ?o }"
    first = guard.check(text, CFG)
    read = []
    monkeypatch.setattr(guard, "inspect", lambda *args: read.append(args) or first)
    again = guard.check(text, CFG)
    assert read == [] and again == first and again is not first  # kept, and handed out as a copy
    again.prefixes["changed"] = "x"
    assert "changed" not in guard.check(text, CFG).prefixes
    guard.check(text, dict(CFG, BASE_IRI="http://other.example/"))  # other graphs: read again
    assert len(read) == 1
    with pytest.raises(errors.PayloadTooLarge):  # the size limit is checked before the cache
        guard.check(text, dict(CFG, MAX_QUERY_BYTES=10))


def test_a_refusal_is_not_kept():
    guard.VERDICTS.clear()
    for _ in range(2):
        with pytest.raises(errors.Forbidden):
            guard.check("DELETE WHERE { ?s ?p ?o }", CFG)
    assert len(guard.VERDICTS) == 0
