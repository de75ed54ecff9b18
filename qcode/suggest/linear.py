"""``linear.v1`` to ``linear.v3``: a class-weighted linear model over qcode's features, with a
threshold per code chosen on the training data only.

Features of a unit: its stems and pairs of neighbouring stems (TF-IDF, sublinear),
and as one-hot tokens the speaker and role of its turn, the document's attributes,
and the codebook (``kw=CODE`` where CODE's keywords or patterns matched, ``def=CODE``
where the unit shares a content stem with CODE's label or definition); see
:mod:`.features`. One logistic regression per code (scikit-learn, liblinear) with
balanced class weights, so a rare code counts as much as a frequent one.
``linear.v2`` scales the non-word features to unit length beside the stems;
``linear.v3`` adds a third block, the unit text's own word 1-2-grams (the
standard baseline's representation), so it sees all the baseline sees.

The decision threshold of each code is chosen by an inner cross-validation on the
training documents (folds grouped by document): the threshold that gives the best
F1 on the held-out inner folds' units. The documents a model is scored on are
never seen, not even for thresholds. ``top_k`` instead offers the k codes that
stand furthest above their thresholds, whatever their scores.

scikit-learn (a dependency) is imported inside functions only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DependencyError
from ..lemmas import lemma_identity
from .base import FitOptions, Proposal, register
from .examples import Example, build_examples, decisions, fingerprint, unit_words
from .features import DefinitionIndex, DocumentContext, codebook_examples, codebook_tokens
from .folds import check_disjoint, grouped_folds
from .rules import RULES

if TYPE_CHECKING:
    from ..codebook import Codebook
    from ..project import Project
    from .parse import ParseCache, Parsed

METHOD = "linear.v1"
METHOD_V2 = "linear.v2"
METHOD_V3 = "linear.v3"
C = 1.0
META_WEIGHT = 1.0
INNER_FOLDS = 3
MAX_ITER = 2000
MIN_POSITIVES = 3
DEFAULT_THRESHOLD = 0.5
GRID = tuple(i / 40 for i in range(2, 39))  # 0.05 ... 0.95
WORD_NGRAMS = (1, 2)  # linear.v3's block of the text's own words


def sklearn_parts() -> Any:
    """The scikit-learn module, or a DependencyError naming the extra."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise DependencyError("The linear.v1 suggester needs scikit-learn, a dependency of "
                              "qcode: pip install scikit-learn.") from None
    import sklearn

    return sklearn


def _ngrams(words: Sequence[str]) -> list[str]:
    return [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]


def _same(tokens: Any) -> Any:
    return tokens


@dataclass
class LinearModel:
    """A fitted model: vectorizers, one weight column per code, thresholds."""

    text: Any
    meta: Any
    weights: Any  # features x labels (dense)
    bias: Any  # labels
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    positives: dict[str, int]
    fingerprint: str = ""
    notes: tuple[str, ...] = ()
    seen: frozenset[str] = frozenset()  # the documents it learned from (thresholds too)
    balanced: bool = False  # the non-word block scaled to unit length (linear.v2)
    words: Any = None  # the unit text's own word 1-2-grams beside the stems (linear.v3)

    def matrix(self, examples: Sequence[Example]) -> Any:
        return _matrix(self.text, self.meta, examples, self.balanced, self.words)

    def scores(self, examples: Sequence[Example]) -> list[dict[str, float]]:
        if not examples or not self.labels:
            return [{} for _ in examples]
        z = self.matrix(examples) @ self.weights + self.bias
        rows = z.tolist()
        return [{c: _sigmoid(v) for c, v in zip(self.labels, row, strict=True)} for row in rows]

    def explain(self, example: Example, code: str, n: int = 6) -> list[tuple[str, float]]:
        """The features that carried ``code`` for this unit, most weight first."""
        if code not in self.labels:
            return []
        row = self.matrix([example]).tocsr()
        j = self.labels.index(code)
        names = [*self.text.get_feature_names_out(), *self.meta.get_feature_names_out()]
        if self.words is not None:
            names += [f"word={w}" for w in self.words.get_feature_names_out()]
        found = [(names[i], float(v * self.weights[i, j]))
                 for i, v in zip(row.indices, row.data, strict=True)]
        found.sort(key=lambda item: -abs(item[1]))
        return found[:n]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _matrix(text: Any, meta: Any, examples: Sequence[Example], balanced: bool = False,
            words: Any = None) -> Any:
    """Stems (TF-IDF rows of unit length) beside the other features (one-hot; with
    ``balanced``, also scaled to unit length, so that a long unit's many keyword,
    definition and attribute tokens do not outweigh its words), and with ``words``
    the text's own word 1-2-grams (a third block of unit length)."""
    from scipy.sparse import hstack

    stems = text.transform([_ngrams(e.words) for e in examples])
    extra = meta.transform([list(e.context) for e in examples]) * META_WEIGHT
    if balanced:
        from sklearn.preprocessing import normalize

        extra = normalize(extra)
    blocks = [stems, extra]
    if words is not None:
        blocks.append(words.transform([e.text for e in examples]))
    return hstack(blocks, format="csr")


