"""Small measuring helpers shared by the benchmarks."""

from __future__ import annotations

import os


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a forked worker)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
