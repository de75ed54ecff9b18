"""The audit trail: per-coder, append-only, hash-chained decision logs.

``line`` is the byte format and the chain, ``log`` reads and appends under a lock,
``verify`` checks chains and seals, ``githistory`` checks git history, ``ops`` ties
them to a project. docs/audit-format.md describes the format for readers without
qcode.
"""

from __future__ import annotations

from .line import (
    ACTIONS,
    KEYS,
    Event,
    LineError,
    chain_hash,
    fingerprint,
    format_line,
    genesis,
    now_iso,
    parse_line,
    parse_span,
    shorten,
)
from .log import PROJECT_LOG, Head, LogRead, locked_log, log_names, read_head, read_log
from .ops import Written, append_events, heads, seal, unsigned_head, verify_project
from .verify import LogCheck, Problem, Seal, VerifyReport, check_log, verify

__all__ = [
    "ACTIONS", "KEYS", "PROJECT_LOG", "Event", "Head", "LineError", "LogCheck", "LogRead",
    "Problem", "Seal", "VerifyReport", "Written", "append_events", "chain_hash", "check_log",
    "fingerprint", "format_line", "genesis", "heads", "locked_log", "log_names", "now_iso",
    "parse_line", "parse_span", "read_head", "read_log", "seal", "shorten", "unsigned_head",
    "verify", "verify_project",
]
