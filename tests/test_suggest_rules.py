"""rules.v1: keyword and pattern suggestions from the codebook, with reasons."""

from __future__ import annotations

import pytest
from suggest_support import CODEBOOK, make_project

from qcode.cli import app
from qcode.errors import CodebookError
from qcode.suggest import suggest

TEXT = (
    "Coordinated visits are hard on Mondays. We called the GP twice. "
    "The driving lists changed, so we had to coordinate again and hurry. "
    "We coordinate football on Sundays. "
    "She showered and had her wound dressed.\n"
)


@pytest.fixture
def study(tmp_path):
    return make_project(tmp_path / "study", {"a": TEXT})


def by_unit(result):
    return {(s.unit, s.code): s for s in result.suggestions}


def test_suggestions_are_units_with_reasons(study):
    found = by_unit(suggest(study, "anna"))
    doc = __import__("qcode.corpus", fromlist=["load_document"]).load_document(study, "a")
    first = found[("sentence:1", "coordination")]
    assert (first.start, first.end) == doc.units("sentence")[0]  # the unit, not the word
    assert first.reason == "matched coordinate: 'Coordinated'"  # sentence-initial capital
    assert first.words == ("Coordinated",)
    assert first.method == "rules.v2" and first.source == "suggest:rules.v2"
    assert "pattern 1: 'called the GP'" in found[("sentence:2", "coordination")].reason
    assert found[("sentence:5", "care")].words == ("showered", "wound")


def test_score_grows_with_distinct_keywords(study):
    found = by_unit(suggest(study, "anna"))
    one = found[("sentence:1", "coordination")]
    two = found[("sentence:3", "coordination")]  # driving lists + coordinate
    assert one.score == 0.5 and two.score == 0.75
    assert "driving list: 'driving lists'" in two.reason and "coordinate: 'coordinate'" in two.reason
    care = found[("sentence:5", "care")]
    assert care.score == 0.75


def test_phrase_keywords_need_the_whole_phrase(tmp_path):
    project = make_project(tmp_path / "p", {"a": "The list of drivers. A driving list!\n"})
    found = by_unit(suggest(project, "anna"))
    assert ("sentence:1", "coordination") not in found
    assert found[("sentence:2", "coordination")].words == ("driving list",)


def test_exclude_keywords_veto(study):
    found = by_unit(suggest(study, "anna"))
    assert ("sentence:4", "coordination") not in found  # "coordinate football"


def test_turn_units_when_the_project_says_so(tmp_path):
    text = "I: How do you plan?\nR: We coordinate. Then we drive.\nI: And after?\nR: We hurry home.\n"
    project = make_project(tmp_path / "p", {"t": text}, unit="turn")
    found = by_unit(suggest(project, "anna"))
    assert set(found) == {("turn:2", "coordination"), ("turn:4", "time")}
    s = found[("turn:2", "coordination")]
    assert text[s.start:s.end] == "We coordinate. Then we drive."


def test_norwegian_documents_use_the_bokmal_tables(tmp_path):
    text = "Vi koordinerte besøkene. Kjørelista var feil, og koordineringen tok tid.\n"
    project = make_project(tmp_path / "p", {"n": text}, attrs={"n": {"language": "nb"}})
    found = by_unit(suggest(project, "anna"))
    assert found[("sentence:1", "coordination")].words == ("koordinerte",)
    assert found[("sentence:2", "coordination")].words == ("Kjørelista", "koordineringen")


def test_min_score_and_codes_filter(study):
    assert {s.code for s in suggest(study, "anna", codes=["time"]).suggestions} == {"time"}
    assert all(s.score >= 0.7 for s in suggest(study, "anna", min_score=0.7).suggestions)


def test_unknown_code_and_method_are_refused(study):
    from qcode.errors import InputError, UnknownCodeError

    with pytest.raises(UnknownCodeError, match="did you mean 'coordination'"):
        suggest(study, "anna", codes=["cordination"])
    with pytest.raises(InputError, match="No suggestion method 'rule'"):
        suggest(study, "anna", method="rule")


BAD = CODEBOOK.replace('{LOWER: "the", OP: "?"}', '{LENGTH: "three"}')


def test_bad_pattern_is_a_codebook_check_error(tmp_path, runner):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert "bad.yaml:9:" in result.output
    assert "code 'coordination': pattern 1 is not a valid spaCy Matcher pattern" in result.output
    assert "token 2 LENGTH" in result.output
    assert "Traceback" not in result.output


def test_good_codebook_still_checks_clean(tmp_path, runner):
    path = tmp_path / "good.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", str(path)])
    assert result.exit_code == 0, result.output


def test_bad_pattern_at_suggestion_time_is_one_clear_error(tmp_path, runner):
    project = make_project(tmp_path / "p", {"a": TEXT}, codebook=BAD)
    with pytest.raises(CodebookError, match="pattern 1 is not a valid spaCy Matcher pattern"):
        suggest(project, "anna")
    result = runner.invoke(app, ["suggest", "--coder", "anna", "-P", str(project.root),
                                 "--method", "rules"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and "codebook check" in result.output
    assert not (project.audit_dir / "anna.log").exists()


def test_one_word_matching_two_keywords_counts_once(tmp_path):
    codebook = CODEBOOK.replace("koordinere, kjøreliste]", "koordinere, koordinering, kjøreliste]")
    text = "Koordineringen tok tid. Koordineringen og kjørelista tok tid.\n"
    project = make_project(tmp_path / "p", {"n": text}, codebook=codebook,
                           attrs={"n": {"language": "nb"}})
    found = by_unit(suggest(project, "anna"))
    one = found[("sentence:1", "coordination")]
    assert "koordinere: 'Koordineringen'; koordinering: 'Koordineringen'" in one.reason
    assert one.score == 0.5
    assert found[("sentence:2", "coordination")].score == 0.75
