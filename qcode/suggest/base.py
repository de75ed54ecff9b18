"""Records and the registry of suggesters (STYLE.md 7: versioned names).

A suggester is looked up by its versioned name (``rules.v2``, ``linear.v3``);
the name goes into every accept or reject line as ``source: suggest:<name>``. A
changed behaviour is registered under a new name, never as an edit of an old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..errors import InputError
from ..hints import did_you_mean
from .parse import Parsed, Unit

if TYPE_CHECKING:
    from ..corpus import Document
    from .docs import DocView

METHODS = {"rules": ("rules.v2",), "model": ("linear.v3",), "both": ("rules.v2", "linear.v3")}
DEFAULT_METHOD = "model"  # the learner that won on held-out data (docs/suggestions.md)


@dataclass(frozen=True, slots=True)
class Proposal:
    """What a suggester says about one unit: a code, a score and why."""

    unit: Unit
    code: str
    method: str
    score: float
    reason: str
    words: tuple[str, ...] = ()
    model: str = ""  # fingerprint of the model or rules (training data and settings)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposal in a coder's queue. ``id`` is a short hash of what is suggested
    (document version, span, code), so it is the same whenever the queue is rebuilt."""

    id: str
    coder: str
    doc: str
    docv: str
    unit: str
    start: int
    end: int
    code: str
    method: str
    score: float
    reason: str
    words: tuple[str, ...] = ()
    model: str = ""

    @property
    def source(self) -> str:
        return f"suggest:{self.method}"

    def row(self) -> tuple[Any, ...]:
        """The fields in order, as a plain tuple (``Suggestion(*row)`` makes it again);
        cheap to send between processes."""
        return (self.id, self.coder, self.doc, self.docv, self.unit, self.start, self.end,
                self.code, self.method, self.score, self.reason, self.words, self.model)

    @property
    def span(self) -> str:
        return f"{self.start}:{self.end}"


def suggestion_id(doc: str, docv: str, start: int, end: int, code: str) -> str:
    key = f"{doc}\n{docv}\n{start}:{end}\n{code}".encode()
    return hashlib.sha256(key).hexdigest()[:8]


def make_suggestion(coder: str, doc: Document | DocView, p: Proposal) -> Suggestion:
    return Suggestion(
        id=suggestion_id(doc.id, doc.version, p.unit.start, p.unit.end, p.code),
        coder=coder, doc=doc.id, docv=doc.version, unit=p.unit.ref, start=p.unit.start,
        end=p.unit.end, code=p.code, method=p.method, score=round(p.score, 4),
        reason=p.reason, words=p.words, model=p.model,
    )


class Suggester(Protocol):
    """Proposes codes for the units of a parsed document: everything the engine
    (:func:`qcode.suggest.suggest`) calls on every suggester.

    A suggester is made by its registered factory (see :func:`register`) and then, for
    each document in turn, asked whether it ``wants`` the document's spaCy Doc (the
    engine parses a document only if some suggester wants it; a suggester may read
    what it kept of the document meanwhile) and to ``propose`` codes for its units.
    What a suggester may do besides is an optional capability, a Protocol of its own
    below (:class:`Preloads`, :class:`Flushes`, :class:`Notes`, :class:`Trained`,
    :class:`Keywords`), which the engine checks with ``isinstance``."""

    name: str

    def wants(self, parsed: Parsed) -> bool:
        """Whether proposing for ``parsed`` needs its spaCy Doc (``parsed.doc``)."""
        ...

    def propose(self, parsed: Parsed) -> list[Proposal]:
        """Proposals for ``parsed`` (a :class:`~qcode.suggest.parse.Parsed`)."""
        ...


@runtime_checkable
class Preloads(Protocol):
    """Reads what it needs (pipelines, kept matches) before the engine forks a worker
    process, so that the worker starts with it."""

    def preload(self, identity: str) -> None: ...


