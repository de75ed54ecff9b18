"""linear.v1 to linear.v3 and `qcode suggest evaluate`: thresholds chosen inside the training folds
only (a planted leak is caught), folds grouped by document, the speaker as evidence,
top-k, fingerprints in the audit, explanations, a suggester registered through the
real registry, and an evaluation table that reads at 80 columns."""

from __future__ import annotations

import json
import random

import pytest
from suggest_support import code_units, make_project
from test_suggest_model import CODEBOOK, code_all, synthetic_docs

from qcode.suggest import REGISTRY, FitOptions, Learner, decide, register, suggest
from qcode.suggest import evaluate as evaluation
from qcode.suggest.evaluate import LeakError, evaluate, grouped_folds
from qcode.suggest.linear import decide as chosen_codes

ASKING = """\
version: 1
codes:
  - id: asking
    label: Asking
    definition: The moderator asks.
  - id: weather
    label: Weather
    definition: Talk about the weather.
    keywords: [umbrella]
"""
WORDS = ["the car", "a letter", "the door", "her neighbour", "the radio", "a chair", "the bus",
         "the garden", "his keys", "the phone", "rain", "the storm"]


def transcripts(n_docs: int = 8, turns: int = 12, seed: int = 2) -> dict[str, str]:
    """Transcripts whose moderator and participant say the same kind of words: only
    the speaker tells the moderator's turns apart. Labels stand alone on their line."""
    rng = random.Random(seed)
    docs = {}
    for d in range(n_docs):
        lines = []
        for t in range(turns):
            who = "MODERATOR" if t % 2 == 0 else f"P{d + 1}"
            lines.append(f"{who}:\nWe talked about {rng.choice(WORDS)} and {rng.choice(WORDS)}.\n")
        docs[f"t{d:02d}"] = "\n".join(lines)
    return docs


def code_moderator(project, coder: str, docs) -> None:
    from qcode.corpus import load_document

    rows = []
    for doc_id in docs:
        document = load_document(project, doc_id)
        turns = list(document.turns)
        for n, (a, _) in enumerate(document.units("sentence"), start=1):
            turn = next(t for t in turns if t.start <= a < t.end)
            if turn.speaker == "MODERATOR":
                rows.append((doc_id, "asking", n))
            if "rain" in document.text[a:_] or "storm" in document.text[a:_]:
                rows.append((doc_id, "weather", n))
    code_units(project, coder, rows)


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    docs = transcripts()
    project = make_project(tmp_path_factory.mktemp("talk") / "study", docs, codebook=ASKING)
    code_moderator(project, "anna", docs)
    return project


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    docs = synthetic_docs()
    project = make_project(tmp_path_factory.mktemp("synthetic") / "study", docs, codebook=CODEBOOK)
    code_all(project, "anna", docs)
    return project


def test_linear_learns_the_speaker_that_words_cannot_show(talk):
    ev = evaluate(talk, "anna", folds=4)
    assert ev.methods == ("linear.v3", "rules.v2", "tfidf-lr", "majority")  # the defaults
    assert ev.score("linear.v3", "asking").f1 > 0.95  # sentences keep their turn's speaker
    assert ev.score("tfidf-lr", "asking").f1 < 0.8  # the words alone cannot tell
    assert ev.macro_f1("linear.v3") > ev.macro_f1("tfidf-lr") > ev.macro_f1("majority")
    assert any("rules.v2: no keywords or patterns for asking" in n for n in ev.notes)


class Share:
    """A learner whose threshold per code is the share of training units coded with it:
    any label it is shown moves a threshold."""

    name = "share.v1"

    @staticmethod
    def fit(examples, codes, options):
        share = {c: sum(c in e.positives for e in examples) / len(examples) for c in codes}

        class Fitted:
            labels = tuple(codes)
            thresholds = share
            notes = ()

            def scores(self, examples):
                return [dict.fromkeys(codes, 0.0) for _ in examples]

        return Fitted()


