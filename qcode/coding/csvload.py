"""``qcode apply --from FILE.csv``: many decisions in one locked append.

Columns (a header row names them, in any order; only ``doc`` is required):
``doc, code, quote, unit, span, memo, action``. ``action`` is ``apply`` (the
default), ``remove`` or ``memo``. An apply or remove row names exactly one of
``quote``, ``unit`` and ``span``. A memo row with ``doc`` only is a memo on the
document, with ``code`` only a memo on the code, and with ``doc``, ``code`` and a
selection a memo on that coding (made earlier, or earlier in the same file).
Every row is checked before anything is written; one bad row writes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audit.log import locked_log
from ..codebook import load_codebook
from ..corpus import load_document
from ..errors import InputError, QcodeError
from ..project import resolve_coder
from .actions import active_code
from .plan import Outcome, Plan, coder_warnings, event_fields
from .select import select_span

if TYPE_CHECKING:
    from ..corpus import Document
    from ..project import Project

COLUMNS = ("doc", "code", "quote", "unit", "span", "memo", "action")
ROW_ACTIONS = ("apply", "remove", "memo")


@dataclass(frozen=True, slots=True)
class Step:
    """One checked row: what to do, where."""

    line: int
    action: str
    doc: Document | None = None  # None for a code memo
    code: str | None = None
    start: int = 0
    end: int = 0
    memo: str | None = None
    selected: bool = False   # a span was chosen (a coding, not a whole document)


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """``(line, row)`` for every data row; the header is checked for unknown columns."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            unknown = [h for h in header if h not in COLUMNS]
            if unknown or "doc" not in header:
                problem = (f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown
                           else "no 'doc' column")
                raise InputError(f"{path}:1: {problem}; columns are {', '.join(COLUMNS)}.")
            reader.fieldnames = header
            rows, line = [], 1
            for row in reader:
                rows.append((line + 1, {k: (v or "").strip() for k, v in row.items() if k}))
                line = reader.line_num
            return rows
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the path.") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a UTF-8 CSV file ({exc}).") from exc


class _Checker:
    """Checks rows against the codebook and the documents (cached by id)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.codebook = load_codebook(project.codebook_path)
        self.docs: dict[str, Any] = {}

    def doc(self, doc_id: str) -> Any:
        if doc_id not in self.docs:
            self.docs[doc_id] = load_document(self.project, doc_id)
        return self.docs[doc_id]

    def step(self, line: int, row: dict[str, str]) -> Step:
        action = row.get("action") or "apply"
        if action not in ROW_ACTIONS:
            raise InputError(f"action {action!r} must be one of {', '.join(ROW_ACTIONS)}")
        selectors = [k for k in ("quote", "unit", "span") if row.get(k)]
        doc_id, code, memo = row.get("doc"), row.get("code"), row.get("memo") or None
        if action == "memo":
            return self._memo(line, doc_id, code, selectors, row, memo)
        if not doc_id or not code:
            raise InputError(f"an {action} row needs doc and code")
        if len(selectors) != 1:
            raise InputError("give exactly one of quote, unit and span "
                             f"(got {', '.join(selectors) or 'none'})")
        if action == "remove" and memo:
            raise InputError("a remove row takes no memo; add a memo row after it")
        code_id = active_code(self.codebook, code) if action == "apply" else code
        document = self.doc(doc_id)
        start, end = self._select(document, row)
        return Step(line, action, document, code_id, start, end, memo, True)

    def _memo(self, line: int, doc_id: str | None, code: str | None, selectors: list[str],
              row: dict[str, str], memo: str | None) -> Step:
        if not memo:
            raise InputError("a memo row needs its text in the memo column")
        if doc_id and not code and not selectors:
            return Step(line, "memo", self.doc(doc_id), memo=memo)
        if code and not doc_id and not selectors:
            return Step(line, "memo", None, self.codebook.require(code).id, memo=memo)
        if doc_id and code and len(selectors) == 1:
            document = self.doc(doc_id)
            start, end = self._select(document, row)
            return Step(line, "memo", document, code, start, end, memo, True)
        raise InputError("a memo row is on a document (doc), a code (code) or a coding (doc, "
                         "code and one of quote, unit, span)")

    def _select(self, document: Document, row: dict[str, str]) -> tuple[int, int]:
        return select_span(document, span=row.get("span") or None,
                           quote=row.get("quote") or None, unit=row.get("unit") or None,
                           default_kind=self.project.settings.unit)


def _check_all(checker: _Checker, path: Path, rows: list[tuple[int, dict[str, str]]]
               ) -> list[Step]:
    steps, errors = [], []
    for line, row in rows:
        try:
            steps.append(checker.step(line, row))
        except QcodeError as exc:
            errors.append(f"{path}:{line}: {exc.message}")
    _raise_first(errors)
    return steps


def _raise_first(errors: list[str]) -> None:
    if errors:
        more = f" (and {len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
        raise InputError(f"{errors[0].rstrip('.')}{more}; nothing was written.")


def _plan(plan: Plan, step: Step, version: Any, source: str) -> None:
    if step.action == "apply":
        # a row that applies names its document and code (checked when read)
        assert step.doc is not None and step.code is not None
        plan.apply(step.doc, step.start, step.end, step.code, version, source=source,
                   memo=step.memo)
        return
    if step.selected:
        assert step.doc is not None and step.code is not None  # a chosen span is a coding
        coding = plan.find(step.doc.id, step.start, step.end, step.code)
        if coding is None:
            raise InputError(f"{plan.coder} has no coding of {step.code!r} at "
                             f"{step.start}:{step.end} in {step.doc.id!r}")
        if step.action == "remove":
            plan.remove(coding, step.doc, version, source=source)
            return
        fields = event_fields(plan.coder, "memo", step.doc, step.start, step.end, step.code,
                              version, source=source, ref=coding.id, memo=step.memo)
    elif step.doc is not None:
        fields = {"actor": plan.coder, "action": "memo", "doc": step.doc.id,
                  "docv": step.doc.version, "source": source, "memo": step.memo}
    else:
        fields = {"actor": plan.coder, "action": "memo", "code": step.code, "codebook": version,
                  "source": source, "memo": step.memo}
    plan.add(fields)


def apply_csv(project: Project, coder: str | None, path: Path | str, *, source: str = "import:csv",
              clock: Any = None) -> Outcome:
    """Apply, remove and memo rows of a CSV file as ``coder``, all or nothing."""
    path = Path(path)
    name = resolve_coder(coder)
    warnings = coder_warnings(project, name)
    checker = _Checker(project)
    steps = _check_all(checker, path, read_rows(path))
    version = checker.codebook.version
    with locked_log(project.log_path(name), project.id, clock=clock) as log:
        plan, errors = Plan(name, log, project), []
        for step in steps:
            try:
                _plan(plan, step, version, source)
            except QcodeError as exc:
                errors.append(f"{path}:{step.line}: {exc.message}")
        _raise_first(errors)
        return Outcome(name, plan.commit(), warnings + tuple(log.warnings), tuple(plan.notes))
