"""``qcode suggest``: run the chosen suggesters over documents into the coder's queue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .. import workers
from ..codebook import load_codebook
from ..codings import fold_log
from ..corpus import list_documents, load_document
from ..errors import InputError
from ..lemmas import lemma_identity
from .base import (
    REGISTRY,
    Flushes,
    Notes,
    Preloads,
    Suggester,
    Suggestion,
    Trained,
    make_suggestion,
    merge,
    resolve_methods,
)
from .docs import read_view
from .parse import ParseCache, Parsed, ParseStats, project_languages
from .queue import QueueWriter, read_queue, write_queue

if TYPE_CHECKING:
    from ..project import Project


@dataclass(frozen=True, slots=True)
class SuggestResult:
    """The suggestions made (``made`` of them; kept in :attr:`suggestions` unless the
    run was told not to keep them), and what it took: documents parsed, read from
    the parse cache, or not needed as spaCy Docs at all (their rule matches were
    kept), proposals skipped as already decided, models trained, notes."""

    coder: str
    methods: tuple[str, ...]
    made: int
    documents: int
    parsed: int
    cached: int
    decided: int
    trained: int
    notes: tuple[str, ...] = ()
    kept: int = 0
    _suggestions: tuple[Suggestion, ...] | None = None

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        if self._suggestions is None:
            raise ValueError("this run kept no suggestions (keep=False); read the queue")
        return self._suggestions


class Decided:
    """The (document, code) stretches a coder has already decided: her live codings
    and every suggestion she accepted or rejected. A unit overlapping one of them is
    not suggested that code again."""

    def __init__(self, codings: Sequence[Any], decisions_: Sequence[Any]) -> None:
        self.spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for item in [*codings, *decisions_]:
            self.spans.setdefault((item.doc, item.code), []).append((item.start, item.end))

    @classmethod
    def of(cls, project: Project, coder: str) -> Decided:
        fold = fold_log(project.log_path(coder))
        return cls(list(fold.live.values()), fold.decisions)

    def covers(self, doc: str, code: str, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.spans.get((doc, code), ()))


def suggest(project: Project, coder: str, *, docs: Sequence[str] | None = None, method: str = "rules",
            codes: Sequence[str] | None = None, min_score: float = 0.0, pooled: bool = False,
            on_document: Callable[[Any], None] | None = None,
            use_cache: bool = True, keep: bool = True, top_k: int | None = None,
            threshold: float | None = None) -> SuggestResult:
    """Suggest codes for the units of ``docs`` (default: every document) and merge them
    into ``coder``'s queue (replacing what was queued for those documents and codes).
    ``keep=False`` keeps only their number (the command line needs no more), so a run
    over the whole corpus holds no suggestion in memory."""
    codebook = load_codebook(project.codebook_path)
    chosen = tuple(dict.fromkeys(codebook.require(c).id for c in codes)) if codes else None
    names = resolve_methods(method)
    doc_ids = _documents(project, docs)
    cache = ParseCache(project, use_cache=use_cache)
    suggesters = [REGISTRY[name](codebook, chosen, project=project, coder=coder, cache=cache,
                                 pooled=pooled, languages=project_languages(project),
                                 top_k=top_k, threshold=threshold)
                  for name in names]

    # The whole queue made again, in its order: written as it is made, so a run that
    # does not keep its suggestions holds none of them.
    whole = chosen is None and doc_ids == list(list_documents(project)) == sorted(doc_ids)
    if whole:
        made: list[Suggestion] = []
        n_made = 0

        def sink(rows: list[tuple[Any, ...]]) -> None:
            nonlocal n_made
            writer.add(rows)
            n_made += len(rows)
            if keep:
                made.extend(Suggestion(*row) for row in rows)

        with QueueWriter(project, coder) as writer:
            _, skipped = _run(project, coder, suggesters, cache, doc_ids, codebook.ids,
                              min_score, on_document, sink=sink)
    else:
        made, skipped = _run(project, coder, suggesters, cache, doc_ids, codebook.ids,
                             min_score, on_document)
        _update_queue(project, coder, made, doc_ids, chosen, codebook.ids)
        n_made = len(made)
    notes = tuple(n for s in suggesters if isinstance(s, Notes) for n in s.notes)
    trained = sum(s.trained for s in suggesters if isinstance(s, Trained))
    return SuggestResult(coder, names, n_made, len(doc_ids), cache.stats.parsed,
                         cache.stats.cached, skipped, trained, notes,
                         cache.stats.unneeded, tuple(made) if keep else None)


def _documents(project: Project, docs: Sequence[str] | None) -> list[str]:
    """The ids asked for (default: all), each checked to exist before anything runs."""
    known = list_documents(project)
    doc_ids = list(dict.fromkeys(docs)) if docs else known
    for doc_id in doc_ids:
        if doc_id not in known:
            load_document(project, doc_id)  # raises with a did-you-mean
    if not doc_ids:
        raise InputError("The project has no documents; run `qcode ingest FILE...` first.")
    return doc_ids


_GROUP_BYTES = 200_000  # document text per job
_GROUP_DOCUMENTS = 256  # and at most this many documents (a job's results stay small)


@dataclass
class _Run:
    """What the jobs of one run share; a forked worker inherits it (see :mod:`qcode.workers`)."""

    project: Project
    coder: str
    suggesters: list[Suggester]
    cache: ParseCache
    decided: Decided
    rank: dict[str, int]
    min_score: float
    priority: tuple[str, ...]  # the suggesters' names, first preferred (base.merge)


    doc_ids: list[str] = field(default_factory=list)


_RUNS: dict[int, _Run] = {}  # runs in progress (several threads may run one), by token


def _run(project: Project, coder: str, suggesters: list[Suggester], cache: ParseCache,
         doc_ids: list[str], code_order: Sequence[str], min_score: float,
         on_document: Callable[[Any], None] | None,
         sink: Callable[[list[tuple[Any, ...]]], None] | None = None,
         ) -> tuple[list[Suggestion], int]:
    """The suggestions for the documents, in order, and how many proposals were
    skipped as already decided; with a ``sink``, the suggestions go to it as rows,
    document by document, and none are kept. Documents go in groups, each a job run
    here or, for large inputs, in a forked worker with the suggesters already made; a
    job names its run by a token and its documents by their positions (a small
    message), and a worker's parse counts come back with its suggestions."""
    run = _Run(project, coder, suggesters, cache, Decided.of(project, coder),
               {c: i for i, c in enumerate(code_order)}, min_score,
               tuple(s.name for s in suggesters), list(doc_ids))
    sizes = [_text_size(project, d) for d in doc_ids]
    use_worker = workers.available(sum(sizes))
    if use_worker:  # read before the fork, so the worker has them too (the pipeline and
        # matchers are made by each process that needs them: a warm run needs neither)

        identity = lemma_identity(project.settings.language, project.settings.pipeline)
        for s in suggesters:
            if isinstance(s, Preloads):
                s.preload(identity)
    base, totals = replace(cache.stats), ParseStats()
    made: list[Suggestion] = []
    skipped = 0

    def report(result: tuple[list[str], list[tuple[Any, ...]], int, ParseStats]) -> None:
        nonlocal skipped
        group, rows, n, stats = result
        if sink is not None:
            sink(rows)
        else:
            made.extend(Suggestion(*row) for row in rows)
        skipped += n
        for name in ("parsed", "cached", "unneeded"):
            setattr(totals, name, getattr(totals, name) + getattr(stats, name))
        if on_document is not None:
            for doc_id in group:
                on_document(doc_id)

    token = id(run)
    _RUNS[token] = run  # before the fork
    try:
        with workers.forked(use_worker) as worker:
            shared = workers.Shared(worker)
            start = size = 0
            for i, n in enumerate(sizes):
                size += n
                if size >= _GROUP_BYTES or i + 1 - start >= _GROUP_DOCUMENTS:
                    shared.submit(_suggest_group, token, start, i + 1)
                    start, size = i + 1, 0
                    for result in shared.ready():
                        report(result)
            if start < len(sizes):
                shared.submit(_suggest_group, token, start, len(sizes))
            for result in shared.ready(wait=True):
                report(result)
    finally:
        del _RUNS[token]
    cache.stats = ParseStats(*(getattr(base, f) + getattr(totals, f)
                               for f in ("parsed", "cached", "unneeded")))
    return made, skipped


