"""Deterministic GUIDs (UUIDv5) from qcode's stable ids, so that two exports of
one project are byte-identical and a re-import finds its own codes again.

A code's GUID depends on its id only: the same code id is the same code in any
qcode project, which is what a round trip needs. Everything else (documents,
codings, memos, coders) is named within its project.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c2a1e-8d1b-5a57-9a63-0c0de0e8c0de")


def make(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts))).upper()


def code_guid(code_id: str) -> str:
    return make("code", code_id).lower()
