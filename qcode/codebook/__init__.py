"""The codebook and the migration step model that both the codebook and replay need.

``model`` loads and checks ``codebook.yaml``; ``steps`` validates its ``changes``
(how codings move from one version to the next); ``mapping`` maps replayed codings
through those steps and through document versions. This package sits in the
record layer (docs/architecture.md): it imports only the base layer.
"""

from __future__ import annotations

from .model import (
    Code,
    Codebook,
    Problem,
    check,
    dump_codebook,
    load_codebook,
    parse_codebook,
    to_data,
)

__all__ = [
    "Code", "Codebook", "Problem", "check", "dump_codebook", "load_codebook", "parse_codebook",
    "to_data",
]
