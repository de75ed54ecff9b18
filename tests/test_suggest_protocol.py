"""The suggester protocol: a suggester registered through the real registry runs end
to end (suggest, accept, the audit line names it); what a suggester may do besides
proposing is a Protocol of its own; the proposals of several suggesters merge by the
order in which the run names them, never by the sort order of their names."""

from __future__ import annotations

import pytest
from suggest_support import make_project

from qcode.audit.line import parse_object
from qcode.cli import app
from qcode.codings import replay
from qcode.suggest import REGISTRY, Proposal, read_queue, register, suggest
from qcode.suggest.base import METHODS, Flushes, Keywords, Notes, Preloads, Trained, merge
from qcode.suggest.parse import Unit
from qcode.suggest.rules import RuleSuggester

TEXT = "The kettle boiled over at noon. Nobody came to help. The kettle sang again.\n"


class Kettle:
    """Proposes ``care`` for every unit that mentions a kettle; it needs no spaCy Doc
    and has none of the optional capabilities."""

    name = "kettle.v1"

    def __init__(self, codebook, codes=None, **_):
        self.calls = 0

    def wants(self, parsed):
        return False

    def propose(self, parsed):
        text = parsed.document.text
        return [Proposal(u, "care", self.name, 0.9, "mentions a kettle", ("kettle",), "kettle-1")
                for u in parsed.units if "kettle" in text[u.start:u.end].lower()]


class Every:
    """Proposes ``care`` for every unit, with a low score; its name sorts before
    ``kettle.v1``."""

    name = "always.v1"

    def __init__(self, codebook, codes=None, **_):
        pass

    def wants(self, parsed):
        return False

    def propose(self, parsed):
        return [Proposal(u, "care", self.name, 0.2, "says so of every unit") for u in parsed.units]


@pytest.fixture
def fakes():
    register(Kettle.name)(Kettle)
    register(Every.name)(Every)
    yield
    REGISTRY.pop(Kettle.name, None)
    REGISTRY.pop(Every.name, None)


@pytest.fixture
def study(tmp_path):
    return make_project(tmp_path / "study", {"a": TEXT})


def test_a_fake_suggester_runs_end_to_end_through_the_registry(study, fakes, runner):
    result = suggest(study, "anna", method="kettle.v1")
    assert result.methods == ("kettle.v1",) and result.parsed == 0  # it wanted no Doc
    queued = read_queue(study, "anna")
    assert [(s.unit, s.code, s.method) for s in queued] == [
        ("sentence:1", "care", "kettle.v1"), ("sentence:3", "care", "kettle.v1")]
    root = ["-P", str(study.root), "--coder", "anna"]
    accepted = runner.invoke(app, ["accept", queued[0].id, *root])
    assert accepted.exit_code == 0, accepted.output
    last = study.log_path("anna").read_text(encoding="utf-8").splitlines()[-1]
    line = parse_object(last)
    assert line["action"] == "accept" and line["source"] == "suggest:kettle.v1"
    assert line["data"]["method"] == "kettle.v1" and line["data"]["model"] == "kettle-1"
    assert line["quote"] == "The kettle boiled over at noon."
    shown = runner.invoke(app, ["audit", "show", "-P", str(study.root), "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    assert "suggest:kettle.v1" in shown.stdout
    coding = replay(study).select(coders=["anna"])[0]
    assert (coding.source, coding.code, coding.start) == ("suggest:kettle.v1", "care", 0)
    assert [s.unit for s in read_queue(study, "anna")] == ["sentence:3"]


def test_merged_suggestions_come_from_the_method_named_first(study, fakes):
    """always.v1 sorts before kettle.v1, so ordering by name would keep always.v1's
    suggestion; the run names kettle.v1 first, and its suggestion is the one kept."""
    made = suggest(study, "anna", method="kettle.v1,always.v1").suggestions
    by_unit = {s.unit: s for s in made}
    assert sorted(by_unit) == ["sentence:1", "sentence:2", "sentence:3"]
    kettle = by_unit["sentence:1"]
    assert (kettle.method, kettle.score, kettle.model) == ("kettle.v1", 0.9, "kettle-1")
    assert kettle.reason == "mentions a kettle; always.v1 0.20"
    assert by_unit["sentence:2"].method == "always.v1"  # only always.v1 proposed it
    other_way = suggest(study, "anna", method="always.v1,kettle.v1").suggestions
    assert {s.method for s in other_way} == {"always.v1"}


def test_merge_keeps_the_preferred_proposal_whole():
    unit = Unit("sentence", 1, 0, 10)
    rules = Proposal(unit, "care", "rules.v2", 0.5, "matched kettle", ("kettle",), "r" * 16)
    model = Proposal(unit, "care", "linear.v2", 0.8, "learned", (), "m" * 16)
    for proposals in ([rules, model], [model, rules]):
        (kept,) = merge(proposals, METHODS["both"])
        assert kept == Proposal(unit, "care", "rules.v2", 0.5, "matched kettle; linear.v2 0.80",
                                ("kettle",), "r" * 16)
    (kept,) = merge([rules, model], ("linear.v2", "rules.v2"))
    assert kept.method == "linear.v2" and kept.reason == "learned; rules.v2 0.50"
    assert METHODS["both"][0] == "rules.v2"  # `both` prefers the explainable rules


def test_optional_capabilities_are_protocols(study, fakes):
    from qcode.codebook import load_codebook

    codebook = load_codebook(study.codebook_path)
    rules = RuleSuggester(codebook, None, project=study)
    assert isinstance(rules, Preloads) and isinstance(rules, Flushes)
    assert isinstance(rules, Notes) and isinstance(rules, Keywords)
    assert not isinstance(rules, Trained)
    kettle = Kettle(codebook)
    assert not any(isinstance(kettle, p) for p in (Preloads, Flushes, Notes, Trained, Keywords))
