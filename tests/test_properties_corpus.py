"""Properties of ingestion and the codebook (Hypothesis).

- arbitrary bytes, under any supported suffix, either ingest or raise a QcodeError;
- normalisation is idempotent;
- every unit and turn offset slices the stored text: within bounds, non-empty,
  trimmed, sorted and non-overlapping within a kind, sentences never overlapping
  a speaker label or heading;
- a codebook dumped and parsed again is the same codebook.

Example counts are kept small: each ingested example runs the (cached) spaCy
sentencizer and writes a project folder.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcode.codebook import Code, Codebook, dump_codebook, parse_codebook
from qcode.corpus import READERS, load_document, normalise, read_source
from qcode.corpus.ingest import ingest
from qcode.errors import QcodeError
from qcode.project import init_project

FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MORE = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=120, deadline=None)


def ingest_bytes(data: bytes, suffix: str):
    """Ingest ``data`` as a source file with ``suffix`` into a fresh project; the
    stored Document, or the QcodeError that refused it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = init_project(root / "p")
        src = root / f"source{suffix}"
        src.write_bytes(data)
        try:
            ingest(project, [src])
        except QcodeError as exc:
            assert str(exc).strip() and "\n" not in str(exc)
            assert not list(project.documents_dir.iterdir())  # nothing half-written
            return exc
        return load_document(project, "source")


def check_offsets(doc) -> None:
    text = doc.text
    for kind in ("sentence", "turn", "paragraph"):
        units = doc.units(kind)
        previous_end = 0
        for a, b in units:
            assert 0 <= a < b <= len(text), (kind, a, b)
            piece = text[a:b]
            assert piece.strip() == piece, (kind, piece)
            assert a >= previous_end, (kind, units)  # sorted, no overlap
            previous_end = b
    previous_end = 0
    for n, turn in enumerate(doc.turns, start=1):
        assert turn.n == n
        assert previous_end <= turn.line_start <= turn.start <= turn.end <= len(text)
        previous_end = turn.end
        content = text[turn.start:turn.end]
        assert content.strip() == content
        if turn.start > turn.line_start:  # no sentence overlaps a label or heading
            label = text[turn.line_start:turn.start].rstrip()
            for a, b in doc.units("sentence"):
                assert not (a < turn.line_start + len(label) and b > turn.line_start), (label, a, b)
    paragraphs = doc.units("paragraph")
    for a, b in doc.units("sentence"):
        assert any(pa <= a and b <= pb for pa, pb in paragraphs), (a, b)


# ------------------------------------------------------------- arbitrary bytes


@FEW
@given(data=st.binary(max_size=600), suffix=st.sampled_from(sorted(READERS)))
def test_arbitrary_bytes_ingest_or_raise_qcode_error(data, suffix):
    result = ingest_bytes(data, suffix)
    if not isinstance(result, QcodeError):
        assert result.text.strip()
        assert unicodedata.is_normalized("NFC", result.text)
        assert "\r" not in result.text
        check_offsets(result)


@SOME
@given(data=st.binary(max_size=400), suffix=st.sampled_from(sorted(READERS)))
def test_read_source_never_raises_anything_else(data, suffix):
    try:
        parsed = read_source(Path(f"x{suffix}"), data)
    except QcodeError:
        return
    assert parsed.text == normalise(parsed.text)


_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"])


@FEW
@given(text=st.text(max_size=300), encoding=_ENCODINGS,
       suffix=st.sampled_from([".txt", ".md", ".srt", ".vtt"]))
def test_encoded_text_ingests_or_raises_qcode_error(text, encoding, suffix):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    if suffix == ".vtt":
        data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + data
    elif suffix == ".srt":
        data = b"1\n00:00:01,000 --> 00:00:02,000\n" + data
    result = ingest_bytes(data, suffix)
    if not isinstance(result, QcodeError):
        check_offsets(result)


# ------------------------------------------------------------- normalisation


@SOME
@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert "\r" not in once
    assert not once.startswith("\ufeff")
    assert unicodedata.is_normalized("NFC", once)


# ------------------------------------------------------------- transcript-shaped text

_WORD = st.sampled_from([
    "visit", "team", "Kari", "time", "ok", "nå", "Åse", "café", "e\u0301", "99", "—", "(laughs)",
    "[inaudible]", "...", "Mr.", "well,", "so", "x:", "//", "\u00a0", "\u3000", "\t",
])
_END = st.sampled_from(["", ".", "?", "!", "…", ":", " "])


@st.composite
def _sentence(draw) -> str:
    return " ".join(draw(st.lists(_WORD, min_size=1, max_size=6))) + draw(_END)


