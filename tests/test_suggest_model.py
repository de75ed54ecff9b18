"""textcat.v1 and the evaluation: grouped folds, honest scores, retraining only on change."""
# linear.v1/v2 and the evaluation command: tests/test_suggest_linear.py

from __future__ import annotations

import random

import pytest
from suggest_support import make_project

from qcode.suggest import suggest
from qcode.suggest import textcat as textcat_module
from qcode.suggest.evaluate import evaluate, grouped_folds

CODEBOOK = """\
version: 1
codes:
  - id: weather
    label: Weather
    definition: Talk about the weather.
    keywords: [umbrella]
  - id: food
    label: Food
    definition: Meals.
    keywords: [bread]
  - id: mood
    label: Mood
    definition: Feelings.
    keywords: [happy]
"""
WEATHER = ["rain", "storm", "thunder", "drizzle", "clouds", "snow", "wind", "sleet"]
FOOD = ["soup", "potatoes", "dinner", "porridge", "fish", "cake", "coffee", "stew"]
FILLER = ["the car", "a letter", "the door", "her neighbour", "the radio", "a chair", "the bus",
          "the garden", "his keys", "the phone"]


def synthetic_docs(n_docs: int = 10, per_doc: int = 30, seed: int = 7) -> dict[str, str]:
    """Sentences signalled by words that are not the codes' keywords; the keywords
    themselves occur only in sentences that are not coded."""
    rng = random.Random(seed)
    docs = {}
    for d in range(n_docs):
        sentences = []
        for _ in range(per_doc):
            kind = rng.choice(["weather", "food", "other", "other"])
            thing = rng.choice(FILLER)
            if kind == "weather":
                sentences.append(f"Then the {rng.choice(WEATHER)} came over {thing}.")
            elif kind == "food":
                sentences.append(f"We had {rng.choice(FOOD)} next to {thing}.")
            else:
                extra = rng.choice(["", " with an umbrella", " and bread", " happy"])
                sentences.append(f"She looked at {thing}{extra}.")
        docs[f"d{d:02d}"] = " ".join(sentences) + "\n"
    return docs


def truth(text: str) -> list[str]:
    words = set(text.lower().rstrip(".").split())
    return [code for code, signal in (("weather", WEATHER), ("food", FOOD)) if words & set(signal)]


def code_all(project, coder: str, docs, *, mood: int = 3) -> None:
    from suggest_support import code_units

    from qcode.corpus import load_document

    rows = []
    for doc_id in docs:
        document = load_document(project, doc_id)
        for n, (a, b) in enumerate(document.units("sentence"), start=1):
            rows.extend((doc_id, code, n) for code in truth(document.text[a:b]))
    rows.extend(("d00", "mood", n) for n in range(1, mood + 1))
    code_units(project, coder, rows)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    docs = synthetic_docs()
    project = make_project(root / "study", docs, codebook=CODEBOOK)
    code_all(project, "anna", docs)
    return project


def test_folds_are_grouped_by_document():
    docs = [f"d{i}" for i in range(7)]
    folds = grouped_folds(docs, 3, {d: i + 1 for i, d in enumerate(docs)})
    assert len(folds) == 3
    tested = [d for f in folds for d in f.test]
    assert sorted(tested) == docs  # every document tested exactly once
    for fold in folds:
        assert not set(fold.train) & set(fold.test)
        assert set(fold.train) | set(fold.test) == set(docs)
    assert grouped_folds(docs, 3) == grouped_folds(list(reversed(docs)), 3)  # stable
    assert len(grouped_folds(docs[:2], 5)) == 2


def test_too_few_documents_is_a_clear_error():
    from qcode.errors import InputError

    with pytest.raises(InputError, match="at least 2 coded documents"):
        grouped_folds(["only"], 5)


