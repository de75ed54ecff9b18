"""Project folders: init, settings, discovery, coders."""

from __future__ import annotations

import re

import pytest

from qcode.errors import ProjectError
from qcode.project import (
    Settings,
    check_coder_name,
    find_project,
    init_project,
    open_project,
    parse_settings,
    resolve_coder,
)


def test_init_creates_the_layout(tmp_path):
    project = init_project(tmp_path / "study", name="Home care", language="nb", unit="turn",
                           coders=("anna", "ben"))
    root = tmp_path / "study"
    assert project.root == root.resolve()
    assert (root / "qcode.yaml").is_file()
    assert (root / "codebook.yaml").read_text(encoding="utf-8") == "version: 1\ncodes: []\n"
    assert (root / "documents").is_dir()
    assert (root / "audit").is_dir()
    assert re.fullmatch(r"[0-9a-f]{32}", project.id)
    s = project.settings
    assert (s.name, s.language, s.unit, s.coders, s.pipeline) == (
        "Home care", "nb", "turn", ("anna", "ben"), None,
    )
    assert project.log_path("anna") == project.root / "audit" / "anna.log"
    assert project.codebook_path == project.root / "codebook.yaml"
    assert project.cache_dir == project.root / ".qcode"


def test_project_id_is_made_once_and_read_back(tmp_path):
    first = init_project(tmp_path / "a")
    second = init_project(tmp_path / "b")
    assert first.id != second.id
    assert open_project(tmp_path / "a").id == first.id
    assert find_project(tmp_path / "a").id == first.id


def test_init_refuses_a_non_empty_folder_unless_forced(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProjectError, match="not empty.*--force"):
        init_project(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    project = init_project(folder, force=True)
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert project.settings_path.is_file()


def test_init_never_replaces_an_existing_project_even_with_force(tmp_path):
    project = init_project(tmp_path / "study")
    before = project.settings_path.read_bytes()
    with pytest.raises(ProjectError, match="already a qcode project"):
        init_project(tmp_path / "study", force=True)
    assert project.settings_path.read_bytes() == before


def test_init_refuses_a_file_and_bad_values(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ProjectError, match="not a folder"):
        init_project(tmp_path / "file")
    with pytest.raises(ProjectError, match="Unit 'word'"):
        init_project(tmp_path / "x", unit="word")
    with pytest.raises(ProjectError, match="Coder name"):
        init_project(tmp_path / "y", coders=("Anna Smith",))
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_find_project_from_cwd_upwards(tmp_path, monkeypatch):
    project = init_project(tmp_path / "study")
    deep = tmp_path / "study" / "documents" / "sub"
    deep.mkdir()
    monkeypatch.chdir(deep)
    assert find_project().root == project.root
    assert find_project(cwd=tmp_path / "study" / "audit").root == project.root


def test_find_project_prefers_explicit_then_environment(tmp_path, monkeypatch):
    here = init_project(tmp_path / "here")
    there = init_project(tmp_path / "there")
    elsewhere = init_project(tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path / "here")
    assert find_project().id == here.id
    monkeypatch.setenv("QCODE_PROJECT", str(tmp_path / "there"))
    assert find_project().id == there.id
    assert find_project(tmp_path / "elsewhere").id == elsewhere.id


def test_find_project_errors(tmp_path, monkeypatch):
    with pytest.raises(ProjectError, match=r"No qcode project in .*qcode init"):
        find_project()
    with pytest.raises(ProjectError, match="does not exist"):
        find_project(tmp_path / "missing")
    monkeypatch.setenv("QCODE_PROJECT", str(tmp_path / "missing-too"))
    with pytest.raises(ProjectError, match="missing-too: project folder does not exist"):
        find_project()
    (tmp_path / "plain").mkdir()
    with pytest.raises(ProjectError, match="not a qcode project"):
        find_project(tmp_path / "plain")


def test_settings_round_trip():
    s = Settings(id="abc", name="Study", language="nb", unit="paragraph", coders=("a", "b"),
                 pipeline="nb_core_news_sm")
    assert parse_settings(s.to_yaml(), "qcode.yaml") == s


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: a\nname: x\nlanguge: en\n", r"qcode\.yaml:3:1: unknown setting 'languge'"),
        ("name: x\n", "missing project 'id'"),
        ("id: a\nunit: word\n", r"qcode\.yaml:2:\d+: unit 'word'"),
        ("id: a\ncoders: anna\n", "'coders' must be a list"),
        ("id: a\nlanguage: 7\n", "'language' must be a code"),
        ("id: a\npipeline: [x]\n", "'pipeline' must be"),
        ("- a\n- b\n", "expected a mapping"),
        ("id: a\nname: [unclosed\n", r"qcode\.yaml:\d+:\d+: malformed YAML"),
    ],
)
def test_bad_settings_name_the_file_and_line(text, message):
    with pytest.raises(Exception, match=message) as info:
        parse_settings(text, "qcode.yaml")
    assert info.type.__module__ == "qcode.errors"


def test_resolve_coder_order(tmp_path, monkeypatch):
    with pytest.raises(ProjectError, match="Who is coding"):
        resolve_coder()
    config = tmp_path / ".config" / "qcode" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("coder: carol\n", encoding="utf-8")
    assert resolve_coder() == "carol"
    monkeypatch.setenv("QCODE_CODER", "dag")
    assert resolve_coder() == "dag"
    assert resolve_coder("anna") == "anna"


@pytest.mark.parametrize("name", ["Anna", "an na", "", "project", "../x", "a" * 65])
def test_bad_coder_names(name):
    with pytest.raises(ProjectError):
        check_coder_name(name)


def test_good_coder_names():
    for name in ("anna", "b.n", "c_3", "d-e", "7"):
        assert check_coder_name(name) == name
