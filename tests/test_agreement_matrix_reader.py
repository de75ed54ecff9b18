"""The vectorised reader of reliability-data CSV files against the careful one.

The vectorised reader (qcode.agreement.plaincsv) takes plain files; anything else
goes to the csv-module reader, which words every error. Both must give the same
data: same domain, same codes, same coders, for every level."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcode.agreement import krippendorff_alpha, read_matrix_csv
from qcode.agreement.data import _read_careful
from qcode.agreement.plaincsv import read_plain

LABELS = ["1", "2", "10", "3.5", "-1", "yes", "no", "maybe", "a", "ab", "abc", "abcdefgh", "Zz"]


def same(a, b) -> None:
    assert a.domain == b.domain
    assert a.coders == b.coders
    assert np.array_equal(a.codes, b.codes)
    if a.numeric is None:
        assert b.numeric is None
    else:
        assert np.array_equal(a.numeric, b.numeric)


def careful(path, level="nominal", categories=None):
    return _read_careful(path, path.read_text(encoding="utf-8-sig"), level, categories)


def test_a_plain_matrix_is_read_by_the_vectorised_reader(tmp_path):
    # today's reader parses every cell in Python; a plain file now takes the numpy path
    text = "anna,ben,cato\n1,2,\n,2,2\n3,,3\n,,\n10,10,1\n"
    plain = read_plain(text)
    assert plain is not None
    assert plain.header == ["anna", "ben", "cato"]
    assert plain.labels == ("1", "10", "2", "3")  # sorted as text, like the careful reader
    assert plain.codes.tolist() == [[0, 2, -1], [-1, 2, 2], [3, -1, 3], [1, 1, 0]]  # ",," dropped
    f = tmp_path / "m.csv"
    f.write_text(text, encoding="utf-8")
    same(read_matrix_csv(f), careful(f))


@pytest.mark.parametrize("text", [
    'a,b\n"1",2\n',            # quotes
    "a,b\n 1,2\n",             # a cell with a space around it
    "a,b\n1,2\n\n2,2\n",       # a blank line
    "a,b\n1,2,3\n",            # a ragged row
    "a,b\n1\n",                # a short row
    "a,b\nøre,2\n",            # not ASCII
    "a,b\nabcdefghi,1\n",      # wider than one key
    "a, b\n1,2\n",             # a padded header
    "a,b\r1,2\r",              # old Mac line ends
])
def test_what_is_not_plain_goes_to_the_careful_reader(text):
    assert read_plain(text) is None


def test_crlf_and_a_missing_last_newline_are_plain(tmp_path):
    f = tmp_path / "m.csv"
    f.write_bytes(b"\xef\xbb\xbfanna,ben\r\n1,2\r\n2,2")
    assert read_plain("anna,ben\r\n1,2\r\n2,2") is not None
    same(read_matrix_csv(f), careful(f))


def test_errors_are_still_worded_by_the_careful_reader(tmp_path):
    from qcode.errors import InputError

    f = tmp_path / "m.csv"
    f.write_text("anna,ben\n1,2\n3\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 3 has 1 cells"):
        read_matrix_csv(f)
    f.write_text("anna,ben\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2, column 2 holds 'x', not a number"):
        read_matrix_csv(f, level="interval")
    f.write_text("anna,ben\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="'2' is not among the declared categories"):
        read_matrix_csv(f, categories=["1", "3"])


cells = st.one_of(st.just(""), st.sampled_from(LABELS))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=30),
       level=st.sampled_from(["nominal", "ordinal", "interval", "ratio"]),
       numeric=st.booleans(), declared=st.booleans())
def test_the_two_readers_agree(tmp_path, rows, level, numeric, declared):
    if numeric or level in ("interval", "ratio"):
        rows = [[c if c in ("", "1", "2", "10", "3.5", "-1") else "2" for c in r] for r in rows]
    if not any(len([c for c in r if c]) >= 2 for r in rows):
        rows.append(["1", "1", ""])
    f = tmp_path / "m.csv"
    f.write_text("anna,ben,cato\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    used = sorted({c for r in rows for c in r if c})
    categories = [*used, "unused"] if declared and level in ("nominal", "ordinal") else None
    fast = read_matrix_csv(f, level=level, categories=categories)
    slow = careful(f, level, categories)
    same(fast, slow)
    assert krippendorff_alpha(fast) == pytest.approx(krippendorff_alpha(slow), nan_ok=True)


def test_a_large_domain_past_the_first_cells_is_found(tmp_path):
    # the first cells hold only two labels; later ones bring many more (the guess
    # from the first cells must be checked, never trusted)
    rng = np.random.default_rng(0)
    head = [["aa", "ab"]] * 5000
    tail = [[f"x{v}", f"y{v}"] for v in rng.integers(0, 500, size=2000)]
    f = tmp_path / "m.csv"
    f.write_text("anna,ben\n" + "".join(",".join(r) + "\n" for r in head + tail), encoding="utf-8")
    assert read_plain(f.read_text()) is not None
    same(read_matrix_csv(f), careful(f))


@pytest.mark.parametrize("text", [
    "anna,ben,cato\n1,2,\n,2,2\n,,\ny,n,y\n",   # one byte a cell: the byte path
    "anna,ben\n1,2\n\t,2\n",                     # a tab: not plain
    "anna,ben\n1,2\n1,2,3\n",                    # ragged, found on the byte path
])
def test_one_character_cells(tmp_path, text):
    f = tmp_path / "m.csv"
    f.write_text(text, encoding="utf-8")
    plain = read_plain(text)
    if "\t" in text or "3\n" in text:
        assert plain is None
        return
    assert plain is not None and plain.labels == ("1", "2", "n", "y")
    assert plain.codes.tolist() == [[0, 1, -1], [-1, 1, 1], [3, 2, 3]]
    same(read_matrix_csv(f), careful(f))
