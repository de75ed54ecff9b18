"""Shared fixtures: every test runs in its own tmp_path with no QCODE_* variables and no
notices left by an earlier test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("QCODE_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv("QCODE_SIGNING_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    from qcode.notices import drain

    drain()  # what an earlier test's library calls noted is not this test's to print


@pytest.fixture
def repo() -> Path:
    """The source checkout (holding corpus/ and codebooks/)."""
    return REPO


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture
def project(tmp_path):
    """An empty project in tmp_path/study."""
    from qcode.project import init_project

    return init_project(tmp_path / "study", coders=("anna", "ben"))
