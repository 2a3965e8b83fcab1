"""The bounded caches: least recently used goes first, a weight can bound by bytes, a
per-version cache keeps only the newest versions and nothing when the version is unknown; a
kept copy on disk is read back only for the same cache, key, version and code."""

import gc
import threading

from policykg.cache import LRU, PerVersion


def test_lru_drops_the_least_recently_used():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2


def test_lru_bounded_by_weight():
    cache = LRU(10, weigh=len)
    cache.put("a", b"123456")
    cache.put("b", b"1234")
    assert cache.weight == 10
    cache.put("c", b"12")
    assert "a" not in cache and cache.weight == 6
    cache.put("huge", b"x" * 11)  # heavier than the whole cache: not kept, nothing dropped
    assert "huge" not in cache and cache.weight == 6
    cache.put("b", b"1")  # replacing an entry counts its new weight only
    assert cache.weight == 3


def test_lru_bounded_by_weight_and_by_count():
    cache = LRU(100, weigh=len, most=2)
    for key in "abc":
        cache.put(key, b"1")
    assert "a" not in cache and len(cache) == 2 and cache.weight == 2
    cache.put("big", b"x" * 99)  # past the weight (101) and the count (3): the oldest goes
    assert "b" not in cache and "c" in cache and "big" in cache and cache.weight == 100
    none = LRU(100, weigh=len, most=0)
    none.put("a", b"1")
    assert "a" not in none


def test_lru_of_size_zero_keeps_nothing_and_clear_empties():
    empty = LRU(0)
    empty.put("a", 1)
    assert empty.get("a") is None
    cache = LRU(3)
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None and len(cache) == 0 and cache.weight == 0


def test_per_version_makes_once_and_keeps_the_newest_versions():
    made = []
    cache = PerVersion("test", size=2)

    def make(version):
        return lambda: made.append(version) or f"lexicon {version}"

    assert cache.get("root", "v1", make("v1")) == "lexicon v1"
    assert cache.get("root", "v1", make("v1")) == "lexicon v1"
    assert made == ["v1"]
    cache.get("root", "v2", make("v2"))
    cache.get("root", "v3", make("v3"))  # a third rebuild: v1 goes
    assert len(cache) == 2
    cache.get("root", "v1", make("v1"))
    assert made == ["v1", "v2", "v3", "v1"]


def test_per_version_keeps_nothing_for_an_unknown_version():
    made = []
    cache = PerVersion("test")
    for _ in range(2):
        cache.get("root", None, lambda: made.append(1) or "fresh")
    assert made == [1, 1] and len(cache) == 0
    cache.get("root", "v1", lambda: "kept")
    cache.clear()
    assert len(cache) == 0


def _maker(made, value):
    return lambda: made.append(value) or {"rows": [value] * 3}


def test_a_kept_copy_is_read_by_another_process_instead_of_made(tmp_path):
    kept, code = tmp_path / "derived" / "thing.pickle", tmp_path / "code.py"
    code.write_text("x = 1\n")
    made = []
    first = PerVersion("thing", code=[code]).get("root", "v1", _maker(made, "a"), kept=kept)
    assert kept.is_file() and made == ["a"]
    # A fresh cache (another worker, a later start) reads the copy: make is not called.
    again = PerVersion("thing", code=[code]).get("root", "v1", _maker(made, "b"), kept=kept)
    assert again == first == {"rows": ["a"] * 3} and made == ["a"]
    assert not list(kept.parent.glob("*.partial"))


def test_a_kept_copy_of_another_version_key_name_or_code_is_made_again(tmp_path):
    kept, code = tmp_path / "thing.pickle", tmp_path / "code.py"
    code.write_text("x = 1\n")
    made = []
    PerVersion("thing", code=[code]).get("root", "v1", _maker(made, "v1"), kept=kept)
    assert (
        PerVersion("thing", code=[code]).get("root", "v2", _maker(made, "v2"), kept=kept)["rows"][0] == "v2"
    )
    assert (
        PerVersion("thing", code=[code]).get("other", "v2", _maker(made, "key"), kept=kept)["rows"][0]
        == "key"
    )
    assert (
        PerVersion("other", code=[code]).get("other", "v2", _maker(made, "name"), kept=kept)["rows"][0]
        == "name"
    )
    code.write_text("x = 2\n")  # the classes changed: a copy of the old ones is not read
    assert (
        PerVersion("other", code=[code]).get("other", "v2", _maker(made, "code"), kept=kept)["rows"][0]
        == "code"
    )
    assert made == ["v1", "v2", "key", "name", "code"]


def test_a_damaged_kept_copy_is_made_again_and_replaced(tmp_path):
    kept = tmp_path / "thing.pickle"
    made = []
    PerVersion("thing").get("root", "v1", _maker(made, "a"), kept=kept)
    for damage in (b"", kept.read_bytes()[: kept.stat().st_size // 2], b"not a pickle"):
        kept.write_bytes(damage)
        assert PerVersion("thing").get("root", "v1", _maker(made, "b"), kept=kept) == {"rows": ["b"] * 3}
        assert PerVersion("thing").get("root", "v1", _maker(made, "c"), kept=kept) == {"rows": ["b"] * 3}
    assert made == ["a", "b", "b", "b"]


def test_a_copy_that_cannot_be_kept_still_answers(tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    kept = blocked / "thing.pickle"  # its folder is a file: cannot be written
    made = []
    assert PerVersion("thing").get("root", "v1", _maker(made, "a"), kept=kept) == {"rows": ["a"] * 3}
    unpicklable = PerVersion("thing").get(
        "root", "v1", lambda: made.append(1) or threading.Lock(), kept=tmp_path / "x"
    )
    assert unpicklable is not None and made == ["a", 1]
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob("*.partial"))


def test_making_pauses_the_garbage_collector_and_restores_it():
    seen = []
    assert gc.isenabled()
    PerVersion("thing").get("root", "v1", lambda: seen.append(gc.isenabled()) or 1)
    assert seen == [False] and gc.isenabled()
