"""Corpus ingestion against hand-counted fixtures (tests/fixtures/).

Every number and unit text below was counted by reading the fixture, not by
running qcode: turns, speakers, sentences and paragraphs per document.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from pathlib import Path

import pytest

from qcode.corpus import (
    detect_turns,
    doc_id_from_path,
    document_exists,
    import_attributes,
    list_documents,
    load_document,
    normalise,
    parse_attrs,
    read_source,
    resegment,
    set_attributes,
)
from qcode.corpus.decode import decode
from qcode.corpus.ingest import ingest
from qcode.errors import InputError, SpanError

FIXTURES = Path(__file__).parent / "fixtures"


def ingest_fixture(project, name: str, doc_id: str | None = None, **kwargs):
    [result] = ingest(project, [FIXTURES / name], doc_id=doc_id, **kwargs)
    return result, load_document(project, result.doc_id)


def unit_texts(doc, kind: str) -> list[str]:
    return [doc.text[a:b] for a, b in doc.units(kind)]


def turn_texts(doc) -> list[str]:
    return [doc.text[t.start:t.end] for t in doc.turns]


def speakers(doc) -> list[str | None]:
    return [t.speaker for t in doc.turns]


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


# ------------------------------------------------------------- one per format


def test_txt_with_bracketed_timestamps(project):
    result, doc = ingest_fixture(project, "timestamped.txt")
    assert (result.doc_id, result.status) == ("timestamped", "new")
    assert doc.kind == "transcript"
    assert doc.meta["format"] == "txt"
    assert speakers(doc) == ["Interviewer", "Kari", "Interviewer", "Kari"]
    assert [t.time for t in doc.turns] == ["00:00:05", "00:00:12", "00:00:31", "00:00:35"]
    assert [t.role for t in doc.turns] == ["interviewer", "respondent"] * 2
    assert [t.n for t in doc.turns] == [1, 2, 3, 4]
    assert turn_texts(doc) == [
        "Thank you for meeting me. How long have you worked here?",
        "Eleven years now. Before the reform we had a schedule for every visit.",
        "And after the reform?",
        "We plan the day ourselves. It is better, mostly. But the phone never stops!",
    ]
    assert unit_texts(doc, "turn") == turn_texts(doc)
    assert unit_texts(doc, "sentence") == [
        "Thank you for meeting me.",
        "How long have you worked here?",
        "Eleven years now.",
        "Before the reform we had a schedule for every visit.",
        "And after the reform?",
        "We plan the day ourselves.",
        "It is better, mostly.",
        "But the phone never stops!",
    ]
    assert unit_texts(doc, "paragraph") == [
        "[00:00:05] Interviewer: Thank you for meeting me. How long have you worked here?\n"
        "[00:00:12] Kari: Eleven years now. Before the reform we had a schedule for every visit.",
        "[00:00:31] Interviewer: And after the reform?\n"
        "[00:00:35] Kari: We plan the day ourselves. It is better, mostly. But the phone never stops!",
    ]
    assert (result.turns, result.sentences) == (4, 8)


def test_txt_with_i_r_labels_and_continuation_line(project):
    _, doc = ingest_fixture(project, "interview_ir.txt")
    assert doc.id == "interview-ir"
    assert speakers(doc) == ["I", "R", "I", "R"]
    assert [t.role for t in doc.turns] == ["interviewer", "respondent", "interviewer", "respondent"]
    assert [t.time for t in doc.turns] == [None] * 4
    assert turn_texts(doc) == [
        "Can you describe a normal morning?",
        "I start at seven. First I read the messages from the night shift.\nThen I check the car.",
        "Who decides the order of visits?",
        "The team does, together. Sometimes the coordinator changes it, and then we argue a little.",
    ]
    assert unit_texts(doc, "sentence") == [
        "Can you describe a normal morning?",
        "I start at seven.",
        "First I read the messages from the night shift.",
        "Then I check the car.",
        "Who decides the order of visits?",
        "The team does, together.",
        "Sometimes the coordinator changes it, and then we argue a little.",
    ]
    assert unit_texts(doc, "paragraph") == [
        "I: Can you describe a normal morning?",
        "R: I start at seven. First I read the messages from the night shift.\nThen I check the car.",
        "I: Who decides the order of visits?",
        "R: The team does, together. Sometimes the coordinator changes it, and then we argue a little.",
    ]


def test_markdown_fieldnote_with_iso_headings(project):
    _, doc = ingest_fixture(project, "fieldnote.md")
    assert doc.kind == "fieldnote"
    assert doc.meta["format"] == "md"
    assert speakers(doc) == [None, None]
    assert [t.heading for t in doc.turns] == ["2020-01-14", "2020-01-15"]
    assert [t.time for t in doc.turns] == ["2020-01-14", "2020-01-15"]
    assert turn_texts(doc) == [
        "Arrived at the base before eight. Three nurses were already at the table.\n\n"
        "The coordinator read out the list of visits.",
        "Snow. Two cars would not start, so the team split the route.",
    ]
    assert unit_texts(doc, "turn") == turn_texts(doc)
    # The title is text outside any entry; the dated headings are never sentences.
    assert unit_texts(doc, "sentence") == [
        "# Fieldnotes, north team",
        "Arrived at the base before eight.",
        "Three nurses were already at the table.",
        "The coordinator read out the list of visits.",
        "Snow.",
        "Two cars would not start, so the team split the route.",
    ]
    # Paragraphs are blocks between blank lines, headings included.
    assert unit_texts(doc, "paragraph") == [
        "# Fieldnotes, north team",
        "## 2020-01-14",
        "Arrived at the base before eight. Three nurses were already at the table.",
        "The coordinator read out the list of visits.",
        "## 2020-01-15",
        "Snow. Two cars would not start, so the team split the route.",
    ]


@pytest.mark.parametrize("text, words", [
    # counted by hand: the spoken words only
    ("[00:00:01] Kari:Hello there friend\n[00:00:05] Ola:Yes indeed\n", 5),
    ("Kari (00:01:02):Hello there friend\nOla (00:01:05):Yes indeed\n", 5),
    ("I: How are you?\nR: [00:04:10] Fine, thanks.\n", 5),
    ("R: [00:04:10]Fine.\nI: Good.\n", 2),
    ("Interview notes, typed up later.\n\nI: Ready?\nR: Yes.\n", 7),
    ("Just prose, no turns at all.\n", 6),
    ("## 2020-01-14\n[10:30] Arrived at the ward.\n\n## 2020-01-15\nMeeting.\n", 6),
])
def test_word_counts_leave_out_labels_and_timestamps(text, words):
    from qcode.corpus.turns import detect_turns
    from qcode.corpus.units import spoken_words

    assert spoken_words(text, detect_turns(text)[1]) == words


def test_txt_fieldnote_with_dotted_dates_and_day_heading(project):
    _, doc = ingest_fixture(project, "fieldnote_dates.txt")
    assert doc.id == "fieldnote-dates"
    assert doc.kind == "fieldnote"
    assert [t.heading for t in doc.turns] == ["14.01.2020", "15.01.2020", "Day 3 — Tuesday"]
    assert [t.time for t in doc.turns] == ["2020-01-14", "2020-01-15", None]
    assert doc.words() == 40  # counted by hand without the dated headings: 11 + 16 + 13
    assert turn_texts(doc) == [
        "Morning meeting at the base. The team leader was away again.",
        "Shadowed Nils on his route. He visited nine service users before lunch.\nNobody called in sick.",
        "The new tablet system crashed twice. Nils wrote the notes on paper instead.",
    ]
    assert unit_texts(doc, "sentence") == [
        "Morning meeting at the base.",
        "The team leader was away again.",
        "Shadowed Nils on his route.",
        "He visited nine service users before lunch.",
        "Nobody called in sick.",
        "The new tablet system crashed twice.",
        "Nils wrote the notes on paper instead.",
    ]
    assert unit_texts(doc, "paragraph") == [
        "14.01.2020\nMorning meeting at the base. The team leader was away again.",
        "15.01.2020\nShadowed Nils on his route. He visited nine service users before lunch.\n"
        "Nobody called in sick.",
        "Day 3 — Tuesday\nThe new tablet system crashed twice. Nils wrote the notes on paper instead.",
    ]


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


DOCX_PARAGRAPHS = [
    "Interviewer: What does the trust reform mean for you?",
    "Nurse 2: Less paperwork. More time with the people we visit.",
    "",
    "Interviewer: Is that true every day?",
    "Nurse 2: No. Some days are chaos.",
]


def test_docx_paragraphs_in_order(project, tmp_path):
    path = make_docx(tmp_path / "Nurse Interview.docx", DOCX_PARAGRAPHS)
    [result] = ingest(project, [path])
    doc = load_document(project, result.doc_id)
    assert doc.id == "nurse-interview"
    assert doc.meta["format"] == "docx"
    # The empty Word paragraph disappears; the others are blocks in order.
    assert doc.text == (
        "Interviewer: What does the trust reform mean for you?\n\n"
        "Nurse 2: Less paperwork. More time with the people we visit.\n\n"
        "Interviewer: Is that true every day?\n\n"
        "Nurse 2: No. Some days are chaos.\n"
    )
    assert speakers(doc) == ["Interviewer", "Nurse 2", "Interviewer", "Nurse 2"]
    assert [t.role for t in doc.turns] == ["interviewer", "respondent"] * 2
    assert unit_texts(doc, "sentence") == [
        "What does the trust reform mean for you?",
        "Less paperwork.",
        "More time with the people we visit.",
        "Is that true every day?",
        "No.",
        "Some days are chaos.",
    ]
    assert unit_texts(doc, "paragraph") == [p for p in DOCX_PARAGRAPHS if p]
    assert doc.words() == 27  # counted by hand, labels left out: 8 + 9 + 5 + 5


def test_vtt_voice_tags_and_multi_cue_turns(project):
    _, doc = ingest_fixture(project, "captions.vtt")
    assert doc.meta["format"] == "vtt"
    assert doc.kind == "transcript"
    assert doc.text == (
        "Interviewer: Good morning. Shall we start?\n\n"
        "Ingrid Berg: Yes. I have about half an hour before the next visit.\n\n"
        "Interviewer: Then let us begin with your team.\n"
    )
    assert speakers(doc) == ["Interviewer", "Ingrid Berg", "Interviewer"]
    assert [t.role for t in doc.turns] == ["interviewer", "respondent", "interviewer"]
    assert [t.time for t in doc.turns] == ["00:00:01.000", "00:00:04.500", "00:00:10.000"]
    assert turn_texts(doc) == [
        "Good morning. Shall we start?",
        "Yes. I have about half an hour before the next visit.",
        "Then let us begin with your team.",
    ]
    assert unit_texts(doc, "sentence") == [
        "Good morning.", "Shall we start?", "Yes.",
        "I have about half an hour before the next visit.", "Then let us begin with your team.",
    ]
    assert len(doc.units("paragraph")) == 3
    # Every cue keeps its timing and the offsets of its own text (counted by hand).
    assert doc.meta["timestamps"] == [
        [13, 42, "00:00:01.000", "00:00:04.000"],
        [57, 87, "00:00:04.500", "00:00:07.000"],
        [88, 110, "00:00:07.000", "00:00:09.500"],
        [125, 158, "00:00:10.000", "00:00:12.000"],
    ]


def test_srt_inline_labels_and_unlabelled_cue_continues_turn(project):
    _, doc = ingest_fixture(project, "captions.srt", doc_id="captions-srt")
    assert doc.meta["format"] == "srt"
    assert doc.text == (
        "INTERVIEWER: How many visits today?\n\n"
        "NURSE 2: Fourteen. Two more than yesterday. And one of them is new.\n\n"
        "INTERVIEWER: Is that normal?\n"
    )
    assert speakers(doc) == ["INTERVIEWER", "NURSE 2", "INTERVIEWER"]
    assert [t.role for t in doc.turns] == ["interviewer", "respondent", "interviewer"]
    assert [t.time for t in doc.turns] == ["00:00:01.000", "00:00:04.000", "00:00:08.500"]
    assert unit_texts(doc, "sentence") == [
        "How many visits today?", "Fourteen.", "Two more than yesterday.",
        "And one of them is new.", "Is that normal?",
    ]
    assert unit_texts(doc, "turn") == [
        "How many visits today?",
        "Fourteen. Two more than yesterday. And one of them is new.",
        "Is that normal?",
    ]
    assert len(doc.units("paragraph")) == 3
    assert len(doc.meta["timestamps"]) == 4


# ------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("name", "encoding", "text", "sentences"),
    [
        ("legacy_cp1252.txt", "cp1252",
         "I: Hvordan går det med teamet?\nR: Bra, takk – vi får mer tid nå.\n",
         ["Hvordan går det med teamet?", "Bra, takk – vi får mer tid nå."]),
        ("utf16_bom.txt", "utf-16",
         "I: Hva gjør dere når bilen står?\nR: Vi ringer koordinatoren. Så venter vi.\n",
         ["Hva gjør dere når bilen står?", "Vi ringer koordinatoren.", "Så venter vi."]),
        ("utf8_bom.txt", "utf-8-sig",
         "Interviewer: Who was on duty?\nRespondent: Åse and me.\n",
         ["Who was on duty?", "Åse and me."]),
    ],
)
def test_encodings_are_detected(project, name, encoding, text, sentences):
    _, doc = ingest_fixture(project, name)
    assert doc.meta["encoding"] == encoding
    assert doc.text == text
    assert len(doc.turns) == 2
    assert [t.role for t in doc.turns] == ["interviewer", "respondent"]
    assert unit_texts(doc, "sentence") == sentences
    assert len(doc.units("paragraph")) == 1
    stored = (project.documents_dir / f"{doc.id}.txt").read_bytes()
    assert stored == text.encode("utf-8")  # stored as UTF-8, no BOM


def test_crlf_becomes_lf_and_offsets_count_code_points(project):
    _, doc = ingest_fixture(project, "crlf.txt")
    assert doc.text == "I: First line.\n\nR: Second line. Third sentence.\n"
    assert "\r" not in (project.documents_dir / "crlf.txt").read_text(encoding="utf-8")
    assert [(t.start, t.end) for t in doc.turns] == [(3, 14), (19, 47)]
    assert doc.units("paragraph") == ((0, 14), (16, 47))
    assert doc.units("sentence") == ((3, 14), (19, 31), (32, 47))
    assert doc.units("turn") == ((3, 14), (19, 47))


def test_decomposed_unicode_is_stored_composed(project):
    raw = (FIXTURES / "decomposed_nfd.txt").read_bytes()
    assert "e\u0301".encode() in raw  # the fixture really is NFD
    _, doc = ingest_fixture(project, "decomposed_nfd.txt")
    assert doc.text == "R: Café på Åsen.\nI: Og René?\n"
    assert unicodedata.is_normalized("NFC", doc.text)
    assert len(doc.text) == 29
    assert [(t.start, t.end, t.speaker, t.role) for t in doc.turns] == [
        (3, 16, "R", "respondent"), (20, 28, "I", "interviewer"),
    ]
    assert doc.units("sentence") == ((3, 16), (20, 28))
    assert doc.units("paragraph") == ((0, 28),)


def test_decode_and_normalise_directly():
    assert decode("blåbær".encode("cp1252"), "x") == ("blåbær", "cp1252")
    assert decode("blåbær".encode("utf-16-le"), "x") == ("blåbær", "utf-16-le")
    assert decode("blåbær".encode("utf-16-be"), "x") == ("blåbær", "utf-16-be")
    assert decode(b"\xef\xbb\xbfhi", "x") == ("hi", "utf-8-sig")
    assert normalise("a\r\nb\rc\n") == "a\nb\nc\n"
    assert normalise("\ufeffCafe\u0301") == "Café"
    once = normalise("x\r\r\ny\u0065\u0301")
    assert normalise(once) == once


# ------------------------------------------------------------- turn conventions


@pytest.mark.parametrize(
    ("line", "speaker", "time"),
    [
        ("P3: I like the new rota.", "P3", None),
        ("NURSE 2: We were short again.", "NURSE 2", None),
        ("Kari (00:01:02): We were short again.", "Kari", "00:01:02"),
        ("00:01:02 Kari: We were short again.", "Kari", "00:01:02"),
        ("[01:02] Kari: We were short again.", "Kari", "01:02"),
        ("Interviewer: Why?", "Interviewer", None),
    ],
)
def test_turn_label_conventions(line, speaker, time):
    # A label that is not a known role needs two lines (or a timestamp) to count.
    text = f"{line}\n{line}\n"
    kind, turns = detect_turns(text)
    assert kind == "transcript"
    assert [(t.speaker, t.time) for t in turns] == [(speaker, time)] * 2


def test_prose_with_a_stray_label_has_no_turns():
    text = "Note: the recorder stopped twice.\nSummary: a short visit with one nurse.\n"
    assert detect_turns(text) == ("text", ())


def test_plain_text_uses_paragraphs_as_turn_units(project, tmp_path):
    src = tmp_path / "memo.txt"
    src.write_text("First block. Two sentences.\n\nSecond block.\n", encoding="utf-8")
    [result] = ingest(project, [src])
    doc = load_document(project, result.doc_id)
    assert doc.kind == "text"
    assert doc.turns == ()
    assert unit_texts(doc, "turn") == ["First block. Two sentences.", "Second block."]
    assert unit_texts(doc, "sentence") == ["First block.", "Two sentences.", "Second block."]


# ------------------------------------------------------------- ids, units, versions


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        ("Interview 3 (Kari).TXT", "interview-3-kari"),
        ("hc_01.txt", "hc-01"),
        ("Feltnotat Åsen.md", "feltnotat-åsen"),
        ("...txt", "document"),
    ],
)
def test_doc_id_from_file_name(name, doc_id):
    assert doc_id_from_path(Path(name)) == doc_id


def test_resolve_unit_refs(project):
    _, doc = ingest_fixture(project, "interview_ir.txt")
    assert doc.resolve_unit("2", "sentence")[:2] == ("sentence", 2)
    kind, n, start, end = doc.resolve_unit("turn:2", "sentence")
    assert (kind, n) == ("turn", 2)
    assert doc.text[start:end].endswith("Then I check the car.")
    for bad in ("0", "8", "turn:5", "x", "line:1"):
        with pytest.raises(SpanError):
            doc.resolve_unit(bad, "sentence")
    a, _ = doc.units("sentence")[3]
    assert doc.unit_at("sentence", a) == 4


def test_reingest_unchanged_changes_nothing(project):
    ingest_fixture(project, "interview_ir.txt")
    before = tree_digest(project.root)
    result, _ = ingest_fixture(project, "interview_ir.txt")
    assert result.status == "unchanged"
    assert tree_digest(project.root) == before


def test_changed_source_archives_previous_version(project, tmp_path):
    src = tmp_path / "visit.txt"
    src.write_text("I: How was it?\nR: Fine.\n", encoding="utf-8")
    [first] = ingest(project, [src])
    old = load_document(project, "visit")
    src.write_text("I: How was it?\nR: Busy. Very busy.\n", encoding="utf-8")
    [second] = ingest(project, [src])
    assert (first.status, second.status) == ("new", "updated")
    assert second.previous_version == old.version
    new = load_document(project, "visit")
    assert new.text == "I: How was it?\nR: Busy. Very busy.\n"
    assert new.version != old.version
    [entry] = new.meta["history"]
    assert entry["sha256_text"] == old.meta["sha256_text"]
    assert entry["sha256_source"] == old.meta["sha256_source"]
    kept = project.documents_dir / entry["text"]
    assert kept == project.documents_dir / ".versions" / "visit" / f"{old.version}.txt"
    assert kept.read_text(encoding="utf-8") == old.text
    assert list_documents(project) == ["visit"]  # .versions is not a document


def test_duplicate_ids_are_refused_before_anything_is_written(project):
    before = tree_digest(project.root)
    with pytest.raises(InputError, match="--id"):
        ingest(project, [FIXTURES / "captions.vtt", FIXTURES / "captions.srt"])
    assert tree_digest(project.root) == before
    with pytest.raises(InputError, match="exactly one PATH"):
        ingest(project, [FIXTURES / "crlf.txt", FIXTURES / "utf8_bom.txt"], doc_id="both")


def test_one_bad_source_stops_the_whole_batch(project, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    before = tree_digest(project.root)
    with pytest.raises(InputError, match="empty"):
        ingest(project, [FIXTURES / "crlf.txt", empty])
    assert tree_digest(project.root) == before
    assert not document_exists(project, "crlf")


def test_attributes_from_ingest_set_and_csv(project, tmp_path):
    ingest_fixture(project, "crlf.txt", attrs=parse_attrs(["team=north", "role=nurse"]))
    ingest_fixture(project, "utf8_bom.txt")
    assert load_document(project, "crlf").attributes == {"team": "north", "role": "nurse"}
    doc = set_attributes(project, "crlf", {"role": "", "site": "Åsen"})
    assert doc.attributes == {"site": "Åsen", "team": "north"}
    csv_path = tmp_path / "attrs.csv"
    csv_path.write_text("doc,team,setting\ncrlf,south,\nutf8-bom,west,nursing home\n", encoding="utf-8")
    assert import_attributes(project, csv_path) == ["crlf", "utf8-bom"]
    assert load_document(project, "crlf").attributes == {"site": "Åsen", "team": "south"}
    assert load_document(project, "utf8-bom").attributes == {
        "setting": "nursing home", "team": "west",
    }


def test_parse_attrs_refuses_bad_pairs():
    assert parse_attrs(["a=1", "b = two "]) == {"a": "1", "b": "two"}
    for bad in ("novalue", "=x", "bad key=1"):
        with pytest.raises(InputError, match="key=value"):
            parse_attrs([bad])


def test_resegment_after_language_change_keeps_text(project):
    ingest_fixture(project, "interview_ir.txt")
    before = load_document(project, "interview-ir")
    [result] = resegment(project)
    after = load_document(project, "interview-ir")
    assert result.status == "resegmented"
    assert after.text == before.text
    assert after.units("sentence") == before.units("sentence")
    assert after.meta["sha256_text"] == before.meta["sha256_text"]


def test_read_source_checks_content_against_suffix(tmp_path):
    with pytest.raises(InputError, match="WEBVTT"):
        read_source(tmp_path / "a.vtt", b"1\n00:00:01,000 --> 00:00:02,000\nhi\n")
    with pytest.raises(InputError, match="docx"):
        read_source(tmp_path / "a.docx", b"I: plain text pretending\n")
    with pytest.raises(InputError, match="SubRip"):
        read_source(tmp_path / "a.srt", b"just words\n")


def test_vtt_character_references_are_decoded(tmp_path):
    data = (
        b"WEBVTT\n\n00:01.000 --> 00:02.500 align:start\n"
        b"<v.loud Tom &amp; Co>Salt &amp; pepper &lt;3</v>\n"
    )
    parsed = read_source(tmp_path / "a.vtt", data)
    assert parsed.text == "Tom & Co: Salt & pepper <3\n"
    assert [(c.begin_time, c.end_time) for c in parsed.cues] == [("00:00:01.000", "00:00:02.500")]


def test_turn_content_is_trimmed_of_any_whitespace():
    text = "[00:01] Kari:\u3000\u00a0hello there\n[00:02] Ola: yes\n"
    _, turns = detect_turns(text)
    assert [text[t.start:t.end] for t in turns] == ["hello there", "yes"]


def test_roles_can_be_overridden_in_the_metadata(project, tmp_path):
    import yaml

    ingest_fixture(project, "timestamped.txt")
    meta_path = project.documents_dir / "timestamped.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    assert meta["roles"] == {"Interviewer": "interviewer", "Kari": "respondent"}
    meta["roles"]["Kari"] = "interviewer"
    meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    doc = load_document(project, "timestamped")
    assert [t.role for t in doc.turns] == ["interviewer"] * 4
    # A changed source keeps the override.
    src = tmp_path / "timestamped.txt"
    src.write_bytes((FIXTURES / "timestamped.txt").read_bytes() + b"[00:01:00] Kari: One more.\n")
    ingest(project, [src])
    doc = load_document(project, "timestamped")
    assert len(doc.turns) == 5
    assert [t.role for t in doc.turns] == ["interviewer"] * 5


@pytest.mark.parametrize("odd", ["\u0081", "\u0085", "\u2029", "\x7f", "\ufffe"])
def test_headings_with_odd_characters_survive_the_metadata_file(project, tmp_path, odd):
    # JSON leaves these raw; YAML refuses them or reads them as line breaks.
    src = tmp_path / "odd.txt"
    src.write_text(f"## 2020-01-14 a{odd}b\nx\n\n## 2020-01-15\ny\n", encoding="utf-8")
    ingest(project, [src])
    doc = load_document(project, "odd")
    assert [t.heading for t in doc.turns] == [f"2020-01-14 a{odd}b", "2020-01-15"]


def test_focus_group_participants_who_speak_once_get_their_own_turns(project):
    _, doc = ingest_fixture(project, "focus_group.txt")
    assert speakers(doc) == ["Moderator", "P1", "P2", "P1", "P3", "Moderator"]
    assert [t.role for t in doc.turns] == ["interviewer"] + ["respondent"] * 4 + ["interviewer"]
    assert turn_texts(doc) == [
        "What changed for you after the reform?",
        "We got more say over the rota.",
        "Not in our team.",
        "Maybe it depends on the leader.",
        "Some days nobody answers the phone. Then we decide alone.",
        "Thank you.",
    ]
    assert len(doc.units("sentence")) == 7
    assert len(doc.units("paragraph")) == 1


def test_single_capital_or_coded_labels_need_a_transcript():
    kind, turns = detect_turns("I: Who called?\nKARI: Me.\nNURSE 2: And me.\n")
    assert [t.speaker for t in turns] == ["I", "KARI", "NURSE 2"]
    assert detect_turns("Step 1: park the car.\nChapter 2: the base.\n") == ("text", ())


# ------------------------------------------------------------- the sample study (golden counts)

# Recorded from the sample study, on top of the hand-counted fixtures above. The
# turn counts of the plain-text transcripts were cross-checked by counting their
# label lines with grep (62, 77, 43, 57). Update these when corpus/ changes.
SAMPLE_GOLDEN = [
    # (doc, format, kind, language, turns, sentences, paragraphs, words)
    ("fn01-team-north", "md", "fieldnote", "en", 7, 110, 29, 1618),
    ("fn02-team-south", "txt", "fieldnote", "en", 8, 94, 30, 1457),
    ("fn03-nursing-home-cafe", "md", "fieldnote", "en", 6, 87, 23, 1579),
    ("fn04-home-care-volunteers", "txt", "fieldnote", "en", 7, 89, 25, 1524),
    ("hc01-nurse-team-north", "txt", "transcript", "en", 62, 236, 64, 2798),
    ("hc02-assistant-team-south", "docx", "transcript", "en", 54, 246, 55, 2341),
    ("hc03-team-coordinator", "vtt", "transcript", "en", 56, 251, 56, 2335),
    ("hc04-physiotherapist", "srt", "transcript", "en", 38, 170, 38, 2015),
    ("hc05-sykepleier-team-vest", "txt", "transcript", "nb", 43, 186, 44, 2212),
    ("hc06-group-interview-team-east", "txt", "transcript", "en", 77, 231, 78, 2139),
    ("nh01-activity-coordinator", "txt", "transcript", "en", 57, 232, 57, 3176),
    ("nh02-volunteer-centre-leader", "docx", "transcript", "en", 44, 174, 45, 2436),
    ("nh03-volunteer-visitor", "vtt", "transcript", "en", 46, 181, 46, 2007),
]


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory):
    """The sample study ingested as the demo does: one source at a time, with its
    attributes from corpus/attributes.csv."""
    from qcode.project import init_project
    from qcode.sample import sample_attributes, sample_root, sample_sources

    root = sample_root()
    attributes = sample_attributes(root)
    project = init_project(tmp_path_factory.mktemp("sample") / "study")
    for path in sample_sources(root):
        ingest(project, [path], attrs=attributes[doc_id_from_path(path)])
    return project


def test_sample_study_golden_counts(sample_project):
    found = []
    for doc_id in list_documents(sample_project):
        doc = load_document(sample_project, doc_id)
        found.append((doc_id, doc.meta["format"], doc.kind, doc.language, len(doc.turns),
                      len(doc.units("sentence")), len(doc.units("paragraph")), doc.words()))
    assert found == SAMPLE_GOLDEN


def test_sample_study_meets_the_brief(sample_project):
    docs = [load_document(sample_project, d) for d in list_documents(sample_project)]
    assert sum(d.kind == "transcript" for d in docs) >= 8
    assert sum(d.kind == "fieldnote" for d in docs) >= 4
    assert sum(d.words() for d in docs) >= 25_000
    assert {"txt", "docx", "vtt"} <= {d.meta["format"] for d in docs}
    assert any(d.language == "nb" for d in docs)
    for doc in docs:
        assert {"role", "setting"} <= set(doc.attributes), doc.id
        if doc.attributes["setting"] == "home care":  # nursing homes have no team
            assert "team" in doc.attributes, doc.id
        for kind in ("sentence", "turn", "paragraph"):
            for a, b in doc.units(kind):
                assert doc.text[a:b] == doc.text[a:b].strip() != ""


def test_batch_ingest_segments_like_one_at_a_time(sample_project, tmp_path):
    """Sentences are split in batches across documents; the result must not depend on it."""
    from qcode.project import init_project
    from qcode.sample import sample_root, sample_sources

    batch = init_project(tmp_path / "batch")
    ingest(batch, sample_sources(sample_root()))
    for doc_id in list_documents(batch):
        one, many = load_document(sample_project, doc_id), load_document(batch, doc_id)
        assert many.text == one.text
        assert many.turns == one.turns
        if one.language == "en":
            assert many.meta["units"] == one.meta["units"], doc_id


def test_quick_meta_reads_what_loading_reads(project, repo, tmp_path):
    """Suggestions read a document's hash, language and units without loading it all."""
    from qcode.corpus.metafile import UNIT_KINDS, quick_meta
    from qcode.corpus.store import doc_paths
    from qcode.errors import SpanError

    sources = [p for p in (repo / "corpus").rglob("*") if p.suffix in {".txt", ".md", ".vtt", ".docx"}]
    ingest(project, sources)
    for doc_id in list_documents(project):
        doc = load_document(project, doc_id)
        meta_path = doc_paths(project.documents_dir, doc_id)[1]
        sha, language, units = quick_meta(meta_path.read_text(encoding="utf-8"), str(meta_path))
        assert (sha, language) == (doc.meta["sha256_text"], doc.language)
        for kind in UNIT_KINDS:
            assert units(kind) == doc.units(kind) and units(kind)
        with pytest.raises(SpanError):
            units("chapter")
    text = meta_path.read_text(encoding="utf-8")
    for edited in (  # another layout, valid YAML or not: load it in full
        text.replace("units:\n", "units: \n", 1),
        text.replace("  sentence:\n", "  sentence: \n", 1),
        text.rstrip("\n"),
        text.replace("  - [", "  - [x", 1),
        text.replace("\nunits:\n", "\nunits:\n  sentence: [[0, 4]]\n", 1),
    ):
        assert quick_meta(edited, "x.yaml") is None


@pytest.mark.parametrize("syncfs", [True, False])
def test_batched_durable_writes_are_whole_and_leave_no_temp_files(tmp_path, monkeypatch, syncfs):
    from qcode import fileio as store

    if not syncfs:
        monkeypatch.setattr(store, "_SYNCFS", False)  # a platform without syncfs: fsync each
    files = [(tmp_path / "d" / f"f{i}.txt", f"text {i}\n".encode() * (i + 1)) for i in range(40)]
    store.write_files(files)
    for path, data in files:
        assert path.read_bytes() == data
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == sorted(p.name for p, _ in files)
    (tmp_path / "d" / "f3.txt").chmod(0o444)
    (tmp_path / "d").chmod(0o555)  # a rename that fails: the earlier files stay as they were
    try:
        if os.geteuid() != 0:
            with pytest.raises(PermissionError):
                store.write_files([(tmp_path / "d" / "f1.txt", b"new")])
            assert (tmp_path / "d" / "f1.txt").read_bytes() == files[1][1]
    finally:
        (tmp_path / "d").chmod(0o755)
