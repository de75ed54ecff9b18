"""Project text is data: every command renders markup and escape sequences found in
documents, code labels, attributes and memos as the characters they are, with
control characters shown visibly, and never crashes on them."""

from __future__ import annotations

import pytest

from qcode.cli import app

ESC = "\x1b"
# A clear-screen, an OSC 0 window title, an OSC 8 hyperlink and an OSC 52 clipboard write.
ESCAPES = (f"{ESC}[2J{ESC}]0;owned\x07{ESC}]8;;https://evil.example{ESC}\\link"
           f"{ESC}]8;;{ESC}\\ {ESC}]52;c;ZXZpbA==\x07")
MARKUP = "Close it [/] now. We wait [pause] and then [laughs] again."

CODEBOOK = """\
version: 1
name: "Hostile [bold]codebook[/] \\e]0;title\\a"
codes:
  - id: coordination
    label: "Coordination [/] \\e[2J"
    definition: "See [link=https://evil.example]here[/link] \\e]52;c;ZXZp\\a"
    include: "[red]always[/red]"
    examples: ["[pause] example"]
  - id: autonomy
    label: Autonomy
"""

INTERVIEW = (
    "Interviewer: How is the morning at the base?\n\n"
    f"Kari: {MARKUP} We start with the list {ESCAPES} and go.\n\n"
    "Interviewer: And the leader [/]?\n\n"
    "Kari: The leader is far away. We decide in the morning meeting who drives where.\n\n"
    + "".join(f"Interviewer: Question {n} about the rota?\n\nKari: Answer {n}: the rota "
              "changes every week, and we swap visits when a car is missing.\n\n"
              for n in range(1, 16))
)


@pytest.fixture
def hostile(tmp_path, runner):
    return seeded(tmp_path, runner)[0]


def seeded(tmp_path, runner):
    """A project whose codebook, document, attributes and memos hold markup and escapes,
    and what its ingest said."""
    from qcode.project import init_project

    project = init_project(tmp_path / "study", coders=("anna", "ben"), codebook_text=CODEBOOK)
    source = tmp_path / "hc01.txt"
    source.write_text(INTERVIEW, encoding="utf-8")
    ingested = runner.invoke(app, ["ingest", str(source), "-P", str(project.root)])
    assert ingested.exit_code == 0, ingested.output
    for args in (
        ["attrs", "set", "hc01", f"site=[link=https://evil.example]north[/link]{ESC}]52;c;eA==\x07"],
        ["apply", "hc01", "coordination", "--quote", "Close it [/] now.", "--coder", "anna",
         "--memo", f"[/] a memo {ESC}[2J with [bold]markup[/bold]"],
        ["apply", "hc01", "autonomy", "--quote", "Close it [/] now.", "--coder", "ben"],
        ["apply", "hc01", "coordination", "--unit", "turn:2", "--coder", "ben"],
        ["memo", f"second [/] memo {ESC}]0;t\x07", "--coding", "anna:1", "--coder", "anna"],
        ["memo", "hc01", f"doc memo [/] {ESC}[2J", "--coder", "ben"],
    ):
        result = runner.invoke(app, [*args, "-P", str(project.root)])
        assert result.exit_code == 0, result.output
        assert ESC not in result.output, (args, result.output)
    return project, ingested.stderr


def test_ingest_reports_the_control_characters_it_found(tmp_path, runner):
    said = seeded(tmp_path, runner)[1]
    assert "hc01: 9 control character(s) kept" in said and ESC not in said


COMMANDS = [
    ["docs"], ["units", "hc01"], ["turns", "hc01"], ["show", "hc01", "--no-pager"],
    ["show", "hc01", "-c", "anna", "-c", "ben", "--no-pager"], ["codings"], ["memos"],
    ["codebook", "show"], ["codebook", "show", "--full"], ["codebook", "check"],
    ["audit", "show"], ["audit", "blame", "hc01"], ["audit", "stats"], ["audit", "verify"],
    ["agree", "--disagreements"], ["agree"], ["cooccur"], ["crosstab", "--by", "site"],
    ["orphans"], ["codebook", "log"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_every_command_shows_hostile_text_as_text(runner, hostile, args):
    result = runner.invoke(app, [*args, "-P", str(hostile.root)])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output and "MarkupError" not in result.output
    assert ESC not in result.output and "\x07" not in result.output, result.output
    assert "\x9b" not in result.output


def test_markup_in_documents_is_shown_as_written(runner, hostile):
    shown = runner.invoke(app, ["show", "hc01", "--no-pager", "-P", str(hostile.root)])
    assert "[pause]" in shown.stdout and "[laughs]" in shown.stdout and "[/]" in shown.stdout
    assert "␛[2J" in shown.stdout  # the escape is visible, not acted on
    codings = runner.invoke(app, ["codings", "-P", str(hostile.root)])
    assert "[/]" in codings.stdout
    tree = runner.invoke(app, ["codebook", "show", "--full", "-P", str(hostile.root)])
    assert "[link=https://evil.example]here[/link]" in tree.stdout.replace("\n", "")
    assert "[red]always[/red]" in tree.stdout


def test_csv_and_json_carry_the_text_exactly(runner, hostile):
    import json

    out = runner.invoke(app, ["memos", "--format", "json", "-P", str(hostile.root)])
    memos = {m["text"] for m in json.loads(out.stdout)}
    assert f"[/] a memo {ESC}[2J with [bold]markup[/bold]" in memos


def test_plain_coding_view_shows_escapes_visibly(runner, hostile):
    result = runner.invoke(app, ["code", "hc01", "--plain", "--coder", "anna",
                                 "-P", str(hostile.root)], input="show\nnext\nshow\nquit\n")
    assert result.exit_code == 0, result.output
    assert ESC not in result.output and "[/]" in result.output


def test_an_error_naming_hostile_text_shows_it_visibly(runner, hostile):
    result = runner.invoke(app, ["apply", "hc01", f"x{ESC}]0;t\x07", "--quote", "Close",
                                 "--coder", "anna", "-P", str(hostile.root)])
    assert result.exit_code == 2
    assert ESC not in result.stderr and "\x07" not in result.stderr


def test_visible_replaces_every_terminal_control():
    from qcode.safetext import visible

    assert visible("a\x1b[2Jb\tc\nd\re\x07\x9b\u202e") == "a␛[2Jb\tc\nd␍e␇\ufffd\ufffd"
    assert visible("æøå [/] ✓") == "æøå [/] ✓"
