"""Building the full-text index with a words cache (policykg.fulltext.build_index(cache=…)):
a build after an edit segments only the texts that changed, and searches it exactly as an
index built from scratch (same hits, scores, order, snippets, counts)."""

import re
import sys
from pathlib import Path

import pyoxigraph
import pytest

from policykg import config, fulltext, inference

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import synthetic  # noqa: E402  (bench/synthetic.py: the handbook repeated under fresh IRIs)

BASE = config.DEFAULTS["BASE_IRI"]
MUNICIPAL = f"{BASE}id/concept/level/municipal"
QUERIES = [
    "专利",
    "泰山品质",
    "质量奖",
    "标准 奖励",
    "certification",
    "临政字[2020]113号",
    "臨沂市專利獎勵",
    "网上提交",
    "修订",
    "火星移民",
]
# One policy's how-to-apply text in copy 2 gains a sentence with words found nowhere else.
EDIT_TEXT = """
PREFIX pkg: <https://w3id.org/policykg/def/>
DELETE { ?policy pkg:howToApply ?text }
INSERT { ?policy pkg:howToApply ?edited }
WHERE {
  { SELECT ?policy ?text WHERE { ?policy pkg:howToApply ?text . FILTER(STRENDS(STR(?policy), "-c2")) }
    ORDER BY ?policy LIMIT 1 }
  BIND(CONCAT(?text, "本条已修订：申报材料一律网上提交。") AS ?edited)
}
"""
# One policy's label in copy 1 changed: the names for jieba's dictionary change with it.
EDIT_LABEL = """
PREFIX pkg:  <https://w3id.org/policykg/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE { ?policy rdfs:label ?label }
INSERT { ?policy rdfs:label "火星移民补贴"@zh }
WHERE {
  { SELECT ?policy ?label WHERE {
      ?policy a pkg:Policy ; rdfs:label ?label . FILTER(STRENDS(STR(?policy), "-c1") && LANG(?label) = "zh")
    } ORDER BY ?policy LIMIT 1 }
}
"""


@pytest.fixture
def store(tmp_path):
    """A writable store of three handbooks, saturated as the build would."""
    synthetic.write(tmp_path / "data.nt", 3)
    store = pyoxigraph.Store()
    store.bulk_load(path=tmp_path / "data.nt", format=pyoxigraph.RdfFormat.N_TRIPLES)
    inference.saturate(store, inference.load(inference.folder(config.ROOT)))
    return store


def build(store, folder, cache=None):
    seconds = {}
    counts = fulltext.build_index(store, folder, config.ROOT, BASE, cache=cache, seconds=seconds)
    return counts, seconds


def segmented(seconds):
    """(texts segmented, texts used) from the build's stage names."""
    (figures,) = [
        re.search(r"\((\d+) of (\d+) texts", stage) for stage in seconds if stage.startswith("segment")
    ]
    return int(figures[1]), int(figures[2])


def results(folder):
    """Everything the Searcher answers for QUERIES, with and without a filter."""
    searcher = fulltext.Searcher(folder)
    answers = [searcher.search("", {"level": MUNICIPAL}, limit=fulltext.MAX_LIMIT)]
    for text in QUERIES:
        for filters in (None, {"level": MUNICIPAL}):
            answers += [
                searcher.search(text, filters, limit=fulltext.MAX_LIMIT),
                searcher.search(text, filters, offset=5, limit=10),
                searcher.clauses(text, filters, limit=fulltext.MAX_LIMIT),
                searcher.clauses(text, filters, limit=fulltext.MAX_LIMIT, match="all"),
                searcher.facet_counts(text, filters),
            ]
    return answers


def test_a_build_after_an_edit_segments_only_the_edited_text_and_matches_a_fresh_build(store, tmp_path):
    cache = tmp_path / "cache"
    cold, cold_seconds = build(store, tmp_path / "cold", cache)
    done, used = segmented(cold_seconds)
    assert done == used > 100
    build(store, tmp_path / "plain")
    assert results(tmp_path / "cold") == results(tmp_path / "plain")

    store.update(EDIT_TEXT)
    again, again_seconds = build(store, tmp_path / "incremental", cache)
    assert segmented(again_seconds)[0] == 1
    fresh, _ = build(store, tmp_path / "fresh")
    assert again == fresh == cold
    incremental = results(tmp_path / "incremental")
    assert incremental == results(tmp_path / "fresh")
    # The edit is searchable: the new words find the edited policy, and only it.
    found = fulltext.Searcher(tmp_path / "incremental").search("网上提交")
    assert found.total == 1 and found.hits[0].policy.endswith("-c2")
    assert "网上" in found.hits[0].text and "<mark>" in found.hits[0].snippet


def test_a_changed_name_starts_a_new_cache_and_still_matches_a_fresh_build(store, tmp_path):
    cache = tmp_path / "cache"
    build(store, tmp_path / "first", cache)
    (before,) = (cache / "fulltext").glob("words-*.json")
    store.update(EDIT_LABEL)
    _, seconds = build(store, tmp_path / "incremental", cache)
    done, used = segmented(seconds)
    assert done == used  # other names, other words: nothing is reused
    (after,) = (cache / "fulltext").glob("words-*.json")
    assert after != before
    build(store, tmp_path / "fresh")
    assert results(tmp_path / "incremental") == results(tmp_path / "fresh")
    assert fulltext.Searcher(tmp_path / "fresh").search("火星移民补贴").total == 1


def test_an_unreadable_cache_is_rebuilt(store, tmp_path):
    cache = tmp_path / "cache"
    build(store, tmp_path / "first", cache)
    (words,) = (cache / "fulltext").glob("words-*.json")
    words.write_text("{not json", encoding="utf-8")
    _, seconds = build(store, tmp_path / "second", cache)
    done, used = segmented(seconds)
    assert done == used
    assert results(tmp_path / "second") == results(tmp_path / "first")
    _, seconds = build(store, tmp_path / "third", cache)
    assert segmented(seconds)[0] == 0
