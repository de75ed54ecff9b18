"""An index of the replayed logs in ``.qcode/index.sqlite``: a cache, never the truth.

Replaying a large project parses every line of every log. The index keeps what
each log folds into (:class:`qcode.codings.Fold`: live codings, memos,
suggestion decisions, project-level steps, warnings, the seqs a void undid)
in SQLite, with how many bytes of the log it has read and the digest of those
bytes (BLAKE3: :func:`qcode.audit.log.bytes_hasher`). On each use every log is checked:

- its indexed prefix is hashed again (hashing is hundreds of times cheaper than
  parsing), so a log edited before the indexed point, even by a same-length
  edit, is noticed, named in a warning, and folded again from its first line;
- a log that only grew by whole lines without a ``void`` is folded on from the
  indexed point, with the fold's own code (``Fold.feed``), as the terminal view's
  live replay does;
- anything else (a void, a partial last line, a log that shrank or is new) is
  folded again from the start with :func:`qcode.codings.fold_log`.

The folds are then combined by :func:`qcode.codings.combine` as a full replay
combines them, so the result is the same (a test compares the two after random
appends, undos, migrations, re-ingests, edits and pulls). A query for some
documents or coders reads only their codings: mapping through the project-level
steps works coding by coding (unions join codings of one coder and document), so
mapping a subset gives that subset of the mapped whole.

Beside each log's rows the index keeps what the analyses read, so that they
build no record per coding: its live codings as one :class:`qcode.columns.CodingTable`
blob (five integers a coding) and its events counted by actor, day and action
(``qcode audit stats``). While no log holds a project-level step these are the
answer, read by runs or summed. With steps the codings must be mapped: each log's
mapped codings (of logs that share a coder, together), with the counts their table
cannot hold, are kept under the digest of the steps and of those logs, and mapped
again when one of them changed (:meth:`Index._map_groups`). The whole mapped table
made from a full read remains for the whole-table reader (:func:`coding_table`) and
for logs that change while they are read.

Deleting ``.qcode/`` changes no result; a cache that cannot be read or written
is rebuilt, or skipped (a full replay), without a word.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, TypeVar, overload

from .audit.health import Hashed, log_digests, log_health, note_broken
from .audit.line import Event, LineError, parse_object
from .audit.log import bytes_hasher, log_names
from .codings import (
    Coding,
    Codings,
    Decision,
    Fold,
    Memo,
    combine,
    fold_log,
    note_left_out,
    note_left_out_counts,
)
from .corpus.store import list_document_ids, read_listing
from .errors import ProjectError
from .notices import note

if TYPE_CHECKING:
    import numpy as np

    from .columns import CodingTable
    from .project import Project

VERSION = "13"
T = TypeVar("T")
_CHUNK = 1 << 20
_TABLES = {
    "codings": "log, id, coder, doc, start, end_, code, source, time, docv, memo, codebook, fp, "
               "score, flags",
    "memos": "log, pos, id, coder, time, text, doc, code, coding, span",
    "decisions": "log, pos, id, coder, time, doc, start, end_, code, source, score, accepted, "
                 "reason",
    "steps": "log, pos, event",
    "warnings": "log, pos, text",
    "columns": "log, vocab, data",  # each log's codings as a CodingTable (qcode.columns)
    "tallies": "log, actor, day, action, n",  # each log's events counted (Fold.tally)
}


def replay(project: Project, *, docs: Iterable[str] | None = None,
           coders: Iterable[str] | None = None, health: bool = True) -> Codings:
    """:func:`qcode.codings.replay` through the index; with ``docs`` or ``coders``, only
    their codings, memos and decisions (steps and warnings are always all of them).
    A broken log is noted for the person, as a full replay notes it (``health``
    False: not checked, for a view that replays after every decision)."""
    hashed: dict[str, Hashed] = {}  # each log's digest as the health check read it
    if health:
        note_broken(project.audit_dir, project.id, hashed)
    else:
        hashed = log_digests(project.audit_dir)
    found = _through_index(project, lambda index: index.read(
        project.audit_dir, docs=docs, coders=coders, hashed=hashed))
    return note_left_out(found if found is not None
                         else _filtered(_combine_all(project), docs, coders))


def coding_table(project: Project, *, coders: Iterable[str] | None = None
                 ) -> CodingTable | None:
    """The project's codings as a :class:`qcode.columns.CodingTable` (only ``coders``'
    with ``coders``), read from the index without building a record per coding; None
    when there is no index to use (then :func:`replay` gives them). Broken logs and the
    codings left out (orphans, withdrawn documents) are noted for the person, as
    :func:`replay` notes them."""
    hashed: dict[str, Hashed] = {}
    note_broken(project.audit_dir, project.id, hashed)
    chosen = set(coders) if coders is not None else None
    found = _through_index(project, lambda index: index.table(project.audit_dir, hashed=hashed,
                                                              coders=chosen))
    if found is None:
        return None
    table, left_out = found
    counts = [n for coder, n in left_out.items() if chosen is None or coder in chosen]
    note_left_out_counts(sum(n[0] for n in counts), sum(n[1] for n in counts))
    return table.only(coders=chosen) if chosen is not None else table


def coding_source(project: Project, *, coders: Iterable[str] | None = None
                  ) -> StoredCodings | CodingTable | None:
    """The project's codings (only ``coders``' with ``coders``) as the index stores them,
    for an analysis that reads a run of documents at a time
    (:meth:`StoredCodings.rows_of`): no more of them is held than one run's. A
    :class:`qcode.columns.CodingTable` when they could only be had whole; None when there
    is no index to use. Broken logs and codings left out are noted as by
    :func:`coding_table`."""
    hashed: dict[str, Hashed] = {}
    note_broken(project.audit_dir, project.id, hashed)
    chosen = set(coders) if coders is not None else None
    found = _through_index(project, lambda index: index.source(
        project.audit_dir, hashed=hashed, coders=chosen), keep=True)
    if found is None:
        return None
    source, left_out = found
    counts = [n for coder, n in left_out.items() if chosen is None or coder in chosen]
    note_left_out_counts(sum(n[0] for n in counts), sum(n[1] for n in counts))
    return source.only(coders=chosen) if chosen is not None and not isinstance(source, StoredCodings) \
        else source


@dataclass(frozen=True, slots=True)
class Activity:
    """What ``qcode audit stats`` counts: every log's events (``tallies``: log ->
    (actor, day, action) -> count, undone ones too), the first line of a log that is no
    audit line (``bad``), and of the replayed result: live codings per coder
    (``live``), those from suggestions (``suggested``), per (code, coder)
    (``by_code``), memos per (coder, day) (``memos``) and the codings left out
    (``left_out``: orphaned, withdrawn)."""

    tallies: dict[str, dict[tuple[str, str, str], int]]
    bad: dict[str, tuple[int, str]]
    live: dict[str, int]
    suggested: dict[str, int]
    by_code: dict[tuple[str, str], int]
    memos: dict[tuple[str, str], int]
    left_out: tuple[int, int]
    broken: tuple[str, ...] = ()  # what the health check found, for the person

    def note(self) -> None:
        """Say what a replay says beside its result: broken logs, codings left out."""
        for message in self.broken:
            note(message)
        note_left_out_counts(*self.left_out)


def activity(project: Project) -> Activity:
    """:class:`Activity` of the project, through the index (nothing but counts is read
    from it when no log holds a project-level step). Nothing is noted for the person:
    the caller says :meth:`Activity.note` once it uses the counts."""
    hashed: dict[str, Hashed] = {}
    broken = tuple(b.message for b in log_health(project.audit_dir, project.id, hashed))
    found = _through_index(project, lambda index: index.activity(project.audit_dir,
                                                                 hashed=hashed))
    if found is None:
        folds = [fold_log(project.log_path(n)) for n in log_names(project.audit_dir)]
        found = _counted(folds, combine(folds))
    return replace(found, broken=broken)


def _counted(folds: list[Fold], codings: Codings) -> Activity:
    """:class:`Activity` of folded logs and their combined codings."""
    live: dict[str, int] = {}
    suggested: dict[str, int] = {}
    by_code: dict[tuple[str, str], int] = {}
    memos: dict[tuple[str, str], int] = {}
    for c in codings.codings:
        live[c.coder] = live.get(c.coder, 0) + 1
        suggested[c.coder] = suggested.get(c.coder, 0) + (isinstance(c.source, str)
                                                          and c.source.startswith("suggest"))
        by_code[(c.code, c.coder)] = by_code.get((c.code, c.coder), 0) + 1
    for m in codings.memos:
        memos[(m.coder, m.time[:10])] = memos.get((m.coder, m.time[:10]), 0) + 1
    return Activity({f.name: f.tally for f in folds},
                    {f.name: f.bad for f in folds if f.bad is not None},
                    live, suggested, by_code, memos,
                    (len(codings.orphaned), len(codings.withdrawn)))


def held_fold(project: Project, path: Path) -> Fold:
    """The fold of a log the caller holds the exclusive lock of (a write planning its
    append): the index's entry when the log's bytes up to the indexed point hash to its
    digest, folded on by the lines since; otherwise :func:`qcode.codings.fold_log`.
    Nothing is written to the index and no lock on it is waited for: a reader that
    waits on this log's lock may hold the index's, and a busy index is no damaged one."""
    cache = project.cache_dir / "index.sqlite"
    if os.environ.get("QCODE_INDEX") != "0" and cache.is_file():
        try:
            with Index(cache, create=False, timeout=0) as index:
                found = index.held(path)
            if found is not None:
                return found
        except (sqlite3.Error, OSError, OverflowError, ValueError, TypeError, KeyError,
                IndexError):
            pass  # busy or damaged: the log itself answers (the next reader mends the index)
    return fold_log(path, lock=False)


def checked_logs(project: Project, names: Iterable[str]) -> dict[str, tuple[int, bytes]] | None:
    """For each named log, how many bytes of it the index has read, every line of them
    an audit line, and their digest (a prefix hashed again now, as for any use of the
    index: a reader checks the bytes it reads later against it); None when
    there is no index to ask, or when one of them holds a line that is no audit line
    (the caller reads the logs itself and names that line)."""
    return _through_index(project, lambda index: index.checked(project.audit_dir, list(names)))


def document_listing(project: Project) -> list[tuple[str, dict[str, Any], int]]:
    """Each document's id, metadata head and turn count (what ``qcode docs`` lists),
    read through the index: a document whose metadata file is unchanged is not parsed."""
    ids = list_document_ids(project.documents_dir)
    found = _through_index(project, lambda index: index.listing(project.documents_dir, ids))
    heads = found if found is not None else [read_listing(project.documents_dir, d) for d in ids]
    return [(d, *x) for d, x in zip(ids, heads, strict=True)]


def _through_index(project: Project, use: Callable[[Index], T], *, keep: bool = False
                   ) -> T | None:
    """``use`` on the project's index, or None when there is none to use: switched off
    (``QCODE_INDEX=0``, for benchmarks and comparisons), damaged (dropped, built again
    next time) or in a folder this process cannot write. ``keep``: what ``use`` gives
    reads the index on (it is left open for it, and closes it)."""
    if os.environ.get("QCODE_INDEX") == "0":
        return None
    path = project.cache_dir / "index.sqlite"
    try:
        index = Index(path)
        try:
            out = use(index)
        except BaseException:
            index.close()
            raise
        if not keep:
            index.close()
        return out
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorcode", None) not in _BUSY:
            _drop(path)  # damaged: built again next time (a busy one is another's, in use)
    except (OSError, OverflowError):  # OverflowError: an offset past SQLite's 64 bits
        pass
    return None


_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_WAIT = 30.0  # seconds a command waits for another's write to the index


def _drop(path: Path) -> None:
    """Delete the index with its write-ahead log and shared-memory file (those first): a
    log left beside the index built next would be read into it as if it were its own."""
    for file in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"), path):
        with contextlib.suppress(OSError):
            file.unlink()


def _combine_all(project: Project) -> Codings:
    names = log_names(project.audit_dir)
    return combine([fold_log(project.log_path(n)) for n in names])


def _filtered(full: Codings, docs: Iterable[str] | None, coders: Iterable[str] | None) -> Codings:
    if docs is None and coders is None:
        return full
    return full.scoped(docs, coders)


class Index:
    """The SQLite file of the index; use as a context manager (it closes)."""

    def __init__(self, path: Path, *, create: bool = True, timeout: float | None = None) -> None:
        """``create`` False: an index of another version is not made anew (DatabaseError)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=_WAIT if timeout is None else timeout,
                                  isolation_level=None)
        try:
            if create:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=OFF")  # a cache: a lost write is re-read
            if not self._current():
                if not create:
                    raise sqlite3.DatabaseError("no index of this version")
                self._create()
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A write transaction, committed whole or rolled back whole: a write that fails
        half-way (an offset SQLite cannot hold, a full disk) must not leave a log's entry
        saying it was read with half its rows."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _current(self) -> bool:
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == VERSION

    def _create(self) -> None:
        db = self.db
        for name in ("meta", "logs", *_TABLES):
            db.execute(f"DROP TABLE IF EXISTS {name}")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE logs (name TEXT PRIMARY KEY, size INTEGER, lines INTEGER, "
                   "digest BLOB, voided TEXT, partial INTEGER, bad TEXT)")
        for name, columns in _TABLES.items():
            # no declared types: SQLite keeps each value as given (an int codebook
            # version stays an int, a str one a str, a score its exact float)
            db.execute(f"CREATE TABLE {name} ({columns})")
        # every query names the log, and some documents or some coders (each index more
        # makes the first build slower: these two serve every query)
        db.execute("CREATE INDEX codings_log ON codings (log, doc)")
        db.execute("CREATE INDEX codings_coder ON codings (coder, log)")
        for name in ("memos", "decisions", "steps", "warnings"):
            db.execute(f"CREATE INDEX {name}_log ON {name} (log, pos)")
        db.execute("CREATE INDEX columns_log ON columns (log)")
        db.execute("CREATE INDEX tallies_log ON tallies (log)")
        db.execute("DROP TABLE IF EXISTS mapped")
        db.execute("CREATE TABLE mapped (state TEXT, counts TEXT, vocab TEXT, data BLOB)")
        # the mapped codings of each group of logs, kept under the digest of the steps and
        # of the group's logs (see Index._groups)
        db.execute("DROP TABLE IF EXISTS mapped_groups")
        db.execute("CREATE TABLE mapped_groups (key TEXT PRIMARY KEY, left_out TEXT, "
                   "vocab TEXT, data BLOB)")
        db.execute("DROP TABLE IF EXISTS documents")
        db.execute("CREATE TABLE documents (id TEXT PRIMARY KEY, stamp TEXT, head TEXT, "
                   "turns INTEGER)")
        db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))

    # ------------------------------------------------------------ reading

    def read(self, audit_dir: Path, *, docs: Iterable[str] | None = None,
             coders: Iterable[str] | None = None, hashed: dict[str, Hashed] | None = None
             ) -> Codings:
        """Bring every log's entry up to date, then combine what is asked for
        (``hashed``: digests the health check just made, used where the log is unchanged)."""
        names = log_names(audit_dir)
        notes: list[str] = []
        folds: list[Fold] = []
        with self._writing():
            self._forget([n for n in self._names() if n not in names])
            for name in names:
                fold = self._update(audit_dir / f"{name}.log", notes, docs, coders,
                                    (hashed or {}).get(name))
                if fold is not None:  # always, when loading
                    folds.append(fold)
        out = combine(folds)
        if notes:
            out = out.with_warnings(notes)
        return _filtered(out, docs, coders) if (docs is not None or coders is not None) else out

    def table(self, audit_dir: Path, *, hashed: dict[str, Hashed] | None = None,
              coders: set[str] | None = None) -> tuple[CodingTable, dict[str, list[int]]]:
        """Bring every log's entry up to date (an unchanged log is not loaded), then the
        codings of all logs as one table (with ``coders``, at least theirs: a log whose
        table names none of them is not loaded), with each coder's ``[orphaned,
        withdrawn]`` codings left out of it.

        Without project-level steps the logs' stored tables are stacked. With them, the
        codings must be mapped through the steps: the table of the combined, mapped
        codings is kept for the state of the logs it was made from (their names, sizes
        and digests) and made again, from a full :meth:`read`, when any log changed."""
        from .columns import CodingTable

        names = self._up_to_date(audit_dir, hashed)
        try:  # read in the transaction that brought the entries up to date
            stepped = self.db.execute("SELECT 1 FROM steps LIMIT 1").fetchone() is not None
            stored = {} if stepped else {
                r[0]: r[1:] for r in self.db.execute("SELECT log, vocab, data FROM columns")}
        finally:
            self.db.execute("COMMIT")
        if stepped:
            table, counts = self._mapped(audit_dir, hashed)
            return table, counts.left_out
        if not set(names) <= set(stored):
            raise sqlite3.DatabaseError("a log without its coding table")
        parts = [_loaded(*stored[n]) for n in names
                 if coders is None or _names_any(stored[n][0], coders)]
        if coders is not None:  # one coder's analysis holds her rows, not everyone's
            parts = [part.only(coders=coders) for part in parts]
        return CodingTable.stack(parts), {}

    def source(self, audit_dir: Path, *, hashed: dict[str, Hashed] | None = None,
               coders: set[str] | None = None
               ) -> tuple[StoredCodings | CodingTable, dict[str, list[int]]]:
        """:func:`coding_source` on this index: every log's entry brought up to date, then a
        read transaction opened, in which every stored table is checked and what it
        holds is counted (a run of rows at a time) and stays readable until the source is
        closed. With project-level steps, the mapped table is made first when it is not
        kept (a full :meth:`read`); one that could not be kept is given whole."""
        self._up_to_date(audit_dir, hashed)
        self.db.execute("COMMIT")
        for attempt in range(2):
            if attempt:  # the mapped tables are not kept for the logs as they are: make them
                self._map_groups()
            # one snapshot for every read of the source: which logs there are, whether they
            # hold steps, and their tables (another process may index more meanwhile)
            self.db.execute("BEGIN")
            try:
                found = self._stored_tables()
                if found is not None:
                    stored, left_out = found
                    return StoredCodings(self, stored, coders), left_out
            except BaseException:
                self.db.execute("COMMIT")
                raise
            self.db.execute("COMMIT")
        table, counts = self._mapped(audit_dir, hashed)  # the logs keep changing: whole
        return table, counts.left_out

    def _stored_tables(self) -> tuple[list[_Stored], dict[str, list[int]]] | None:
        """In the open read transaction: each log's table, or with project-level steps each
        group's mapped table kept for the steps and the logs as they are (None: one is not
        kept), with the codings each coder has left out of them."""
        db = self.db
        shared: dict[str, str] = {}  # one string per name, not one per table naming it
        if db.execute("SELECT 1 FROM steps LIMIT 1").fetchone() is not None:
            stored: list[_Stored] = []
            left_out: dict[str, list[int]] = {}
            for key in self._groups()[1]:
                row = db.execute("SELECT rowid, vocab, length(data), left_out FROM "
                                 "mapped_groups WHERE key = ?", (key,)).fetchone()
                if row is None:
                    return None
                stored.append(_Stored.of("mapped_groups", row[0], row[1], row[2], shared))
                for coder, n in _GroupCounts.load(row[3]).left_out.items():
                    counts = left_out.setdefault(coder, [0, 0])
                    counts[0], counts[1] = counts[0] + n[0], counts[1] + n[1]
            return stored, left_out
        rows = db.execute("SELECT rowid, vocab, length(data), log FROM columns").fetchall()
        logs = [r[0] for r in db.execute("SELECT name FROM logs")]
        if sorted(r[3] for r in rows) != sorted(logs):
            raise sqlite3.DatabaseError("a log without its coding table")
        return [_Stored.of("columns", r[0], r[1], r[2], shared) for r in rows], {}

    def _groups(self) -> tuple[list[Event], list[str], list[list[str]]]:
        """The project-level steps in the order :func:`qcode.codings.combine` applies
        them, the key of each group of logs and the groups. Mapping works coding by coding,
        but a merge joins codings of one coder and document, so logs that share a coder
        are one group (a log is its owner's, so each log is its own group in practice):
        a group's mapped codings depend only on the steps and the group's own logs."""
        steps = [Event(*json.loads(r[0])) for r in self.db.execute(
            "SELECT event FROM steps ORDER BY log, pos")]
        steps.sort(key=lambda e: (e.time, e.actor, e.seq))
        state = hashlib.sha256(json.dumps([astuple(e) for e in steps]).encode()).hexdigest()
        logs = {n: (size, bytes(d).hex()) for n, size, d in
                self.db.execute("SELECT name, size, digest FROM logs")}
        owner: dict[str, str] = {}  # union-find of logs through the coders they share
        def root(n: str) -> str:
            while owner.get(n, n) != n:
                n = owner[n]
            return n
        by_coder: dict[str, str] = {}
        for log, vocab in self.db.execute("SELECT log, vocab FROM columns"):
            for coder in _coders_of(vocab):
                first = by_coder.setdefault(coder, log)
                a, b = root(first), root(log)
                if a != b:
                    owner[max(a, b)] = min(a, b)
        groups: dict[str, list[str]] = {}
        for name in sorted(logs):
            groups.setdefault(root(name), []).append(name)
        members = list(groups.values())
        keys = [hashlib.sha256(json.dumps([state, [[n, *logs[n]] for n in group]]).encode()
                               ).hexdigest() for group in members]
        return steps, keys, members

    def _map_groups(self) -> None:
        """Make the mapped table of each group of logs that has none for the steps and its
        logs as they are (read in one snapshot; each table is stored under the digest of
        what it was made from, so a table made while another process indexed more is
        right for what it says, and the tables no longer current are dropped)."""
        from .codings import LEFT_OUT_FLAGS, map_codings
        from .columns import dump_codings

        made = []
        self.db.execute("BEGIN")
        try:
            steps, keys, members = self._groups()
            for key, group in zip(keys, members, strict=True):
                if self.db.execute("SELECT 1 FROM mapped_groups WHERE key = ?",
                                   (key,)).fetchone() is not None:
                    continue
                codings: list[Coding] = []
                for name in group:
                    row = self.db.execute("SELECT lines, voided FROM logs WHERE name = ?",
                                          (name,)).fetchone()
                    codings += self._load(name, row[0], row[1], None, None,
                                          to_feed=False).live.values()
                left_out: dict[str, list[int]] = {}
                gone: list[str] = []
                kept = []
                for c in map_codings(codings, steps):
                    if LEFT_OUT_FLAGS.intersection(c.flags):
                        counts = left_out.setdefault(c.coder, [0, 0])
                        counts[0] += "orphan" in c.flags
                        counts[1] += "withdrawn" in c.flags
                        gone.append(c.id)
                    else:
                        kept.append(c)
                found = _counted([], Codings(tuple(kept), (), (), (), (), ()))
                summary = {"left_out": left_out, "gone": gone, "suggested": found.suggested,
                           "by_code": [[*k, n] for k, n in found.by_code.items()]}
                made.append((key, json.dumps(summary), *dump_codings(kept)))
        finally:
            self.db.execute("COMMIT")
        with self._writing():
            self.db.executemany("INSERT OR REPLACE INTO mapped_groups VALUES (?, ?, ?, ?)", made)
            current = self._groups()[1]
            self.db.execute(f"DELETE FROM mapped_groups WHERE key NOT IN "
                            f"({','.join('?' * len(current))})", current)

    def activity(self, audit_dir: Path, *, hashed: dict[str, Hashed] | None = None
                 ) -> Activity:
        """:class:`Activity`: counted in SQL from the stored rows when no log holds a
        project-level step; otherwise of the combined, mapped codings (a full read)."""
        names = self._up_to_date(audit_dir, hashed)
        db = self.db
        try:  # read in the transaction that brought the entries up to date
            tallies: dict[str, dict[tuple[str, str, str], int]] = {n: {} for n in names}
            for log, actor, day, action, n in db.execute("SELECT * FROM tallies"):
                if log in tallies:
                    tallies[log][(actor, day, action)] = n
            bad = {name: b for name, stored in db.execute("SELECT name, bad FROM logs")
                   if name in tallies and (b := _bad(stored)) is not None}
            stepped = db.execute("SELECT 1 FROM steps LIMIT 1").fetchone() is not None
            rows = None if stepped else self._counted_rows()
        finally:
            db.execute("COMMIT")
        if rows is not None:
            return Activity(tallies, bad, *rows, (0, 0))
        for attempt in range(2):  # with steps: summed over the mapped groups
            if attempt:
                self._map_groups()
            db.execute("BEGIN")
            try:
                found = self._grouped_counts()
            finally:
                db.execute("COMMIT")
            if found is not None:
                return Activity(tallies, bad, *found)
        table, counts = self._mapped(audit_dir, hashed)  # the logs keep changing: whole
        live, by_code = _per_coder_and_code(table)
        left_out = (sum(n[0] for n in counts.left_out.values()),
                    sum(n[1] for n in counts.left_out.values()))
        return Activity(tallies, bad, live, counts.suggested, by_code, counts.memos, left_out)

    def _grouped_counts(self) -> tuple[dict[str, int], dict[str, int], dict[tuple[str, str], int],
                                       dict[tuple[str, str], int], tuple[int, int]] | None:
        """In the open read transaction: what :class:`Activity` counts of the combined,
        mapped codings, summed over the mapped groups' counts (None: a group's table is not
        kept). Memos are those a full replay keeps: not on a coding left out, nor on a
        document withdrawn after they were written."""
        from .codebook.mapping import StepIndex

        steps, keys, _ = self._groups()
        live: dict[str, int] = {}
        suggested: dict[str, int] = {}
        by_code: dict[tuple[str, str], int] = {}
        gone: set[str] = set()
        orphaned = withdrawn = 0
        for key in keys:
            row = self.db.execute("SELECT left_out FROM mapped_groups WHERE key = ?",
                                  (key,)).fetchone()
            if row is None:
                return None
            counts = _GroupCounts.load(row[0])
            for (code, coder), n in counts.by_code.items():
                by_code[(code, coder)] = by_code.get((code, coder), 0) + n
                live[coder] = live.get(coder, 0) + n
            for coder, n in counts.suggested.items():
                suggested[coder] = suggested.get(coder, 0) + n
            orphaned += sum(n[0] for n in counts.left_out.values())
            withdrawn += sum(n[1] for n in counts.left_out.values())
            gone.update(counts.gone)
        away = StepIndex.build(steps).withdrawn
        memos: dict[tuple[str, str], int] = {}
        for coder, time, coding, doc in self.db.execute(
                "SELECT coder, time, coding, doc FROM memos"):
            if coding in gone or (doc in away and time <= away[doc]):
                continue
            memos[(coder, time[:10])] = memos.get((coder, time[:10]), 0) + 1
        return live, suggested, by_code, memos, (orphaned, withdrawn)

    def checked(self, audit_dir: Path, names: list[str]) -> dict[str, tuple[int, bytes]] | None:
        """:func:`checked_logs` on this index: only the named logs are brought up to date."""
        with self._writing():
            for name in names:
                self._update(audit_dir / f"{name}.log", [], None, None, load=False)
            rows = {n: (size, digest, bad) for n, size, digest, bad in
                    self.db.execute("SELECT name, size, digest, bad FROM logs")}
        if any(n not in rows or _bad(rows[n][2]) is not None for n in names):
            return None
        return {n: (int(rows[n][0]), bytes(rows[n][1])) for n in names}

    def held(self, path: Path) -> Fold | None:
        """:func:`held_fold` on this index: None when the entry cannot be used."""
        name = path.stem
        self.db.execute("BEGIN")  # one snapshot: a writer's commit meanwhile is not half seen
        try:
            row = self.db.execute("SELECT size, lines, digest, voided, partial, bad FROM logs "
                                  "WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            with open(path, "rb") as fh:
                return self._kept(fh, name, row, [], None, None, store=False)
        finally:
            self.db.execute("COMMIT")

    def _counted_rows(self) -> tuple[dict[str, int], dict[str, int],
                                     dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """Live codings per coder, from suggestions per coder, per (code, coder), and
        memos per (coder, day), counted in SQL over every log's stored rows (what the
        combined result holds while no project-level step maps them)."""
        live: dict[str, int] = {}
        suggested: dict[str, int] = {}
        by_code: dict[tuple[str, str], int] = {}
        for coder, code, n, hinted in self.db.execute(
                "SELECT coder, code, count(*), sum(substr(source, 1, 7) = 'suggest') "
                "FROM codings GROUP BY coder, code"):
            live[coder] = live.get(coder, 0) + n
            suggested[coder] = suggested.get(coder, 0) + hinted
            by_code[(code, coder)] = n
        memos = {(coder, day): n for coder, day, n in self.db.execute(
            "SELECT coder, substr(time, 1, 10), count(*) FROM memos GROUP BY 1, 2")}
        return live, suggested, by_code, memos

    @overload
    def _mapped(self, audit_dir: Path, hashed: dict[str, Hashed] | None
                ) -> tuple[CodingTable, _Counts]: ...
    @overload
    def _mapped(self, audit_dir: Path, hashed: dict[str, Hashed] | None, *, load: bool
                ) -> tuple[CodingTable | None, _Counts]: ...

    def _mapped(self, audit_dir: Path, hashed: dict[str, Hashed] | None, *, load: bool = True
                ) -> tuple[CodingTable | None, _Counts]:
        """The combined, mapped codings as a table, with what ``audit stats`` counts
        beside them; kept for the state of the logs, made again when it changed.
        ``load`` False: the table only when it could not be kept (None: it is kept)."""
        from .columns import CodingTable, dump_codings

        state = self._state()
        if not load:
            row = self.db.execute("SELECT counts FROM mapped WHERE state = ?",
                                  (state,)).fetchone()
            if row is not None:
                return None, _Counts.load(row[0])
        else:
            row = self.db.execute("SELECT counts, vocab, data FROM mapped WHERE state = ?",
                                  (state,)).fetchone()
            if row is not None:
                return _loaded(row[1], row[2]), _Counts.load(row[0])
        out = self.read(audit_dir, hashed=hashed)
        stored, counts = dump_codings(out.codings), _Counts.of(out)
        if self._state() == state:  # no log changed while it was read
            with self._writing():
                self.db.execute("DELETE FROM mapped")
                self.db.execute("INSERT INTO mapped VALUES (?, ?, ?, ?)",
                                (state, counts.dump(), *stored))
            if not load:
                return None, counts
        return CodingTable.load(*stored), counts

    def _state(self) -> str:
        """The digest of every indexed log's name, size and digest: what the combined
        codings depend on."""
        rows = self.db.execute("SELECT name, size, digest FROM logs ORDER BY name").fetchall()
        return hashlib.sha256(json.dumps([[n, s, d.hex()] for n, s, d in rows]).encode()
                              ).hexdigest()

    def _up_to_date(self, audit_dir: Path, hashed: dict[str, Hashed] | None) -> list[str]:
        """Bring every log's entry up to date without loading an unchanged one; the
        logs' names. The transaction is left open, for the caller to read in and end."""
        names = log_names(audit_dir)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self._forget([n for n in self._names() if n not in names])
            for name in names:
                self._update(audit_dir / f"{name}.log", [], None, None,
                             (hashed or {}).get(name), load=False)
        except BaseException:
            self.db.execute("ROLLBACK")  # half a log's rows would be trusted next time
            raise
        return names

    def _names(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM logs")]

    def _forget(self, names: list[str]) -> None:
        for name in names:
            self.db.execute("DELETE FROM logs WHERE name = ?", (name,))
            for table in _TABLES:
                self.db.execute(f"DELETE FROM {table} WHERE log = ?", (name,))

    def _update(self, path: Path, notes: list[str], docs: Iterable[str] | None,
                coders: Iterable[str] | None, known: Hashed | None = None, *,
                load: bool = True) -> Fold | None:
        """The fold of one log (only the wanted codings loaded), after bringing its
        entry up to date under the log's shared lock (``load`` False: None when the
        entry was up to date, nothing loaded)."""
        name = path.stem
        with open(path, "rb") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH)  # no append while this log is read
            row = self.db.execute("SELECT size, lines, digest, voided, partial, bad FROM logs "
                                  "WHERE name = ?", (name,)).fetchone()
            if row is not None:
                kept = self._kept(fh, name, row, notes, docs, coders, known, load=load)
                if kept is not None:
                    return kept if kept is not _UNCHANGED else None
            fold = fold_log(path, lock=False)
            self._store(name, fold, *_digest(fh, fold.partial))
        return _wanted(fold, docs, coders)

    def _kept(self, fh: BinaryIO, name: str, row: tuple, notes: list[str],
              docs: Iterable[str] | None, coders: Iterable[str] | None,
              known: Hashed | None = None, *, load: bool = True, store: bool = True
              ) -> Fold | None:
        """The indexed fold, folded on by what the log gained; None when the log must
        be folded again from its start (``load`` False: ``_UNCHANGED`` when the log did
        not grow, nothing loaded; ``store`` False: what it gained is not stored).
        ``known``: the log's digest when the health check read it, used when the log
        (locked now) still has that size and time."""
        size, lines, digest, voided, partial, bad = row
        hasher: Any = bytes_hasher()
        now = os.fstat(fh.fileno())
        if known is not None and known.size == size == now.st_size \
                and known.mtime_ns == now.st_mtime_ns:
            prefix, hasher = known.digest, None  # nothing to add to it: the log did not grow
            fh.seek(size)
        else:
            prefix = _hash(fh, size, hasher) if now.st_size >= size else b""
        if prefix != digest:
            notes.append(f"audit/{name}.log changed before the point the index had read "
                         "(an edited or replaced log?); it was read again from its first line. "
                         "`qcode audit verify` says what changed.")
            return None
        tail = fh.read()
        if partial or tail[-1:] not in (b"", b"\n") or b'"action":"void"' in tail \
                or (tail and hasher is None):
            return None
        try:
            events = [parse_object(raw, strict=False) for raw in tail[:-1].split(b"\n")] \
                if tail else []
        except (LineError, UnicodeDecodeError):
            return None  # the full fold names the line
        if not events:
            return self._load(name, lines, voided, docs, coders, to_feed=False) if load \
                else _UNCHANGED
        fold = self._load(name, lines, voided, None, None)
        fold.bad = _bad(bad)
        before = _Before(dict(fold.live), len(fold.memos), len(fold.decisions), len(fold.steps),
                         len(fold.warnings))
        for event in events:
            fold.lines += 1
            fold.count(event)
            if event.get("seq") not in fold.voided:
                fold.feed(fold.lines, event)
        if store:
            hasher.update(tail)
            self._store(name, fold, size + len(tail), hasher.digest(), since=before)
        return _wanted(fold, docs, coders)

    def listing(self, documents_dir: Path, ids: list[str]) -> list[tuple[dict[str, Any], int]]:
        """:func:`qcode.corpus.store.read_listing` of each document, from the index where
        its metadata file is the file it was (same inode, size and time, not a link)."""
        known = {r[0]: r[1:] for r in
                 self.db.execute("SELECT id, stamp, head, turns FROM documents")}
        out, fresh = [], []
        for doc_id in ids:
            st = os.lstat(documents_dir / f"{doc_id}.yaml")
            stamp = f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"
            row = known.get(doc_id)
            if row is not None and row[0] == stamp:
                out.append((json.loads(row[1]), row[2]))
                continue
            head, turns = read_listing(documents_dir, doc_id)
            out.append((head, turns))
            with contextlib.suppress(TypeError, ValueError):
                text = json.dumps(head)
                if json.loads(text) == head:  # only what JSON gives back unchanged
                    fresh.append((doc_id, stamp, text, turns))
        gone = [(d,) for d in known.keys() - set(ids)]
        if fresh or gone:
            with self._writing():
                self.db.executemany("DELETE FROM documents WHERE id = ?", gone)
                self.db.executemany("INSERT OR REPLACE INTO documents VALUES (?,?,?,?)", fresh)
        return out

    # ------------------------------------------------------------ storing

    def _store(self, name: str, fold: Fold, size: int, digest: bytes,
               since: _Before | None = None) -> None:
        """Store a log's fold; ``since``: what the stored fold held before it was fed the
        log's new lines, so that only what they changed is written (an append to a
        20,000-line log rewrote all its codings)."""
        from .columns import dump_codings

        db = self.db
        live: Iterable[Coding] = fold.live.values()
        counts = (0, 0, 0, 0)
        if since is not None:
            gone = [i for i, c in since.live.items() if fold.live.get(i) is not c]
            live = [c for i, c in fold.live.items() if since.live.get(i) is not c]
            if len(gone) + len(live) > _DELTA_ROWS:
                since, live = None, fold.live.values()
        if since is None:
            self._forget([name])
        else:
            db.execute("DELETE FROM logs WHERE name = ?", (name,))
            db.executemany("DELETE FROM codings WHERE log = ? AND id = ?", ((name, i) for i in gone))
            counts = (since.memos, since.decisions, since.steps, since.warnings)
        db.execute("DELETE FROM columns WHERE log = ?", (name,))
        db.execute("INSERT INTO columns VALUES (?, ?, ?)",
                   (name, *dump_codings(fold.live.values())))
        db.execute("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (name, size, fold.lines, digest, json.dumps(sorted(fold.voided)),
                    int(fold.partial), json.dumps(fold.bad)))
        db.execute("DELETE FROM tallies WHERE log = ?", (name,))
        db.executemany("INSERT INTO tallies VALUES (?,?,?,?,?)",
                       ((name, *key, n) for key, n in fold.tally.items()))
        db.executemany("INSERT INTO codings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       ((name, c.id, c.coder, c.doc, c.start, c.end, c.code, c.source, c.time,
                         c.docv, c.memo, c.codebook, c.fp, c.score, _flags(c.flags))
                        for c in live))
        memos, decisions, steps, warnings = counts
        db.executemany("INSERT INTO memos VALUES (?,?,?,?,?,?,?,?,?,?)",
                       ((name, i, m.id, m.coder, m.time, m.text, m.doc, m.code, m.coding, m.span)
                        for i, m in enumerate(fold.memos[memos:], start=memos)))
        db.executemany("INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       ((name, i, d.id, d.coder, d.time, d.doc, d.start, d.end, d.code, d.source,
                         d.score, int(d.accepted), d.reason)
                        for i, d in enumerate(fold.decisions[decisions:], start=decisions)))
        db.executemany("INSERT INTO steps VALUES (?,?,?)",
                       ((name, i, json.dumps(astuple(e)))
                        for i, e in enumerate(fold.steps[steps:], start=steps)))
        db.executemany("INSERT INTO warnings VALUES (?,?,?)",
                       ((name, i, w) for i, w in enumerate(fold.warnings[warnings:], start=warnings)))

    def _load(self, name: str, lines: int, voided: str, docs: Iterable[str] | None,
              coders: Iterable[str] | None, *, to_feed: bool = True) -> Fold:
        """The stored fold of one log; with filters, only the wanted codings. ``to_feed``
        False: only read, never fed more lines, so without the key of every coding that
        feeding looks removals up by (a dict entry per coding)."""
        fold = Fold(name)
        fold.lines, fold.voided = lines, set(json.loads(voided))
        where, args = _where(name, docs, coders)
        share: dict[Any, Any] = {}  # one object per repeated value (coder, doc, code...)
        one = share.setdefault
        for r in self.db.execute(f"SELECT {_TABLES['codings']} FROM codings WHERE {where}", args):
            c = Coding(r[1], one(r[2], r[2]), one(r[3], r[3]), r[4], r[5], one(r[6], r[6]),
                       one(r[7], r[7]), r[8], one(r[9], r[9]), one(r[10], r[10]), r[11],
                       one(r[12], r[12]), r[13], tuple(json.loads(r[14])) if r[14] else ())
            fold.live[c.id] = c
            if to_feed:
                fold.keys[(c.doc, c.start, c.end, c.code)] = c.id
        if to_feed:
            fold.tally = {(r[0], r[1], r[2]): r[3] for r in self.db.execute(
                "SELECT actor, day, action, n FROM tallies WHERE log = ?", (name,))}
        # memos and decisions of other documents and coders are left out as the codings
        # are (a memo on a coding is kept: it follows its coding when combined)
        where, args = _where(name, docs, coders, keep="coding IS NOT NULL")
        rows = self.db.execute(f"SELECT * FROM memos WHERE {where} ORDER BY pos", args)
        fold.memos = [Memo(*r[2:]) for r in rows]
        where, args = _where(name, docs, coders)
        rows = self.db.execute(f"SELECT * FROM decisions WHERE {where} ORDER BY pos", args)
        fold.decisions = [Decision(*(*r[2:11], bool(r[11]), r[12])) for r in rows]
        rows = self.db.execute("SELECT event FROM steps WHERE log = ? ORDER BY pos", (name,))
        fold.steps = [Event(*json.loads(r[0])) for r in rows]
        rows = self.db.execute("SELECT text FROM warnings WHERE log = ? ORDER BY pos", (name,))
        fold.warnings = [r[0] for r in rows]
        return fold


