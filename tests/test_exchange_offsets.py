"""Offsets: what each profile writes, each reading reads back, onto the same text;
and readings of hand-counted cases."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from qcode.corpus import normalise
from qcode.exchange import offsets
from qcode.exchange.refi_write import PROFILES, layout

PIECES = st.sampled_from(["a", "ø", "é", "e\u0301", "q\u0301", "🙂", "👩‍⚕️", " ", "\n", "\r\n", "Kari:", "\t"])


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=40), st.data())
def test_every_profile_reads_back_to_the_same_spans(pieces, data):
    text = normalise("".join(pieces))
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    for profile in PROFILES:
        lay = layout(text, profile)
        raw = offsets.decode_source(lay.data)
        counter = offsets.Counter(raw, offsets.PROFILE_READINGS[profile])
        mapping = offsets.TextMap(raw)
        assert mapping.normal == text
        start, end = counter.index(lay.offset(a)), counter.index(lay.offset(b))
        assert start is not None and end is not None
        assert (mapping.to_normal(start), mapping.to_normal(end)) == (a, b), profile


def test_hand_counted_readings():
    raw = "\ufeffHi 🙂\r\nthere"
    # "there" starts after: H i space 🙂 CR LF
    cases = {
        offsets.Reading("codepoints", False, False): 6,
        offsets.Reading("codepoints", True, False): 5,
        offsets.Reading("utf16", False, False): 7,
        offsets.Reading("utf16", False, True): 8,
        offsets.Reading("codepoints", False, True): 7,
    }
    mapping = offsets.TextMap(raw)
    for reading, start in cases.items():
        index = offsets.Counter(raw, reading).index(start)
        assert index is not None, reading
        assert mapping.normal[mapping.to_normal(index):].startswith("there"), reading
    inside = offsets.Counter(raw, offsets.Reading("utf16", False, False)).index(4)
    assert inside is None  # the second half of the emoji's surrogate pair


def test_nfd_text_maps_onto_its_nfc_form():
    raw = "Cafe\u0301 ok"
    mapping = offsets.TextMap(raw)
    assert mapping.normal == unicodedata.normalize("NFC", raw)
    assert mapping.to_normal(6) == 5  # "ok" starts at 6 in the file, at 5 when composed
    assert mapping.to_normal(4) == 3  # inside the composed é: its start


def test_names_are_compared_as_quotes():
    assert offsets.name_matches("For some reason babies aren't…", "For some reason babies aren't supposed")
    assert offsets.name_matches("Quotation 6:1", "anything") is None
    assert offsets.name_matches("", "x") is None
    assert offsets.name_matches("the list changes", "a different passage") is False