def _word_block(examples: Sequence[Example]) -> tuple[Any, Any]:
    """The baseline's representation of a unit: TF-IDF over the word 1-2-grams of its
    text (scikit-learn's tokenizer, lower-cased), sublinear, rows of unit length. The
    fitted vectorizer and the training rows (made in the same pass)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True)
    return vectorizer, vectorizer.fit_transform([e.text for e in examples])


def _vectorizers(examples: Sequence[Example]) -> tuple[Any, Any]:
    sklearn_parts()
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    text = TfidfVectorizer(analyzer=_same, sublinear_tf=True)
    text.fit([_ngrams(e.words) for e in examples])
    meta = CountVectorizer(analyzer=_same, binary=True, lowercase=False)
    meta.fit([list(e.context) or ["(none)"] for e in examples])
    return text, meta


def _labelled(examples: Sequence[Example], code: str) -> tuple[list[int], list[int]]:
    """Rows labelled for ``code`` and their labels (a rejection labels one code only)."""
    rows = [i for i, e in enumerate(examples) if e.known is None or code in e.known]
    return rows, [int(code in examples[i].positives) for i in rows]


def _fit_weights(x: Any, examples: Sequence[Example], labels: Sequence[str],
                 seed: int) -> tuple[Any, Any]:
    import numpy
    from sklearn.linear_model import LogisticRegression

    weights = numpy.zeros((x.shape[1], len(labels)))
    bias = numpy.full(len(labels), -30.0)  # a code that cannot be learned here scores 0
    for j, code in enumerate(labels):
        rows, y = _labelled(examples, code)
        if 0 < sum(y) < len(y):
            # the dual problem: fewer units than features, about twice as fast
            model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", dual=True,
                                       max_iter=MAX_ITER, random_state=seed)
            model.fit(x if len(rows) == x.shape[0] else x[rows], y)  # (no copy when all)
            weights[:, j], bias[j] = model.coef_[0], model.intercept_[0]
    return weights, bias


def choose_thresholds(scores: Sequence[dict[str, float]], examples: Sequence[Example],
                      labels: Sequence[str]) -> dict[str, float]:
    """Per code, the threshold of :data:`GRID` with the best F1 on these (held-out)
    scores; ties go to the threshold nearest 0.5, and a code never found gets 0.5."""
    import numpy

    order = sorted(GRID, key=lambda t: abs(t - DEFAULT_THRESHOLD))
    grid = numpy.array(order)[:, None]
    out = {}
    for code in labels:
        rows, y = _labelled(examples, code)
        ps = numpy.array([scores[i].get(code, 0.0) for i in rows])
        truth = numpy.array(y, dtype=bool)
        above = ps[None, :] >= grid  # thresholds x units
        tps = (above & truth).sum(axis=1).tolist()
        guessed, actual = above.sum(axis=1).tolist(), int(truth.sum())
        best, best_f1 = DEFAULT_THRESHOLD, 0.0
        for t, tp, g in zip(order, tps, guessed, strict=True):
            f1 = 2 * tp / (g + actual) if g + actual else 0.0
            if f1 > best_f1 + 1e-12:
                best, best_f1 = t, f1
        out[code] = best
    return out


def fit(examples: Sequence[Example], codes: Sequence[str],
        options: FitOptions | None = None, inner_folds: int = INNER_FOLDS,
        balanced: bool = False, words: bool = False) -> LinearModel:
    """Fit on ``examples`` (training data only): thresholds by inner grouped CV.
    ``balanced`` is linear.v2's scaling of the non-word features, ``words`` linear.v3's
    block of the text's own word 1-2-grams (see :func:`_matrix`)."""
    options = options or FitOptions()
    counts = {c: sum(c in e.positives for e in examples) for c in codes}
    labels = tuple(c for c in codes if counts[c] >= MIN_POSITIVES)
    name = METHOD_V3 if words else METHOD_V2 if balanced else METHOD
    notes = tuple(f"{name}: not used for {c!r}: {counts[c]} positive unit(s), fewer than "
                  f"{MIN_POSITIVES}" for c in codes if counts[c] < MIN_POSITIVES)
    seen = frozenset(e.doc for e in examples)
    if not labels:
        return LinearModel(None, None, None, None, (), {}, counts, notes=notes, seen=seen)
    text, meta = _vectorizers(examples)
    x, grams = _matrix(text, meta, examples, balanced), None
    if words:
        from scipy.sparse import hstack

        grams, block = _word_block(examples)
        x = hstack([x, block], format="csr")
    weights, bias = _fit_weights(x, examples, labels, options.seed)
    model = LinearModel(text, meta, weights, bias, labels, {}, counts, notes=notes, seen=seen,
                        balanced=balanced, words=grams)
    if options.threshold is not None:
        model.thresholds = dict.fromkeys(labels, options.threshold)
    else:
        model.thresholds = _inner_thresholds(x, examples, labels, options.seed, inner_folds)
    return model


