"""A vectorised reader for plain reliability-data CSV text.

``agree matrix FILE`` reads a header row of coder names and one row per unit.
The careful reader (:func:`qcode.agreement.data.read_matrix_csv`) parses it
cell by cell with the ``csv`` module, which is exact for any file and words
every error, but spends most of a large file's time in Python. Most matrices
are plain: ASCII, no quotes, no cell with spaces around it, every row with one
cell per coder. This module reads such text with numpy over the whole buffer at
once (find the separators, take each cell's bytes as one integer key, find the
distinct keys) and answers ``None`` for anything else, so the careful reader
reads, or explains, every other file. Both give the same result on plain text
(a property test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_WIDTH = 8  # bytes per cell that fit one uint64 key; wider labels go the careful way
_SAMPLE = 4096  # cells whose distinct keys are a first guess at the domain
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 11, 12, 28, 29, 30, 31, 32]] = True  # what str.strip() removes (no \r or \n here)


@dataclass(frozen=True, slots=True, eq=False)
class PlainMatrix:
    """Header names; ``codes`` (units x coders, -1 missing) index the sorted ``labels``."""

    header: list[str]
    codes: np.ndarray
    labels: tuple[str, ...]


def read_plain(text: str) -> PlainMatrix | None:
    """The matrix in ``text``, or None when it is not plain (see the module docstring)."""
    if not text.isascii() or '"' in text or "\0" in text or len(text) >= 1 << 31:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    head, _, body = text.partition("\n")
    header = head.split(",")
    if not body or body.startswith("\n") or "\n\n" in body or any(_padded(h) for h in header):
        return None
    if not body.endswith("\n"):
        body += "\n"
    return _cells(header, np.frombuffer(body.encode("ascii"), dtype=np.uint8))


def _padded(cell: str) -> bool:
    return cell != cell.strip() or not cell


def _cells(header: list[str], buf: np.ndarray) -> PlainMatrix | None:
    sep = (buf == 44) | (buf == 10)
    if not (~sep[1:] & ~sep[:-1]).any() and not _SPACE[buf].any():
        return _one_byte_cells(header, buf, sep)
    ends = np.flatnonzero(sep)
    n_cols = len(header)
    rows = ends.size // n_cols
    if ends.size % n_cols or np.count_nonzero(buf == 10) != rows \
            or not (buf[ends[n_cols - 1::n_cols]] == 10).all():
        return None  # a ragged row: the careful reader names it
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    widths = ends - starts
    # an empty cell's first and last bytes are separators, never spaces
    if widths.max(initial=0) > MAX_WIDTH or _SPACE[buf[starts]].any() or _SPACE[buf[ends - 1]].any():
        return None
    codes, labels = _index(_keys(buf, starts, widths))
    matrix = codes.reshape(rows, n_cols)
    coded = (widths.reshape(rows, n_cols) > 0).any(axis=1)
    return PlainMatrix(header, matrix if coded.all() else matrix[coded], labels)


_CELL = np.arange(256, dtype=np.uint8)
_CELL[[44, 10]] = 0  # the byte before a separator: a cell's one byte, or 0 for an empty cell


def _one_byte_cells(header: list[str], buf: np.ndarray, sep: np.ndarray) -> PlainMatrix | None:
    """The common matrix of one-character values (codes 0-9, y/n): no cell has two
    bytes, so each separator closes one cell whose byte (if any) is just before it.
    Everything stays in bytes; no offset array is made."""
    n_cols = len(header)
    closing = buf[sep]
    if closing.size % n_cols or closing[-1] != 10:
        return None
    rows = closing.size // n_cols
    if np.count_nonzero(closing == 10) != rows or not (closing[n_cols - 1::n_cols] == 10).all():
        return None  # a ragged row: the careful reader names it
    before = np.empty_like(buf)
    before[0] = 10
    before[1:] = buf[:-1]
    keys = _CELL[before[sep]]
    codes, labels = _index(keys, small=True)
    matrix = codes.reshape(rows, n_cols)
    coded = (keys.reshape(rows, n_cols) != 0).any(axis=1)
    return PlainMatrix(header, matrix if coded.all() else matrix[coded], labels)


def _keys(buf: np.ndarray, starts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Each cell's bytes as one big-endian integer, zero-padded on the right, so that
    the integers sort as the texts do; an empty cell is 0 (no cell holds a NUL)."""
    width = int(widths.max(initial=0))
    if width <= 1:
        return np.where(widths > 0, buf[starts], np.uint8(0))
    kind = np.uint16 if width <= 2 else np.uint32 if width <= 4 else np.uint64
    keys: np.ndarray = np.zeros(starts.size, dtype=kind)
    last = buf.size - 1
    for j in range(width):
        byte = buf[np.minimum(starts + j, last)].astype(kind)
        byte[widths <= j] = 0
        keys <<= kind(8)
        keys |= byte
    if shift := 8 * (np.dtype(kind).itemsize - width):
        keys <<= kind(shift)
    return keys


def _index(keys: np.ndarray, small: bool = False) -> tuple[np.ndarray, tuple[str, ...]]:
    """Codes into the sorted distinct non-zero keys (-1 for 0, an empty cell), and
    those keys as text; ``small``: at most 255 labels, codes as int16."""
    if keys.dtype.itemsize <= 2:
        seen = np.bincount(keys, minlength=1 << (8 * keys.dtype.itemsize)) > 0
        seen[0] = False
        lookup = np.cumsum(seen) - 1
        lookup[0] = -1
        distinct = np.flatnonzero(seen).astype(keys.dtype)
        if small:
            return lookup.astype(np.int16)[keys], tuple(_text(k, 1) for k in distinct)
        codes = lookup[keys]
    else:
        zero = np.zeros(1, dtype=keys.dtype)
        distinct = np.union1d(zero, keys[:_SAMPLE])
        codes = np.searchsorted(distinct, keys)
        if not np.array_equal(distinct[np.minimum(codes, distinct.size - 1)], keys):
            distinct, codes = np.unique(np.concatenate([zero, keys]), return_inverse=True)
            codes = codes[1:]
        codes -= 1
        distinct = distinct[1:]
    return codes.astype(np.int64, copy=False), tuple(_text(k, keys.dtype.itemsize) for k in distinct)


def _text(key: np.integer, size: int) -> str:
    return int(key).to_bytes(size, "big").rstrip(b"\0").decode("ascii")
