"""The main job: build a project from the sample study and run everything end to end.

``STEPS`` is an ordered list; each step takes the demo context and returns the
lines it reports. Later features add their steps in the order the design gives:
init and ingest -> codebook check -> the sample coders' decisions -> suggestions
-> agreement, co-occurrence, crosstab -> a codebook change and re-coding -> summary.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .audit.ops import verify_project
from .codebook import check, load_codebook
from .coding import apply_csv
from .codings import replay
from .corpus import ingest, list_documents, load_document
from .errors import ProjectError
from .migrations.demo import report_migration
from .project import Project, init_project
from .review import report_decisions
from .sample import SAMPLE_CODERS, SUPERVISOR, sample_attributes, sample_codings, sample_root, sample_sources
from .suggest.demo import report_suggestions

Report = Callable[[str], None]


@dataclass
class DemoContext:
    folder: Path
    report: Report
    project: Project | None = None
    facts: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    run: Callable[[DemoContext], None]


def init_sample(folder: Path, *, force: bool = False, report: Report = lambda s: None) -> Project:
    """A project holding the sample study: codebook, documents, attributes, codings."""
    root = sample_root()
    codebook_text = (root / "codebooks" / "homecare.yaml").read_text(encoding="utf-8")
    project = init_project(
        folder, name="Home care after the trust reform (sample study)", language="en",
        unit="sentence", coders=(*SAMPLE_CODERS, SUPERVISOR), force=force,
        codebook_text=codebook_text,
    )

    attributes = sample_attributes(root)
    sources = sample_sources(root)
    for path in sources:
        doc_id = path.stem.lower()
        ingest(project, [path], attrs=attributes.get(doc_id, {}))
    report(f"ingested {len(sources)} documents of the sample study")
    _load_sample_codings(project, root, report)
    return project


def _load_sample_codings(project: Project, root: Path, report: Report) -> None:
    files = sample_codings(root)
    if not files:
        return

    for coder, path in files.items():
        result = apply_csv(project, coder, path)
        report(f"loaded {len(result.events)} decisions of {coder} from corpus/codings/{path.name}")


def step_init(ctx: DemoContext) -> None:
    ctx.project = init_sample(ctx.folder, force=bool(ctx.facts.get("force")), report=ctx.report)

    docs = [load_document(ctx.project, d) for d in list_documents(ctx.project)]
    words = sum(d.words() for d in docs)
    sentences = sum(len(d.units("sentence")) for d in docs)
    ctx.report(f"project {ctx.folder}: {len(docs)} documents, {words:,} words, "
               f"{sentences:,} sentences, {sum(len(d.turns) for d in docs)} turns/entries")


def step_codebook_check(ctx: DemoContext) -> None:
    assert ctx.project is not None
    problems = check(ctx.project.codebook_path)
    codebook = load_codebook(ctx.project.codebook_path)
    errors = sum(p.severity == "error" for p in problems)
    ctx.report(f"codebook version {codebook.version}: {len(codebook.codes)} codes, "
               f"{errors} errors, {len(problems) - errors} warnings")


def step_decisions(ctx: DemoContext) -> None:
    assert ctx.project is not None
    ctx.facts.update(report_decisions(ctx.project, ctx.report, SUPERVISOR))


def step_suggestions(ctx: DemoContext) -> None:
    assert ctx.project is not None
    ctx.facts.update(report_suggestions(ctx.project, ctx.report, SAMPLE_CODERS[0]))


def step_agreement(ctx: DemoContext) -> None:
    from .agreement.demo import report_agreement  # numpy behind it

    assert ctx.project is not None
    ctx.facts.update(report_agreement(ctx.project, ctx.report))


def step_migration(ctx: DemoContext) -> None:
    assert ctx.project is not None
    ctx.facts.update(report_migration(ctx.project, ctx.report, SUPERVISOR))


def step_summary(ctx: DemoContext) -> None:
    """Where things stand at the end, and what to try next."""
    from collections import Counter


    project = ctx.project
    assert project is not None
    codings = replay(project)
    per_coder = Counter(c.coder for c in codings)
    codebook = load_codebook(project.codebook_path)
    report = verify_project(project)
    logs = sorted(p.name for p in project.audit_dir.glob("*.log"))
    ctx.report(f"codebook version {codebook.version} in force, {len(codebook.active())} active codes")
    ctx.report("codings now: " + ", ".join(f"{who} {n}" for who, n in sorted(per_coder.items())))
    ctx.report(f"audit logs: {', '.join(logs)}; verify: "
               + ("intact" if report.ok else f"{len(report.problems)} problem(s)"))
    doc = "hc01-nurse-team-north"
    ctx.report(f"next: cd {ctx.folder} and try `qcode show {doc} -c astrid -c emil`, "
               f"`qcode code {doc} --coder astrid`, `qcode agree --ci bca`, `qcode audit show`")


STEPS: list[Step] = [
    Step("init and ingest the sample study", step_init),
    Step("check the codebook", step_codebook_check),
    Step("the sample coders' decisions, sealed by the supervisor", step_decisions),
    Step("code suggestions: rules and a model of one coder's decisions", step_suggestions),
    Step("agreement, co-occurrence and a crosstab of the two sample coders", step_agreement),
    Step("a codebook change: two codes merged, one split, one retired; re-coding", step_migration),
    Step("summary", step_summary),
]


def run_demo(folder: Path | None, *, force: bool = False, report: Report = print) -> DemoContext:
    """Run every step in order, reporting as it goes."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="qcode-demo-")) / "study"
    elif folder.exists() and folder.is_dir() and any(folder.iterdir()) and not force:
        raise ProjectError(f"{folder}: folder is not empty; choose an empty folder or pass --force.")
    ctx = DemoContext(folder=folder, report=report, facts={"force": force})
    for i, step in enumerate(STEPS, start=1):
        started = time.perf_counter()
        report(f"[{i}/{len(STEPS)}] {step.name}")
        step.run(ctx)
        report(f"      done in {time.perf_counter() - started:.1f} s")
    return ctx
