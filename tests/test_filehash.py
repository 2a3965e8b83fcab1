"""Hashes remembered by stat (policykg.filehash): an unchanged file is not read again, a
changed one always is, and the memo only ever saves time."""

import os
import time

import pytest

from policykg import filehash


@pytest.fixture
def reads(monkeypatch):
    """The paths filehash reads, in order."""
    seen = []
    real = filehash.read

    def counting(path):
        seen.append(os.path.basename(path))
        return real(path)

    monkeypatch.setattr(filehash, "read", counting)
    return seen


def settled(path, text):
    """Write `text` and date the file back, as a file written a while ago."""
    path.write_text(text, encoding="utf-8")
    past = time.time() - 60
    os.utime(path, (past, past))


def remembered(tmp_path, text):
    """A settled file `a.nt` holding `text`, hashed and saved in a memo: (file, memo, record)."""
    data, memo = tmp_path / "a.nt", tmp_path / "memo.json"
    settled(data, text)
    hashes = filehash.Hashes(memo)
    record = hashes.record(data)
    hashes.save()
    return data, memo, record


def test_a_settled_file_is_read_once_across_runs(tmp_path, reads):
    data, memo, record = remembered(tmp_path, "<a> <b> <c> .\n<a> <b> <d> .\n")
    again = filehash.Hashes(memo).record(data)
    assert record == again == filehash.read(data)
    assert record["triples"] == 2
    assert reads == ["a.nt", "a.nt"]  # hashed once, then the check above


def test_a_changed_file_is_read_again(tmp_path, reads):
    data, memo, before = remembered(tmp_path, "<a> <b> <c> .\n")
    settled(data, "<a> <b> <x> .\n")  # same size, another content and time
    after = filehash.Hashes(memo).record(data)
    assert after != before and after == filehash.read(data)


def test_a_file_just_written_is_not_remembered(tmp_path, reads):
    data = tmp_path / "a.nt"
    data.write_text("<a> <b> <c> .\n", encoding="utf-8")
    hashes = filehash.Hashes(tmp_path / "memo.json")
    hashes.record(data)
    hashes.record(data)
    assert reads == ["a.nt", "a.nt"]
    assert not hashes.changed


@pytest.mark.parametrize("memo_text", ["", "not json", "[1, 2]", '{"x": 3}'])
def test_a_damaged_memo_is_ignored(tmp_path, memo_text):
    data = tmp_path / "a.nt"
    settled(data, "<a> <b> <c> .\n")
    memo = tmp_path / "memo.json"
    memo.write_text(memo_text, encoding="utf-8")
    assert filehash.Hashes(memo).record(data) == filehash.read(data)


def test_a_memo_that_cannot_be_written_is_not_kept(tmp_path):
    data = tmp_path / "a.nt"
    settled(data, "<a> <b> <c> .\n")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    hashes = filehash.Hashes(blocker / "memo.json")  # its folder is a file
    hashes.record(data)
    hashes.save()  # no error
    assert blocker.read_text() == ""