def _text_size(project: Project, doc_id: str) -> int:
    try:
        return (project.documents_dir / f"{doc_id}.txt").stat().st_size
    except OSError:
        return 0  # reading it reports what is wrong


def _suggest_group(token: int, start: int, end: int
                   ) -> tuple[list[str], list[tuple[Any, ...]], int, ParseStats]:
    """One job: the suggestions for a run's documents ``start:end`` (as rows: a worker
    sends them back), the proposals skipped as already decided, and what the parse
    cache did for them."""
    run = _RUNS[token]
    doc_ids = run.doc_ids[start:end]
    suggesters, cache = run.suggesters, run.cache
    before = replace(cache.stats)
    made: list[tuple[Any, ...]] = []
    skipped = 0

    def wants(parsed: Parsed) -> bool:
        needed = [s.wants(parsed) for s in suggesters]  # each one looks (rules read their cache)
        return any(needed)

    documents = (read_view(run.project, d) for d in doc_ids)
    for parsed in cache.parse(documents, wants=wants):
        proposals = [p for s in suggesters for p in s.propose(parsed)]
        if len(suggesters) > 1:
            proposals = sorted(merge(proposals, run.priority),
                               key=lambda p: (p.unit.start, run.rank[p.code]))
        for p in proposals:
            if p.score < run.min_score:
                continue
            if run.decided.covers(parsed.document.id, p.code, p.unit.start, p.unit.end):
                skipped += 1
                continue
            made.append(make_suggestion(run.coder, parsed.document, p).row())
    for s in suggesters:
        if isinstance(s, Flushes):
            s.flush()
    after = cache.stats
    delta = ParseStats(after.parsed - before.parsed, after.cached - before.cached,
                       after.unneeded - before.unneeded)
    return doc_ids, made, skipped, delta


def _update_queue(project: Project, coder: str, made: list[Suggestion], doc_ids: Sequence[str],
                  codes: Sequence[str] | None, code_order: Sequence[str]) -> None:
    redone = set(doc_ids)
    everything = codes is None and redone >= set(list_documents(project))
    kept = [] if everything else [s for s in read_queue(project, coder)
                                  if not (s.doc in redone and (codes is None or s.code in codes))]
    queue = [*kept, *made]
    if kept or list(doc_ids) != sorted(doc_ids):  # else made in this order already
        rank = {c: i for i, c in enumerate(code_order)}
        queue.sort(key=lambda s: (s.doc, s.start, rank.get(s.code, len(rank)), s.id))
    write_queue(project, coder, queue)
