"""The main job: build a project from the sample study and run everything end to end.

``STEPS`` is an ordered list; each step takes the demo context and returns the
lines it reports. Later features add their steps in the order the design gives:
init and ingest -> codebook check -> the sample coders' decisions -> suggestions
-> agreement, co-occurrence, crosstab -> a codebook change and re-coding -> summary.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .audit import verify_project
from .codebook import Codebook, check, dump_codebook, load_codebook
from .coding import apply_csv
from .codings import replay
from .corpus import list_documents, load_document
from .corpus.ingest import ingest
from .errors import ProjectError
from .exchange.demo import report_exchange
from .migrations import recode
from .project import Project, init_project
from .sample import SAMPLE_CODERS, SUPERVISOR, sample_attributes, sample_codings, sample_root, sample_sources
from .suggest import decide, suggest
from .suggest.evaluate import evaluate
from .trail import report_decisions

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
    assert ctx.project is not None
    ctx.facts.update(report_agreement(ctx.project, ctx.report))


def step_migration(ctx: DemoContext) -> None:
    assert ctx.project is not None
    ctx.facts.update(report_migration(ctx.project, ctx.report, SUPERVISOR))


def step_exchange(ctx: DemoContext) -> None:
    assert ctx.project is not None
    ctx.facts.update(report_exchange(ctx.project, ctx.report, SUPERVISOR))


DEMO_REPLICATES = 2_000  # the report's bootstrap in the demo; `qcode report` defaults to 10,000


def step_report(ctx: DemoContext) -> None:
    """The supervisor's report of the sample study, as one HTML page in the project folder."""
    from .report import ReportOptions, write_report  # numpy behind it

    assert ctx.project is not None
    path = write_report(ctx.project, ctx.folder / "report.html",
                        options=ReportOptions(replicates=DEMO_REPLICATES))
    ctx.facts["report"] = path
    ctx.report(f"report: {path} ({path.stat().st_size:,} bytes; open it in a browser, or print it)")


def step_summary(ctx: DemoContext) -> None:
    """Where things stand at the end, and what to try next."""

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
    Step("the supervisor's report", step_report),
    Step("exchange: export to REFI-QDA (.qdpx, .qdc) and import into a second project", step_exchange),
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


# ---------------------------------------------------------------- suggestions


def report_suggestions(project: Project, report: Callable[[str], None], coder: str,
                       *, folds: int = 5) -> dict[str, Any]:
    """Run rules and the model for ``coder``, accept the three best-supported rule
    suggestions and reject one weak one (as a coder reading them might), then report
    the cross-validated scores against her own coding."""
    result = suggest(project, coder, method="both")
    by_method = {m: sum(s.method == m for s in result.suggestions) for m in result.methods}
    report(f"{coder}: {len(result.suggestions)} suggestions ("
           + ", ".join(f"{m}: {n}" for m, n in by_method.items())
           + f") for units she has not decided; {result.decided} proposals skipped as decided")
    for note in result.notes:
        report(f"  {note}")
    rules = sorted((s for s in result.suggestions if s.method.startswith("rules.")),
                   key=lambda s: (-s.score, s.doc, s.start, s.code))
    accepted, rejected = rules[:3], [s for s in rules[3:] if s.score <= 0.5][-1:]
    if accepted:
        decide(project, coder, accepted, accept=True)
    if rejected:
        decide(project, coder, rejected, accept=False, memo="keyword out of context")
    for s, verb in [*((s, "accepted") for s in accepted), *((s, "rejected") for s in rejected)]:
        report(f"  {verb} {s.id} {s.code} on {s.doc} {s.unit} (score {s.score:.2f}): {s.reason}")
    ev = evaluate(project, coder, folds=folds)
    report(f"cross-validated against {coder}'s coding: {len(ev.folds)} folds grouped by "
           f"document, {ev.units} units, no document in both training and test")
    scores = {}
    for method in ev.methods:
        micro = ev.micro(method)
        scores[method] = round(ev.macro_f1(method), 3)
        report(f"  {method:<10}  macro F1 {ev.macro_f1(method):.2f}   precision "
               f"{micro.precision:.2f}  recall {micro.recall:.2f}")
    report("  (tfidf-lr: TF-IDF + logistic regression at 0.5; majority: the most frequent "
           "code for every unit; figures from held-out documents only)")
    return {"suggestions": len(result.suggestions), "accepted": len(accepted),
            "rejected": len(rejected), "macro_f1": scores}


# ---------------------------------------------------------------- agreement