def test_thresholds_never_see_the_test_fold(synthetic):
    """Change the coder's labels on the first fold's test documents only: that fold's
    thresholds stay exactly as they were, for linear.v1 to .v3 (inner folds) and for a
    learner whose thresholds read every label it is given; the folds that train on
    those documents do change (so the check can see a difference)."""
    from qcode.coding import remove
    from qcode.corpus import load_document

    methods = ["linear.v3", "linear.v2", "linear.v1", "share.v1"]
    register("share.v1")(Share)
    rows = []
    try:
        before = evaluate(synthetic, "anna", folds=5, methods=methods)
        first = before.folds[0]
        for doc_id in first.test:
            n_units = len(load_document(synthetic, doc_id).units("sentence"))
            rows += [(doc_id, "mood", n) for n in range(1, n_units + 1, 2)]
        code_units(synthetic, "anna", rows)
        after = evaluate(synthetic, "anna", folds=5, methods=methods)
        assert after.folds == before.folds  # the same documents, the same split
        for method in methods:
            assert after.thresholds[(method, 1)] == before.thresholds[(method, 1)], method
        moved = [n for n in range(2, 6)
                 if after.thresholds[("share.v1", n)] != before.thresholds[("share.v1", n)]]
        assert moved == [2, 3, 4, 5]  # the same change in a training fold is seen
        assert after.score("share.v1", "mood").support > before.score("share.v1", "mood").support
    finally:
        REGISTRY.pop("share.v1", None)
        for doc_id, code, n in rows:
            remove(synthetic, doc_id, code, unit=str(n), coder="anna")


@pytest.mark.parametrize("method", ["linear.v3", "linear.v2"])
def test_a_planted_leak_is_caught(synthetic, monkeypatch, method):
    monkeypatch.setattr(evaluation, "training_examples", lambda pool, fold: list(pool))
    with pytest.raises(LeakError, match="in the training data"):
        evaluate(synthetic, "anna", folds=3, methods=[method])


def test_inner_folds_keep_the_outer_test_fold_out(synthetic):
    """The fitted model says which documents it learned from, thresholds included."""
    from qcode.suggest.examples import build_examples, decisions
    from qcode.suggest.linear import fit, fit_words
    from qcode.suggest.parse import ParseCache

    examples = build_examples(synthetic, ParseCache(synthetic), decisions(synthetic, "anna"))
    fold = grouped_folds(sorted({e.doc for e in examples}), 5)[0]
    train = [e for e in examples if e.doc not in fold.test]
    for fitter in (fit, fit_words):
        model = fitter(train, ["weather", "food", "mood"], FitOptions(seed=3))
        assert model.seen == set(fold.train) and not model.seen & set(fold.test)
        assert set(model.thresholds) == set(model.labels) == {"weather", "food"}


def test_seeded_folds_are_grouped_and_differ_by_seed():
    docs = [f"d{i:02d}" for i in range(12)]
    sizes = {d: 10 + i for i, d in enumerate(docs)}
    splits = [grouped_folds(docs, 4, sizes, seed=s) for s in range(5)]
    for folds in splits:
        assert sorted(d for f in folds for d in f.test) == docs
        for f in folds:
            assert not set(f.train) & set(f.test) and set(f.train) | set(f.test) == set(docs)
    assert len({tuple(f.test for f in folds) for folds in splits}) > 1
    assert grouped_folds(docs, 4, sizes, seed=3) == grouped_folds(docs, 4, sizes, seed=3)


def test_top_k_offers_the_best_k_codes_of_every_unit(synthetic):
    ev = evaluate(synthetic, "anna", folds=3, methods=["linear.v3"], top_k=1)
    micro = ev.micro("linear.v3")
    assert micro.tp + micro.fp == ev.units  # one code per unit, whatever the scores
    assert chosen_codes({"a": 0.1, "b": 0.3}, {"a": 0.05, "b": 0.5}, top_k=1) == ["a"]
    assert sorted(chosen_codes({"a": 0.6, "b": 0.3}, {"a": 0.5, "b": 0.2})) == ["a", "b"]
    assert chosen_codes({"a": 0.6, "b": 0.3}, {"a": 0.5, "b": 0.2}, threshold=0.5) == ["a"]