@runtime_checkable
class Flushes(Protocol):
    """Keeps something per document (the rules' matches) and writes it when the
    engine has finished a group of documents."""

    def flush(self) -> None: ...


@runtime_checkable
class Notes(Protocol):
    """Has something to tell the coder about the run (codes it cannot suggest)."""

    @property
    def notes(self) -> Sequence[str]: ...


@runtime_checkable
class Trained(Protocol):
    """Learns from the coder's decisions: whether a model was trained for this run."""

    @property
    def trained(self) -> bool: ...


@runtime_checkable
class Keywords(Protocol):
    """Suggests from the codebook's keywords and patterns: the codes that have none
    (so that it never suggests them)."""

    @property
    def keywordless(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class FitOptions:
    """How a learner fits: the seed (of its inner folds), a fixed threshold (else
    the learner's own, per code)."""

    seed: int = 0
    threshold: float | None = None


@runtime_checkable
class Fitted(Protocol):
    """A model fitted on some examples: its codes, a threshold per code, and scores."""

    labels: tuple[str, ...]
    thresholds: dict[str, float]
    notes: tuple[str, ...]

    def scores(self, examples: Any) -> list[dict[str, float]]:
        """A score (0-1) per code for each example."""
        ...


@runtime_checkable
class Learner(Protocol):
    """A suggester (factory) that learns from examples, so it can be cross-validated:
    ``fit`` sees the training folds' examples only and returns a :class:`Fitted`."""

    name: str

    def fit(self, examples: Any, codes: Any, options: Any) -> Fitted:
        """Fit on ``examples`` (:class:`~qcode.suggest.examples.Example`)."""
        ...


REGISTRY: dict[str, Callable[..., Suggester]] = {}


def register(name: str) -> Callable[[Callable[..., Suggester]], Callable[..., Suggester]]:
    """Register a suggester factory under a versioned name such as ``rules.v1``.

    The engine calls the factory as ``factory(codebook, codes, project=, coder=,
    cache=, pooled=, languages=, top_k=, threshold=)`` (``codes``: the chosen code
    ids, or None for every active code; a factory takes ``**_`` for what it does
    not use) and expects a :class:`Suggester`."""

    def add(factory: Callable[..., Suggester]) -> Callable[..., Suggester]:
        if name in REGISTRY and REGISTRY[name] is not factory:
            raise ValueError(f"suggester {name!r} is registered already; register a new version")
        REGISTRY[name] = factory
        return factory

    return add


def resolve_methods(method: str) -> tuple[str, ...]:
    """``rules`` / ``model`` / ``both``, or registered names, -> registered names."""
    names: list[str] = []
    for part in (p.strip() for p in method.split(",")):
        chosen = METHODS.get(part, (part,))
        for name in chosen:
            if name not in REGISTRY:
                hint = did_you_mean(part, [*METHODS, *REGISTRY])
                raise InputError(f"No suggestion method {part!r}; use rules, model or both"
                                 f"{hint or '.'}")
            names.append(name)
    return tuple(dict.fromkeys(names))


def merge(proposals: Iterable[Proposal], priority: Sequence[str]) -> list[Proposal]:
    """One proposal per unit and code. Where several methods proposed it, the one
    kept is that of the method first in ``priority`` (the order in which the run
    names its methods: ``both`` names the rules first, whose suggestion says which
    words matched); the others' scores are named in its reason. A method missing
    from ``priority`` comes after those in it."""
    rank = {name: i for i, name in enumerate(priority)}
    best: dict[tuple[int, str], Proposal] = {}
    for p in proposals:
        key = (p.unit.start, p.code)
        have = best.get(key)
        if have is None:
            best[key] = p
            continue
        later = len(rank)
        first, second = ((have, p) if rank.get(have.method, later) <= rank.get(p.method, later)
                         else (p, have))
        best[key] = replace(first, reason=f"{first.reason}; {second.method} {second.score:.2f}")
    return list(best.values())
