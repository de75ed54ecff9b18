"""``--plain``: one unit at a time, one command per line; real subprocesses with piped
input, and the CLI's refusals through CliRunner."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tui_support import INTERVIEW, briefs, clock, events, log_bytes, make_study

from qcode.cli import app
from qcode.tui import keymap
from qcode.tui.plain import Plain
from qcode.tui.session import Session

QCODE = str(Path(sys.executable).with_name("qcode"))


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def run_plain(study, commands: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCODE_")}
    return subprocess.run([QCODE, "-h"] if not args else [QCODE, *args, "-P", str(study.root)],
                          input=commands, capture_output=True, text=True, env=env,
                          timeout=300)


def test_a_scripted_session_writes_the_expected_lines(study):
    script = "\n".join([
        "next 3", "apply coordination", "grow sentence", "apply 3", "reset",
        "shrink word", "shrink word", "apply limits", "memo a note on the unit",
        "memo doc the whole interview", "next", "apply time", "undo", "uncoded", "quit",
        "apply coordination",  # after quit: never read
    ]) + "\n"
    done = run_plain(study, script, "code", INTERVIEW, "--coder", "anna", "--plain",
                     "--suggest", "off")
    assert done.returncode == 0, done.stderr
    assert briefs(study, "anna") == [
        ("apply", INTERVIEW, "135:175", "coordination", "manual", None, None),
        ("apply", INTERVIEW, "135:238", "autonomy", "manual", None, None),
        ("apply", INTERVIEW, "135:161", "autonomy/limits", "manual", None, None),
        ("memo", INTERVIEW, "135:161", None, None, None, "a note on the unit"),
        ("memo", INTERVIEW, None, None, None, None, "the whole interview"),
        ("apply", INTERVIEW, "176:238", "time-resources", "manual", None, None),
        ("void", INTERVIEW, "176:238", "time-resources", None, "anna:6", None),
    ]
    out = done.stdout
    assert "[interview] sentence 4/17 · Liv\nWe start at seven with the driving list.\n" in out
    assert "applied coordination to 135:175 (anna:1)" in out
    assert "  codes: coordination, autonomy, autonomy/limits\n" in out
    assert "  selection 135:161: We start at seven with the\n" in out
    assert "voided anna:6 (apply time-resources interview 176:238)" in out
    assert out.endswith("  codes: autonomy\n[interview] sentence 6/17 · Liv\n"
                        "Then we fight over the car key.\n  codes: none\n")
    assert done.stderr == ""


def test_bad_commands_are_refused_and_the_session_goes_on(study):
    script = "bogus\napply nothing-like-it\nremove\nspan 5\ngoto 0\nnext\napply 1\n"
    before = log_bytes(study)
    done = run_plain(study, script, "code", INTERVIEW, "--coder", "anna", "--plain",
                     "--suggest", "off")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "Error: Unknown command 'bogus'; type help for the commands.",
        "Error: No code 'nothing-like-it' among the active codes; type its number, id or "
        "label (`help` lists them).",
        "Error: Name exactly one coding of yours on the selection to remove (there: none); "
        "e.g. `remove CODE` or `span A:B` first.",
        "Error: Write the span as START:END, e.g. span 120:180.",
        "Error: No sentence 0: this document has 17; type 1 to 17.",
        "5 command(s) failed.",
    ]
    assert before == {}
    assert briefs(study, "anna") == [("apply", INTERVIEW, "66:91", "coordination", "manual",
                                      None, None)]


def test_compare_and_disagreements_in_plain_mode(study):
    ben = Session(study, "ben", doc=INTERVIEW, clock=clock(), suggest=False)
    ben.select(176, 238)
    ben.apply("coordination")
    done = run_plain(study, "disagreement\ndisagreement\n", "code", INTERVIEW, "--coder",
                     "anna", "--compare", "ben", "--plain", "--suggest", "off")
    assert "  codes: none | ben: coordination (differs)\n" in done.stdout
    assert "no disagreement with ben after this unit" in done.stdout


def test_suggestions_accepted_and_rejected_in_plain_mode(study):
    script = "suggestion\na\nsuggestion\nr not about the rota itself\nquit\n"
    done = run_plain(study, script, "code", INTERVIEW, "--coder", "anna", "--plain")
    assert done.returncode == 0, done.stderr
    assert "  suggestion: coordination" in done.stdout
    accepted, rejected = events(study, "anna")
    assert (accepted.action, accepted.span, accepted.code, accepted.source) == (
        "accept", "135:175", "coordination", "suggest:rules.v2")
    assert (rejected.action, rejected.span, rejected.code, rejected.memo) == (
        "reject", "176:238", "coordination", "not about the rota itself")


def test_review_walks_the_queue(study):
    from qcode.suggest import read_queue, suggest

    suggest(study, "anna", docs=[INTERVIEW], method="rules")
    queue = read_queue(study, "anna")
    done = run_plain(study, "a\nr\nnext\nquit\n", "review", "--coder", "anna", "--plain")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith(f"review 1/{len(queue)} · [interview]")
    accepted, rejected = events(study, "anna")
    first, second = queue[0], queue[1]
    assert (accepted.action, accepted.span, accepted.code) == ("accept", first.span, first.code)
    assert (rejected.action, rejected.span, rejected.code) == ("reject", second.span,
                                                                second.code)
    assert f"review 2/{len(queue) - 2} ·" in done.stdout  # decided ones leave the queue


def test_refusals_through_the_cli(study, runner):
    root = str(study.root)
    result = runner.invoke(app, ["code", INTERVIEW, "--coder", "anna", "-P", root])
    assert result.exit_code == 2, result.output
    assert "needs a terminal; pass --plain" in result.output
    result = runner.invoke(app, ["code", "intervew", "--coder", "anna", "-P", root, "--plain"])
    assert result.exit_code == 2 and "did you mean 'interview'" in result.output
    result = runner.invoke(app, ["code", "--plain", "-P", root])
    assert result.exit_code == 2 and "Who is coding?" in result.output
    result = runner.invoke(app, ["review", "--coder", "anna", "-P", root, "--plain"])
    assert result.exit_code == 2, result.output
    assert "No suggestions are queued for anna; run `qcode suggest --coder anna`" in result.output
    assert log_bytes(study) == {}


def test_plain_mode_through_the_runner(study, runner):
    result = runner.invoke(app, ["code", INTERVIEW, "--coder", "anna", "-P", str(study.root),
                                 "--plain", "--suggest", "off"], input="next\napply 2\n")
    assert result.exit_code == 0, result.output
    assert briefs(study, "anna") == [("apply", INTERVIEW, "66:91", "collaboration", "manual",
                                      None, None)]


def test_every_key_has_a_plain_command_that_runs(study):
    session = Session(study, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    out, err = io.StringIO(), io.StringIO()
    plain = Plain(session, out, err)
    words = {"TEXT": "a note", "NAME": "coordination", "[CODE]": "", "N": "3"}
    for key in keymap.KEYS:
        if key.plain:
            line = " ".join(words.get(w, w) for w in key.plain.split())
            plain.handle(line)
            assert "Unknown command" not in err.getvalue(), line
    plain.handle("help")
    assert "apply CODE" in out.getvalue()


def test_migration_review_routes_split_codings(study):
    from tui_support import split_coordination

    from qcode.codings import replay
    from qcode.migrations import pending_reviews

    anna = Session(study, "anna", doc=INTERVIEW, clock=clock(), suggest=False)
    for index in (3, 4, 5):
        anna.goto(index)
        anna.apply("coordination")
    split_coordination(study)
    assert len(pending_reviews(study, "anna")) == 3
    done = run_plain(study, "show\na\nsuggestion\na\nr\nquit\n", "review", "--migration",
                     "--coder", "anna", "--plain")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "migration review 1/3 · [interview] sentence 4/17 · Liv" in out
    assert "  codes: coordination?\n" in out
    assert "  choice: logistics — split coordination (4.1) — Two kinds of coordination work." in out
    assert "  also: handover" in out
    assert "routed anna:1 from coordination to logistics (4.1)" in out
    assert "routed anna:2 from coordination to handover (4.1)" in out
    assert "a coding waiting after a split takes one of its new codes" in out
    routes = [e for e in events(study, "anna") if e.action == "route"]
    assert [(e.ref, e.code, e.span, e.data["step"]) for e in routes] == [
        ("anna:1", "logistics", "135:175", "4.1"), ("anna:2", "handover", "176:238", "4.1")]
    codes = {c.id: (c.code, c.flags) for c in replay(study).by_coder("anna")}
    assert codes["anna:1"] == ("logistics", ()) and codes["anna:2"] == ("handover", ())
    assert codes["anna:3"][1] == ("pending:4.1",)
    result = subprocess.run([QCODE, "review", "--migration", "--coder", "ben", "--plain", "-P",
                             str(study.root)], capture_output=True, text=True, input="")
    assert result.returncode == 2
    assert "No codings of ben wait for a migration decision" in result.stderr
