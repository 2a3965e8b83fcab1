"""Full-text search: a tantivy index built with the artifact, read by any number of processes.

`build_index(store, folder, root, base_iri)` reads every searchable text of the graph through
`queries/internal/fulltext-*.rq` and writes the index to `folder` (the build's `fulltext/`).
It holds two kinds of document:
- one per *clause or thing* of a policy: its labels, its definition, its how-to-apply text,
  each benefit's and criterion's verbatim source text, its criterion groups, recognitions,
  legal documents (title, number, as cited), administering body and hotlines; with the
  policy, the thing, its kind, clause and pages;
- one per *policy*: all of the above together, so that a policy matches when all the words
  asked for appear anywhere in it, and policies are counted once.
Both carry the policy's filter values (government level, benefit kinds, applicant types,
themes, body, legal bases, handbook, the handbook's city and year) and its largest amount, so filters and their counts come
from the index, never from a scan of the graph.

Text is folded (NFKC, lower case, traditional → simplified characters with OpenCC, one
character for one so offsets hold) and indexed twice: as jieba's words (search mode, whose
dictionary gets the graph's short names, so 泰山品质 stays whole), with every document number
(发文字号) as one more word, its canonical key from `policykg.docnumber`; and as single
characters (runs of Latin letters and digits stay whole), with positions, so a word jieba
splits otherwise still matches as a phrase of characters, as a substring would.

`Searcher(folder)` opens the index read-only: `search` ranks policies (BM25, names weigh
more), each with its best clause highlighted; `clauses` ranks the clauses themselves;
`facet_counts` counts policies per filter value. Equal scores keep the index's order: the
policy list's order (first page, then IRI), then the clauses in IRI order.
"""

import contextlib
import functools
import hashlib
import html
import json
import logging
import marshal
import os
import re
import shutil
import threading
import time
import unicodedata
import warnings
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

import opencc
import tantivy

from policykg import config, docnumber, queries

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources and compiles a non-raw regex: newer tools warn about both.
    warnings.simplefilter("ignore")
    import jieba
jieba.setLogLevel(logging.WARNING)

QUERIES = Path("queries/internal")
NAMES_FILE = "names.txt"
FACETS = ("level", "kind", "applicant", "theme", "body", "document", "handbook", "city", "year")
MIN_AMOUNT = "minAmount"
# Longest search text, deepest page, largest page: bad input, not slow requests.
MAX_TEXT = 200
MAX_OFFSET = 10_000
MAX_LIMIT = 100
# A short name (2–8 characters) from a label goes into jieba's dictionary, frequent enough that
# jieba keeps it whole.
NAME_LENGTHS = range(2, 9)
NAME_FREQUENCY = 100_000
QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,8})[”\"」』]")
# Boosts: a word in a name (label) weighs more than in a clause; a jieba word more than a phrase
# of single characters.
NAME_BOOST = 3.0
WORD_BOOST = 2.0
SNIPPET_CHARS = 120
BEST_CLAUSES = 4
SNIPPET_BEFORE = 30
# The index is written by one thread in one commit, so that it is one segment in insertion
# order: ties keep that order. The heap is a budget, not an allocation.
WRITER_HEAP = 1_000_000_000
# The term fields (name, words, chars) are written as their terms with a space between two,
# which TERMS_TOKENIZER (tantivy's whitespace tokenizer) splits again in Rust: no term holds
# whitespace (jieba's words and document numbers' keys have none; any would be dropped). GAP
# (a private-use character) is the term between two texts in `chars`, which no search asks for.
TERMS_TOKENIZER = "terms"
SEPARATOR = " "
GAP = "\ue000"
TERMS_CACHE_VERSION = 1

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CHAR = re.compile(rf"[{CJK}]|[a-z0-9]+")
WORDLIKE = re.compile(rf"[{CJK}a-z0-9]")


# ---------------------------------------------------------------------------------------------
# Folding and segmentation: the same for the index and for what users type
# ---------------------------------------------------------------------------------------------


