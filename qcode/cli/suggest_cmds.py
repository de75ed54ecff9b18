"""Suggestion commands: suggest (run, evaluate, explain), suggestions, accept, reject."""


import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ._options import (
    CoderOption,
    Format,
    FormatOption,
    ProjectOption,
    emit,
    info,
    progress_bar,
    project_from,
)
from .root import QcodeGroup, app

if TYPE_CHECKING:
    from pathlib import Path

    from ..project import Project


class Method(enum.StrEnum):
    rules = "rules"
    model = "model"
    both = "both"
    rules_v1 = "rules.v1"
    rules_v2 = "rules.v2"
    linear_v1 = "linear.v1"
    linear_v2 = "linear.v2"
    linear_v3 = "linear.v3"
    textcat_v1 = "textcat.v1"


DEFAULT = Method.model  # qcode.suggest.base.DEFAULT_METHOD (not imported: --help stays light)


class UnitKind(enum.StrEnum):
    sentence = "sentence"
    turn = "turn"
    paragraph = "paragraph"


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


class _SuggestGroup(QcodeGroup):
    """``qcode suggest [DOCS]`` runs the suggesters (the ``run`` command) unless the
    first word names a sub-command (``evaluate``, ``explain``)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


suggest_app = typer.Typer(
    cls=_SuggestGroup, rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Suggest codes (`qcode suggest [DOCS]`), evaluate the suggesters against your "
    "coding (`qcode suggest evaluate`), or see why a unit got its suggestions "
    "(`qcode suggest explain DOC:N`).")
app.add_typer(suggest_app, name="suggest")

MethodOption = Annotated[Method, typer.Option(
    "--method", help="model (linear.v3: learned from your decisions, the best on held-out "
    "data), rules (keywords and patterns, rules.v2), both, or a versioned name.")]
TopKOption = Annotated[int | None, typer.Option(
    "--top-k", min=1, help="Offer the k best codes of every unit instead of those above "
    "their thresholds (learned suggesters).", show_default=False)]
ThresholdOption = Annotated[float | None, typer.Option(
    "--threshold", min=0.0, max=1.0, help="One threshold for every code instead of the "
    "per-code thresholds learned on your decisions.", show_default=False)]
PooledOption = Annotated[bool, typer.Option(
    "--pooled", help="Learn from every coder's decisions (one team model).")]


@suggest_app.command("run")
def suggest(
    docs: Annotated[list[str] | None, typer.Argument(
        help="Document ids (default: every document).", show_default=False)] = None,
    *,
    coder: CoderOption = None,
    method: MethodOption = DEFAULT,
    codes: CodesOption = None,
    min_score: MinScoreOption = None,
    top_k: TopKOption = None,
    threshold: ThresholdOption = None,
    evaluate: Annotated[bool, typer.Option(
        "--evaluate", help="Deprecated: use `qcode suggest evaluate`.", hidden=True)] = False,
    folds: Annotated[int, typer.Option("--folds", min=2, hidden=True,
                                       help="Deprecated, with --evaluate: folds.")] = 5,
    pooled: PooledOption = False,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Suggest codes for units you have not decided yet, into your suggestion queue
    (`qcode suggest [DOCS]`; the word `run` may be left out)."""
    from ..project import resolve_coder

    proj = project_from(project)
    name = resolve_coder(coder)
    if evaluate:
        info("Warning: `qcode suggest --evaluate` is deprecated and goes in the next release; "
             "use `qcode suggest evaluate`.")
        _evaluate(proj, name, folds=folds, pooled=pooled, codes=_codes(codes), fmt=format,
                  top_k=top_k, threshold=threshold)
        return
    from ..corpus import list_documents
    from ..suggest import suggest as run

    total = len(docs) if docs else len(list_documents(proj))
    with progress_bar(total, "suggesting") as step:
        result = run(proj, name, docs=docs, method=method.value, codes=_codes(codes),
                     min_score=min_score or 0.0, pooled=pooled, on_document=step, keep=False,
                     top_k=top_k, threshold=threshold)
    _summary(result, name)


def _summary(result: Any, name: str) -> None:
    for note in result.notes:
        info(note)
    info(f"{name}: {result.made} suggestions from {', '.join(result.methods)} in "
         f"{result.documents} document(s) ({result.parsed} parsed, {result.cached} from the "
         f"parse cache, {result.kept} with their matches kept; {result.decided} already "
         "decided, skipped"
         + ("; model trained on your decisions" if result.trained else "") + "). "
         f"List them with `qcode suggestions --coder {name}`.")