def test_suggestion_and_audit_line_carry_suggester_version_fingerprint_score(tmp_path):
    docs = synthetic_docs(n_docs=6, seed=3)
    project = make_project(tmp_path / "study", docs, codebook=CODEBOOK)
    code_all(project, "anna", list(docs)[:4])
    result = suggest(project, "anna", method="model", docs=list(docs)[4:])
    assert result.suggestions and {s.method for s in result.suggestions} == {"linear.v3"}
    s = result.suggestions[0]
    assert len(s.model) == 16 and s.reason.startswith("model of anna's decisions: p=")
    again = suggest(project, "anna", method="model", docs=list(docs)[4:])
    assert {x.model for x in again.suggestions} == {s.model}  # the same decisions, the same model
    decide(project, "anna", [s], accept=True)
    line = json.loads(project.log_path("anna").read_text(encoding="utf-8").splitlines()[-1])
    assert line["source"] == "suggest:linear.v3" and line["score"] == s.score
    assert line["data"]["model"] == s.model and line["data"]["method"] == "linear.v3"


def test_explain_shows_what_carried_a_unit(talk, runner):
    from qcode.cli import app

    result = runner.invoke(app, ["suggest", "explain", "t01:3", "--coder", "anna",
                                 "-P", str(talk.root), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    learned = [r for r in rows if r["method"] == "linear.v3" and r["code"] == "asking"]
    assert learned and "speaker=moderator" in learned[0]["why"] and len(learned[0]["model"]) == 16
    assert any(r["method"] == "rules.v2" for r in rows)
    bad = runner.invoke(app, ["suggest", "explain", "t01", "--coder", "anna", "-P", str(talk.root)])
    assert bad.exit_code == 2 and bad.output.startswith("Error: ")


def test_evaluate_command_table_reads_at_80_columns(talk, runner):
    from qcode.cli import app

    root = ["--coder", "anna", "-P", str(talk.root)]
    table = runner.invoke(app, ["suggest", "evaluate", *root, "--folds", "3", "--seed", "4",
                                "--unit", "sentence", "--methods", "linear.v2,rules.v2"])
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for method in ("linear.v2", "rules.v2", "tfidf-lr", "majority"):
        assert any(line.startswith(method) for line in lines), method
    assert "seed 4" in table.stdout
    data = runner.invoke(app, ["suggest", "evaluate", *root, "--folds", "3", "--format", "json"])
    records = json.loads(data.stdout)
    summary = {(r["method"], r["code"]) for r in records}
    assert ("linear.v3", "(micro)") in summary and ("tfidf-lr", "(macro)") in summary
    assert {"precision", "recall", "f1", "support"} <= set(records[0])
    unknown = runner.invoke(app, ["suggest", "evaluate", *root, "--methods", "nope.v9"])
    assert unknown.exit_code == 2 and "No suggestion method 'nope.v9'" in unknown.output


def test_rules_without_keywords_say_so(tmp_path):
    bare = "version: 1\ncodes:\n  - id: weather\n    label: Weather\n  - id: food\n    label: Food\n"
    docs = synthetic_docs(n_docs=4, seed=9)
    project = make_project(tmp_path / "bare", docs, codebook=bare)
    code_all(project, "anna", docs, mood=0)
    ev = evaluate(project, "anna", folds=2, methods=["rules"])
    assert any("no keywords or patterns" in n and "score 0 by construction" in n for n in ev.notes)


class Echo:
    """A learner written outside qcode: suggests the codes whose training units
    shared a word with the unit. Registered through qcode's own registry."""

    name = "echo.v1"

    def __init__(self, codebook, codes=None, *, project, coder, cache, **_):
        from qcode.suggest.examples import build_examples, decisions

        self.model = self.fit(build_examples(project, cache, decisions(project, coder)),
                              [c.id for c in codebook.active()], FitOptions())

    @staticmethod
    def fit(examples, codes, options):
        words: dict[str, set[str]] = {c: set() for c in codes}
        for e in examples:
            for code in e.positives:
                words[code].update(e.words)

        class Fitted:
            labels = tuple(codes)
            thresholds = dict.fromkeys(codes, 0.5)
            notes = ()

            def scores(self, examples):
                return [{c: float(bool(words[c] & set(e.words))) for c in codes} for e in examples]

        return Fitted()

    def wants(self, parsed):
        return True

    def propose(self, parsed):
        from qcode.suggest import Proposal
        from qcode.suggest.examples import Example, unit_words

        out = []
        for unit in parsed.units:
            e = Example(parsed.document.id, "", unit, unit_words(parsed.doc, unit.start, unit.end),
                        frozenset())
            for code, p in self.model.scores([e])[0].items():
                if p >= 0.5:
                    out.append(Proposal(unit, code, self.name, p, "a shared word", model="echo"))
        return out


def test_a_suggester_registered_through_the_real_registry(synthetic):
    register("echo.v1")(Echo)
    try:
        assert isinstance(REGISTRY["echo.v1"], Learner)
        with pytest.raises(ValueError, match="register a new version"):
            register("echo.v1")(type("Other", (), {}))
        ev = evaluate(synthetic, "anna", folds=3, methods=["echo.v1"])
        assert ev.methods == ("echo.v1", "tfidf-lr", "majority")
        assert ev.score("echo.v1", "weather").recall > 0.9
        result = suggest(synthetic, "anna", method="echo.v1", docs=["d00"])
        assert {s.method for s in result.suggestions} <= {"echo.v1"}
        assert all(s.source == "suggest:echo.v1" and s.model == "echo" for s in result.suggestions)
    finally:
        REGISTRY.pop("echo.v1", None)


def test_help_does_not_import_scikit_learn():
    import subprocess
    import sys

    code = ("import sys; from typer.testing import CliRunner; from qcode.cli import app; "
            "r = CliRunner().invoke(app, ['suggest', '--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'spacy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_linear_v2_weighs_the_other_features_like_the_words(synthetic):
    """linear.v1 gives each speaker/attribute/codebook token weight 1, so a long unit's
    many tokens outweigh its words (whose TF-IDF row has length 1); linear.v2 scales
    them to length 1 too. Both are registered: v1's name is in audit lines."""
    from dataclasses import replace

    from qcode.suggest.examples import build_examples, decisions
    from qcode.suggest.linear import fit, fit_balanced
    from qcode.suggest.parse import ParseCache

    examples = build_examples(synthetic, ParseCache(synthetic), decisions(synthetic, "anna"))
    tokens = tuple(f"attr:k{i}=v" for i in range(9))
    examples = [replace(e, context=tokens) for e in examples]
    for fitter, other_length in ((fit, 3.0), (fit_balanced, 1.0)):
        model = fitter(examples, ["weather", "food"], FitOptions(threshold=0.5))
        row = model.matrix(examples[:1]).toarray()[0]
        words = len(model.text.get_feature_names_out())
        assert abs(float((row[:words] ** 2).sum()) ** 0.5 - 1.0) < 1e-6
        assert abs(float((row[words:] ** 2).sum()) ** 0.5 - other_length) < 1e-6
    assert {"linear.v1", "linear.v2"} <= set(REGISTRY)


def test_evaluation_header_never_splits_a_method_name_or_document_id():
    """Redirected to a file, "tfidf-lr" and hyphenated document ids stay whole words."""
    from types import SimpleNamespace

    from qcode.suggest.report import evaluation_text, explanation_text

    ev = SimpleNamespace(unit="sentence", folds=[0] * 5, seed=1, top_k=None, threshold=None,
                         coder="astrid", units=2287, methods=[], codes=[])
    text = evaluation_text(ev)
    assert "tfidf-lr" in text.replace("\n", " ")
    assert not any(line.endswith("-") for line in text.splitlines())
    found = SimpleNamespace(doc="hc01-nurse-team-north-and-a-long-name", unit="turn:3",
                            text="word " * 12, lines=[],
                            context=["speaker=moderator-of-the-group-interview"] * 4)
    for line in explanation_text(found).splitlines():
        assert not line.endswith("-") and len(line) <= 80, line
