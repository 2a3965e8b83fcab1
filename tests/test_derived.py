"""What the service derives from a build — match's eligibility, ask's lexicon — is made once per
data version and kept in the artifact: `policykg build` writes it, a process that serves the
build reads it instead of making it again, and what it reads answers exactly as what was made."""

import json
from pathlib import Path

import pytest

from policykg import artifact, ask, cli, config, match, store

PROFILE = json.loads(
    (Path(__file__).parent / "fixtures" / "match" / "shandong-6-years.json").read_text("utf-8")
)
QUESTIONS = (
    "泰山品质认证能拿多少钱",
    "我们公司成立6年了，能申请什么质量奖",
    "质量沂站的网址是什么",
    "给个人的奖励有哪些",
)
KEPT = ("match-eligibility", "ask-lexicon", "ask-list")


@pytest.fixture
def opened(built_cfg):
    found = store.open_store(built_cfg)
    yield found
    found.close()


def _forget(cfg):
    _clear()
    for name in KEPT:
        artifact.derived(cfg, name).unlink(missing_ok=True)


def _clear():
    match.ELIGIBILITY.clear()
    ask.LEXICONS.clear()
    ask.BENEFIT_ROWS.clear()


def _answers(opened, cfg):
    answered = [ask.answer(question, opened, cfg) for question in QUESTIONS]
    return match.evaluate(PROFILE, opened, cfg), [(found["summary"], found["rows"]) for found in answered]


def test_the_build_command_keeps_what_is_derived(built_cfg, monkeypatch, capsys):
    _forget(built_cfg)
    monkeypatch.setenv("POLICYKG_BUILD_DIR", built_cfg["BUILD_DIR"])
    assert cli.main(["build"]) == 0
    assert "derived       match eligibility, ask lexicon and benefits" in capsys.readouterr().out
    for name in KEPT:
        assert artifact.derived(built_cfg, name).stat().st_size > 10_000


def test_a_process_that_serves_the_build_reads_what_is_kept(built_cfg, opened, monkeypatch):
    _forget(built_cfg)
    made = _answers(opened, built_cfg)
    assert all(artifact.derived(built_cfg, name).is_file() for name in KEPT)
    _clear()

    def never(*args, **kwargs):
        raise AssertionError("made again, though kept in the artifact")

    monkeypatch.setattr(match.Eligibility, "__init__", never)
    monkeypatch.setattr(ask.Lexicon, "__init__", never)
    read = _answers(opened, built_cfg)
    assert read == made
    assert made[0]["counts"]["eligible"] > 0 and all(summary for summary, _ in made[1])
    # The lexicon read back has a working tokenizer of its own, with the graph's names.
    assert ask.lexicon(opened, built_cfg).tokenizer.lcut("好品山东的联系电话")[0] == "好品山东"


def test_derive_in_the_serving_process_reads_or_makes_it(built_cfg, opened):
    _forget(built_cfg)
    assert cli.derive(built_cfg) is not None  # made and kept
    assert len(match.ELIGIBILITY) == 1 and len(ask.LEXICONS) == 1 and len(ask.BENEFIT_ROWS) == 1
    _clear()
    assert cli.derive(built_cfg) is not None  # read
    assert len(match.ELIGIBILITY) == 1 and len(ask.LEXICONS) == 1 and len(ask.BENEFIT_ROWS) == 1


def test_derive_without_a_build_warns_and_goes_on(tmp_path, capsys):
    assert cli.derive(config.settings({"BUILD_DIR": str(tmp_path / "no build")})) is None
    assert "not derived" in capsys.readouterr().err