@suggest_app.command("evaluate")
def evaluate_cmd(
    *,
    coder: CoderOption = None,
    methods: Annotated[list[str] | None, typer.Option(
        "--methods", "--method", help="Suggesters to compare (linear.v3, linear.v2, linear.v1, rules.v2, "
        "rules.v1, textcat.v1, or model/rules/both); repeat or separate by commas. The tfidf-lr and "
        "majority baselines are always added.", show_default=False)] = None,
    unit: Annotated[UnitKind | None, typer.Option(
        "--unit", help="Unit kind to score (default: the project's).", show_default=False)] = None,
    folds: Annotated[int, typer.Option("--folds", min=2, help="Folds, grouped by document.")] = 5,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Shuffle documents into folds with this seed (default: the same "
        "size-balanced split every run).", show_default=False)] = None,
    top_k: TopKOption = None,
    threshold: ThresholdOption = None,
    codes: CodesOption = None,
    pooled: PooledOption = False,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Cross-validate the suggesters against your coding, folds grouped by document,
    next to a TF-IDF + logistic-regression baseline and the majority baseline."""
    from ..project import resolve_coder

    proj = project_from(project)
    _evaluate(proj, resolve_coder(coder), folds=folds, pooled=pooled, codes=_codes(codes),
              fmt=format, methods=_codes(methods), unit=unit.value if unit else None, seed=seed,
              top_k=top_k, threshold=threshold)


@suggest_app.command("explain")
def explain_cmd(
    unit: Annotated[str, typer.Argument(help="The unit: DOC:N (the project's unit kind) or "
                                        "DOC:KIND:N, e.g. interview-01:turn:3.")],
    *,
    coder: CoderOption = None,
    method: Annotated[Method, typer.Option("--method", help="rules, model or both.")] = Method.both,
    pooled: PooledOption = False,
    format: FormatOption = Format.table,  # noqa: A002
    project: ProjectOption = None,
) -> None:
    """Show why a unit gets its suggestions: keywords matched, or the score, threshold
    and the features (words, speaker, codebook) that carried each code."""
    from ..project import resolve_coder
    from ..suggest.explain import explain

    proj = project_from(project)
    found = explain(proj, resolve_coder(coder), unit, method=method.value, pooled=pooled)
    records = [{"method": line.method, "code": line.code,
                "score": None if line.score is None else round(line.score, 3),
                "threshold": None if line.threshold is None else round(line.threshold, 3),
                "suggested": "yes" if line.suggested else "no", "why": line.why,
                "model": line.model} for line in found.lines]
    if format.value == "table":
        from ..suggest.report import explanation_text

        typer.echo(explanation_text(found), nl=False)
        return
    emit(records, ["method", "code", "score", "threshold", "suggested", "why", "model"], format,
         title=f"Why {found.doc} {found.unit} gets its suggestions")


def _evaluate(proj: "Project", name: str, *, folds: int, pooled: bool, codes: list[str] | None,
              fmt: Any, methods: list[str] | None = None, unit: str | None = None,
              seed: int | None = None, top_k: int | None = None,
              threshold: float | None = None) -> None:
    from ..suggest.evaluate import evaluate, score_records
    from ..suggest.report import evaluation_text

    with progress_bar(folds, "cross-validating") as step:
        ev = evaluate(proj, name, folds=folds, pooled=pooled, codes=codes, methods=methods,
                      unit=unit, seed=seed, top_k=top_k, threshold=threshold,
                      on_fold=lambda n, k: step())
    for i, fold in enumerate(ev.folds, start=1):
        info(f"fold {i}: tested on {', '.join(fold.test)} (trained on {len(fold.train)} other "
             "document(s))")
    for note in ev.notes:
        info(note)
    if fmt.value == "table":
        typer.echo(evaluation_text(ev), nl=False)
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
    format: FormatOption = Format.table,  # noqa: A002
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


def _decide(ids: list[str] | None, *, accept: bool, every: bool, code: str | None, doc: str | None,
            min_score: float | None, memo: str | None, coder: str | None,
            project: "Path | None") -> None:
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
