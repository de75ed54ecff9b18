"""rules.v2: keywords match what they mean. Compounds (a keyword as the first part
or head of a Norwegian compound) and no stem over-matching (``useful`` is not
"using"), each checked on a list of true and false matches written for this test."""

from __future__ import annotations

import pytest
from suggest_support import make_project

from qcode.suggest import suggest

CODEBOOK = """\
version: 1
codes:
  - id: quota
    label: Quotas
    keywords: [kvote]
  - id: cod
    label: Cod fishery
    keywords: [skrei]
  - id: time
    label: Time
    keywords: [tid]
  - id: school
    label: School
    keywords: [skole]
  - id: team
    label: Team
    keywords: [lag]
  - id: useful
    label: Useful
    keywords: [useful, careful, hopeful]
"""

# (sentence, code): the keyword should match
NORWEGIAN_TRUE = [
    ("Kvoteprisene steg kraftig i fjor.", "quota"),  # first part of an unknown compound
    ("Fiskekvotene ble mindre enn ventet.", "quota"),  # head of a dictionary compound
    ("Kvotene er fordelt på båtene.", "quota"),  # an inflected form
    ("Skreisesongen startet tidlig i år.", "cod"),  # first part, linking nothing
    ("Skreien kom sent til kysten.", "cod"),
    ("Han har alltid tidspress på jobben.", "time"),  # first part with a linking s
    ("Skolebarna gikk hjem klokka tre.", "school"),
    ("Laget vant kampen til slutt.", "team"),
]
# (sentence, code): the keyword must not match
NORWEGIAN_FALSE = [
    ("Kvotienten av tallene er høy.", "quota"),  # kvotient: not kvote + anything
    ("Skreiv du brevet til henne?", "cod"),  # skreiv: a verb, no compound
    ("Skreddersydde løsninger koster mer.", "cod"),
    ("Vi kom tidlig til møtet.", "time"),  # tidlig: a word of its own, not tid + lig
    ("Hun har forlag i Oslo.", "team"),  # forlag: not for + lag (parts too short)
    ("Hun skreik da hun så det.", "cod"),  # skreik: a verb form
]
ENGLISH_TRUE = [
    ("That advice was useful.", "useful"),
    ("Very useful tips came later.", "useful"),
    ("Be careful on the stairs.", "useful"),
    ("We are hopeful about the plan.", "useful"),
]
ENGLISH_FALSE = [
    ("We are using the new app.", "useful"),  # stem use: another word
    ("She used it twice.", "useful"),
    ("He uses a cane outdoors.", "useful"),
    ("Caring for her takes time.", "useful"),  # careful -> care
    ("They were hoping for rain.", "useful"),  # hopeful -> hope
]


def _found(tmp_path, sentences: list[str], lang: str, method: str = "rules.v2") -> dict[int, set[str]]:
    text = "\n\n".join(sentences) + "\n"
    project = make_project(tmp_path / f"p-{lang}-{method}", {"d": text}, codebook=CODEBOOK,
                           unit="paragraph", attrs={"d": {"language": lang}})
    found: dict[int, set[str]] = {}
    for s in suggest(project, "anna", method=method).suggestions:
        found.setdefault(int(s.unit.split(":")[1]), set()).add(s.code)
    return found


@pytest.mark.parametrize("lang, true, false", [("nb", NORWEGIAN_TRUE, NORWEGIAN_FALSE),
                                               ("en", ENGLISH_TRUE, ENGLISH_FALSE)])
def test_true_matches_match_and_false_ones_do_not(tmp_path, lang, true, false):
    cases = [*true, *false]
    found = _found(tmp_path, [sentence for sentence, _ in cases], lang)
    missed = [s for n, (s, code) in enumerate(true, 1) if code not in found.get(n, set())]
    wrong = [s for n, (s, code) in enumerate(false, len(true) + 1) if code in found.get(n, set())]
    assert not missed, f"should match: {missed}"
    assert not wrong, f"should not match: {wrong}"


def test_rules_v1_is_unchanged(tmp_path):
    """Its name is in audit lines: rules.v1 still over-matches and misses compounds."""
    found = _found(tmp_path, ["We are using the new app.", "Kvoteprisene steg kraftig i fjor."],
                   "en", method="rules.v1")
    assert found.get(1) == {"useful"}


def test_compound_split():
    from qcode.suggest.compounds import split_compound

    forms = {"kvote": "kvote", "prisene": "pris", "skrei": "skrei", "sesongen": "sesong",
             "tid": "tid", "press": "press", "for": "for", "stå": "stå", "forstå": "forstå"}
    assert split_compound("kvoteprisene", forms) == [("kvote", "pris")]
    assert split_compound("skreisesongen", forms) == [("skrei", "sesong")]
    assert split_compound("tidspress", forms) == [("tid", "press")]  # linking s
    assert split_compound("forstå", forms) == []  # a known word, parts too short
    assert split_compound("kvotient", forms) == []