@functools.cache
def _fold_table():
    """One character → one character: NFKC (full-width forms), lower case, traditional →
    simplified (OpenCC's t2s, character by character)."""
    t2s = opencc.OpenCC("t2s")
    ranges = (range(0x20, 0x250), range(0x3000, 0x3040), range(0x3400, 0x4DC0), range(0x4E00, 0xA000))
    ranges += (range(0xF900, 0xFB00), range(0xFF00, 0xFFF0))
    table = {}
    for codepoint in (codepoint for block in ranges for codepoint in block):
        char = chr(codepoint)
        folded = unicodedata.normalize("NFKC", char).lower()
        if len(folded) == 1:
            folded = t2s.convert(folded)
        if len(folded) == 1 and folded != char:
            table[codepoint] = folded
    return table


def fold(text):
    """`text` folded for matching; as long as `text`, so an offset in one is an offset in the other."""
    return text.translate(_fold_table())


_stock: dict = {}
_stock_lock = threading.Lock()


def stock_dictionary(memo=None):
    """jieba's stock dictionary, (word → frequency, total): read once per process (ask and the
    index share it; `policykg serve` reads it in gunicorn's master, before the workers fork) and
    never written where jieba would (`jieba.cache` in the temporary folder). With `memo` (a file
    path), it is read from there when that file was made from this very dictionary (~5× faster
    than parsing it), and otherwise parsed and written there for the next time."""
    with _stock_lock:
        if not _stock:
            _stock["freq"], _stock["total"] = _read_stock(Path(memo) if memo else None)
        return _stock["freq"], _stock["total"]


def _read_stock(memo):
    stock = jieba.Tokenizer()
    with stock.get_dict_file() as opened:
        source = Path(opened.name)
    stat = source.stat()
    key = [jieba.__version__, str(source), stat.st_size, stat.st_mtime_ns]
    if memo is not None:
        try:
            kept_key, freq, total = marshal.loads(memo.read_bytes())
            if kept_key == key and isinstance(freq, dict):
                return freq, total
        except (OSError, ValueError, EOFError, TypeError):
            pass
    freq, total = stock.gen_pfdict(stock.get_dict_file())
    if memo is not None:
        with contextlib.suppress(OSError):
            memo.parent.mkdir(parents=True, exist_ok=True)
            partial = memo.with_name(f"{memo.name}.{os.getpid()}.partial")
            partial.write_bytes(marshal.dumps([key, freq, total]))
            os.replace(partial, memo)
    return freq, total


def tokenizer(names, frequency):
    """A jieba tokenizer of its own (the global one is left alone): the stock dictionary, plus
    each of `names` at `frequency`."""
    freq, total = stock_dictionary()
    made = jieba.Tokenizer()
    made.FREQ, made.total = dict(freq), total
    made.initialized = True
    for name in sorted(names):
        made.add_word(name, frequency)
    return made


def names(titles):
    """The short names among labels, for jieba's dictionary: a label of 2–8 characters, and
    what a label quotes (“泰山品质”认证 → 泰山品质), folded; Latin-only names are left out."""
    found = set()
    for title in titles:
        title = fold(title)
        candidates = [title.strip('“”"「」『』')] + QUOTED.findall(title)
        found.update(name for name in candidates if len(name) in NAME_LENGTHS and re.search(f"[{CJK}]", name))
    return found


class Analyzer:
    """Text → terms, for the index and for queries alike."""

    def __init__(self, names):
        self.names = sorted(names)
        self._jieba = tokenizer(self.names, NAME_FREQUENCY)
        self._lock = threading.Lock()  # jieba's tokenizer is not safe across threads

    def words(self, text):
        """jieba's words in search mode (each word and the dictionary words inside it), and every
        document number's key: the `words` field."""
        folded = fold(text)
        with self._lock:
            tokens = [word for word, _, _ in self._jieba.tokenize(folded, mode="search")]
        tokens = [token for token in tokens if WORDLIKE.search(token)]
        return tokens + [number.key for number, _, _ in docnumber.find_all(text)]

    def query_words(self, text):
        """The words of a query: document numbers (as keys) and jieba's words (precise mode) of
        the rest, each once, in order."""
        keys, rest, last = [], [], 0
        for number, start, end in docnumber.find_all(text):
            keys.append(number.key)
            rest.append(text[last:start])
            last = end
        rest.append(text[last:])
        with self._lock:
            words = [word for part in rest for word in self._jieba.lcut(fold(part))]
        return list(dict.fromkeys(keys)), list(dict.fromkeys(w for w in words if WORDLIKE.search(w)))


