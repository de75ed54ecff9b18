"""``qcode redact``: erase a passage (or a whole document) from every place in the
project that holds its words, keeping the chain, the signatures and the codings.

What goes: the words in log lines (quotes, the fingerprint ``fp``, memo text and
suggestion reasons that contain them; see ``audit.erasure``), in
``documents/<id>.txt`` (each character becomes ``█``, so every offset and every
coding stays where it was), in kept versions under ``documents/.versions/``, in
the codebook and ``codebook-versions/``, in any other file of the project folder
(reports, exports), and every cache under ``.qcode/`` (deleted: caches are only
caches, and a database file could keep the words in free pages). What stays: each
coding's offsets, code and document version. The redaction is recorded, signed, in
project.log. Git keeps what it already stores: the caller tells the team.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .audit.erasure import plan, record_fields, rewrite
from .audit.keys import coders_with_keys, has_keys
from .audit.line import format_span
from .audit.log import PROJECT_LOG, locked_log, log_names, read_log
from .corpus import document_exists, load_document
from .errors import AuditError, SpanError
from .fileio import atomic_write

if TYPE_CHECKING:
    from .project import Project

BLOCK = "█"
MIN_PIECE = 20  # shorter pieces of a long passage are not searched for on their own


@dataclass(frozen=True, slots=True)
class Redacted:
    """What a redaction did."""

    doc: str
    span: str | None
    lines: dict[str, list[int]]
    files: tuple[str, ...]
    record_seq: int
    in_git: bool


def words_of(passage: str) -> list[str]:
    """The strings to erase: the passage, and for a long one each of its lines and
    sentences of at least MIN_PIECE characters (a quote or an example is often a piece
    of it; shorter ones, "Thank you.", would hit other documents)."""
    pieces = {passage.strip()}
    if len(passage) > 40:
        pieces |= {p.strip() for p in re.split(r"[\n.!?]+", passage)}
    return sorted((p for p in pieces if len(p) >= MIN_PIECE or p == passage.strip()),
                  key=len, reverse=True)


def redact(project: Project, doc: str, *, span: str | None = None, reason: str,
           actor: str) -> Redacted:
    """Erase ``doc`` (or its ``span``, ``"start:end"``) as the module says."""
    if not reason.strip():
        raise SpanError("A redaction needs --reason (it is recorded with who and when).")
    text = load_document(project, doc).text if not _withdrawn(project, doc, span) else None
    bounds = _bounds(text, span) if text is not None else None
    if text is None:  # the file is gone: its words are what the logs quote of it
        words = quoted_words(project.audit_dir, doc)
    else:
        passage = text[bounds[0]:bounds[1]] if bounds else text
        if not passage.strip():
            raise SpanError(f"{doc} {span or ''}: nothing to redact there (only white space).")
        words = words_of(passage)
    _must_sign(project, actor)
    erasure = plan(project.audit_dir, doc, bounds, words)
    fields = record_fields(actor, doc, format_span(*bounds) if bounds else None, reason, erasure)
    with locked_log(project.log_path(PROJECT_LOG), project.id) as log:
        record = log.append([fields])[0]  # recorded (and signed) before anything is erased
    rewrite(project.audit_dir, project.id, erasure)
    files = [_blank_document(project, doc, text, bounds)] if text is not None else []
    files += _sweep(project.root, words)
    _drop_caches(project.cache_dir)
    return Redacted(doc, fields["span"], erasure.lines, tuple(sorted(set(files))), record.seq,
                    _in_git(project.root))


def _withdrawn(project: Project, doc: str, span: str | None) -> bool:
    """Whether ``doc``'s text is gone because it was withdrawn (``qcode docs withdraw``
    records a ``docversion`` line with ``data.withdrawn`` in project.log)."""
    if document_exists(project, doc):
        return False
    path = project.log_path(PROJECT_LOG)
    withdrawn = path.exists() and any(
        e.action == "docversion" and e.doc == doc and (e.data or {}).get("withdrawn")
        for e in read_log(path).events)
    if not withdrawn:
        load_document(project, doc)  # raises the usual error for an unknown document
    if span is not None:
        raise SpanError(f"{doc} was withdrawn, so its text is gone: redact it whole (without "
                        "--span); its codings' quotes are erased from every log.")
    return True


def quoted_words(audit_dir: Path, doc: str) -> list[str]:
    """The text the logs quote of ``doc`` (each shortened quote's head and tail, of at
    least MIN_PIECE characters): what is left to erase of a document whose file is gone.
    The lines coding ``doc`` lose their quotes whatever their length."""
    pieces: set[str] = set()
    for name in log_names(audit_dir):
        for event in read_log(audit_dir / f"{name}.log").events:
            if event.doc == doc and event.quote:
                pieces |= {p.strip() for p in event.quote.split("…")}
    return sorted((p for p in pieces if len(p) >= MIN_PIECE), key=len, reverse=True)


def _must_sign(project: Project, actor: str) -> None:
    """In a project with keys a redaction counts only when signed (it changes lines under
    their owners' signatures): refuse before anything is erased."""
    if coders_with_keys(project.audit_dir) and not has_keys(project.audit_dir, actor):
        raise AuditError(f"{actor} has no key in audit/keys/, and in a project with keys a "
                         "redaction must be signed; nothing was changed. Run `qcode keys init "
                         f"--coder {actor}` (then commit it, or have the lead countersign it), "
                         "or redact as someone with a key.")


def _bounds(text: str, span: str | None) -> tuple[int, int] | None:
    if span is None:
        return None
    start_s, _, end_s = span.partition(":")
    if not (start_s.isdigit() and end_s.isdigit()):
        raise SpanError(f"--span {span!r} is not 'start:end' (code-point offsets).")
    start, end = int(start_s), int(end_s)
    if not 0 <= start < end <= len(text):
        raise SpanError(f"--span {span!r} must be 'start:end' with start < end inside the "
                        f"document (0:{len(text)}).")
    return start, end


def _blank_document(project: Project, doc: str, text: str, bounds: tuple[int, int] | None) -> str:
    start, end = bounds or (0, len(text))
    blanked = text[:start] + re.sub(r"[^\n]", BLOCK, text[start:end]) + text[end:]
    path = project.documents_dir / f"{doc}.txt"
    atomic_write(path, blanked.encode("utf-8"))
    return f"documents/{doc}.txt"


def _sweep(root: Path, words: list[str]) -> list[str]:
    """Every other file under ``root`` (outside .git and .qcode) holding the words:
    each occurrence replaced by blocks of the same length."""
    encoded = [(w.encode("utf-8"), (BLOCK * len(w)).encode("utf-8")) for w in words]
    changed = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or rel.parts[0] in (".git", ".qcode") or path.is_symlink():
            continue
        if rel.parts[0] == "audit" and path.suffix == ".log":
            continue  # the logs were erased line by line, keeping the chain
        data = path.read_bytes()
        new = _in_zip(data, encoded) if data.startswith(b"PK\x03\x04") else None
        if new is None:
            new = _replaced(data, encoded)
        if new != data:
            atomic_write(path, new)
            changed.append(rel.as_posix())
    return changed


def _replaced(data: bytes, encoded: list[tuple[bytes, bytes]]) -> bytes:
    for word, blocks in encoded:
        data = data.replace(word, blocks)
    return data


def _in_zip(data: bytes, encoded: list[tuple[bytes, bytes]]) -> bytes | None:
    """A zip archive (a .qdpx export, say: compressed, so a byte search misses the words
    inside) with the words erased in every member; None when it is not a readable zip."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as old:
            members = [(info, old.read(info)) for info in old.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    if all(_replaced(body, encoded) == body for _, body in members):
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for info, body in members:
            new.writestr(info, _replaced(body, encoded), compress_type=info.compress_type)
    return out.getvalue()


def _drop_caches(cache_dir: Path) -> None:
    if cache_dir.is_dir():
        shutil.rmtree(cache_dir)


def _in_git(root: Path) -> bool:
    try:
        done = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=root, capture_output=True,
                              check=False)
    except FileNotFoundError:
        return False
    return done.returncode == 0