def _inner_thresholds(x: Any, examples: Sequence[Example], labels: Sequence[str],
                      seed: int, k: int) -> dict[str, float]:
    """Out-of-fold scores of the training units (inner folds of training documents
    only), and the thresholds they favour."""
    sizes: dict[str, int] = {}
    for e in examples:
        sizes[e.doc] = sizes.get(e.doc, 0) + 1
    if len(sizes) < 2:
        return dict.fromkeys(labels, DEFAULT_THRESHOLD)
    oof: list[dict[str, float]] = [{} for _ in examples]
    for fold in grouped_folds(list(sizes), k, sizes, seed=seed):
        check_disjoint(fold.train, fold.test)
        test_docs = set(fold.test)
        inner_train = [i for i, e in enumerate(examples) if e.doc not in test_docs]
        inner_test = [i for i, e in enumerate(examples) if e.doc in test_docs]
        part = [examples[i] for i in inner_train]
        w, b = _fit_weights(x[inner_train], part, labels, seed)
        for i, row in zip(inner_test, (x[inner_test] @ w + b).tolist(), strict=True):
            oof[i] = {c: _sigmoid(v) for c, v in zip(labels, row, strict=True)}
    return choose_thresholds(oof, examples, labels)


def decide(scores: dict[str, float], thresholds: dict[str, float], *,
           top_k: int | None = None, threshold: float | None = None) -> list[str]:
    """The codes to suggest: the top ``k`` by distance above their thresholds, or
    those at least at their threshold (``threshold`` overrides every code's)."""
    if top_k:
        ranked = sorted(scores, key=lambda c: -(scores[c] - thresholds.get(c, DEFAULT_THRESHOLD)))
        return ranked[:top_k]
    return [c for c, p in scores.items()
            if p >= (threshold if threshold is not None else thresholds.get(c, DEFAULT_THRESHOLD))]


def settings(name: str = METHOD) -> str:
    found = [name, C, META_WEIGHT, INNER_FOLDS, MIN_POSITIVES, GRID[0], GRID[-1], MAX_ITER]
    if name == METHOD_V3:
        found.append(("words", WORD_NGRAMS, "sublinear"))
    return repr(found)


def fit_balanced(examples: Sequence[Example], codes: Sequence[str],
                 options: FitOptions | None = None) -> LinearModel:
    """linear.v2's fit: :func:`fit` with the non-word features scaled to unit length."""
    return fit(examples, codes, options, balanced=True)


def fit_words(examples: Sequence[Example], codes: Sequence[str],
              options: FitOptions | None = None) -> LinearModel:
    """linear.v3's fit: linear.v2's, with the text's own word 1-2-grams beside the stems."""
    return fit(examples, codes, options, balanced=True, words=True)


