"""Sentence offsets read from token arrays equal the ones spaCy's own ``doc.sents``
gives, trimmed and with opening brackets moved on, on text built to stress it."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcode.nlp import _space_table, doc_sentence_spans, sentence_pipeline, sentence_spans


def reference_spans(doc) -> list[tuple[int, int]]:
    """The plain definition, on spaCy's objects: each sentence of ``doc.sents``; an
    opening bracket (spaCy's ``is_left_punct``) at the end of a sentence of more
    than one token moves to the next sentence; each sentence runs from its first to
    the end of its last non-space token (``is_space``); all-space sentences drop."""
    sents = [list(s) for s in doc.sents]
    changed = True
    while changed:
        changed = False
        for i in range(len(sents) - 1):
            if len(sents[i]) > 1 and sents[i][-1].is_left_punct:
                sents[i + 1].insert(0, sents[i].pop())
                changed = True
    out = []
    for sent in sents:
        solid = [t for t in sent if not t.is_space]
        if solid:
            out.append((solid[0].idx, solid[-1].idx + len(solid[-1].text)))
    return out


_PIECES = st.sampled_from([
    "Yes.", "we", "drove", "out", "(", ")", "[", "]", "[laughs]", "«", "»", "“", "”", '"',
    "'", "«Nei.", "...", "?", "!", "—", "Mm.", "P3:", "I:", "ok", "2020.", "\n", "\n\n",
    "\t", "  ", " ", "\u00a0", "\u2003", "\u3000", "\u2028", "æøå.", "Ja!", "[inaudible]",
    "(overlapping)", "—", "e.g.", "Dr.", "((", "[[",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_PIECES, st.sampled_from(["", " ", "  ", "\n"])), max_size=40),
       st.sampled_from(["en", "nb"]))
def test_sentence_offsets_equal_the_reference_on_spacy_objects(parts, lang):
    text = "".join(piece + gap for piece, gap in parts)
    nlp = sentence_pipeline(lang)
    doc = nlp(text)
    assert doc_sentence_spans(doc, text) == reference_spans(doc)


_TOKENS = st.sampled_from(["(", "[", "«", "“", '"', "a", "b", "said", ".", "?", ")", "»", "\n", "  "])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_TOKENS, st.booleans(), st.booleans()), min_size=1, max_size=30))
def test_sentence_starts_set_by_any_pipeline_equal_the_reference(tokens):
    """A trained parser may start a sentence anywhere, even at a bracket (which the
    sentencizer never does), so brackets can have to move on more than once."""
    from spacy.tokens import Doc

    nlp = sentence_pipeline("en")
    words = [w for w, _, _ in tokens]
    spaces = [space and not w.isspace() for w, space, _ in tokens]
    starts = [True] + [start for _, _, start in tokens[1:]]
    doc = Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=starts)
    assert doc_sentence_spans(doc, doc.text) == reference_spans(doc)


def test_a_bracket_moves_on_through_a_one_token_sentence():
    from spacy.tokens import Doc

    doc = Doc(sentence_pipeline("en").vocab, words=["a", "(", "[", "b", "c"],
              spaces=[True] * 5, sent_starts=[True, False, True, True, False])
    assert doc_sentence_spans(doc, doc.text) == reference_spans(doc) == [(0, 1), (2, 3), (4, 9)]


def test_sentence_offsets_on_the_sample_study_equal_the_reference():
    from pathlib import Path

    corpus = Path(__file__).resolve().parent.parent / "corpus"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.txt"))]
    assert texts
    nlp = sentence_pipeline("en")
    found = sentence_spans(texts, "en")
    for text, spans in zip(texts, found, strict=True):
        assert spans == reference_spans(nlp(text))
        assert all(text[a:b] == text[a:b].strip() and b > a for a, b in spans)


def test_a_bracket_left_at_a_sentence_end_moves_to_the_next_sentence():
    text = "We sat by the cabinet. [laughs] You have to ask her."
    assert sentence_spans([text], "en")[0] == [(0, 22), (23, len(text))]


def test_space_table_knows_every_space_character():
    table = _space_table()
    assert [c for c in range(len(table)) if table[c]] == [
        c for c in range(len(table)) if chr(c).isspace()]
    assert not any(chr(c).isspace() for c in range(len(table), sys.maxunicode + 1))


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t", "\u3000"])
def test_blank_text_has_no_sentences(text):
    assert sentence_spans([text], "en") == [[]]
