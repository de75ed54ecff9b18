"""Options given before the command: `qcode --project DIR <command>`."""

from __future__ import annotations

from qcode.cli import app


def test_project_before_the_command_is_used(runner, project, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("A short note. It has two sentences.\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = runner.invoke(app, ["--project", str(project.root), "ingest", str(note)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["-P", str(project.root), "docs", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[1].startswith("note,txt,text,en,7,0")


def test_a_command_without_project_does_not_inherit_an_earlier_one(runner, project):
    first = runner.invoke(app, ["-P", str(project.root), "docs"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["docs"])  # tmp_path holds no project
    assert second.exit_code == 2
    assert "No qcode project" in second.stderr


def test_a_missing_project_folder_is_one_line(runner, tmp_path):
    result = runner.invoke(app, ["--project", str(tmp_path / "nowhere"), "docs"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_a_bad_option_value_is_one_line_naming_the_help(runner, project):
    result = runner.invoke(app, ["-P", str(project.root), "units", "nodoc", "--kind", "sentence",
                                 "--format", "yaml"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("Error: Invalid value for '--format'")
    assert "See `qcode units --help`." in result.stderr


def test_an_unknown_subcommand_is_one_line(runner):
    result = runner.invoke(app, ["audit", "nosuch"])
    assert result.exit_code == 2
    assert result.stderr == "Error: No such command 'nosuch'. See `qcode audit --help`.\n"
