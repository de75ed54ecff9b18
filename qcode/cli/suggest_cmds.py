"""Suggestion commands: suggest (and --evaluate), suggestions, accept, reject.

Each command imports the library inside its function, so that ``qcode --help``
loads none of it (docs/architecture.md, "Lazy imports").
"""


import enum
from typing import Annotated

import typer

from ..errors import InputError
from ._options import CoderOption, FormatOption, ProjectOption, emit, info, progress_bar, project_from
from .root import app


class Method(enum.StrEnum):
    rules = "rules"
    model = "model"
    both = "both"


CodesOption = Annotated[list[str] | None, typer.Option(
    "--code", "--codes", help="Only this code; repeat or separate by commas (default: all "
    "active codes).", show_default=False)]
MinScoreOption = Annotated[float | None, typer.Option(
    "--min-score", help="Only suggestions scoring at least this (0-1).", show_default=False)]
MemoOption = Annotated[str | None, typer.Option("--memo", "-m", help="A memo on the decision.",
                                                show_default=False)]
IdsArg = Annotated[list[str] | None, typer.Argument(
    help="Suggestion ids from `qcode suggestions` (a unique prefix is enough).", show_default=False)]
AllOption = Annotated[bool, typer.Option(
    "--all", help="Every queued suggestion of --code (optionally --doc, --min-score).")]
DocOption = Annotated[str | None, typer.Option("--doc", "-d", help="Only this document.",
                                               show_default=False)]


def _codes(codes: list[str] | None) -> list[str] | None:
    found = [c.strip() for item in codes or () for c in item.split(",") if c.strip()]
    return found or None


@app.command()
def suggest(
    docs: Annotated[list[str] | None, typer.Argument(
        help="Document ids (default: every document).", show_default=False)] = None,
    *,
    coder: CoderOption = None,
    method: Annotated[Method, typer.Option(
        "--method", help="rules (keywords and patterns, rules.v1), model (the classifier "
        "learned from your decisions, textcat.v1) or both.")] = Method.rules,
    codes: CodesOption = None,
    min_score: MinScoreOption = None,
    evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="Instead of suggesting: cross-validate rules, model and both "
        "against your coding, folds grouped by document.")] = False,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Folds for --evaluate.")] = 5,
    pooled: Annotated[bool, typer.Option(
        "--pooled", help="Learn from every coder's decisions (one team model).")] = False,
    format: FormatOption = "table",  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Suggest codes for units you have not decided yet, into your suggestion queue."""
    from ..project import resolve_coder

    proj = project_from(project)
    name = resolve_coder(coder)
    if evaluate:
        _evaluate(proj, name, folds=folds, pooled=pooled, codes=_codes(codes), fmt=format)
        return
    from ..corpus import list_documents
    from ..suggest import suggest as run

    total = len(docs) if docs else len(list_documents(proj))
    with progress_bar(total, "suggesting") as step:
        result = run(proj, name, docs=docs, method=method.value, codes=_codes(codes),
                     min_score=min_score or 0.0, pooled=pooled, on_document=step, keep=False)
    for note in result.notes:
        info(note)
    info(f"{name}: {result.made} suggestions from {', '.join(result.methods)} in "
         f"{result.documents} document(s) ({result.parsed} parsed, {result.cached} from the "
         f"parse cache, {result.kept} with their matches kept; {result.decided} already "
         "decided, skipped"
         + ("; model trained on your decisions" if result.trained else "") + "). "
         f"List them with `qcode suggestions --coder {name}`.")


def _evaluate(proj, name: str, *, folds: int, pooled: bool, codes, fmt) -> None:
    from ..suggest.evaluate import evaluate, score_records, table_records

    with progress_bar(folds, "cross-validating") as step:
        ev = evaluate(proj, name, folds=folds, pooled=pooled, codes=codes,
                      on_fold=lambda n, k: step())
    for i, fold in enumerate(ev.folds, start=1):
        info(f"fold {i}: tested on {', '.join(fold.test)} (trained on {len(fold.train)} other "
             "document(s))")
    for note in ev.notes:
        info(note)
    if fmt.value == "table":
        base = ev.micro("baseline")
        emit(table_records(ev), ["code", "units", "rules.v1", "textcat.v1", "both", "baseline"],
             fmt, title=f"Suggestions against {name}'s coding: precision / recall / F1",
             caption=f"{len(ev.folds)}-fold cross-validation grouped by document, {ev.units} "
             f"units; never scored on training data. The baseline suggests the most frequent "
             f"code of the training folds for every unit (micro F1 {base.f1:.2f}).")
        return
    emit(score_records(ev), ["method", "code", "precision", "recall", "f1", "support", "tp",
                             "fp", "fn"], fmt)


@app.command()
def suggestions(
    *,
    doc: DocOption = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this code.",
                                             show_default=False)] = None,
    min_score: MinScoreOption = None,
    coder: CoderOption = None,
    format: FormatOption = "table",  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """List your suggestion queue with the reason for each suggestion."""
    from ..project import resolve_coder
    from ..suggest.queue import queue_records

    proj = project_from(project)
    name = resolve_coder(coder)
    records = queue_records(proj, name, doc=doc, code=code, min_score=min_score)
    columns = ["id", "doc", "unit", "code", "score", "method", "reason", "text"]
    emit(records, columns if format.value != "table" else [c for c in columns if c != "method"],
         format, title=f"Suggestions for {name}")
    if not records:
        info(f"No suggestions queued for {name}; run `qcode suggest --coder {name}`.")


def _decide(ids, *, accept: bool, every: bool, code, doc, min_score, memo, coder, project) -> None:
    from ..project import resolve_coder
    from ..suggest import choose, decide

    proj = project_from(project)
    name = resolve_coder(coder)
    if every and code is None:
        raise InputError("--all needs --code CODE (and optionally --doc, --min-score), so a "
                         "batch decision is about one code.")
    chosen = choose(proj, name, ids or (), every=every, code=code, doc=doc, min_score=min_score)
    if not chosen:
        info("No queued suggestion matches; nothing written.")
        return
    out = decide(proj, name, chosen, accept=accept, memo=memo)
    for warning in out.warnings:
        info(f"Warning: {warning}")
    for note in out.notes:
        info(note)
    verb = "accepted" if accept else "rejected"
    info(f"{name}: {verb} {len(chosen)} suggestion(s); wrote {out.written} line(s) to "
         f"audit/{name}.log.")


@app.command()
def accept(
    ids: IdsArg = None,
    *,
    every: AllOption = False,
    code: Annotated[str | None, typer.Option("--code", help="With --all: the code.",
                                             show_default=False)] = None,
    doc: DocOption = None,
    min_score: MinScoreOption = None,
    memo: MemoOption = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Accept suggestions: each becomes your coding, recorded as suggested."""
    _decide(ids, accept=True, every=every, code=code, doc=doc, min_score=min_score, memo=memo,
            coder=coder, project=project)


@app.command()
def reject(
    ids: IdsArg = None,
    *,
    every: AllOption = False,
    code: Annotated[str | None, typer.Option("--code", help="With --all: the code.",
                                             show_default=False)] = None,
    doc: DocOption = None,
    min_score: MinScoreOption = None,
    memo: MemoOption = None,
    coder: CoderOption = None,
    project: ProjectOption = None,
) -> None:
    """Reject suggestions: recorded in your log, and never suggested to you again."""
    _decide(ids, accept=False, every=every, code=code, doc=doc, min_score=min_score, memo=memo,
            coder=coder, project=project)
