"""The real ``qcode code`` in a pseudo-terminal: keys typed, then the process killed
(a crash) or its terminal closed; every decision made before is in the log, the
log verifies, and reopening resumes at the last position."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest
from tui_support import INTERVIEW, briefs, make_study

from qcode.audit import verify_project
from qcode.tui.session import Session

QCODE = str(Path(sys.executable).with_name("qcode"))


@pytest.fixture
def study(tmp_path):
    return make_study(tmp_path / "study")


class Terminal:
    """``qcode`` running in a pty of 80x24."""

    def __init__(self, args: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QCODE_")}
        env.update(TERM="xterm-256color", COLUMNS="80", LINES="24")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become qcode, with SIGHUP's default action as a
            # terminal emulator gives it (a runner started under nohup would pass it ignored)
            signal.signal(signal.SIGHUP, signal.SIG_DFL)
            os.execve(QCODE, ["qcode", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = b""

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    return

    def wait_for(self, what: bytes, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while what not in self.output and time.monotonic() < end:
            self.pump(0.1)
        assert what in self.output, self.output[-2000:]

    def type(self, *keys: bytes) -> None:
        for key in keys:
            os.write(self.fd, key)
            self.pump(0.15)

    def end(self, sig: int, timeout: float = 60) -> int:
        """Send ``sig`` and wait for the process to end, reading the terminal meanwhile:
        a view that restores the screen on its way out must never block on a full pty."""
        os.kill(self.pid, sig)
        deadline = time.monotonic() + timeout
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                raise AssertionError(f"qcode did not end within {timeout} s of signal {sig}")
            self.pump(0.1)
        os.close(self.fd)
        return status


def _lines(study) -> int:
    path = study.log_path("anna")
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def wait_lines(study, n: int, term: Terminal, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while _lines(study) < n and time.monotonic() < end:
        term.pump(0.1)
    assert _lines(study) == n


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGHUP], ids=["killed", "hung-up"])
def test_nothing_is_lost_when_the_view_dies(study, sig):
    term = Terminal(["code", INTERVIEW, "--coder", "anna", "--suggest", "off",
                     "-P", str(study.root)])
    term.wait_for(b"sentence 1/17")
    term.type(b"j", b"j", b"j", b"1")
    wait_lines(study, 1, term)
    term.type(b"j", b"3")
    wait_lines(study, 2, term)
    term.type(b"j")
    term.pump(1.0)
    term.end(sig)
    assert briefs(study, "anna") == [
        ("apply", INTERVIEW, "135:175", "coordination", "manual", None, None),
        ("apply", INTERVIEW, "176:238", "autonomy", "manual", None, None),
    ]
    assert verify_project(study).ok
    again = Session(study, "anna", suggest=False)
    assert (again.doc.id, again.index) == (INTERVIEW, 5)
