"""Speaker turns: a label alone on its line, a speaker who speaks once, speakers a
project declares; and a sentence keeps its turn's speaker as a learner's feature."""

from __future__ import annotations

import pytest
from suggest_support import make_project

from qcode.corpus import detect_turns


def _speakers(text: str, declared: dict[str, str] | None = None) -> list[tuple[str | None, str]]:
    kind, turns = detect_turns(text, declared)
    assert kind == "transcript"
    return [(t.speaker, text[t.start:t.end]) for t in turns]


def test_label_alone_on_its_line_starts_a_turn_with_the_words_below():
    text = ("MODERATOR:\nHow did the first week go?\n\nP3:\nIt was long. I barely slept.\n\n"
            "MODERATOR:\nAnd the second?\n")
    assert _speakers(text) == [("MODERATOR", "How did the first week go?"),
                               ("P3", "It was long. I barely slept."),
                               ("MODERATOR", "And the second?")]


def test_label_alone_does_not_swallow_the_answer():
    """The moderator's turn ends where the participant's label stands, even when the
    participant's label is alone on its line and used once."""
    text = "MODERATOR: What happened then?\nPARTICIPANT:\nWe waited for an hour.\n"
    assert _speakers(text) == [("MODERATOR", "What happened then?"),
                               ("PARTICIPANT", "We waited for an hour.")]


@pytest.mark.parametrize("once", ["Kari", "Ole Hansen", "NURSE 2", "P7"])
def test_a_speaker_who_speaks_once_is_a_turn_of_their_own(once):
    text = (f"Interviewer: Who was there?\nTrude: Me and the others.\n{once}: Only once, me.\n"
            "Interviewer: Thank you.\nTrude: You are welcome.\n")
    speakers = [s for s, _ in _speakers(text)]
    assert speakers == ["Interviewer", "Trude", once, "Interviewer", "Trude"]


def test_a_note_in_prose_is_still_not_a_turn():
    assert detect_turns("We met at nine.\nNote: the room was cold.\nThen we left.\n") == ("text", ())


def test_declared_speakers_are_turns_with_their_roles():
    text = "Mod: Tell me about the rota.\nDeltaker A:\nIt changes every week.\nMod: Why?\n"
    declared = {"MOD": "interviewer", "Deltaker A": "respondent"}
    kind, turns = detect_turns(text, declared)
    assert [(t.speaker, t.role) for t in turns] == [
        ("Mod", "interviewer"), ("Deltaker A", "respondent"), ("Mod", "interviewer")]


def test_project_declares_speakers_and_a_sentence_keeps_its_speaker(tmp_path):
    from qcode.corpus import load_document
    from qcode.project import open_project
    from qcode.suggest.features import DocumentContext

    project = make_project(tmp_path / "p", {})
    settings = project.settings_path.read_text(encoding="utf-8")
    project.settings_path.write_text(settings + "speakers:\n  LEDER: interviewer\n"
                                     "  Gjest: respondent\n", encoding="utf-8")
    project = open_project(project.root)
    assert project.settings.speakers == {"LEDER": "interviewer", "Gjest": "respondent"}
    source = tmp_path / "talk.txt"
    source.write_text("LEDER:\nWelcome. Please sit down.\n\nGjest: Thanks. It is cold today.\n",
                      encoding="utf-8")
    from qcode.corpus.ingest import ingest

    ingest(project, [source])
    document = load_document(project, "talk")
    assert [(t.speaker, t.role) for t in document.turns] == [("LEDER", "interviewer"),
                                                             ("Gjest", "respondent")]
    context = DocumentContext(project)
    sentences = document.units("sentence")
    assert len(sentences) == 4
    assert context.tokens("talk", *sentences[1])[:2] == ("speaker=leder", "role=interviewer")
    assert context.tokens("talk", *sentences[3])[:2] == ("speaker=gjest", "role=respondent")


def test_malformed_speakers_setting_is_one_clear_error(tmp_path):
    from qcode.errors import ProjectError
    from qcode.project import open_project

    project = make_project(tmp_path / "p", {})
    project.settings_path.write_text(project.settings_path.read_text(encoding="utf-8")
                                     + "speakers: [MOD]\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="'speakers' must map each speaker label to a role"):
        open_project(project.root)