_RUN = 1 << 15  # rows read at a time when a stored table is checked and counted


@dataclass(frozen=True, slots=True)
class _Stored:
    """One stored table as a source reads it: where its blob is, its names, and where
    each document's rows begin (``bounds``, :func:`qcode.columns.dump_codings`)."""

    table: str
    rowid: int
    docs: tuple[str, ...]
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    bounds: np.ndarray

    @classmethod
    def of(cls, table: str, rowid: int, vocab: str, size: int, shared: dict[str, str]
           ) -> _Stored:
        """Its names read (each kept once in ``shared``) and checked against its size
        (damaged: a damaged index)."""
        import numpy as np

        try:
            names = json.loads(vocab)
            one = shared.setdefault
            docs, coders, codes = (tuple(one(x, x) if isinstance(x, str) else x for x in n)
                                   for n in names[:3])
            bounds = np.array(names[3], dtype=np.int64)
            ok = (len(names) == 4 and all(isinstance(x, str) for x in docs + coders + codes)
                  and bounds.ndim == 1 and len(bounds) == len(docs) + 1 and bounds[0] == 0
                  and bool(np.all(np.diff(bounds) > 0)) and size == int(bounds[-1]) * 40
                  and all(a < b for a, b in zip(docs, docs[1:], strict=False)))
        except (ValueError, TypeError, IndexError, KeyError, OverflowError):
            ok = False
        if not ok:
            raise sqlite3.DatabaseError("a damaged coding table")
        return cls(table, rowid, docs, coders, codes, bounds)