def test_model_beats_rules_and_baseline_without_seeing_test_documents(synthetic, monkeypatch):
    seen: list[set[str]] = []
    real_train = textcat_module.train

    def spy(examples, labels, **kw):
        seen.append({e.doc for e in examples})
        return real_train(examples, labels, **kw)

    monkeypatch.setattr(textcat_module, "train", spy)
    ev = evaluate(synthetic, "anna", folds=5, methods=["textcat.v1", "rules.v1"])
    assert len(ev.folds) == 5 and len(seen) == 5
    for fold, trained_on in zip(ev.folds, seen, strict=True):
        assert not trained_on & set(fold.test)  # no document in both
        assert trained_on == set(fold.train)
    for code in ("weather", "food"):
        model, rules = ev.score("textcat.v1", code), ev.score("rules.v1", code)
        base = ev.score("majority", code)
        assert model.f1 > rules.f1 and model.f1 > base.f1, (code, model, rules, base)
        assert model.f1 > 0.8
    assert ev.macro_f1("textcat.v1") > ev.macro_f1("rules.v1")
    assert ev.macro_f1("textcat.v1") > ev.macro_f1("majority")
    assert ev.score("rules.v1", "weather").tp == 0  # its keyword marks uncoded sentences
    assert any("'mood'" in note and "fewer than 10" in note for note in ev.notes)
    assert ev.units == 300  # every sentence of the coded documents, each tested once


def test_evaluation_on_the_command_line(synthetic, runner):
    from qcode.cli import app

    # the old spelling still works for one release, and says so on stderr
    result = runner.invoke(app, ["suggest", "--evaluate", "--folds", "3", "--coder", "anna",
                                 "-P", str(synthetic.root), "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "method,code,precision,recall,f1,support,tp,fp,fn"
    methods = {line.split(",")[0] for line in lines[1:]}
    assert methods == {"linear.v3", "rules.v2", "tfidf-lr", "majority"}
    assert "fold 1: tested on" in result.stderr
    assert "deprecated" in result.stderr and "qcode suggest evaluate" in result.stderr


def test_model_suggestions_retrain_only_when_decisions_change(synthetic):
    from qcode.coding import apply

    runs = [suggest(synthetic, "anna", method="textcat.v1") for _ in range(2)]
    assert [r.trained for r in runs] == [1, 0]
    assert runs[0].suggestions == runs[1].suggestions
    assert any("'mood'" in note for note in runs[0].notes)
    assert "mood" not in {s.code for s in runs[0].suggestions}
    apply(synthetic, "d01", "mood", unit="2", coder="anna")
    assert suggest(synthetic, "anna", method="textcat.v1").trained == 1
    assert suggest(synthetic, "anna", method="textcat.v1").trained == 0
    pooled = suggest(synthetic, "anna", method="textcat.v1", pooled=True)
    assert pooled.trained == 1
    assert (synthetic.cache_dir / "models" / "textcat.v1" / "_pooled" / "training.json").is_file()


def test_model_suggestions_come_from_unseen_units(tmp_path):
    docs = synthetic_docs(n_docs=6, seed=3)
    project = make_project(tmp_path / "study", docs, codebook=CODEBOOK)
    code_all(project, "anna", list(docs)[:4])  # two documents left uncoded
    result = suggest(project, "anna", method="textcat.v1", docs=list(docs)[4:])
    assert result.suggestions
    assert {s.method for s in result.suggestions} == {"textcat.v1"}
    from qcode.corpus import load_document

    right = 0
    for s in result.suggestions:
        right += s.code in truth(load_document(project, s.doc).text[s.start:s.end])
        assert s.reason.startswith("model of anna's decisions: p=")
    assert right / len(result.suggestions) > 0.8


def test_pooled_evaluation_trains_on_every_coder_but_never_on_test_documents(tmp_path,
                                                                             monkeypatch):
    docs = synthetic_docs(n_docs=6, seed=5)
    project = make_project(tmp_path / "study", docs, codebook=CODEBOOK)
    code_all(project, "anna", list(docs)[:4])
    code_all(project, "ben", list(docs)[2:], mood=0)  # ben also coded two documents anna did not
    seen: list[set[str]] = []
    real_train = textcat_module.train

    def spy(examples, labels, **kw):
        seen.append({e.doc for e in examples})
        return real_train(examples, labels, **kw)

    monkeypatch.setattr(textcat_module, "train", spy)
    ev = evaluate(project, "anna", folds=2, pooled=True, methods=["textcat.v1"])
    assert ev.pooled and sorted(d for f in ev.folds for d in f.test) == sorted(docs)[:4]
    for fold, trained_on in zip(ev.folds, seen, strict=True):
        assert not trained_on & set(fold.test)
        assert set(sorted(docs)[4:]) <= trained_on  # ben's own documents help the team model
