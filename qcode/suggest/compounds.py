"""Decompounding for the rules: a keyword as the first part or head of a compound.

Norwegian, Danish, Swedish, German and Dutch write compounds as one word
("kvoteprisene" = *kvote* + *prisene*, "skreisesongen" = *skrei* + *sesongen*).
A word the lemma table does not know is split where both sides are words it does
know (each at least :data:`MIN_PART` letters; the left side may end in a linking
``s`` or ``e``). A single-word keyword matches the word when its lemma is the
lemma of the first part or of the head. A word the dictionary knows is split
only into parts of four letters or more, a linking letter counted ("fiskekvotene"
is *fiske* + *kvotene*, "tidspress" *tid(s)* + *press*, but "forstå" is not *for* +
*stå*), and nothing matches inside a part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Doc

COMPOUNDING = frozenset({"nb", "nn", "no", "da", "sv", "de", "nl"})
MIN_PART = 3
MIN_KNOWN_PART = 4
LINKS = ("s", "e")


def split_compound(word: str, forms: dict[str, str]) -> list[tuple[str, str]]:
    """Every (first part, head) of ``word`` as lemma keys. A word the dictionary
    knows is split only into parts of :data:`MIN_KNOWN_PART` letters or more
    ("fiskekvotene", not "forstå")."""
    known = word in forms
    least = MIN_KNOWN_PART if known else MIN_PART
    if len(word) < 2 * least or not word.isalpha():
        return []
    found = []
    for i in range(least, len(word) - least + 1):
        left, head = word[:i], word[i:]
        if head not in forms:
            continue
        if left in forms:
            found.append((forms[left], forms[head]))
        if left.endswith(LINKS) and len(left) > MIN_PART and left[:-1] in forms:
            found.append((forms[left[:-1]], forms[head]))  # "tids" is a form, and tid + s
    return found


class Compounds:
    """Match single-word keywords (by lemma key) as parts of unknown compounds."""

    def __init__(self, nlp: Any, lemmatizer: Any) -> None:
        self.strings = nlp.vocab.strings
        self.forms = lemmatizer.table.forms
        self.keys: dict[str, list[int]] = {}  # lemma key -> match ids
        self._seen: dict[int, tuple[int, ...]] = {}  # LOWER id -> match ids

    def add(self, match_id: int, lemma_docs: list[Any]) -> None:
        for doc in lemma_docs:
            if len(doc) == 1:
                ids = self.keys.setdefault(doc[0].lemma_, [])
                if match_id not in ids:
                    ids.append(match_id)

    def _ids(self, lower: int) -> tuple[int, ...]:
        found = self._seen.get(lower)
        if found is None:
            word = self.strings[lower]
            hits: dict[int, None] = {}
            for first, head in split_compound(word, self.forms):
                for key in (first, head):
                    for part in key.split("|"):
                        hits.update(dict.fromkeys(self.keys.get(part, ())))
                    hits.update(dict.fromkeys(self.keys.get(key, ())))
            found = self._seen[lower] = tuple(hits)
        return found

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not len(doc):
            return []
        from spacy.attrs import LOWER

        out = []
        for i, lower in enumerate(doc.to_array(LOWER).tolist()):
            for match_id in self._ids(lower):
                out.append((match_id, i, i + 1))
        return out