class StoredCodings:
    """Codings as the index stores them (each log's table, or the mapped one), read a
    run of documents at a time: :meth:`rows_of` reads from each table only the rows of
    the documents asked for (they are stored in document order), so an analysis holds
    one run's rows, not the project's. Every table is checked and counted once, when
    the source is made, in the read transaction every later read is in: what it reads
    cannot change under it. Row order carries no meaning; ``only`` narrows it as
    :meth:`qcode.columns.CodingTable.only` does."""

    def __init__(self, index: Index, stored: list[_Stored],
                 coders: Iterable[str] | None = None) -> None:
        """``coders``: only theirs (a table that names none of them is never read)."""
        import numpy as np

        self._index, self._stored = index, stored
        names = sorted({c for t in stored for c in t.coders})
        codes = sorted({k for t in stored for k in t.codes})
        self.coders, self.codes = tuple(names), tuple(codes)
        at_coder = {c: i for i, c in enumerate(names)}
        at_code = {k: i for i, k in enumerate(codes)}
        self._maps = [(np.array([at_coder[c] for c in t.coders], np.int64),
                       np.array([at_code[k] for k in t.codes], np.int64)) for t in stored]
        self._coders = frozenset(coders) if coders is not None else None
        self._docs: frozenset[str] | None = None
        self._present: tuple[set[str], set[str], set[str]] | None = None
        self._present = self._count()  # checks every table that is read

    def only(self, *, docs: Iterable[str] | None = None, coders: Iterable[str] | None = None
             ) -> StoredCodings:
        """These documents' and coders' rows (None: all of them)."""
        from .columns import CODER, DOC

        out = object.__new__(StoredCodings)
        out._index, out._stored, out._maps = self._index, self._stored, self._maps
        out.coders, out.codes = self.coders, self.codes
        out._coders, out._docs = self._coders, self._docs
        if coders is not None:
            chosen = frozenset(coders)
            out._coders = chosen if out._coders is None else out._coders & chosen
        if docs is not None:
            chosen = frozenset(docs)
            out._docs = chosen if out._docs is None else out._docs & chosen
        present = self.present(CODER), self.present(DOC)
        if (out._coders is None or out._coders >= present[0]) and \
                (out._docs is None or out._docs >= present[1]):
            out._present = self._present  # nothing left out: the same rows
        else:
            out._present = None
        return out

    def present(self, column: int) -> set[str]:
        """The documents (``DOC``), coders (``CODER``) or codes (``CODE``) with a row."""
        if self._present is None:
            self._present = self._count()
        return set(self._present[column])

    def rows_of(self, docs: Sequence[str]) -> CodingTable:
        """The rows of ``docs`` (of the chosen coders), as a table whose documents are
        ``docs`` in that order."""
        import numpy as np

        from .columns import CODE, CODER, DOC, CodingTable

        pieces = []
        keep = None if self._coders is None else np.array(
            [c in self._coders for c in self.coders], dtype=bool)  # the chosen coders' rows
        for t, (coder_map, code_map) in zip(self._stored, self._maps, strict=True):
            if not self._wanted(t):
                continue
            runs: list[list[int]] = []  # [first row, end row, (part position, rows)...]
            for j, d in enumerate(docs):
                i = bisect.bisect_left(t.docs, d)
                if i == len(t.docs) or t.docs[i] != d or \
                        (self._docs is not None and d not in self._docs):
                    continue
                a, b = int(t.bounds[i]), int(t.bounds[i + 1])
                if runs and runs[-1][1] == a:
                    runs[-1][1] = b
                    runs[-1].append(j)
                    runs[-1].append(b - a)
                else:
                    runs.append([a, b, j, b - a])
            if not runs:
                continue
            rows = self._read(t, runs)
            at = 0
            for run in runs:
                for k in range(2, len(run), 2):
                    rows[at:at + run[k + 1], DOC] = run[k]
                    at += run[k + 1]
            rows[:, CODER] = coder_map[rows[:, CODER]]
            rows[:, CODE] = code_map[rows[:, CODE]]
            if keep is not None:
                rows = rows[keep[rows[:, CODER]]]
            pieces.append(rows)
        rows = np.concatenate(pieces) if pieces else np.empty((0, 5), np.int64)
        return CodingTable(tuple(docs), self.coders, self.codes, rows)

    def counts(self, docs: Sequence[str]) -> list[int]:
        """How many rows each of ``docs`` has in the tables read (of every coder of a
        table: at most that many of the chosen coders)."""
        import numpy as np

        at = {d: j for j, d in enumerate(docs)}
        out = np.zeros(len(docs), dtype=np.int64)
        for t in self._stored:
            if self._wanted(t):
                where = np.array([at.get(d, -1) for d in t.docs], dtype=np.int64)
                chosen = where >= 0
                np.add.at(out, where[chosen], np.diff(t.bounds)[chosen])
        return [int(x) for x in out]

    def _wanted(self, t: _Stored) -> bool:
        """Whether a table names any chosen coder (one that does not is never read)."""
        return self._coders is None or not self._coders.isdisjoint(t.coders)

    def whole(self) -> CodingTable:
        """Every row (of the chosen documents and coders), at once."""
        from .columns import DOC

        return self.rows_of(sorted(self.present(DOC)))

    def _read(self, t: _Stored, runs: list[list[int]]) -> np.ndarray:
        """The rows of these runs of one table, as a writable array."""
        import numpy as np

        out = np.empty((sum(b - a for a, b, *_ in runs), 5), dtype="<i8")
        flat = out.reshape(-1).view(np.uint8)
        at = 0
        try:
            with self._index.db.blobopen(t.table, "data", t.rowid, readonly=True) as blob:
                for a, b, *_ in runs:
                    n = (b - a) * 40
                    blob.seek(a * 40)
                    got = blob.read(n)
                    if len(got) != n:
                        raise sqlite3.DatabaseError("a coding table shorter than its bounds")
                    flat[at:at + n] = np.frombuffer(got, dtype=np.uint8)
                    at += n
        except sqlite3.Error:
            self._damaged()
        return out.astype(np.int64, copy=False)

    def _damaged(self) -> NoReturn:
        """Drop the index (it is built anew next time) and say so: an analysis half-way
        through cannot count what is left from elsewhere."""
        self._index.close()
        _drop(self._index.path)
        raise IndexReadError(f"{self._index.path.parent.name}/{self._index.path.name} could "
                             "not be read part-way through; it was dropped, and running the "
                             "command again builds it anew.")

    def _count(self) -> tuple[set[str], set[str], set[str]]:
        """Check every table (each row's document is the one its bounds say, its coder
        and code within its names) and find the documents, coders and codes with a
        row of the chosen ones, a run of rows at a time."""
        import numpy as np

        from .columns import CODE, CODER, DOC

        found: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for t, (coder_map, _) in zip(self._stored, self._maps, strict=True):
            if not self._wanted(t):
                continue
            wanted_coder = None if self._coders is None else np.array(
                [self.coders[g] in self._coders for g in coder_map], dtype=bool)
            wanted_doc = None if self._docs is None else np.array(
                [d in self._docs for d in t.docs], dtype=bool)
            seen = [np.zeros(len(n), dtype=bool) for n in (t.docs, t.coders, t.codes)]
            total = int(t.bounds[-1])
            for first in range(0, total, _RUN):
                last = min(first + _RUN, total)
                rows = self._read(t, [[first, last]])
                expected = np.searchsorted(t.bounds, np.arange(first, last), side="right") - 1
                if not (np.array_equal(rows[:, DOC], expected)
                        and rows[:, CODER].min() >= 0 and rows[:, CODER].max() < len(t.coders)
                        and rows[:, CODE].min() >= 0 and rows[:, CODE].max() < len(t.codes)):
                    raise sqlite3.DatabaseError("a damaged coding table")
                keep = np.ones(len(rows), dtype=bool)
                if wanted_coder is not None:
                    keep &= wanted_coder[rows[:, CODER]]
                if wanted_doc is not None:
                    keep &= wanted_doc[rows[:, DOC]]
                for column in (DOC, CODER, CODE):
                    seen[column][rows[keep, column]] = True
            for column, names in enumerate((t.docs, t.coders, t.codes)):
                found[column].update(names[i] for i in np.flatnonzero(seen[column]))
        return found


