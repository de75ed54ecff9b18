"""The lemma pipeline: offline lemmas and stems that let keywords match inflected words."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from qcode.lemmas import claims, lemma_identity, lemma_pipeline, lemma_table, stemmer
from qcode.nlp import pipeline_identity, sentence_spans
from qcode.suggest.rules import Matchers, keyword_applies

# Inflected Norwegian Bokmål home-care words (verbs in several tenses, definite and
# plural nouns, derived nouns) and the dictionary-form keyword each must match.
NORWEGIAN = [
    ("koordinerte", "koordinere"), ("koordinerer", "koordinere"), ("koordineres", "koordinere"),
    ("koordineringen", "koordinere"), ("besøkte", "besøke"), ("besøker", "besøke"),
    ("besøkene", "besøk"), ("besøket", "besøk"), ("brukerne", "bruker"), ("brukeren", "bruker"),
    ("pasientene", "pasient"), ("pasienten", "pasient"), ("sykepleierne", "sykepleier"),
    ("sykepleieren", "sykepleier"), ("kollegaene", "kollega"), ("kollegaer", "kollega"),
    ("kjørelista", "kjøreliste"), ("kjørelisten", "kjøreliste"), ("kjørelistene", "kjøreliste"),
    ("arbeidslistene", "arbeidsliste"), ("morgenmøtet", "morgenmøte"),
    ("morgenmøtene", "morgenmøte"), ("rapportene", "rapport"), ("bilnøklene", "bilnøkkel"),
    ("bilnøkkelen", "bilnøkkel"), ("vaktene", "vakt"), ("turnusen", "turnus"),
    ("medisinene", "medisin"), ("dosettene", "dosett"), ("oppgavene", "oppgave"),
    ("ledelsen", "ledelse"), ("lederne", "leder"), ("stillingen", "stilling"),
    ("vikarene", "vikar"), ("samarbeidet", "samarbeid"), ("samarbeider", "samarbeide"),
    ("vurderte", "vurdere"), ("vurderingene", "vurdering"), ("dokumenterte", "dokumentere"),
    ("dokumentasjonen", "dokumentere"), ("ringte", "ringe"), ("tidspresset", "tidspress"),
    ("sykefraværet", "sykefravær"), ("overtiden", "overtid"), ("ressursene", "ressurs"),
    ("kompetansen", "kompetanse"), ("opplæringen", "opplæring"), ("erfaringene", "erfaring"),
    ("beslutningene", "beslutning"), ("bestemte", "bestemme"), ("planla", "planlegge"),
    ("planleggingen", "planlegge"), ("stelte", "stelle"), ("dusjet", "dusje"),
    ("omrokkerte", "omrokkere"), ("delegerte", "delegere"), ("tilliten", "tillit"),
    ("friheten", "frihet"), ("ansvaret", "ansvar"), ("kursene", "kurs"),
    ("samtalene", "samtale"), ("konfliktene", "konflikt"), ("minuttene", "minutt"),
    ("hjemmetjenesten", "hjemmetjeneste"), ("teamlederen", "teamleder"), ("pleierne", "pleier"),
]

ENGLISH = [
    ("coordinated", "coordinate"), ("coordinating", "coordinate"), ("coordination", "coordinate"),
    ("visits", "visit"), ("visited", "visit"), ("called", "call"), ("hurried", "hurry"),
    ("schedules", "schedule"), ("scheduling", "schedule"), ("colleagues", "colleague"),
    ("patients", "patient"), ("wounds", "wound"), ("showered", "shower"),
    ("reshuffled", "reshuffle"), ("leaders", "leader"), ("stressed", "stress"),
]


def matches(lang: str, keyword: str, text: str, languages: tuple[str, ...] = ()) -> bool:
    nlp = lemma_pipeline(lang)
    code = SimpleNamespace(id="c", keywords=(keyword,), exclude_keywords=(), patterns=())
    return bool(Matchers(nlp, (code,), "codebook.yaml", languages)(nlp(text)))


def test_norwegian_inflections_match_their_keywords():
    assert len(NORWEGIAN) >= 50
    missed = [(w, k) for w, k in NORWEGIAN if not matches("nb", k, f"I går {w} de.")]
    share = 1 - len(missed) / len(NORWEGIAN)
    assert share >= 0.85, f"{share:.0%} matched; missed {missed}"


def test_norwegian_sentence_initial_capitals_match():
    missed = [(w, k) for w, k in NORWEGIAN if not matches("nb", k, f"{w.capitalize()} var der.")]
    assert 1 - len(missed) / len(NORWEGIAN) >= 0.85, missed


@pytest.mark.parametrize(("word", "keyword"), ENGLISH)
def test_english_inflections_match(word, keyword):
    assert matches("en", keyword, f"Then we {word} it.")
    assert matches("en", keyword, f"{word.capitalize()} it was.")  # sentence-initial


def test_stock_bokmal_table_alone_would_not_do():
    # the reason for the full-form data: the stock lookup table is small
    from qcode.lemmas import _read_table

    assert len(_read_table("nb_lemma_lookup")) < 5_000
    assert len(lemma_table("nb").forms) > 500_000


def test_several_lemmas_match_any():
    table = lemma_table("nb")
    assert table.key("besøk") == "besøk|besøke"  # the noun and a form of the verb
    assert matches("nb", "besøke", "Hvert besøk tar tid.")
    assert matches("nb", "besøk", "Hvert besøk tar tid.")
    assert matches("nb", "besøke", "Hun besøkte ham.")
    assert not matches("nb", "besøk", "Hun ringte ham.")


def test_tokens_carry_lemma_and_stem():
    doc = lemma_pipeline("nb")("Koordineringen tok tid.")
    assert doc[0].lemma_ == "koordinering"
    assert doc[0].norm_ == doc[0]._.qcode_stem == stemmer("nb")("koordinere") == "koordiner"
    doc = lemma_pipeline("en")("Coordinated visits.")
    assert [t.lemma_ for t in doc[:2]] == ["coordinate", "visit"]


def test_unrelated_words_do_not_match():
    assert not matches("en", "coordinate", "We ate lunch in the car.")
    assert not matches("nb", "koordinere", "Vi spiste lunsj i bilen.")


def test_keywords_stay_in_their_language():
    # Bokmål 'stilling' (a post) would be read as a form of English 'still'
    assert matches("en", "stilling", "It was still dark.")  # what would go wrong
    assert not matches("en", "stilling", "It was still dark.", ("en", "nb"))
    assert matches("nb", "stilling", "Hun har en full stilling.", ("en", "nb"))
    assert keyword_applies("coordinate", "en", ("en", "nb"))
    assert not keyword_applies("coordinate", "nb", ("en", "nb"))
    assert keyword_applies("hand-over", "en", ("en", "nb"))
    assert claims("nb", "koordinere") and not claims("en", "koordinere")


def test_identity_names_the_data_and_versions():
    identity = lemma_identity("nb")
    assert identity.startswith("blank:nb+sentencizer@spacy")
    assert "ordbank" in identity and "stem:norwegian" in identity
    assert lemma_identity("en") != identity


def test_sentence_pipeline_for_ingest_is_unchanged():
    assert pipeline_identity("en") == "blank:en+sentencizer"
    assert sentence_spans(["One here. Two there."], "en") == [[(0, 9), (10, 20)]]


def test_unknown_language_is_a_clear_error():
    from qcode.errors import InputError

    with pytest.raises(InputError, match="no language 'zz'"):
        lemma_pipeline("zz")


def test_missing_trained_pipeline_is_a_clear_error():
    from qcode.errors import InputError

    with pytest.raises(InputError, match="not installed"):
        lemma_pipeline("en", "xx_no_such_pipeline_sm")