_LEAD = st.sampled_from(["", "", "", " ", "\u3000", "\u00a0 ", "\t", "\x0b"])
# Odd characters in a heading line: YAML refuses some, reads others as line breaks.
_ODD = st.text(st.characters(codec="utf-8", exclude_characters="\n\r") | st.sampled_from(
    ["\x85", "\u2029", "\x81", "\x7f", "\ufffe", "\"", "\\", "'", ":", "#", "{", "&"]), max_size=6)


@st.composite
def _line(draw) -> str:
    body = draw(_LEAD) + " ".join(draw(st.lists(_sentence(), min_size=0, max_size=3)))
    kind = draw(st.sampled_from(["label", "timed", "heading", "blank", "prose", "role"]))
    if kind == "label":
        label = draw(st.sampled_from(["I", "R", "P3", "NURSE 2", "Interviewer", "Kari", "Note"]))
        return f"{label}: {body}"
    if kind == "timed":
        stamp = draw(st.sampled_from(["[00:01:02]", "00:01:02", "[1:02]"]))
        return f"{stamp} {draw(st.sampled_from(['Kari', 'Ola Nordmann', 'I']))}: {body}"
    if kind == "role":
        return f"Kari (00:0{draw(st.integers(0, 9))}:00): {body}"
    if kind == "heading":
        return draw(st.sampled_from(["## 2020-01-14", "14.01.2020", "Day 3 — Tuesday", "# Notes",
                                     "2021-02-30 evening", "Dag 4"])) + draw(_ODD)
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t"]))
    return body


_NEWLINE = st.sampled_from(["\n", "\r\n", "\r"])


@MORE
@given(lines=st.lists(_line(), min_size=1, max_size=14), newline=_NEWLINE,
       encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_units_and_turns_slice_the_stored_text(lines, newline, encoding):
    text = newline.join(lines) + draw_tail(lines)
    result = ingest_bytes(text.encode(encoding), ".txt")
    if isinstance(result, QcodeError):
        # only an empty document, or one whose odd characters look binary, is refused
        assert not normalise(text).strip() or "binary" in str(result), result
        return
    assert result.text == normalise(text)
    check_offsets(result)


def draw_tail(lines: list[str]) -> str:
    return "\n" if len(lines) % 2 else ""


_HEADINGS = st.sampled_from(["## 2020-01-14", "14.01.2020", "Day 3 — Tuesday", "2021-02-30", "Dag 4",
                             "### 3.4.21"])


@st.composite
def _fieldnote(draw) -> list[str]:
    """Dated headings (at least two, with odd characters after the date) and prose."""
    body = st.builds(lambda lead, words: lead + " ".join(words), _LEAD, st.lists(_sentence(), max_size=3))
    lines = draw(st.lists(body | st.sampled_from(["", "I: so.", "Kari: visit."]), max_size=8))
    for _ in range(draw(st.integers(2, 4))):
        heading = draw(_HEADINGS) + draw(st.sampled_from([" ", "\t", " — "])) + draw(_ODD)
        lines.insert(draw(st.integers(0, len(lines))), heading)
    return lines


@FEW
@given(lines=_fieldnote(), newline=_NEWLINE)
def test_fieldnote_entries_slice_the_stored_text(lines, newline):
    text = newline.join(lines) + "\n"
    result = ingest_bytes(text.encode("utf-8"), ".md")
    if isinstance(result, QcodeError):  # only when the odd characters look binary
        assert "binary" in str(result)
        return
    assert result.kind == "fieldnote"
    stored = [ln.strip().lstrip("#").strip() for ln in normalise(text).split("\n")]
    assert all(t.heading in stored for t in result.turns)  # read back unchanged
    check_offsets(result)


@FEW
@given(cues=st.lists(st.tuples(st.sampled_from(["<v Kari>", "<v.loud Ola N>", "", "NURSE 2: ", "I: "]),
                               _sentence()), min_size=1, max_size=8),
       fmt=st.sampled_from([".vtt", ".srt"]))
def test_caption_turns_slice_the_stored_text(cues, fmt):
    blocks = []
    for i, (voice, words) in enumerate(cues, start=1):
        sep = "." if fmt == ".vtt" else ","
        blocks.append(f"{i}\n00:00:{i:02d}{sep}000 --> 00:00:{i + 1:02d}{sep}500\n{voice}{words}\n")
    text = ("WEBVTT\n\n" if fmt == ".vtt" else "") + "\n".join(blocks)
    result = ingest_bytes(text.encode("utf-8"), fmt)
    if isinstance(result, QcodeError):
        assert "no text" in str(result) or "no cues" in str(result).lower()
        return
    check_offsets(result)
    for start, end, _, _ in result.meta["timestamps"]:
        assert 0 <= start <= end <= len(result.text)
        assert any(t.start <= start and end <= t.end for t in result.turns)


# ------------------------------------------------------------- codebook round trip

_PRINTABLE = st.characters(
    codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85\u2028\u2029",
)
_TEXT = st.text(_PRINTABLE, min_size=1, max_size=40).map(str.strip).filter(bool)
_PARA = st.lists(_TEXT, min_size=0, max_size=3).map("\n".join)
_ID_PART = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
_PATTERN = st.lists(
    st.fixed_dictionaries({"LOWER": _ID_PART}, optional={"OP": st.sampled_from(["?", "+", "*", "!"])}),
    min_size=1, max_size=3,
)


@st.composite
def codebooks(draw) -> Codebook:
    ids = draw(st.lists(_ID_PART, min_size=0, max_size=7, unique=True))
    codes: list[Code] = []
    placed: list[str] = []

    def make(code_id: str, parent: str | None) -> Code:
        return Code(
            id=code_id,
            label=draw(_TEXT),
            definition=draw(_PARA),
            include=draw(_PARA),
            exclude=draw(_PARA),
            examples=tuple(draw(st.lists(_TEXT, max_size=2))),
            keywords=tuple(draw(st.lists(_TEXT, max_size=3))),
            exclude_keywords=tuple(draw(st.lists(_TEXT, max_size=2))),
            patterns=tuple(draw(st.lists(_PATTERN, max_size=2))),
            colour=draw(st.none() | st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)),
            parent=parent,
            retired=draw(st.booleans()),
        )

    tree: dict[str | None, list[str]] = {None: []}
    for code_id in ids:
        parent = draw(st.sampled_from([None, *placed])) if placed else None
        tree.setdefault(parent, []).append(code_id)
        tree[code_id] = []
        placed.append(code_id)

    def walk(parent: str | None) -> None:  # depth first, as the loader orders codes
        for code_id in tree[parent]:
            codes.append(make(code_id, parent))
            walk(code_id)

    walk(None)
    return Codebook(
        version=draw(st.integers(1, 10_000) | _ID_PART),
        codes=tuple(codes),
        name=draw(st.just("") | _TEXT),
        language=draw(st.sampled_from([None, "en", "nb"])),
    )


