"""Codings as columns: five integers per coding, for the analyses of a big project.

Agreement, co-occurrence and crosstabs need of a coding only its document, coder,
code and span. A :class:`CodingTable` holds those as one ``int64`` array with a row
per coding (document, coder and code as positions in the table's vocabularies),
40 bytes a coding, where a :class:`qcode.codings.Coding` record takes some
hundreds. The index (:mod:`qcode.index`) keeps each log's table as one blob, so an
analysis of a million-line project reads 50 blobs instead of building a million
records; a table made from records (:meth:`CodingTable.of`) is the same table.
Storing one (:func:`dump_codings`) needs no numpy: a command that only reads a
document's codings, after an append, does not pay numpy's import to update the index.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

DOC, CODER, CODE, START, END = range(5)
_INT64 = next(t for t in "qlL" if array(t).itemsize == 8)  # "q" everywhere
# int64, not int32: a span in a (damaged or hostile) log may lie past 2**31, and must be
# counted as the replay counts it, not overflow


class CodingLike(Protocol):
    """What an analysis reads of a coding (a frozen record gives it too)."""

    @property
    def coder(self) -> str: ...
    @property
    def doc(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def code(self) -> str: ...


@dataclass(frozen=True, eq=False)
class CodingTable:
    """Codings as rows ``(doc, coder, code, start, end)`` of ``int64``; the first three
    are positions in ``docs``, ``coders`` and ``codes``. Row order carries no meaning."""

    docs: tuple[str, ...]
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    rows: np.ndarray

    @classmethod
    def of(cls, codings: Iterable[CodingLike]) -> CodingTable:
        """The table of these records."""
        return cls.load(*dump_codings(codings))

    @classmethod
    def stack(cls, parts: Sequence[CodingTable]) -> CodingTable:
        """All the rows of ``parts``, in one table with one vocabulary per column."""
        import numpy as np

        vocab: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        # one copy of every row: renumbered in place, part by part, after stacking
        rows = np.concatenate([p.rows for p in parts]) if parts else np.empty((0, 5), np.int64)
        at = 0
        for part in parts:
            block = rows[at:at + len(part)]
            at += len(part)
            for col, (names, seen) in enumerate(zip((part.docs, part.coders, part.codes), vocab,
                                                    strict=True)):
                if names:
                    moved = np.array([seen.setdefault(n, len(seen)) for n in names], np.int64)
                    block[:, col] = moved[block[:, col]]
        return cls(tuple(vocab[0]), tuple(vocab[1]), tuple(vocab[2]), rows)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def present(self, column: int) -> set[str]:
        """The documents (``DOC``), coders (``CODER``) or codes (``CODE``) with a row."""
        import numpy as np

        names = (self.docs, self.coders, self.codes)[column]
        return {names[i] for i in np.unique(self.rows[:, column])}

    def only(self, *, docs: Iterable[str] | None = None, coders: Iterable[str] | None = None
             ) -> CodingTable:
        """The rows of these documents and coders (None: all of them)."""
        import numpy as np

        keep = np.ones(len(self), dtype=bool)
        for column, chosen in ((DOC, docs), (CODER, coders)):
            if chosen is not None:
                keep &= self.positions(column, chosen)[self.rows[:, column]] >= 0
        return self if keep.all() else CodingTable(self.docs, self.coders, self.codes,
                                                   self.rows[keep])

    def positions(self, column: int, chosen: Iterable[str]) -> np.ndarray:
        """For each name of the column's vocabulary, its position in ``chosen`` (-1: not
        chosen): the lookup that turns the table's numbering into an analysis's."""
        import numpy as np

        names = (self.docs, self.coders, self.codes)[column]
        where = {n: i for i, n in enumerate(chosen)}
        return np.array([where.get(n, -1) for n in names], dtype=np.int64).reshape(-1)

    # ------------------------------------------------------------ stored form

    @classmethod
    def load(cls, vocab: str, data: bytes) -> CodingTable:
        """The table :func:`dump_codings` stored (a damaged entry raises ValueError)."""
        import numpy as np

        names: Any = json.loads(vocab)
        if not (isinstance(names, list) and len(names) in (3, 4)
                and all(isinstance(n, list) for n in names)):
            raise ValueError("not a stored coding table")
        # a read-only view of the stored bytes (no copy: stacking makes the one copy)
        rows = np.frombuffer(data, dtype="<i8").reshape(-1, 5).astype(np.int64, copy=False)
        docs, coders, codes = (tuple(str(x) for x in n) for n in names[:3])
        if rows.size and (rows[:, :3].min() < 0 or rows[:, DOC].max() >= len(docs)
                          or rows[:, CODER].max() >= len(coders)
                          or rows[:, CODE].max() >= len(codes)):
            raise ValueError("a stored coding table points outside its names")
        return cls(docs, coders, codes, rows)


def dump_codings(codings: Iterable[CodingLike]) -> tuple[str, bytes]:
    """``(vocabularies as JSON, rows as bytes)``: the stored form of the table of these
    records (what the index keeps for a log), made without numpy (rows as little-endian
    ``int64``). The rows are in document order and the documents named in sorted order,
    with a fourth list, ``bounds``: document ``i``'s rows are ``bounds[i]:bounds[i+1]``,
    so that a reader takes a run of documents' rows without the rest
    (:class:`qcode.index.StoredCodings`)."""
    vocab: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
    d, c, k = (v.setdefault for v in vocab)
    ordered = sorted(codings, key=_doc_of)
    bounds = [0]
    rows = array(_INT64)
    for r in ordered:
        i = d(r.doc, len(vocab[0]))
        if i == len(bounds) - 1:  # a new document begins
            bounds.append(bounds[-1])
        bounds[-1] += 1
        rows.extend((i, c(r.coder, len(vocab[1])), k(r.code, len(vocab[2])), _held(r.start),
                     _held(r.end)))
    if sys.byteorder == "big":
        rows.byteswap()
    names = json.dumps([list(vocab[0]), list(vocab[1]), list(vocab[2]), bounds],
                       ensure_ascii=False)
    return names, rows.tobytes()


def _doc_of(r: CodingLike) -> str:
    return r.doc


_FAR = 1 << 62  # past any document: a span beyond it reaches the same units (none) held here


def _held(offset: int) -> int:
    """An offset as the table holds it: within +-2**62, so that an absurd span in a
    damaged log (past 2**63) neither overflows nor changes which units it reaches."""
    return offset if -_FAR <= offset <= _FAR else (_FAR if offset > 0 else -_FAR)
