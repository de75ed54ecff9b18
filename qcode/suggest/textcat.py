"""``textcat.v1``: a bag-of-words ``textcat_multilabel`` learned from decisions.

One model per coder (or one pooled team model), trained on CPU from a blank
pipeline on the stems of each unit (see :mod:`qcode.suggest.examples`). It is
stored in ``.qcode/models/textcat.v1/<coder>/`` with ``training.json``, which holds
the fingerprint of the decisions it learned from: a later run loads it unless the
decisions have changed, and trains again only then. A code with fewer than
:data:`MIN_POSITIVES` positive units is never suggested by the model; the notes
say so.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..fileio import read_json, write_json
from ..lemmas import lemma_identity
from .base import Proposal, register
from .examples import Example, build_examples, decisions, fingerprint, unit_words

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..project import Project
    from .parse import ParseCache, Parsed

METHOD = "textcat.v1"
MIN_POSITIVES = 10
THRESHOLD = 0.4
EPOCHS = 8
REPEAT_POSITIVES = 4  # units with a code are seen this often per epoch (codes are rare)
SEED = 0
CONFIG = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
          "ngram_size": 1, "no_output_layer": False, "length": 16384}


@dataclass
class Model:
    """A trained (or loaded) model and what it was trained on."""

    nlp: Any
    labels: tuple[str, ...]
    positives: dict[str, int]
    examples: int
    trained: bool = False
    notes: list[str] = field(default_factory=list)

    def predict(self, word_lists: Sequence[Sequence[str]]) -> list[dict[str, float]]:
        """Probabilities per label for each list of words."""
        if not word_lists or not self.labels:
            return [{} for _ in word_lists]
        from spacy.tokens import Doc

        textcat = self.nlp.get_pipe("textcat_multilabel")
        docs = [Doc(self.nlp.vocab, words=list(words)) for words in word_lists]
        scores = textcat.model.ops.to_numpy(textcat.predict(docs))
        names = list(textcat.labels)
        return [{name: float(row[i]) for i, name in enumerate(names)} for row in scores]


def positive_counts(examples: Sequence[Example], codes: Sequence[str]) -> dict[str, int]:
    return {code: sum(code in e.positives for e in examples) for code in codes}


def train(examples: Sequence[Example], labels: Sequence[str], *, seed: int = SEED,
          epochs: int = EPOCHS) -> Any:
    """A blank ``xx`` pipeline with a trained ``textcat_multilabel`` (deterministic)."""
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example as SpacyExample
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    nlp = spacy.blank("xx")
    textcat: Any = nlp.add_pipe("textcat_multilabel", config={"model": CONFIG, "threshold": THRESHOLD})
    for label in labels:
        textcat.add_label(label)
    data = [SpacyExample.from_dict(Doc(nlp.vocab, words=list(e.words)), {"cats": e.cats(labels)})
            for e in examples]
    optimizer = nlp.initialize(lambda: data)
    rng = random.Random(seed)
    order = [i for i, e in enumerate(examples)
             for _ in range(REPEAT_POSITIVES if e.positives & set(labels) else 1)]
    for _ in range(epochs):
        rng.shuffle(order)
        for batch in minibatch([data[i] for i in order], size=32):
            nlp.update(batch, sgd=optimizer, drop=0.2, losses={})
    return nlp


def model_dir(project: Project, coder: str | None) -> Path:
    return project.cache_dir / "models" / METHOD / (coder or "_pooled")


def load_or_train(project: Project, coder: str | None, examples: Sequence[Example],
                  codes: Sequence[str], identity: str) -> Model:
    """The model for these decisions: loaded when they are the ones it was trained
    on, else trained and stored. Codes below :data:`MIN_POSITIVES` are left out."""
    counts = positive_counts(examples, codes)
    labels = tuple(c for c in codes if counts[c] >= MIN_POSITIVES)
    notes = [f"{METHOD}: not used for {c!r}: {counts[c]} positive unit(s), fewer than "
             f"{MIN_POSITIVES}" for c in codes if counts[c] < MIN_POSITIVES]
    if not labels:
        return Model(None, (), counts, len(examples), notes=notes)
    print_ = fingerprint(examples, labels, METHOD, identity, _settings())
    folder = model_dir(project, coder)
    meta = read_json(folder / "training.json")
    if isinstance(meta, dict) and meta.get("fingerprint") == print_:
        nlp = _load(folder / "model")
        if nlp is not None:
            return Model(nlp, labels, counts, len(examples), notes=notes)
    nlp = train(examples, labels)
    _save(nlp, folder)
    write_json(folder / "training.json", _meta(print_, coder, labels, counts, examples))
    return Model(nlp, labels, counts, len(examples), trained=True, notes=notes)


def _settings() -> str:
    return repr([sorted(CONFIG.items()), EPOCHS, REPEAT_POSITIVES, SEED])


def _save(nlp: Any, folder: Path) -> None:
    """Write the model next to the old one, then swap it in (training.json last)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    fresh, old = folder / ".model.new", folder / ".model.old"
    for stale in (fresh, old):
        shutil.rmtree(stale, ignore_errors=True)
    (folder / "training.json").unlink(missing_ok=True)
    nlp.to_disk(fresh)
    if (folder / "model").exists():
        (folder / "model").rename(old)
    fresh.rename(folder / "model")
    shutil.rmtree(old, ignore_errors=True)