def chars(text):
    """Single CJK characters and whole runs of Latin letters and digits, in order: the `chars` field."""
    return CHAR.findall(fold(text))


# ---------------------------------------------------------------------------------------------
# Building the index
# ---------------------------------------------------------------------------------------------


def _schema():
    builder = tantivy.SchemaBuilder()
    for name in ("scope", "policy"):
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    for name in FACETS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    builder.add_text_field("words", tokenizer_name=TERMS_TOKENIZER, index_option="freq")
    builder.add_text_field("name", tokenizer_name=TERMS_TOKENIZER, index_option="freq")
    builder.add_text_field("chars", tokenizer_name=TERMS_TOKENIZER, index_option="position")
    builder.add_float_field("amount", indexed=True, fast=True)
    builder.add_unsigned_field("order", fast=True)
    builder.add_bytes_field("data", stored=True)
    return builder.build()


def _rows(store, name, root, base_iri):
    """The rows of `<root>/queries/internal/<name>.rq` as dicts of plain values."""
    query = queries.load(Path(root) / QUERIES / f"{name}.rq", base_iri)
    solutions = store.query(query.bind())
    names = [variable.value for variable in solutions.variables]
    return [
        dict(zip(names, [term.value if term is not None else None for term in row], strict=True))
        for row in solutions
    ]


@dataclass
class _Thing:
    policy: str
    thing: str
    kind: str
    clause: str | None = None
    pages: tuple | None = None
    titles: list = None
    texts: list = None


def _things(rows):
    """One `_Thing` per (policy, thing, kind), its titles and texts in a stable order."""
    things = {}
    for row in rows:
        key = (row["policy"], row["thing"], row["kind"])
        thing = things.get(key)
        if thing is None:
            thing = things[key] = _Thing(*key, titles=[], texts=[])
        thing.clause = thing.clause or row["clause"]
        if row["firstPage"] is not None and thing.pages is None:
            thing.pages = (int(row["firstPage"]), int(row["lastPage"] or row["firstPage"]))
        target = thing.titles if row["role"] == "title" else thing.texts
        if row["text"] not in target:
            target.append(row["text"])
    for thing in things.values():
        thing.titles.sort()
        thing.texts.sort()
    return things


# The kinds whose labels name the policy: its own, and the recognitions it is about.
NAMED = ("policy", "recognition")
KIND_ORDER = (
    "policy",
    "definition",
    "how-to-apply",
    "benefit",
    "conditions",
    "criterion",
    "recognition",
    "document",
    "body",
    "hotline",
)