def report_agreement(project: Project, report: Callable[[str], None]) -> dict[str, object]:
    """Report agreement, the strongest co-occurrence and a crosstab; return the figures."""
    from .agreement.from_project import (  # numpy behind it
        project_agreement,
        project_cooccurrence,
        project_crosstab,
    )  # numpy behind it

    agreement = project_agreement(project, coefficients=("alpha",), ci="bca", n_replicates=2000)
    per_code = [r for r in agreement.results if r.code is not None and r.value is not None]
    overall = {r.coefficient: r for r in agreement.results if r.code is None}
    if per_code:
        low = min(per_code, key=lambda r: r.value or 0.0)  # (per_code has values only)
        high = max(per_code, key=lambda r: r.value or 0.0)
        report(
            f"agreement on {agreement.unit} units, {per_code[0].units:,} units, "
            f"{per_code[0].coders} coders: alpha from {low.value:.3f} ({low.code}) to "
            f"{high.value:.3f} ({high.code})"
        )
    for name in ("alpha", "alpha-masi"):
        r = overall.get(name)
        if r is not None and r.value is not None:
            ci = f", 95% BCa CI {r.ci[0]:.3f} to {r.ci[1]:.3f}" if r.ci else ""
            label = "pooled over codes" if name == "alpha" else "over code sets (MASI)"
            report(f"alpha {label}: {r.value:.3f}{ci} ({r.band})")
    _, total, _ = project_cooccurrence(project, unit="paragraph")
    pairs = [rec for rec in total.records() if rec["code1"] != rec["code2"] and rec["c"] is not None]
    if pairs:
        top = max(pairs, key=lambda rec: rec["c"])
        report(
            f"strongest co-occurrence in paragraphs: {top['code1']} and {top['code2']} "
            f"(c = {top['c']:.2f}, {top['count']} paragraphs)"
        )
    table, diffs = project_crosstab(project, by="setting", unit="paragraph", n_replicates=2000)
    shown = [d for d in diffs if d["ci_low"] is not None and (d["ci_low"] > 0 or d["ci_high"] < 0)]
    report(
        f"crosstab by setting: {len(table.codes)} codes x {len(table.values)} settings; "
        f"{len(shown)} differences of proportions whose 95% BCa CI excludes 0"
    )
    return {"agreement": agreement, "crosstab": table}


# ---------------------------------------------------------------- codebook change


MEDICAL = ("medicine", "medication", "multidose", "dosette", "tablet", "wound", "bandage",
           "injection", "insulin", "eye drops", "assessment", "nursing", "morphine",
           "medisin", "multidose", "dosett", "sår", "sårstell", "sykepleie", "øyedråpe")
PRACTICAL = ("chore", "shower", "stocking", "compression stocking", "breakfast", "meal", "walk",
             "lift", "training", "rehabilitation", "dusj", "støttestrømpe", "frokost", "måltid",
             "stell", "trening", "hverdagsrehabilitering")
CHANGES = [
    {"version": 2, "merge": {"from": ["competency", "professionalism"], "into": "professionalism"},
     "reason": "The coders could not keep professional judgement and the skills behind it apart."},
    {"version": 2, "split": {"from": "tasks", "into": ["medical-tasks", "practical-tasks"],
                             "by": "rules"},
     "reason": "Medical and practical tasks moved to different groups after the reform."},
    {"version": 2, "retire": "personnel",
     "reason": "Staffing is covered by the municipality's own figures."},
]


def version_two(codebook: Codebook) -> Codebook:
    """The sample codebook's version 2 (a Codebook; written out with ``dump_codebook``)."""
    codes = []
    for code in codebook.codes:
        if code.id == "competency":
            continue
        if code.id == "professionalism":
            extra = codebook.require("competency").keywords
            code = replace(code, keywords=code.keywords + extra,
                           definition=code.definition + " It includes the knowledge and skills "
                           "this judgement rests on (formerly the code competency).")
        if code.id == "tasks":
            codes.append(replace(code, id="medical-tasks", label="Medical tasks", keywords=MEDICAL,
                                 definition="Medication, wound care, injections and the other "
                                 "health care tasks of a visit."))
            codes.append(replace(code, id="practical-tasks", label="Practical tasks",
                                 keywords=PRACTICAL, patterns=(), colour="#8c564b",
                                 definition="Personal care, meals, showers, stockings and the "
                                 "chores that come with a visit."))
            continue
        if code.id == "personnel":
            code = replace(code, retired=True)
        codes.append(code)
    return replace(codebook, version=2, codes=tuple(codes), changes=tuple(CHANGES), steps=())


def report_migration(project: Project, report: Callable[[str], None], actor: str) -> dict[str, object]:
    """Write codebook-v2.yaml, re-code to it as ``actor`` and report the counts."""
    before = Counter(c.code for c in replay(project))
    path = project.root / "codebook-v2.yaml"
    path.write_text(dump_codebook(version_two(load_codebook(project.codebook_path))),
                    encoding="utf-8")
    result = recode(project, path, actor=actor)
    codings = replay(project)
    after = Counter(c.code for c in codings)
    outcomes = result.plan.counts()
    report("codebook version 2: merge competency into professionalism, split tasks into "
           "medical-tasks and practical-tasks (by rules), retire personnel")
    codes = [*load_codebook(path).ids, *[c for c in before if c not in load_codebook(path).ids]]
    for code in dict.fromkeys(codes):
        if before[code] or after[code]:
            report(f"  {code:<18} {before[code]:>4} -> {after[code]:>4}")
    pending = sum(1 for c in codings if any(f.startswith("pending:") for f in c.flags))
    report(f"{sum(before.values())} codings before, {len(codings)} after: "
           f"{outcomes.get('merge', 0)} merged, {outcomes.get('routed', 0)} routed by rules, "
           f"{pending} left for review, {outcomes.get('retired', 0)} kept under the retired code")
    intact = verify_project(project).ok
    report(f"wrote {len(result.events)} lines to audit/project.log as {actor}; every log "
           f"verifies: {'yes' if intact else 'NO'}")
    return {"migration_before": sum(before.values()), "migration_after": len(codings),
            "migration_pending": pending, "migration_verified": intact}
