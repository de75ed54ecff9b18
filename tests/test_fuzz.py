"""Fuzzing with Hypothesis: every reader, the YAML loader, the CSV loaders and the
renderers take hostile text and either give a result or raise a QcodeError (one
line for the person), never another exception; rendered text holds no terminal
control character and no markup is read from data.

CI runs a small budget (the ``ci`` profile); ``make fuzz`` runs the ``fuzz``
profile, many times as many examples.
"""

from __future__ import annotations

import csv
import io
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcode.errors import QcodeError

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=3000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("QCODE_FUZZ_PROFILE", "ci"))

CONTROLS = "".join(chr(c) for c in (*range(0, 32), 127, *range(0x80, 0xA0), 0x202E, 0x2066))
MARKUP = ["[/]", "[bold]", "[link=https://x.example]", "[/link]", "\x1b[2J", "\x1b]0;t\x07",
          "\x1b]8;;http://x\x1b\\", "\x1b]52;c;eA==\x07", "\r", "\u2028", "\ufeff"]
hostile_text = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(MARKUP),
                                  st.text(alphabet=CONTROLS, max_size=5)),
                        max_size=12).map("".join)

YAML_PIECES = ["a: ", "- ", "  ", "\n", "&x ", "*x", "!!python/object:os.system ", "!!int ",
               "!!timestamp ", "[", "]", "{", "}", ": ", "? ", "'", '"', "---\n", "#", "9" * 50,
               "2020-13-45", "<<: *x\n", "!mine ", "|\n  ", ">\n  ", "~", "yes", "1e999"]
yaml_text = st.lists(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=8)),
                     max_size=40).map("".join)


def ok_or_refused(call, *args):
    """The call's result, or None when it raised a QcodeError (anything else fails)."""
    try:
        return call(*args)
    except QcodeError as exc:
        assert exc.message and "\n" not in exc.message.strip()
        return None


@given(yaml_text)
def test_yaml_loader_gives_data_or_one_error(text):
    from qcode import yamlio

    ok_or_refused(yamlio.loads, text, "x.yaml")
    ok_or_refused(yamlio.load_with_marks, text, "x.yaml")


@given(st.binary(max_size=400) | hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_codebook_parse_gives_a_codebook_or_one_error(data):
    from qcode.codebook import parse_codebook

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    ok_or_refused(parse_codebook, text, "codebook.yaml")


caption = st.lists(st.one_of(
    st.sampled_from(["WEBVTT\n\n", "1\n", "00:00:01.000 --> 00:00:02.000\n",
                     "00:00:01,000 --> 00:00:02,000\n", "<v Kari>", "</v>", "\n\n",
                     "99:99:99,999 --> 00:00:00,000\n", "NOTE x\n"]),
    hostile_text), max_size=20).map("".join)


markup = st.lists(st.one_of(
    st.sampled_from(["<p>", "</p>", "<br>", "<script>", "<w:t>", "</w:t>", "<text:p>", "&amp;",
                     "&#0;", "&#x1b;", "{\\rtf1 ", "{\\*\\x ", "\\par ", "\\u-3?", "}", "{",
                     "%PDF-1.4\n", "stream\n", "endstream\n"]),
    hostile_text), max_size=20).map("".join)


def zipped(members: dict[str, str]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text.encode("utf-8", "surrogatepass"))
    return out.getvalue()


archive = st.dictionaries(
    st.sampled_from(["word/document.xml", "content.xml", "mimetype", "[Content_Types].xml",
                     "META-INF/manifest.xml", "../x", "word/../../y"]),
    markup, max_size=4).map(zipped)


def all_suffixes() -> list[str]:
    from qcode.corpus.readers import READERS

    return sorted(READERS)


@given(st.sampled_from(all_suffixes()),
       st.binary(max_size=300) | caption.map(lambda t: t.encode("utf-8", "surrogatepass"))
       | markup.map(lambda t: t.encode("utf-8", "surrogatepass")) | archive)
def test_every_reader_gives_text_or_one_error(tmp_path_factory, suffix, data):
    from qcode.corpus.readers import read_source

    path = tmp_path_factory.mktemp("src") / f"s{suffix}"
    path.write_bytes(data)
    parsed = ok_or_refused(read_source, path, data)
    if parsed is not None:
        assert isinstance(parsed.text, str)


csv_text = st.lists(st.lists(hostile_text, max_size=6), max_size=8).map(
    lambda rows: "".join(",".join(r) + "\n" for r in rows))


@given(st.sampled_from(["doc,code,quote\n", "doc,code,span,memo\n", "", "x,y\n"]), csv_text)
def test_csv_loaders_give_rows_or_one_error(tmp_path_factory, header, body):
    from qcode.agreement.data import read_matrix_csv
    from qcode.agreement.unitized import read_segments_csv
    from qcode.coding.csvload import read_rows
    from qcode.corpus.attributes import read_attributes_csv

    path = tmp_path_factory.mktemp("csv") / "rows.csv"
    path.write_text(header + body, encoding="utf-8", errors="surrogatepass")
    ok_or_refused(read_rows, path)
    ok_or_refused(read_attributes_csv, path, ["hc01", "fn01"])
    ok_or_refused(read_segments_csv, path)
    ok_or_refused(read_matrix_csv, path)


@given(hostile_text)
def test_visible_keeps_length_and_leaves_no_control(text):
    from qcode.safetext import visible

    shown = visible(text)
    assert len(shown) == len(text)
    assert not any(c in shown for c in CONTROLS if c not in "\t\n")


@given(st.lists(st.dictionaries(st.sampled_from(["doc", "code", "memo", "n"]),
                                hostile_text | st.integers(-5, 5) | st.floats(-1, 1)),
                max_size=6))
def test_tables_and_csv_render_hostile_records_safely(records):
    from rich.console import Console

    from qcode.reports import to_csv, to_json, to_lines, to_markdown, to_table

    columns = ["doc", "code", "memo", "n"]
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(to_table(records, columns))
    lines = to_lines(records, columns, 80)
    for rendered in (out.getvalue(), lines):
        assert "\x1b" not in rendered and "\x07" not in rendered and "\x9b" not in rendered
    markdown = to_markdown(records, columns)
    assert markdown.count("\n") == len(records) + 2  # one line per row, whatever the text
    assert json.loads(to_json(records, columns)) == [  # JSON carries the text exactly
        {c: r.get(c) for c in columns} for r in records]
    rows = list(csv.reader(io.StringIO(to_csv(records, columns), newline="")))
    assert len(rows) == len(records) + 1
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")) or cell.lstrip("+").replace(
                ".", "", 1).isdigit()


@given(hostile_text)
def test_markup_in_data_is_never_read_as_markup(text):
    from rich.console import Console

    from qcode.reports import safe_text

    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(safe_text(text))
    from qcode.safetext import visible

    assert " ".join(visible(text).split()) in " ".join(out.getvalue().split())