def build_index(store, folder, root, base_iri=config.DEFAULTS["BASE_IRI"], cache=None, seconds=None):
    """Write the full-text index of the graph in `store` (a pyoxigraph store) to `folder`,
    replacing what is there; return the numbers of policies and clauses indexed.

    `cache` (a folder, or None): where the words of every text are kept between builds, so a
    build segments only the texts the last one did not have. `seconds` (a dict, or None) gets
    each stage's (wall-clock, CPU) seconds."""
    folder = Path(folder)
    seconds = {} if seconds is None else seconds
    clock = _Clock(seconds)
    policies = _rows(store, "fulltext-policies", root, base_iri)
    clock.lap("query policies")
    text_rows = _rows(store, "fulltext-texts", root, base_iri)
    clock.lap("query texts")
    facets = {}
    for row in _rows(store, "fulltext-facets", root, base_iri):
        facets.setdefault(row["policy"], {}).setdefault(row["facet"], set()).add(row["value"])
    clock.lap("query facets")
    things = _things(text_rows)
    by_policy = {}
    for thing in things.values():
        by_policy.setdefault(thing.policy, []).append(thing)
    found = sorted(names(title for thing in things.values() for title in thing.titles))
    clock.lap("names")
    terms = _TermsCache(found, cache)
    clock.lap("cache read")

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / NAMES_FILE).write_text("".join(f"{name}\n" for name in found), encoding="utf-8")
    index = tantivy.Index(_schema(), path=str(folder), reuse=False)
    index.register_tokenizer(TERMS_TOKENIZER, _terms_analyzer())
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
    # Documents go to tantivy's indexing thread as they are made, so both cores work.
    order = 0
    for row in policies:
        policy = row["policy"]
        common = {"policy": policy, "facets": facets.get(policy, {}), "amount": row["amount"]}
        pages = (
            (int(row["firstPage"]), int(row["lastPage"] or row["firstPage"])) if row["firstPage"] else None
        )
        members = sorted(by_policy.get(policy, []), key=lambda t: (KIND_ORDER.index(t.kind), t.thing))
        # Each text is segmented once: the policy's document is its clauses' terms together.
        each = [terms.of(thing.titles, thing.titles + thing.texts) for thing in members]
        whole = _Terms(
            [
                piece
                for thing, t in zip(members, each, strict=True)
                if thing.kind in NAMED
                for piece in t.name
            ],
            [piece for t in each for piece in t.words],
            [piece for t in each for piece in t.chars],
        )
        label = next((thing.titles for thing in members if thing.kind == "policy"), [""])
        data = {"policy": policy, "thing": policy, "kind": "policy", "pages": pages, "label": _zh(label)}
        writer.add_document(_document("policy", order, whole, data, **common))
        order += 1
        for thing, thing_terms in zip(members, each, strict=True):
            data = {
                "policy": policy,
                "thing": thing.thing,
                "kind": thing.kind,
                "clause": thing.clause,
                "pages": thing.pages or pages,
                "titles": thing.titles,
                "text": "\n".join(thing.texts),
            }
            writer.add_document(_document("clause", order, thing_terms, data, **common))
            order += 1
    clock.lap(f"segment and add documents ({terms.segmented} of {terms.used} texts segmented)")
    writer.commit()
    writer.wait_merging_threads()
    clock.lap("commit")
    terms.save()
    clock.lap("cache write")
    return {"policies": len(policies), "clauses": order - len(policies)}


class _Clock:
    """Each stage's (wall-clock, CPU) seconds; CPU counts every thread of the process."""

    def __init__(self, seconds):
        self.seconds, self.last = seconds, (time.perf_counter(), time.process_time())

    def lap(self, stage):
        now = (time.perf_counter(), time.process_time())
        self.seconds[stage] = (now[0] - self.last[0], now[1] - self.last[1])
        self.last = now


def _terms_analyzer():
    """The tokenizer of the term fields: their text is the terms, whitespace between two."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def _zh(labels):
    """The Chinese label among `labels`: the first with a CJK character, else the first."""
    return next((label for label in labels if re.search(f"[{CJK}]", label)), labels[0] if labels else "")


@dataclass(frozen=True)
class _Terms:
    """A document's terms, as pieces (one per text: its terms joined by SEPARATOR)."""

    name: list  # the words of names (labels)
    words: list  # the words of every text, names among them
    chars: list  # the characters of every text, each text's ending with GAP


