"""``qcode redact``: erase a passage or a document's words, keeping the chain."""

from typing import Annotated

import typer

from ._options import ProjectOption, info, project_from
from .root import app


@app.command()
def redact(
    doc: Annotated[str, typer.Argument(help="The document id.")],
    *,
    span: Annotated[str | None, typer.Option(
        "--span", help="Only this passage, 'start:end' (code-point offsets); default: the "
        "whole document's text.", show_default=False)] = None,
    reason: Annotated[str, typer.Option(
        "--reason", help="Why (consent withdrawn, pseudonymisation...); recorded.")],
    as_: Annotated[str | None, typer.Option(
        "--as", help="Who redacts (default: QCODE_CODER, else 'coder:' in your config); "
        "recorded and signed in project.log.", show_default=False)] = None,
    project: ProjectOption = None,
) -> None:
    """Erase words from the logs, documents, codebook, caches and reports; codings stay."""
    from ..project import resolve_coder
    from ..redaction import redact as do_redact

    actor = resolve_coder(as_, flag="--as")
    done = do_redact(project_from(project), doc, span=span, reason=reason, actor=actor)
    lines = sum(len(v) for v in done.lines.values())
    logs = ", ".join(f"{log}.log ({len(v)})" for log, v in sorted(done.lines.items()))
    info(f"Redacted {doc} {done.span or '(whole text)'}: {lines} log line(s)"
         + (f" in {logs}" if logs else "") + f"; files: {', '.join(done.files)}; caches "
         f"under .qcode/ deleted. Recorded as project.log line {done.record_seq}.")
    if done.in_git:
        info("Git still holds the erased words in earlier commits: qcode cannot erase them. "
             "Rewrite the history (for example `git filter-repo --replace-text`), push it, "
             "and have every clone delete its copy and clone again (or expire its reflog "
             "and run `git gc --prune=now`).")