class IndexReadError(ProjectError):
    """The index could not be read once an analysis had begun (it is dropped)."""


@dataclass(frozen=True, slots=True)
class _Counts:
    """What the mapped table does not hold: each coder's ``[orphaned, withdrawn]``
    codings left out, her codings from suggestions, and memos per (coder, day)."""

    left_out: dict[str, list[int]]
    suggested: dict[str, int]
    memos: dict[tuple[str, str], int]

    @classmethod
    def of(cls, codings: Codings) -> _Counts:
        left_out: dict[str, list[int]] = {}
        for c in codings.left_out:
            counts = left_out.setdefault(c.coder, [0, 0])
            counts[0] += "orphan" in c.flags
            counts[1] += "withdrawn" in c.flags
        found = _counted([], codings)
        return cls(left_out, found.suggested, found.memos)

    def dump(self) -> str:
        return json.dumps({"left_out": self.left_out, "suggested": self.suggested,
                           "memos": [[*k, n] for k, n in self.memos.items()]})

    @classmethod
    def load(cls, text: str) -> _Counts:
        try:
            data = json.loads(text)
            return cls({str(k): [int(v[0]), int(v[1])] for k, v in data["left_out"].items()},
                       {str(k): int(v) for k, v in data["suggested"].items()},
                       {(str(c), str(d)): int(n) for c, d, n in data["memos"]})
        except (ValueError, TypeError, KeyError, IndexError):
            raise sqlite3.DatabaseError("damaged counts beside the mapped table") from None