class _TermsCache:
    """The words and characters of texts, each text segmented once. With a `cache` folder, the
    words are read from and written back to `<cache>/fulltext/`, in a file named after what
    decides them (the analyzer's names, jieba's version): a text the last build segmented
    is not segmented again."""

    def __init__(self, names, cache):
        self.names, self._analyzer = names, None
        self._words, self._joined, self._chars, self._used = {}, {}, {}, set()
        self.segmented = 0
        self._file = None
        if cache is not None:
            key = hashlib.sha256(
                json.dumps([TERMS_CACHE_VERSION, jieba.__version__, names]).encode("utf-8")
            ).hexdigest()[:20]
            self._file = Path(cache) / "fulltext" / f"words-{key}.json"
            try:
                self._words = json.loads(self._file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._words = {}

    @property
    def used(self):
        return len(self._used)

    def words(self, text):
        """The words of `text` joined by SEPARATOR."""
        self._used.add(text)
        words = self._joined.get(text)
        if words is None:
            listed = self._words.get(text)
            if listed is None:
                if self._analyzer is None:  # jieba's dictionary is only loaded when a text needs it
                    self._analyzer = Analyzer(self.names)
                listed = self._words[text] = ["".join(word.split()) for word in self._analyzer.words(text)]
                self.segmented += 1
            words = self._joined[text] = SEPARATOR.join(listed)
        return words

    def chars(self, text):
        """The characters of `text` and GAP, joined by SEPARATOR."""
        found = self._chars.get(text)
        if found is None:
            found = self._chars[text] = SEPARATOR.join([*chars(text), GAP])
        return found

    def of(self, titles, texts):
        # GAP after each text keeps a phrase from running from one text into the next.
        return _Terms(
            [self.words(title) for title in titles],
            [self.words(text) for text in texts],
            [self.chars(text) for text in texts],
        )

    def save(self):
        """Keep the words of the texts this build used (and only those), replacing older files."""
        if self._file is None:
            return
        self._file.parent.mkdir(parents=True, exist_ok=True)
        for old in self._file.parent.glob("words-*.json"):
            if old != self._file:
                old.unlink(missing_ok=True)
        kept = {text: self._words[text] for text in sorted(self._used)}
        partial = self._file.with_suffix(".partial")
        partial.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        partial.replace(self._file)


def _document(scope, order, terms, data, policy, facets, amount):
    document = tantivy.Document()
    document.add_text("scope", scope)
    document.add_text("policy", policy)
    for facet in FACETS:
        for value in sorted(facets.get(facet, ())):
            document.add_text(facet, value)
    if amount is not None:
        document.add_float("amount", float(amount))
    document.add_unsigned("order", order)
    document.add_text("name", SEPARATOR.join(terms.name))
    document.add_text("words", SEPARATOR.join(terms.words))
    document.add_text("chars", SEPARATOR.join(terms.chars))
    document.add_bytes("data", json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return document


# ---------------------------------------------------------------------------------------------
# Searching
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A policy (search) or a clause (clauses) that matches, best first."""

    policy: str
    thing: str  # the clause's thing (benefit, criterion, document…); the policy itself for its labels
    kind: str  # policy | definition | how-to-apply | benefit | conditions | criterion | recognition | document | body | hotline
    score: float  # 0.0 when nothing was searched for
    clause: str | None  # as printed: （二）, 【申报条件】
    pages: tuple | None  # (first, last) handbook pages
    text: str  # the clause's verbatim text (or the thing's name when it has no text)
    snippet: str  # HTML: an excerpt of `text`, escaped, the matched words in <mark>


@dataclass(frozen=True)
class Page:
    total: int  # how many policies (search) or clauses (clauses) match in all
    offset: int
    limit: int
    hits: list


class Searcher:
    """The index in `folder`, opened read-only; safe to share between threads."""

    def __init__(self, folder):
        folder = Path(folder)
        if not folder.is_dir() or not tantivy.Index.exists(str(folder)):
            raise FileNotFoundError(f"no full-text index in {folder}")
        self._index = tantivy.Index.open(str(folder))
        self._schema = self._index.schema
        self._searcher = self._index.searcher()
        self.analyzer = Analyzer((folder / NAMES_FILE).read_text(encoding="utf-8").splitlines())

    def search(self, text, filters=None, offset=0, limit=20):
        """Policies with every word of `text` (all policies when it is blank) and the filters,
        best first, each with its best-matching clause."""
        _check_page(offset, limit)
        query = self._query("policy", text, filters, "all")
        if query is None:
            result = self._searcher.search(
                self._filtered("policy", None, filters),
                limit,
                count=True,
                offset=offset,
                order_by_field="order",
                order=tantivy.Order.Asc,
            )
            hits = [self._policy_hit(0.0, address) for _, address in result.hits]
            return Page(result.count, offset, limit, hits)
        result = self._searcher.search(query, limit, count=True, offset=offset)
        policies = [(score, self._data(address)) for score, address in result.hits]
        best = self._best_clauses(text, [data["policy"] for _, data in policies])
        hits = [
            replace(best.get(data["policy"]) or self._hit(score, data, text), score=score)
            for score, data in policies
        ]
        return Page(result.count, offset, limit, hits)

    def clauses(self, text, filters=None, offset=0, limit=10, match="any"):
        """Clauses matching `text` (any of its words, or all with match="all"), best first."""
        _check_page(offset, limit)
        if match not in ("any", "all"):
            raise ValueError("match is 'any' or 'all'")
        query = self._query("clause", text, filters, match)
        if query is None:
            return Page(0, offset, limit, [])
        result = self._searcher.search(query, limit, count=True, offset=offset)
        return Page(result.count, offset, limit, [self._hit(s, self._data(a), text) for s, a in result.hits])

    def stated(self, text):
        """How many documents (policies and clauses) state the characters of `text` in a row."""
        letters = chars(text)
        if not letters:
            return 0
        if len(letters) == 1:
            query = self._term("chars", letters[0])
        else:
            query = tantivy.Query.phrase_query(self._schema, "chars", letters)
        return self._searcher.search(query, 1, count=True).count

    def facet_counts(self, text, filters=None):
        """How many of the policies `search(text, filters)` finds have each filter value:
        {facet: {value: count}}, values by count (most first), then value."""
        query = self._query("policy", text, filters, "all") or self._filtered("policy", None, filters)
        aggregations = {facet: {"terms": {"field": facet, "size": 65_000}} for facet in FACETS}
        answer = self._searcher.aggregate(query, aggregations)
        counts = {}
        for facet in FACETS:
            buckets = [(bucket["key"], bucket["doc_count"]) for bucket in answer[facet]["buckets"]]
            counts[facet] = dict(sorted(buckets, key=lambda bucket: (-bucket[1], bucket[0])))
        return counts

    # --- queries ---------------------------------------------------------------------------

    def _query(self, scope, text, filters, match):
        """The scored query for `text` in `scope`, filtered; None when `text` has no word."""
        groups = self._groups(text)
        if not groups:
            return None
        occur = tantivy.Occur.Must if match == "all" else tantivy.Occur.Should
        return self._filtered(
            scope, tantivy.Query.boolean_query([(occur, group) for group in groups]), filters
        )

    def _groups(self, text):
        """One query per word of `text`: the word in names, in words, or as a phrase of characters."""
        if not isinstance(text, str):
            raise ValueError("the search text must be a string")
        if len(text) > MAX_TEXT:
            raise ValueError(f"the search text is longer than {MAX_TEXT} characters")
        keys, words = self.analyzer.query_words(text)
        groups = [self._term("words", key) for key in keys]
        for word in words:
            letters = chars(word)
            if len(letters) == 1:
                phrase = self._term("chars", letters[0])
            else:
                phrase = tantivy.Query.phrase_query(self._schema, "chars", letters)
            groups.append(
                tantivy.Query.disjunction_max_query(
                    [
                        tantivy.Query.boost_query(self._term("name", word), NAME_BOOST * WORD_BOOST),
                        tantivy.Query.boost_query(self._term("words", word), WORD_BOOST),
                        phrase,
                    ],
                    tie_breaker=0.1,
                )
            )
        return groups

    def _term(self, field, value):
        return tantivy.Query.term_query(self._schema, field, value, index_option="freq")

    def _filtered(self, scope, query, filters):
        """`query` (None: every document) in `scope`, with the filters as unscored conditions."""
        must = [self._term("scope", scope)]
        for facet, values in _filters(filters).items():
            if facet == MIN_AMOUNT:
                must.append(
                    tantivy.Query.range_query(
                        self._schema, "amount", tantivy.FieldType.Float, lower_bound=float(values)
                    )
                )
            else:
                must.append(tantivy.Query.term_set_query(self._schema, facet, values))
        conditions = tantivy.Query.const_score_query(
            tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must]), 0.0
        )
        if query is None:
            return conditions
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, conditions)])

    # --- hits ------------------------------------------------------------------------------

    def _best_clauses(self, text, policies):
        """The best clause of each of `policies` for any word of `text`: {policy: Hit}."""
        if not policies:
            return {}
        groups = self._groups(text)
        query = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Must,
                    tantivy.Query.boolean_query([(tantivy.Occur.Should, g) for g in groups]),
                ),
                (tantivy.Occur.Must, self._term("scope", "clause")),
                (tantivy.Occur.Must, tantivy.Query.term_set_query(self._schema, "policy", policies)),
            ]
        )
        best = {}
        # A few clauses per policy give almost every policy its best one in one query; the
        # rest (a policy whose words are all in many clauses) get one query each.
        result = self._searcher.search(query, BEST_CLAUSES * len(policies), count=False)
        for score, address in result.hits:
            data = self._data(address)
            if data["policy"] not in best:
                best[data["policy"]] = self._hit(score, data, text)
        for policy in policies:
            if policy not in best:
                alone = tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, query), (tantivy.Occur.Must, self._term("policy", policy))]
                )
                for score, address in self._searcher.search(alone, 1, count=False).hits:
                    best[policy] = self._hit(score, self._data(address), text)
        return best

    def _data(self, address):
        return json.loads(self._searcher.doc(address).get_first("data"))

    def _policy_hit(self, score, address):
        data = self._data(address)
        label = data["label"]
        return Hit(
            data["policy"], data["policy"], "policy", score, None, _pages(data), label, html.escape(label)
        )

    def _hit(self, score, data, text):
        if data["kind"] == "policy" and "label" in data:  # a policy document: no clause of its own
            return Hit(
                data["policy"],
                data["policy"],
                "policy",
                score,
                None,
                _pages(data),
                data["label"],
                highlight(data["label"], self._marks(text)),
            )
        marks = self._marks(text)
        candidates = [body for body in (data["text"], *data["titles"]) if body]
        body = next(
            (body for body in candidates if _marked(body, marks)), candidates[0] if candidates else ""
        )
        return Hit(
            data["policy"],
            data["thing"],
            data["kind"],
            score,
            data["clause"],
            _pages(data),
            body,
            highlight(body, marks),
        )

    def _marks(self, text):
        keys, words = self.analyzer.query_words(text)
        return keys, words


def _pages(data):
    return tuple(data["pages"]) if data.get("pages") else None


def _check_page(offset, limit):
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset is a whole number from 0 to {MAX_OFFSET}")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit is a whole number from 1 to {MAX_LIMIT}")


def _filters(filters):
    """Filters checked: {facet: [values]} and minAmount as a Decimal; empty values dropped."""
    checked = {}
    for facet, value in (filters or {}).items():
        if facet == MIN_AMOUNT:
            try:
                amount = Decimal(str(value).strip() or "0")
            except InvalidOperation:
                raise ValueError("minAmount is a number of yuan") from None
            if not amount.is_finite() or amount < 0:
                raise ValueError("minAmount is a number of yuan, 0 or more")
            if amount > 0:
                checked[MIN_AMOUNT] = amount
            continue
        if facet not in FACETS:
            raise ValueError(f"unknown filter {facet!r}; filters are {', '.join((*FACETS, MIN_AMOUNT))}")
        values = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(item, str) for item in values):
            raise ValueError(f"filter {facet} takes IRIs as strings")
        values = sorted({item.strip() for item in values if item.strip()})
        if values:
            checked[facet] = values
    return checked


def _spans(text, marks):
    """Where `marks` (document number keys, folded words) occur in `text`, merged, in order."""
    keys, words = marks
    folded = fold(text)
    spans = []
    for word in words:
        spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(word), folded))
    if keys:
        spans.extend((start, end) for number, start, end in docnumber.find_all(text) if number.key in keys)
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _marked(text, marks):
    return bool(_spans(text, marks))


def highlight(text, marks, size=SNIPPET_CHARS):
    """An excerpt of `text` (at most `size` characters, from a little before the first match),
    HTML-escaped, with each match of `marks` (keys, words) in <mark>."""
    merged = _spans(text, marks)
    begin = max(0, merged[0][0] - SNIPPET_BEFORE) if merged else 0
    if len(text) - begin < size:
        begin = max(0, len(text) - size)
    finish = min(len(text), begin + size)
    pieces, at = ["…" if begin else ""], begin
    for start, end in merged:
        start, end = max(start, at), min(end, finish)
        if start >= end:
            continue
        pieces += [html.escape(text[at:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        at = end
    pieces += [html.escape(text[at:finish]), "…" if finish < len(text) else ""]
    return "".join(pieces)
