"""One reader per source format, chosen by suffix and checked against the content.

A reader returns a :class:`Parsed`: the normalised text that will be stored, and
for caption formats (VTT, SRT) the speaker turns and cue timestamps it already
knows. Plain text, Markdown and Word documents get their turns from
:mod:`qcode.corpus.turns`.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import DependencyError, InputError
from ..notices import note
from .decode import decode, normalise, sniff_binary
from .formats import read_html, read_odt, read_pdf, read_rtf
from .parsed import CaptionTurn, Cue, Parsed


def read_source(path: Path, data: bytes) -> Parsed:
    """Parse ``data`` (the bytes of ``path``) with the reader for its suffix."""
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(f"{path}: unknown format {suffix or '(no suffix)'!r}; qcode reads {known}.")
    if not data.strip():
        raise InputError(f"{path}: the file is empty; nothing to ingest.")
    parsed = reader(path, data)
    if not parsed.text.strip():
        raise InputError(f"{path}: no text in this document after reading it; check the file.")
    return parsed


def _read_text(path: Path, data: bytes, fmt: str) -> Parsed:
    text, encoding = decode(data, str(path))
    return Parsed(text=normalise(text), format=fmt, encoding=encoding)


def read_txt(path: Path, data: bytes) -> Parsed:
    return _read_text(path, data, "txt")


def read_md(path: Path, data: bytes) -> Parsed:
    return _read_text(path, data, "md")


MAX_MEMBER = 100_000_000  # bytes one member of a .docx may inflate to
MAX_INFLATED = 200_000_000  # bytes all its members may inflate to
MAX_RATIO = 200  # inflated to compressed size of a member (Word's XML is 5 to 20)


def check_archive(path: Path, data: bytes) -> None:
    """Refuse a ZIP whose members would inflate too far (a "zip bomb"), judged from
    its directory before any member is read."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .docx ({exc}); re-save it in Word.") from None
    total = 0
    for m in members:
        total += m.file_size
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > MAX_MEMBER or total > MAX_INFLATED or (
                m.file_size > 1_000_000 and ratio > MAX_RATIO):
            raise InputError(
                f"{path}: its part {m.filename!r} would inflate to {m.file_size:,} bytes "
                f"({ratio:.0f} times its stored size); this is not an ordinary Word file. "
                "Save it again from Word, or as .txt.")
    _check_no_doctype(path, archive, members)


_DECLARATIONS = tuple(word.encode(enc) for word in ("<!DOCTYPE", "<!ENTITY")
                      for enc in ("utf-8", "utf-16-le", "utf-16-be"))


def _check_no_doctype(path: Path, archive: Any, members: list[Any]) -> None:
    """Word never declares a DOCTYPE; python-docx would drop a declared entity from the
    text without a word, so a part declaring one is refused (as in .odt and .xlsx)."""
    for m in members:
        if m.filename.lower().endswith((".xml", ".rels")):
            try:
                part = archive.read(m)
            except Exception as exc:  # a damaged member: zipfile raises several types
                raise InputError(f"{path}: not a readable .docx ({type(exc).__name__}); re-save "
                                 "it in Word.") from None
            if any(d in part for d in _DECLARATIONS):
                raise InputError(f"{path}: its part {m.filename!r} declares a DOCTYPE or "
                                 "entities, which Word never writes (and which can read files "
                                 "or expand without end); refused, nothing was written.")


def read_docx(path: Path, data: bytes) -> Parsed:
    """Word: the body's paragraphs in order, one block each (blank line between)."""
    if not data.startswith(b"PK\x03\x04"):
        kind = sniff_binary(data) or "not a Word .docx file"
        raise InputError(f"{path}: {kind}; save it from Word as .docx, or rename it to .txt.")
    check_archive(path, data)
    try:
        import docx  # python-docx
    except ImportError:  # pragma: no cover - a runtime dependency
        raise DependencyError("Reading .docx needs python-docx: pip install python-docx") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for broken zips
        raise InputError(
            f"{path}: not a readable .docx ({type(exc).__name__}); re-save it in Word."
        ) from None
    paragraphs = [normalise(p.text).strip() for p in document.paragraphs]
    text = "\n\n".join(p for p in paragraphs if p) + "\n"
    return Parsed(text=text, format="docx", encoding=None)


