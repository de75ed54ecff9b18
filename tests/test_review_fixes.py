"""Regression tests for small bugs in error messages and report filters."""

from __future__ import annotations

import pytest
from audit_support import audit_bytes, make_study

from qcode.cli import app


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


def run(runner, study, *args):
    return runner.invoke(app, [*map(str, args), "--project", str(study.root)])


def test_retired_code_message_names_the_codebook_without_machine_path(runner, study):
    before = audit_bytes(study)
    result = run(runner, study, "apply", "hc01", "old-code", "--unit", "1", "--coder", "anna")
    assert result.exit_code == 2, result.output
    assert "retired in codebook.yaml;" in result.output
    assert str(study.root) not in result.output
    assert audit_bytes(study) == before
