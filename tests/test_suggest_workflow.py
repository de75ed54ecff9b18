"""Accept and reject: audit lines that replay into codings; rejections stay rejected."""

from __future__ import annotations

import json
import shutil

import pytest
from suggest_support import make_project

from qcode.cli import app
from qcode.codings import fold_log, replay
from qcode.errors import InputError, SpanError
from qcode.suggest import choose, decide, read_queue, suggest

TEXT = (
    "We coordinate the visits. The driving list was wrong. We had to hurry. "
    "Stress all day. She showered at nine.\n"
)


@pytest.fixture
def study(tmp_path):
    return make_project(tmp_path / "study", {"a": TEXT, "b": "We coordinate again. No hurry.\n"})


def one(study, unit, code, coder="anna"):
    return next(s for s in read_queue(study, coder) if s.unit == unit and s.code == code)


def log_lines(study, coder="anna"):
    """Each line as read (format 2 puts the text back beside its commitment)."""
    from qcode.audit.line import parse_object

    path = study.log_path(coder)
    return [parse_object(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_accept_writes_the_whole_suggestion_and_replays_as_a_coding(study):
    suggest(study, "anna")
    s = one(study, "sentence:2", "coordination")
    out = decide(study, "anna", choose(study, "anna", [s.id]), accept=True)
    assert out.written == 1
    line = log_lines(study)[-1]
    assert line["action"] == "accept" and line["source"] == "suggest:rules.v2"
    assert (line["doc"], line["span"], line["code"], line["score"]) == ("a", s.span, s.code, 0.5)
    assert line["quote"] == "The driving list was wrong."
    assert line["data"] == {"suggestion": s.id, "method": "rules.v2", "unit": "sentence:2",
                            "reason": "matched driving list: 'driving list'",
                            "words": ["driving list"], "model": s.model}
    assert len(s.model) == 16  # the rules' fingerprint
    shutil.rmtree(study.cache_dir)  # replay never needs the queue
    coding = replay(study).select(coders=["anna"])[0]
    assert (coding.doc, coding.start, coding.end, coding.code) == ("a", s.start, s.end, s.code)
    assert coding.source == "suggest:rules.v2" and coding.score == 0.5
    assert replay(study).decisions[0].accepted


def test_decided_suggestions_leave_the_queue_and_are_not_made_again(study):
    suggest(study, "anna")
    accepted = one(study, "sentence:1", "coordination")
    rejected = one(study, "sentence:3", "time")
    decide(study, "anna", [accepted], accept=True)
    decide(study, "anna", [rejected], accept=False, memo="not about time")
    queued = {s.id for s in read_queue(study, "anna")}
    assert accepted.id not in queued and rejected.id not in queued
    again = suggest(study, "anna")
    ids = {s.id for s in again.suggestions}
    assert accepted.id not in ids and rejected.id not in ids
    assert again.decided == 2
    assert log_lines(study)[-1]["memo"] == "not about time"
    decision = fold_log(study.log_path("anna")).decisions[-1]
    assert not decision.accepted and decision.reason == rejected.reason
    # another coder's decisions are her own: ben is still offered both
    ben = {s.id for s in suggest(study, "ben").suggestions}
    assert {accepted.id, rejected.id} <= ben


def test_manual_codings_are_not_suggested_again(study):
    from qcode.coding import apply

    apply(study, "a", "time", unit="4", coder="anna")
    assert ("sentence:4", "time") not in {(s.unit, s.code) for s in suggest(study, "anna").suggestions}


def test_batch_accept_by_code_and_score(study):
    suggest(study, "anna")
    chosen = choose(study, "anna", every=True, code="time", min_score=0.5)
    assert {s.code for s in chosen} == {"time"} and len(chosen) == 3
    decide(study, "anna", chosen, accept=True)
    codings = replay(study).select(coders=["anna"], codes=["time"])
    assert len(codings) == 3 and {c.source for c in codings} == {"suggest:rules.v2"}


def test_unknown_id_and_changed_document_write_nothing(study, tmp_path):
    suggest(study, "anna")
    with pytest.raises(InputError, match="'zzzz' is not in the queue of anna"):
        choose(study, "anna", ["zzzz"])
    stale = one(study, "sentence:1", "coordination")
    source = tmp_path / "study-sources" / "a.txt"
    source.write_text(TEXT.replace("nine", "ten"), encoding="utf-8")
    from qcode.corpus.ingest import ingest

    ingest(study, [source])
    with pytest.raises(SpanError, match="changed since suggestion"):
        decide(study, "anna", [stale], accept=True)
    assert not study.log_path("anna").exists()


def test_cli_suggest_list_accept_reject(study, runner):
    root = ["-P", str(study.root), "--coder", "anna"]
    result = runner.invoke(app, ["suggest", *root, "--method", "rules"])
    assert result.exit_code == 0, result.output
    assert "suggestions from rules.v2 in 2 document(s)" in result.output
    listed = runner.invoke(app, ["suggestions", *root, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert rows[0]["reason"].startswith("matched ") and rows[0]["text"]
    first, second = rows[0]["id"], rows[1]["id"]
    result = runner.invoke(app, ["accept", first[:6], *root])
    assert result.exit_code == 0, result.output
    assert "accepted 1 suggestion(s); wrote 1 line(s)" in result.output
    result = runner.invoke(app, ["reject", second, "--memo", "no", *root])
    assert result.exit_code == 0, result.output
    shown = runner.invoke(app, ["audit", "show", "-P", str(study.root), "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    assert ",accept," in shown.stdout and "suggest:rules.v2" in shown.stdout
    applied = runner.invoke(app, ["apply", "b", "care", "--unit", "1", *root])
    assert applied.exit_code == 0, applied.output
    sources = [c.source for c in replay(study).select(coders=["anna"])]
    assert sorted(sources) == ["manual", "suggest:rules.v2"]


def test_cli_bad_decisions_are_one_line_and_change_nothing(study, runner):
    root = ["-P", str(study.root), "--coder", "anna"]
    runner.invoke(app, ["suggest", *root])
    for args, message in ((["accept", "nope"], "is not in the queue"),
                          (["accept", "--all"], "--all needs --code"),
                          (["reject"], "Name the suggestions"),
                          (["accept", "--all", "--code", "tme"], "did you mean 'time'")):
        result = runner.invoke(app, [*args, *root])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: ") and message in result.output
    assert not study.log_path("anna").exists()
