"""Output that cannot be written (a full disk behind a redirect): one line that says
so, exit status 2, no traceback (real processes writing to /dev/full)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from audit_support import make_study

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


@pytest.mark.parametrize("args", [["docs"], ["codings"], ["audit", "show"], ["--help"],
                                  ["codings", "-f", "csv"]])
def test_a_full_disk_under_the_output_is_one_line_and_status_2(tmp_path, args):
    study = make_study(tmp_path / "study")
    applied = subprocess.run([sys.executable, "-m", "qcode", "apply", "hc01", "coordination",
                              "--span", "52:75", "--coder", "anna", "-P", str(study.root)],
                             capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    log = (study.audit_dir / "anna.log").read_bytes()
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "qcode", *args, "-P", str(study.root)],
                             stdout=full, stderr=subprocess.PIPE, text=True)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0], run.stderr
    assert (study.audit_dir / "anna.log").read_bytes() == log
