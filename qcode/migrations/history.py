"""The codebook's history as project.log records it, and undoing a migration.

``qcode codebook log`` lists every version and step that ``qcode recode`` wrote,
with when and by whom; a migration undone (its lines voided) is shown as such.
:func:`undo_migration` voids every line of one version: its ``migrate`` lines and
the ``route`` lines that recode wrote for it, and puts the earlier codebook back
in force when recode kept it (``codebook-versions/``). Decisions made later in
review sit in the reviewers' own logs; they refer to the voided steps and so no
longer apply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import intent
from ..audit.health import note_broken
from ..audit.log import PROJECT_LOG, log_names, read_log
from ..audit.ops import append_events
from ..codebook import load_codebook
from ..codebook.mapping import StepIndex
from ..codebook.steps import step_from_data
from ..codings import fold_log, voided_seqs
from ..errors import QcodeError
from ..fileio import atomic_write
from ..project import resolve_coder
from .kept import kept_text, version_file

if TYPE_CHECKING:
    from ..codings import Coding
    from ..project import Project

COLUMNS = ("time", "actor", "version", "step", "change", "reason", "routed", "status")


def raw_replay(project: Project) -> tuple[list[Any], list[Any]]:
    """Codings as made (before any mapping) and the step events, in time order."""
    note_broken(project.audit_dir, project.id)
    folds = [fold_log(project.log_path(name)) for name in log_names(project.audit_dir)]
    codings = [c for f in folds for c in f.live.values()]
    steps = sorted((e for f in folds for e in f.steps), key=lambda e: (e.time, e.actor, e.seq))
    return codings, steps



def _project_events(project: Project) -> tuple[list[Any], set[int]]:
    path = project.log_path(PROJECT_LOG)
    if not path.exists():
        return [], set()

    voided, _, _ = voided_seqs(path)
    return list(read_log(path).events), voided


def _describe(data: dict[str, Any]) -> str:
    if data.get("step") == "version":
        previous = data.get("previous")
        return f"version {previous} -> {data.get('version')}" if previous is not None \
            else f"version {data.get('version')}"
    try:
        return step_from_data(data).describe()
    except (KeyError, TypeError, ValueError):
        return str(data.get("step"))


def codebook_log(project: Project, *, all_lines: bool = False) -> list[dict[str, Any]]:
    """Versions and steps from project.log, oldest first: time, who, version, step id,
    the change, its reason, how many codings recode routed for it, and whether it is
    in force or was undone (undone ones only with ``all_lines``)."""
    events, voided = _project_events(project)
    routed = Counter(str((e.data or {}).get("step")) for e in events
                     if e.action == "route" and e.seq not in voided)
    rows = []
    for e in events:
        if e.action != "migrate" or (e.seq in voided and not all_lines):
            continue
        data = e.data or {}
        header = data.get("step") == "version"
        rows.append({
            "time": e.time, "actor": e.actor, "version": data.get("version", e.codebook),
            "step": "" if header else str(data.get("id") or ""),
            "change": _describe(data), "reason": "" if header else data.get("reason") or "",
            "routed": "" if header else routed.get(str(data.get("id")), 0),
            "status": "undone" if e.seq in voided else "in force",
        })
    return rows


def undo_migration(project: Project, version: Any, *, actor: str | None = None,
                   clock: Callable[[], str] | None = None) -> Any:
    """Void every live line of migration ``version`` in project.log (its version and
    steps, and recode's route lines for them), then put the codebook it replaced
    back in force when codebook.yaml is still the one that migration put in force
    and the earlier one was kept (see :func:`_earlier_codebook`)."""
    who = resolve_coder(actor, flag="--as")
    events, voided = _project_events(project)
    mine = [e for e in events if e.action == "migrate" and e.seq not in voided
            and str((e.data or {}).get("version", e.codebook)) == str(version)]
    if not mine:
        known = sorted({str((e.data or {}).get("version")) for e in events
                        if e.action == "migrate" and e.seq not in voided})
        raise QcodeError(f"No migration to version {version} in force in audit/project.log"
                         + (f" (versions in force: {', '.join(known)})" if known else "")
                         + "; see `qcode codebook log`.")
    steps = {str((e.data or {}).get("id")) for e in mine}
    routes = [e for e in events if e.action == "route" and e.seq not in voided
              and str((e.data or {}).get("step")) in steps]
    batch = [{"actor": who, "action": "void", "ref": f"{PROJECT_LOG}:{e.seq}",
              "code": e.code, "codebook": e.codebook, "doc": e.doc, "span": e.span,
              "data": {"undid": e.action}}
             for e in sorted([*mine, *routes], key=lambda e: -e.seq)]
    header = next((e for e in mine if (e.data or {}).get("step") == "version"), None)
    previous = (header.data or {}).get("previous") if header is not None else None
    put = (header.data or {}).get("sha256") if header is not None else None
    back, note = _earlier_codebook(project, version, previous, put)
    if back is not None:  # project.log and then codebook.yaml: the next command finishes it
        intent.begin(project.root, "undo", {"version": version, "previous": previous,
                                            "sha256": put})
    try:
        written = append_events(project, PROJECT_LOG, batch, clock=clock)
    except QcodeError:  # refused (a broken log): nothing recorded, nothing to finish
        intent.finish(project.root, "undo")
        raise
    if back is not None:
        try:
            atomic_write(project.codebook_path, back)
            intent.finish(project.root, "undo")
        except OSError as exc:
            intent.release(project.root, "undo")  # the next command puts it back
            kept = version_file(project, previous).relative_to(project.root)
            raise QcodeError(f"The migration to version {version} is undone, but codebook.yaml "
                             f"could not be written ({exc.strerror}); copy {kept} over "
                             "it.") from None
    return Undone(written.events, written.warnings, previous, back is not None, note)


@dataclass(frozen=True, slots=True)
class Undone:
    """What undoing a migration wrote, and what became of codebook.yaml."""

    events: tuple[Any, ...]
    warnings: tuple[str, ...]
    previous: Any  # the version the migration started from
    restored: bool  # codebook.yaml is that version again
    note: str  # says which, for the person


def _earlier_codebook(project: Project, version: Any, previous: Any,
                      put: str | None) -> tuple[str | None, str]:
    """The kept codebook of ``previous`` to put back in force, and a note. Only when
    codebook.yaml is the very text that migration put in force (``put``, the hash
    its version line records): a codebook edited after it, or of another version,
    is left as it is."""
    import hashlib


    unchanged = "codebook.yaml is unchanged"
    if previous is None:
        return None, f"{unchanged}."
    where = version_file(project, previous).relative_to(project.root)
    earlier = kept_text(project, previous)
    if earlier is None:
        return None, (f"{unchanged}; no codebook of version {previous} was kept: restore it "
                      "from git if it should be in force again.")
    try:
        current = load_codebook(project.codebook_path)
        text = project.codebook_path.read_text(encoding="utf-8")
    except (QcodeError, OSError, UnicodeDecodeError):
        return None, f"{unchanged}; the codebook of version {previous} is in {where}."
    if str(current.version) != str(version):
        return None, (f"{unchanged} (it is version {current.version}); the codebook of version "
                      f"{previous} is in {where}.")
    if put is None or hashlib.sha256(text.encode()).hexdigest()[:len(put)] != put:
        return None, (f"{unchanged}: it is not the text version {version} was put in force "
                      f"with (edited since?); the codebook of version {previous} is in {where}.")
    return earlier, f"codebook.yaml is version {previous} again (from {where})."


def coding_trails(project: Project, *, doc: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """For each coding (of ``doc``, or all) that a migration changed or flagged, the
    steps it went through, in order: the ``migrate`` line (``id`` as ``project:seq``,
    time, who), the step, the code before and after it, and what it did (``mapped``,
    ``routed``, ``pending``, ``review``, ``confirmed`` or ``retired``). For
    ``qcode audit blame`` and for reports of a coding's history."""
    codings, events = raw_replay(project)
    index = StepIndex.build(events)
    lines = _step_lines(project)
    out: dict[str, list[dict[str, Any]]] = {}
    for coding in codings:
        if doc is not None and coding.doc != doc:
            continue
        trail = _trail(coding, index, lines)
        if trail:
            out[coding.id] = trail
    return out


def _step_lines(project: Project) -> dict[str, tuple[str, str, str]]:
    """``{step id: (event id, time, actor)}`` of the migrate lines in force."""
    events, voided = _project_events(project)
    return {str((e.data or {}).get("id")): (f"{PROJECT_LOG}:{e.seq}", e.time, e.actor)
            for e in events if e.action == "migrate" and e.seq not in voided
            and (e.data or {}).get("step") != "version"}


def _trail(coding: Coding, index: Any, lines: dict[str, tuple[str, str, str]]) -> list[dict[str, Any]]:
    code, trail = coding.code, []
    for step, _ in index.after(coding.codebook):
        if code not in step.sources:
            continue
        before = code
        if step.kind in ("rename", "merge"):
            if step.targets[0] == code:
                continue  # merged into itself: nothing changed
            code, what = step.targets[0], "mapped"
        elif step.kind in ("split", "redefine"):
            routed = index.routes.get((coding.id, step.id))
            if routed is None:
                what = "pending" if step.kind == "split" else "review"
            else:
                what = "confirmed" if routed == code else "routed"
                code = routed
        elif step.kind == "retire":
            what = "retired"
        else:
            continue
        ref, time, actor = lines.get(step.id, ("", "", ""))
        trail.append({"time": time, "id": ref, "actor": actor, "step": step.id,
                      "change": step.describe(), "from": before, "to": code, "what": what})
        if what == "pending":
            break
    return trail
