"""The parse cache: warm runs parse nothing; deleting .qcode changes no result."""

from __future__ import annotations

import shutil

import pytest
from suggest_support import make_project

from qcode.suggest import suggest
from qcode.suggest.queue import queue_path

DOCS = {
    "a": "We coordinate the visits. The driving list was wrong. We had to hurry.\n",
    "b": "Vi koordinerte besøkene. Kjørelista var feil, og tidspresset var stort.\n",
    "c": "She showered at nine. The wound was dressed. We called the pharmacy.\n",
}


@pytest.fixture
def study(tmp_path):
    return make_project(tmp_path / "study", DOCS, attrs={"b": {"language": "nb"}})


def test_warm_run_parses_no_document(study):
    cold = suggest(study, "anna")
    assert (cold.parsed, cold.cached, cold.kept) == (3, 0, 0)
    warm = suggest(study, "anna")
    assert (warm.parsed, warm.cached, warm.kept) == (0, 0, 3)  # the rules kept their matches
    assert warm.suggestions == cold.suggestions


def test_a_changed_codebook_reads_the_parses_again(study):
    cold = suggest(study, "anna")
    text = study.codebook_path.read_text(encoding="utf-8")
    study.codebook_path.write_text(text.replace("tidspress]", "tidspress, nine]"),
                                   encoding="utf-8")
    warm = suggest(study, "anna")
    assert (warm.parsed, warm.cached, warm.kept) == (0, 3, 0)
    before = {(s.doc, s.unit, s.code) for s in cold.suggestions}
    assert {(s.doc, s.unit, s.code) for s in warm.suggestions} - before == {
        ("c", "sentence:1", "time")}
    assert suggest(study, "anna").kept == 3


def test_deleting_the_cache_gives_identical_suggestions(study):
    suggest(study, "anna", method="both")
    before = queue_path(study, "anna").read_bytes()
    shutil.rmtree(study.cache_dir)
    again = suggest(study, "anna", method="both")
    assert again.parsed == 3
    assert queue_path(study, "anna").read_bytes() == before


def test_an_edited_document_alone_is_parsed_again(study, tmp_path):
    from qcode.corpus.ingest import ingest

    suggest(study, "anna")
    source = tmp_path / "study-sources" / "c.txt"
    source.write_text(DOCS["c"].replace("nine", "ten"), encoding="utf-8")
    ingest(study, [source])
    result = suggest(study, "anna")
    assert (result.parsed, result.cached, result.kept) == (1, 0, 2)


def test_damaged_cache_entries_are_made_again(study):
    first = suggest(study, "anna")
    for path in (study.cache_dir / "matches").rglob("*.jsonl"):
        path.write_text("[[", encoding="utf-8")
    again = suggest(study, "anna")
    assert (again.parsed, again.cached) == (0, 3) and again.suggestions == first.suggestions
    for path in (study.cache_dir / "parses").rglob("*.spacy"):
        path.write_bytes(b"not a docbin")
    shutil.rmtree(study.cache_dir / "matches")
    again = suggest(study, "anna")
    assert (again.parsed, again.cached) == (3, 0) and again.suggestions == first.suggestions


def test_cache_entries_are_keyed_by_text_and_pipeline(study):
    from qcode.corpus import load_document
    from qcode.suggest.parse import ParseCache

    suggest(study, "anna")
    cache = ParseCache(study)
    paths = set()
    for doc_id in DOCS:
        document = load_document(study, doc_id)
        _, identity = cache.pipeline(document)
        path = cache.path(document, identity)
        assert path.is_file() and path.stem == document.meta["sha256_text"]
        paths.add(path.parent.name)
    assert len(paths) == 2  # one folder per pipeline (en, nb)


def test_the_queue_is_in_document_and_codebook_order(study):
    from qcode.suggest import read_queue

    suggest(study, "anna", method="both")
    suggest(study, "anna", docs=["b", "a"], codes=["time"])  # a partial run merges in
    queue = read_queue(study, "anna")
    rank = {"coordination": 0, "time": 1, "care": 2}
    assert queue == sorted(queue, key=lambda s: (s.doc, s.start, rank[s.code]))
    assert len({s.id for s in queue}) == len(queue)


def test_the_document_view_agrees_with_load_document(study, tmp_path):
    from qcode.corpus import load_document
    from qcode.corpus.ingest import ingest
    from qcode.suggest.docs import read_view

    talk = tmp_path / "talk.txt"
    talk.write_text("I: How was it?\nR: We had to hurry. No time.\n\nI: And then?\nR: Nothing.\n",
                    encoding="utf-8")
    ingest(study, [talk], attrs={"language": "nb"})
    for doc_id in [*DOCS, "talk"]:
        view, document = read_view(study, doc_id), load_document(study, doc_id)
        assert (view.id, view.text, view.version, view.language) == (
            document.id, document.text, document.version, document.language)
        for kind in ("sentence", "turn", "paragraph"):
            assert view.units(kind) == document.units(kind)


def test_metadata_edited_by_hand_into_another_layout_still_reads(study):
    import yaml

    from qcode.corpus import load_document

    path = study.documents_dir / "a.yaml"
    before = load_document(study, "a")
    path.write_text(yaml.safe_dump(before.meta, sort_keys=False), encoding="utf-8")  # block style
    after = load_document(study, "a")
    assert after.meta == before.meta
    assert after.units("sentence") == before.units("sentence")


def test_the_bokmal_table_is_kept_in_the_cache(study):
    from qcode.lemmas import _read_kept, lemma_table

    suggest(study, "anna")
    kept = list((study.cache_dir / "lemmas").glob("nb-*.marshal"))
    assert len(kept) == 1
    assert _read_kept(kept[0]) == lemma_table("nb")
    kept[0].write_bytes(b"damaged")
    assert _read_kept(kept[0]) is None  # rebuilt, never trusted


def test_a_run_that_keeps_nothing_writes_the_same_queue(study):
    kept = suggest(study, "anna", method="both")
    before = queue_path(study, "anna").read_bytes()
    queue_path(study, "anna").unlink()
    lean = suggest(study, "anna", method="both", keep=False)
    assert queue_path(study, "anna").read_bytes() == before
    assert lean.made == kept.made == len(kept.suggestions) > 0
    with pytest.raises(ValueError, match="keep=False"):
        lean.suggestions  # noqa: B018 - the property raises
