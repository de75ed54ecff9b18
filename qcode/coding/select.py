"""Turn a selector (``--span``, ``--quote`` or ``--unit``) into offsets of a document."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from ..errors import SpanError

if TYPE_CHECKING:
    from ..corpus import Document

CONTEXT = 40


def parse_span_arg(span: str, doc: Document) -> tuple[int, int]:
    """``"120:300"`` -> (120, 300), checked against the document's length."""
    start_s, sep, end_s = str(span).strip().partition(":")
    try:
        start, end = int(start_s), int(end_s)
    except ValueError:
        start = end = -1
    if not sep or start < 0 or end <= start:
        raise SpanError(f"Span {span!r} is not START:END with 0 <= START < END (offsets are "
                        f"characters of the document text, e.g. --span 120:300).")
    if end > len(doc.text):
        raise SpanError(f"Span {span} is outside document {doc.id!r}, which has "
                        f"{len(doc.text)} characters (0:{len(doc.text)}).")
    return start, end


def _snippet(text: str, start: int, end: int, width: int = CONTEXT) -> str:
    piece = text[max(0, start - width // 2):end + width // 2]
    return " ".join(piece.split())


def find_quote(doc: Document, quote: str) -> tuple[int, int]:
    """The one place where ``quote`` occurs exactly; refuse none or several, showing
    where to look instead."""
    needle = unicodedata.normalize("NFC", quote)
    if not needle.strip():
        raise SpanError("The quote is empty; pass the exact text to code, or use --span.")
    hits, pos = [], doc.text.find(needle)
    while pos >= 0:
        hits.append(pos)
        pos = doc.text.find(needle, pos + 1)
    if len(hits) == 1:
        return hits[0], hits[0] + len(needle)
    if hits:
        shown = "; ".join(f"{h}:{h + len(needle)} \"{_snippet(doc.text, h, h + len(needle))}\""
                          for h in hits[:5])
        more = f" and {len(hits) - 5} more" if len(hits) > 5 else ""
        raise SpanError(f"Quote {quote!r} occurs {len(hits)} times in {doc.id!r}: {shown}{more}; "
                        f"choose one with --span START:END.")
    raise SpanError(f"Quote {quote!r} is not in {doc.id!r}{_closest(doc, needle)}; copy the text "
                    "exactly (see `qcode show`), or use --span or --unit.")


def _closest(doc: Document, needle: str) -> str:
    from rapidfuzz import fuzz

    pieces = doc.units("sentence") or doc.units("paragraph") or ((0, len(doc.text)),)
    scored = []
    for start, end in pieces:
        score = fuzz.partial_ratio(needle, doc.text[start:end])
        if score >= 60:
            scored.append((-score, start, end))
    best = sorted(scored)[:3]
    if not best:
        return ""
    shown = "; ".join(f"{a}:{b} \"{_snippet(doc.text, a, b, 0)[:80]}\"" for _, a, b in best)
    return f"; closest passages: {shown}"


def select_span(doc: Document, *, span: str | None = None, quote: str | None = None,
                unit: str | None = None, default_kind: str = "sentence") -> tuple[int, int]:
    """Offsets chosen by exactly one of ``span``, ``quote`` and ``unit``."""
    given = [name for name, v in (("--span", span), ("--quote", quote), ("--unit", unit))
             if v not in (None, "")]
    if len(given) != 1:
        which = ", ".join(given) if given else "none"
        raise SpanError(f"Give exactly one of --span, --quote and --unit (got {which}).")
    if span not in (None, ""):
        return parse_span_arg(span, doc)
    if quote not in (None, ""):
        return find_quote(doc, quote)
    _, _, start, end = doc.resolve_unit(str(unit).strip(), default_kind)
    return start, end