@settings(max_examples=60, deadline=None)
@given(codebooks())
def test_codebook_dump_then_load_is_identity(codebook):
    text = dump_codebook(codebook)
    again, problems = parse_codebook(text, "generated.yaml")
    assert [p for p in problems if p.severity == "error"] == []
    assert again == codebook
    assert dump_codebook(again) == text


_ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_TURN = st.fixed_dictionaries(
    {"n": st.integers(1, 999), "start": st.integers(0, 10**6), "end": st.integers(0, 10**6),
     "line": st.integers(0, 10**6)},
    optional={"speaker": _ANY_TEXT, "time": _ANY_TEXT, "heading": _ANY_TEXT},
)


@SOME
@given(
    turns=st.lists(_TURN, max_size=5),
    cues=st.lists(st.lists(st.integers(0, 10**6) | _ANY_TEXT, min_size=4, max_size=4), max_size=3),
    attributes=st.dictionaries(_ANY_TEXT.filter(bool), _ANY_TEXT, max_size=3),
    spans=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=5),
)
def test_document_metadata_dump_then_load_is_identity(turns, cues, attributes, spans):
    """Any speaker, heading or attribute text (control characters, line and paragraph
    separators, quotes) survives the metadata file, read by qcode and by plain YAML."""
    import yaml

    from qcode.corpus.metafile import dump_meta, head_and_turns, load_meta

    meta = {"id": "doc", "sha256_text": "0" * 64, "language": "en", "attributes": attributes,
            "roles": {t["speaker"]: "respondent" for t in turns if "speaker" in t},
            "turns": turns, "timestamps": cues,
            "units": {"sentence": [list(s) for s in spans], "turn": [], "paragraph": []}}
    text = dump_meta(meta)
    assert load_meta(text, "doc.yaml") == meta
    assert yaml.load(text, Loader=yaml.SafeLoader) == meta
    # a listing counts the turns without reading them, in this layout and in any other
    head = {k: v for k, v in meta.items() if k not in ("turns", "timestamps", "units")}
    assert head_and_turns(text, "doc.yaml") == (head, len(turns))
    assert head_and_turns(yaml.safe_dump(meta), "doc.yaml")[1] == len(turns)
