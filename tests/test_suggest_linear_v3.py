"""linear.v3: linear.v2 with the text's own word 1-2-grams beside the stems. It is
registered through the real registry, its thresholds never see the test fold, it is
the documented default of `--method model`, and it learns what stemming hides."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from suggest_support import code_units, make_project

from qcode.suggest import METHODS, REGISTRY, FitOptions, Learner, decide, suggest
from qcode.suggest.evaluate import DEFAULT_METHODS, evaluate

ROOT = Path(__file__).resolve().parent.parent
TENSE = """\
version: 1
codes:
  - id: looking-back
    label: Looking back
    definition: The speaker tells what was done before.
  - id: garden
    label: Garden
    definition: Work outside.
"""
# the same verbs in the past and the present: a stem joins the two forms
VERBS = [("visited", "visits"), ("called", "calls"), ("planned", "plans"), ("cooked", "cooks"),
         ("cleaned", "cleans"), ("painted", "paints"), ("watered", "waters"), ("fixed", "fixes")]
THINGS = ["the kitchen", "the hallway", "her sister", "the fence", "the old shed", "the garden",
          "the porch", "the flower beds", "his cousin", "the garden gate"]


def tense_docs(n_docs: int = 8, per_doc: int = 24, seed: int = 5) -> tuple[dict[str, str], list]:
    """Sentences told in the past (coded looking-back) or the present (not coded),
    with the same words otherwise; garden sentences coded garden either way."""
    rng = random.Random(seed)
    docs, rows = {}, []
    for d in range(n_docs):
        doc_id, sentences = f"s{d:02d}", []
        for n in range(1, per_doc + 1):
            past, present = rng.choice(VERBS)
            thing = rng.choice(THINGS)
            back = rng.random() < 0.4
            sentences.append(f"She {past if back else present} {thing} with care.")
            if back:
                rows.append((doc_id, "looking-back", n))
            if "garden" in thing:
                rows.append((doc_id, "garden", n))
        docs[doc_id] = " ".join(sentences) + "\n"
    return docs, rows


@pytest.fixture(scope="module")
def told(tmp_path_factory):
    docs, rows = tense_docs()
    project = make_project(tmp_path_factory.mktemp("tense") / "study", docs, codebook=TENSE)
    code_units(project, "anna", [r for r in rows if r[0] < "s06"])  # s06, s07 not coded
    return project


def test_the_default_learner_sees_what_stemming_hides(told):
    """Stems join "visited" and "visits"; the baseline's words do not. linear.v2 (the
    default until now) cannot tell the past from the present; linear.v3 has the
    text's words too and can."""
    ev = evaluate(told, "anna", folds=4, methods=["model", "linear.v2"])
    assert ev.methods[0] == "linear.v3"
    back = {m: ev.score(m, "looking-back").f1 for m in ev.methods}
    assert back["linear.v2"] < 0.6 < 0.85 < back["tfidf-lr"]  # v2 no better than chance
    assert back["linear.v3"] > 0.85
    assert ev.macro_f1("linear.v3") > ev.macro_f1("linear.v2") + 0.1


def test_linear_v3_is_registered_and_linear_v2_is_unchanged(told):
    from qcode.suggest.examples import build_examples, decisions
    from qcode.suggest.linear import fit_balanced, fit_words
    from qcode.suggest.parse import ParseCache

    assert isinstance(REGISTRY["linear.v3"], Learner) and REGISTRY["linear.v3"].fit is fit_words
    assert REGISTRY["linear.v2"].fit is fit_balanced
    examples = build_examples(told, ParseCache(told), decisions(told, "anna"))
    old = fit_balanced(examples, ["looking-back", "garden"], FitOptions(threshold=0.5))
    new = fit_words(examples, ["looking-back", "garden"], FitOptions(threshold=0.5))
    assert old.words is None and new.words is not None
    stems = len(new.text.get_feature_names_out())
    meta = len(new.meta.get_feature_names_out())
    row = new.matrix(examples[:1]).toarray()[0]
    assert old.matrix(examples[:1]).shape[1] == stems + meta  # v2: stems and the rest only
    for block in (row[:stems], row[stems + meta:]):  # stems, then the words: unit length each
        assert abs(float((block ** 2).sum()) ** 0.5 - 1.0) < 1e-6
    names = [n for n, _ in new.explain(examples[0], "looking-back", n=50)]
    assert any(n.startswith("word=") for n in names)


def test_suggestions_and_audit_lines_name_linear_v3(told):
    docs = ["s06", "s07"]  # not coded
    result = suggest(told, "anna", method="model", docs=docs)
    assert result.suggestions and {s.method for s in result.suggestions} == {"linear.v3"}
    old = suggest(told, "anna", method="linear.v2", docs=docs)
    assert {s.model for s in old.suggestions}.isdisjoint({s.model for s in result.suggestions})
    mine = suggest(told, "anna", method="model", docs=docs)
    first = mine.suggestions[0]
    decide(told, "anna", [first], accept=True)
    line = json.loads(told.log_path("anna").read_text(encoding="utf-8").splitlines()[-1])
    assert line["source"] == "suggest:linear.v3" and line["data"]["method"] == "linear.v3"
    assert line["data"]["model"] == first.model and len(first.model) == 16


def test_the_default_method_is_the_documented_one(runner):
    from qcode.cli import app
    from qcode.cli.suggest_cmds import DEFAULT
    from qcode.suggest.base import DEFAULT_METHOD

    assert DEFAULT.value == DEFAULT_METHOD == "model" and METHODS["model"] == ("linear.v3",)
    assert DEFAULT_METHODS[0] == "linear.v3" and METHODS["both"] == ("rules.v2", "linear.v3")
    docs = (ROOT / "docs" / "suggestions.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`linear.v3` (`--method model`, the default)" in docs
    assert "The default, `linear.v3`" in readme
    help_text = runner.invoke(app, ["suggest", "run", "--help"], env={"COLUMNS": "200"}).output
    assert "model (linear.v3" in " ".join(help_text.split())