@register(METHOD)
class LinearSuggester:
    """Suggest the codes whose probability reaches the code's learned threshold (or
    the ``top_k`` best codes of each unit)."""

    name = METHOD
    fit = staticmethod(fit)

    def __init__(self, codebook: Codebook, codes: tuple[str, ...] | None = None, *, project: Project,
                 coder: str, cache: ParseCache, pooled: bool = False, languages: tuple[str, ...] = (),
                 top_k: int | None = None, threshold: float | None = None, seed: int = 0,
                 **_: Any) -> None:
        chosen = set(codes) if codes is not None else None
        ids = [c.id for c in codebook.active() if chosen is None or c.id in chosen]
        self.rules = RULES(codebook, None, languages=languages, project=project)
        self.definitions = DefinitionIndex(codebook.active())
        self.context = DocumentContext(project)
        self.top_k, self.threshold = top_k, threshold
        plain = build_examples(project, cache, decisions(project, None if pooled else coder))
        examples = codebook_examples(project, cache, plain, self.rules, self.definitions)
        identity = lemma_identity(project.settings.language, project.settings.pipeline)
        self.model = type(self).fit(examples, ids, FitOptions(seed=seed, threshold=threshold))
        self.model.fingerprint = fingerprint(examples, self.model.labels, self.name, identity,
                                             settings(self.name),
                                             repr(sorted({e.context for e in examples})),
                                             repr((seed, threshold)))[:16]
        self.whose = "the team's" if pooled else f"{coder}'s"
        self.trained = bool(self.model.labels)

    @property
    def notes(self) -> tuple[str, ...]:
        return self.model.notes

    def preload(self, identity: str) -> None:
        self.rules.preload(identity)

    def flush(self) -> None:
        self.rules.flush()

    def wants(self, parsed: Parsed) -> bool:
        if not self.model.labels:
            return False
        self.rules.wants(parsed)  # its kept matches are read now, if any
        return True

    def examples(self, parsed: Parsed) -> list[Example]:
        """The document's units as (unlabelled) examples with every feature."""

        document, doc = parsed.document, parsed.doc
        hits = codebook_tokens(self.rules, parsed)
        out = []
        for unit in parsed.units:
            words = unit_words(doc, unit.start, unit.end)
            if not words:
                continue
            context = (*self.context.tokens(document.id, unit.start, unit.end),
                       *hits.get(unit.start, ()), *self.definitions.tokens(parsed.nlp, words))
            out.append(Example(document.id, document.version, unit, words, frozenset(), None,
                               document.text[unit.start:unit.end], context))
        return out

    def propose(self, parsed: Parsed) -> list[Proposal]:
        if not self.model.labels:
            return []
        examples = self.examples(parsed)
        out = []
        for e, scores in zip(examples, self.model.scores(examples), strict=True):
            for code in decide(scores, self.model.thresholds, top_k=self.top_k,
                               threshold=self.threshold):
                p, t = scores[code], self.model.thresholds[code]
                out.append(Proposal(e.unit, code, self.name, p,
                                    f"model of {self.whose} decisions: p={p:.2f}, threshold "
                                    f"{t:.2f} ({self.model.positives[code]} coded units)",
                                    model=self.model.fingerprint))
        return out


@register(METHOD_V2)
class BalancedLinearSuggester(LinearSuggester):
    """``linear.v2``: ``linear.v1`` with the speaker, attribute and codebook features
    scaled to unit length beside the words, so that long units (paragraphs, turns),
    which carry many such tokens, are still judged by their words too."""

    name = METHOD_V2
    fit = staticmethod(fit_balanced)  # type: ignore[assignment]  # (fit's first three parameters)


@register(METHOD_V3)
class WordsLinearSuggester(LinearSuggester):
    """``linear.v3``: ``linear.v2`` with a third block of features, the standard
    baseline's own: TF-IDF over the word 1-2-grams of the unit's text (scikit-learn's
    tokenizer, sublinear, unit length), beside qcode's stems and pairs of stems.
    Stems join the forms of a word; the words keep what stemming loses (tense,
    number, function words in a phrase such as "have to"). The learner so sees
    everything the baseline sees, and what qcode knows besides."""

    name = METHOD_V3
    fit = staticmethod(fit_words)  # type: ignore[assignment]  # (fit's first three parameters)
