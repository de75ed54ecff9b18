"""Re-anchoring spans in an edited text: examples, and properties over random edits
(insertions, deletions, typo fixes, whitespace changes)."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qcode.anchor import THRESHOLD, OffsetMap, anchor, anchor_spans

OLD = "The nurse said hello. Then we drove to the next visit. It was late."


def test_identical_text_keeps_offsets():
    spans = [(0, 21), (22, 54), (55, 67)]
    assert [(a.start, a.end, a.method) for a in anchor_spans(OLD, OLD, spans)] == \
        [(0, 21, "same"), (22, 54, "same"), (55, 67, "same")]


def test_text_moved_by_an_edit_before_it_is_found_exactly():
    new = "Intro. " + OLD
    found = anchor_spans(OLD, new, [(22, 54)])[0]
    assert (found.start, found.end, found.method, found.score) == (29, 61, "exact", 100.0)


def test_a_repeated_quote_goes_to_the_occurrence_nearest_its_old_place():
    old = "Yes. A long answer here. Yes. Another answer. Yes."
    new = "Yes. A long answer here, edited. Yes. Another answer. Yes."
    spans = [(25, 29), (46, 50)]  # the second and third "Yes."
    assert [old[a:b] for a, b in spans] == ["Yes.", "Yes."]
    found = anchor_spans(old, new, spans)
    assert [(f.start, f.end) for f in found] == [(33, 37), (54, 58)]


def test_an_edit_inside_the_span_reanchors_with_a_score():
    new = "The nurse said hello. Then we drove quickly to the next visit. It was late."
    found = anchor_spans(OLD, new, [(22, 54)])[0]
    assert found.method == "fuzzy" and THRESHOLD <= found.score < 100
    assert new[found.start:found.end] == "Then we drove quickly to the next visit."


def test_a_deleted_passage_is_an_orphan():
    new = "The nurse said hello. It was late."
    found = anchor_spans(OLD, new, [(22, 54)])[0]
    assert found.orphan and found.start is None and found.score < THRESHOLD


def test_offset_map_carries_positions_around_an_insertion():
    old, new = "abcdef", "abcXYdef"
    offsets = OffsetMap(old, new)
    assert offsets.start(3) == 5 and offsets.end(3) == 3  # inserted text stays outside
    assert offsets.start(1) == 1 and offsets.end(6) == 8
    assert anchor(offsets, 3, 6).start == 5


# ---------------------------------------------------------------- properties

WORD = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=9)
SEPARATORS = (" ", " ", " ", ". ", ", ", "\n")


@st.composite
def documents(draw, min_words: int = 30, unique: bool = False):
    """A text of random words, and a span of 6 to 14 whole words in it. With
    ``unique`` no word repeats (nothing else in the text resembles the span)."""
    words = draw(st.lists(WORD, min_size=min_words, max_size=90, unique=unique))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=len(words), max_size=len(words)))
    text, bounds = "", []
    for word, sep in zip(words, seps, strict=True):
        bounds.append((len(text), len(text) + len(word)))
        text += word + sep
    i = draw(st.integers(0, len(words) - 8))
    j = draw(st.integers(i + 6, min(len(words), i + 14)))
    return text, bounds[i][0], bounds[j - 1][1]


@st.composite
def edit(draw, text: str, lo: int, hi: int):
    """One small edit ``(position, deleted length, inserted text)`` within [lo, hi]."""
    kind = draw(st.sampled_from(("insert", "delete", "typo", "space")))
    pos = draw(st.integers(lo, hi))
    if kind == "insert":
        return pos, 0, draw(st.sampled_from((" um,", " [laughs]", "x", " well ", "\n")))
    if kind == "space":
        return pos, 0, draw(st.sampled_from((" ", "  ", "\n")))
    size = 1 if kind == "typo" else draw(st.integers(1, 3))
    size = min(size, hi - pos)
    assume(size > 0)
    new = draw(st.sampled_from(string.ascii_lowercase)) if kind == "typo" else ""
    assume(text[pos:pos + size] != new)
    return pos, size, new


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for pos, size, new in sorted(edits, key=lambda e: -e[0]):
        text = text[:pos] + new + text[pos + size:]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_edits_elsewhere_never_move_a_coding_off_its_text(data):
    text, start, end = data.draw(documents())
    quote = text[start:end]
    edits = []
    for _ in range(data.draw(st.integers(1, 6))):
        before = data.draw(st.booleans()) and start > 0
        lo, hi = (0, start) if before else (end, len(text))
        pos, size, new = data.draw(edit(text, lo, hi))
        if before:
            size = min(size, start - pos)
        if any(p <= pos + size and pos <= p + s for p, s, _ in edits):
            continue  # edits do not overlap one another
        edits.append((pos, size, new))
    new_text = _apply(text, edits)
    found = anchor_spans(text, new_text, [(start, end)])[0]
    assert found.method in ("same", "exact") and found.score == 100.0
    assert new_text[found.start:found.end] == quote


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_edits_inside_a_coded_span_reanchor_to_the_edited_span(data):
    text, start, end = data.draw(documents())
    assume(end - start >= 40)
    edits = []
    for _ in range(data.draw(st.integers(1, 2))):
        pos, size, new = data.draw(edit(text, start + 1, end - 2))
        size = min(size, end - 1 - pos)
        if size == 0 and not new or any(p <= pos + size and pos <= p + s for p, s, _ in edits):
            continue
        edits.append((pos, size, new))
    assume(edits)
    new_text = _apply(text, edits)
    assume(text[start:end] not in new_text)  # else the old quote is found again, exactly
    delta = sum(len(new) - size for _, size, new in edits)
    found = anchor_spans(text, new_text, [(start, end)])[0]
    assert found.method == "fuzzy", found
    assert (found.start, found.end) == (start, end + delta)
    assert THRESHOLD <= found.score < 100.0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_deleting_a_coded_passage_yields_an_orphan(data):
    text, start, end = data.draw(documents(min_words=40, unique=True))
    new_text = text[:start] + text[end:]
    assume(text[start:end] not in new_text)
    found = anchor_spans(text, new_text, [(start, end)])[0]
    assert found.orphan and found.start is None and found.end is None
    assert found.score < THRESHOLD