_TIMING = re.compile(
    r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")
_INLINE_LABEL = re.compile(r"^(?P<label>[A-ZÆØÅ][\w.'\- ]{0,40}?|[A-ZÆØÅ0-9 ]{1,30}):\s+(?=\S)")


def _clean_time(value: str) -> str:
    value = value.replace(",", ".")
    parts = value.split(":")
    if len(parts) == 2:
        value = "00:" + value
    head, _, frac = value.partition(".")
    return f"{head}.{frac.ljust(3, '0')[:3]}"


def _caption_blocks(text: str, source: str = "") -> list[tuple[str, str, list[str]]]:
    """(begin, end, text lines) for each cue of a VTT/SRT text. A block with text but
    no timing line it can read is not dropped: its text joins the cue before it (or
    opens the text at 00:00:00), and a note names the file and line."""
    cues: list[tuple[str, str, list[str]]] = []
    if not any(_TIMING.match(line) for line in text.split("\n")):
        return cues  # not captions at all: the reader says so
    line_no = 1
    for block in re.split(r"(\n\s*\n)", text):
        here, line_no = line_no, line_no + block.count("\n")
        if not block.strip() or block.isspace():
            continue
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            m = _TIMING.match(line)
            if m:
                body = [ln for ln in lines[i + 1:] if ln.strip()]
                cues.append((_clean_time(m["a"]), _clean_time(m["b"]), body))
                break
        else:
            _malformed(cues, lines, source, here)
    return cues


_NOT_A_CUE = re.compile(r"^(WEBVTT|NOTE|STYLE|REGION|\d+$)")


def _malformed(cues: list[tuple[str, str, list[str]]], lines: list[str], source: str,
               line_no: int) -> None:
    body = [ln for ln in lines if ln.strip() and not _NOT_A_CUE.match(ln.strip())]
    if not body or lines[0].strip().startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
        return
    note(f"{source}:{line_no}: a cue without a timing line qcode can read "
         f"({lines[0].strip()[:40]!r}); its text is kept with the cue before it. Fix the "
         "timing ('00:00:01,000 --> 00:00:04,000') and ingest again to give it its own.")
    if cues:
        begin, end, previous = cues[-1]
        cues[-1] = (begin, end, [*previous, *body])
    else:
        cues.append(("00:00:00.000", "00:00:00.000", body))


def _unescape(text: str, fmt: str) -> str:
    """WebVTT escapes '&', '<' and '>' as character references (&amp; &lt; &gt; &nbsp;)."""
    return html.unescape(text) if fmt == "vtt" else text


def _build_captions(cues: list[tuple[str, str, list[str]]], fmt: str, encoding: str) -> Parsed:
    """Merge consecutive cues of one speaker into a turn "Speaker: text ..."."""
    parts: list[str] = []
    turns: list[CaptionTurn] = []
    out_cues: list[Cue] = []
    pos = 0
    speaker: str | None = None
    turn_open = False
    turn_start = line_start = 0
    turn_time: str | None = None

    def close() -> None:
        nonlocal turn_open
        if turn_open:
            turns.append(CaptionTurn(speaker, turn_start, pos, line_start, turn_time))
            turn_open = False

    for begin, end, lines in cues:
        raw = " ".join(ln.strip() for ln in lines)
        voice = _VOICE.search(raw)
        new_speaker = _unescape(voice.group(1), fmt).strip() if voice else None
        body = normalise(_unescape(_TAG.sub("", raw), fmt)).strip()
        if new_speaker is None:
            label = _INLINE_LABEL.match(body)
            if label:
                new_speaker = label["label"].strip()
                body = body[label.end():]
        if not body:
            continue
        if not turn_open or (new_speaker is not None and new_speaker != speaker):
            close()
            if parts:
                parts.append("\n\n")
                pos += 2
            speaker = new_speaker if new_speaker is not None else speaker
            label_text = f"{speaker}: " if speaker else ""
            line_start = pos
            parts.append(label_text)
            pos += len(label_text)
            turn_start, turn_time, turn_open = pos, begin, True
        else:
            parts.append(" ")
            pos += 1
        out_cues.append(Cue(pos, pos + len(body), begin, end))
        parts.append(body)
        pos += len(body)
    close()
    text = "".join(parts) + "\n"
    return Parsed(text=text, format=fmt, encoding=encoding, turns=tuple(turns), cues=tuple(out_cues))


def read_vtt(path: Path, data: bytes) -> Parsed:
    """WebVTT (Zoom, Teams, Whisper): cue timings and <v Speaker> voice tags kept."""
    text, encoding = decode(data, str(path))
    text = normalise(text)
    if not text.lstrip().startswith("WEBVTT"):
        raise InputError(f"{path}: a .vtt file must start with 'WEBVTT'; is it really WebVTT?")
    cues = _caption_blocks(text, str(path))
    if not cues:
        raise InputError(f"{path}: no cues ('00:00:01.000 --> 00:00:04.000' lines) in this WebVTT file.")
    return _build_captions(cues, "vtt", encoding)


def read_srt(path: Path, data: bytes) -> Parsed:
    """SubRip: numbered cues with 'hh:mm:ss,mmm --> hh:mm:ss,mmm' timings."""
    text, encoding = decode(data, str(path))
    cues = _caption_blocks(normalise(text), str(path))
    if not cues:
        raise InputError(f"{path}: no SubRip cues ('00:00:01,000 --> 00:00:04,000') found; is it .srt?")
    return _build_captions(cues, "srt", encoding)


READERS: dict[str, Callable[[Path, bytes], Parsed]] = {
    ".txt": read_txt,
    ".md": read_md,
    ".markdown": read_md,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".odt": read_odt,
    ".pdf": read_pdf,
    ".rtf": read_rtf,
    ".html": read_html,
    ".htm": read_html,
}