def _per_coder_and_code(table: CodingTable) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Codings per coder and per (code, coder) in a table."""
    import numpy as np

    from .columns import CODE, CODER

    rows = table.rows
    pairs = rows[:, CODE].astype(np.int64) * max(len(table.coders), 1) + rows[:, CODER]
    found, n = np.unique(pairs, return_counts=True)
    live: dict[str, int] = {}
    by_code: dict[tuple[str, str], int] = {}
    for pair, count in zip(found.tolist(), n.tolist(), strict=True):
        code, coder = table.codes[pair // max(len(table.coders), 1)], \
            table.coders[pair % max(len(table.coders), 1)]
        by_code[(code, coder)] = count
        live[coder] = live.get(coder, 0) + count
    return live, by_code


def _coders_of(vocab: str) -> list[str]:
    """The coders a stored table names (damaged: a damaged index)."""
    try:
        return [str(c) for c in json.loads(vocab)[1]]
    except (ValueError, TypeError, IndexError, KeyError):
        raise sqlite3.DatabaseError("a damaged coding table") from None


@dataclass(frozen=True, slots=True)
class _GroupCounts:
    """What a mapped group's table does not hold: each coder's ``[orphaned, withdrawn]``
    codings left out and their ids, and of the codings it holds, those from suggestions
    per coder and the count per (code, coder)."""

    left_out: dict[str, list[int]]
    gone: tuple[str, ...]
    suggested: dict[str, int]
    by_code: dict[tuple[str, str], int]

    @classmethod
    def load(cls, stored: str) -> _GroupCounts:
        try:
            data = json.loads(stored)
            return cls({str(k): [int(v[0]), int(v[1])] for k, v in data["left_out"].items()},
                       tuple(str(i) for i in data["gone"]),
                       {str(k): int(v) for k, v in data["suggested"].items()},
                       {(str(k), str(c)): int(n) for k, c, n in data["by_code"]})
        except (ValueError, TypeError, IndexError, KeyError, AttributeError):
            raise sqlite3.DatabaseError("damaged counts beside a mapped table") from None


def _bad(stored: str | None) -> tuple[int, str] | None:
    """A log's first line that is no audit line, as stored (damaged: a damaged index)."""
    try:
        found = json.loads(stored) if stored else None
        return (int(found[0]), str(found[1])) if found else None
    except (ValueError, TypeError, IndexError, KeyError):
        raise sqlite3.DatabaseError("a damaged entry of a log") from None