def _load(path: Path) -> Any | None:
    import spacy

    try:
        return spacy.load(path)
    except Exception:  # a damaged cached model is trained again, never trusted
        return None


def _meta(print_: str, coder: str | None, labels: Sequence[str], counts: dict[str, int],
          examples: Sequence[Example]) -> dict[str, Any]:
    return {
        "method": METHOD, "coder": coder, "fingerprint": print_, "labels": list(labels),
        "positives": counts, "examples": len(examples),
        "decisions": [[e.doc, e.docv, e.unit.start, e.unit.end, sorted(e.positives),
                       None if e.known is None else sorted(e.known)] for e in examples],
    }


@dataclass
class Fitted:
    """A model fitted for cross-validation (the suggester's threshold for every code)."""

    model: Model
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    notes: tuple[str, ...] = ()

    def scores(self, examples: Sequence[Example]) -> list[dict[str, float]]:
        return self.model.predict([e.words for e in examples])


def fit(examples: Sequence[Example], codes: Sequence[str], options: Any = None) -> Fitted:
    """Train on ``examples`` (the training folds), as the suggester does; ``options``
    (seed, threshold) are not used: ``textcat.v1`` keeps its settings."""
    counts = positive_counts(examples, codes)
    labels = tuple(c for c in codes if counts[c] >= MIN_POSITIVES)
    notes = tuple(f"{METHOD} not used for {c!r} in a fold with {counts[c]} positive unit(s) "
                  f"(fewer than {MIN_POSITIVES})" for c in codes if counts[c] < MIN_POSITIVES)
    if not labels:
        return Fitted(Model(None, (), counts, len(examples)), (), {}, notes)
    model = Model(train(examples, labels), labels, counts, len(examples))
    return Fitted(model, labels, dict.fromkeys(labels, THRESHOLD), notes)


@register(METHOD)
class TextcatSuggester:
    """Suggest the codes to which the coder's model gives at least :data:`THRESHOLD`."""

    name = METHOD
    fit = staticmethod(fit)

    def __init__(self, codebook: Codebook, codes: tuple[str, ...] | None = None, *, project: Project,
                 coder: str, cache: ParseCache, pooled: bool = False, **_: Any) -> None:
        chosen = set(codes) if codes is not None else None
        ids = [c.id for c in codebook.active() if chosen is None or c.id in chosen]
        examples = build_examples(project, cache, decisions(project, None if pooled else coder))
        identity = lemma_identity(project.settings.language, project.settings.pipeline)
        self.model = load_or_train(project, None if pooled else coder, examples, ids, identity)
        self.whose = "the team's" if pooled else f"{coder}'s"

    @property
    def trained(self) -> bool:
        return self.model.trained

    @property
    def notes(self) -> list[str]:
        return self.model.notes

    def wants(self, parsed: Parsed) -> bool:
        return bool(self.model.labels)

    def propose(self, parsed: Parsed) -> list[Proposal]:
        if not self.model.labels:
            return []
        units = list(parsed.units)
        words = [unit_words(parsed.doc, u.start, u.end) for u in units]
        keep = [i for i, w in enumerate(words) if w]
        probs = self.model.predict([words[i] for i in keep])
        out = []
        for i, scores in zip(keep, probs, strict=True):
            for code in self.model.labels:
                p = scores.get(code, 0.0)
                if p >= THRESHOLD:
                    n = self.model.positives[code]
                    out.append(Proposal(units[i], code, METHOD, p,
                                        f"model of {self.whose} decisions: p={p:.2f} "
                                        f"({n} coded units)"))
        return out