def _names_any(vocab: str, coders: set[str]) -> bool:
    """Whether a stored table's coders include any of ``coders`` (read from its names
    alone; damaged names: a damaged index)."""
    try:
        return not coders.isdisjoint(json.loads(vocab)[1])
    except (ValueError, TypeError, IndexError, KeyError):
        raise sqlite3.DatabaseError("a damaged coding table") from None


def _loaded(vocab: str, data: bytes) -> CodingTable:
    """A stored table; a damaged one is a damaged index (dropped, built again)."""
    from .columns import CodingTable

    try:
        return CodingTable.load(vocab, data)
    except (ValueError, TypeError, IndexError, KeyError):
        raise sqlite3.DatabaseError("a damaged coding table") from None


_UNCHANGED = Fold("")  # _kept's answer, when asked not to load, for a log that did not grow


def _flags(flags: tuple[str, ...]) -> str | None:
    return json.dumps(flags) if flags else None


@dataclass(frozen=True, slots=True)
class _Before:
    """A stored fold's live codings and list lengths before new lines were fed to it."""

    live: dict[str, Coding]
    memos: int
    decisions: int
    steps: int
    warnings: int


_DELTA_ROWS = 500  # more changed codings than this: the log's codings are written anew


def _where(name: str, docs: Iterable[str] | None, coders: Iterable[str] | None, *,
           keep: str | None = None) -> tuple[str, list[Any]]:
    """The rows of log ``name`` of these documents and coders; ``keep``: a condition
    under which a row of another document is kept all the same."""
    where, args = ["log = ?"], [name]
    for column, values in (("doc", docs), ("coder", coders)):
        if values is not None:
            chosen = list(values)
            clause = f"{column} IN ({','.join('?' * len(chosen))})" if chosen else "0"
            if keep and column == "doc":
                clause = f"({clause} OR {keep})"
            where.append(clause)
            args += chosen
    return " AND ".join(where), args


def _wanted(fold: Fold, docs: Iterable[str] | None, coders: Iterable[str] | None) -> Fold:
    """The fold with only the wanted live codings (the rest is filtered after combining)."""
    if docs is None and coders is None:
        return fold
    d = set(docs) if docs is not None else None
    c = set(coders) if coders is not None else None
    out = Fold(fold.name)
    out.live = {k: v for k, v in fold.live.items()
                if (d is None or v.doc in d) and (c is None or v.coder in c)}
    out.memos, out.decisions, out.steps = fold.memos, fold.decisions, fold.steps
    out.warnings, out.voided, out.lines, out.partial = (fold.warnings, fold.voided, fold.lines,
                                                         fold.partial)
    return out


def _hash(fh: BinaryIO, size: int, hasher: Any) -> bytes:
    """The digest (``hasher``'s) of the first ``size`` bytes of ``fh`` (left at ``size``)."""
    fh.seek(0)
    left = size
    while left:
        chunk = fh.read(min(_CHUNK, left))
        if not chunk:
            break
        hasher.update(chunk)
        left -= len(chunk)
    return hasher.copy().digest()


def _digest(fh: BinaryIO, partial: bool) -> tuple[int, bytes]:
    """``(bytes, digest)`` of the log's whole lines (a partial last line left out)."""
    size = os.fstat(fh.fileno()).st_size
    if partial:
        fh.seek(0)
        data_end = fh.read().rfind(b"\n") + 1
        size = data_end
    return size, _hash(fh, size, bytes_hasher())
