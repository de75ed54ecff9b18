"""Replay: the logs -> codings, memos, decisions; queries; determinism."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from audit_support import PROJECT_ID, clock, make_study
from hypothesis import given, settings
from hypothesis import strategies as st

from qcode.audit.log import append
from qcode.codings import Coding, replay, replay_dir


def ev(actor, action, doc="d1", span="0:10", code="a", **extra):
    return {"actor": actor, "action": action, "doc": doc, "span": span, "code": code, **extra}


def write(audit: Path, name: str, events: list[dict], start: int = 0) -> None:
    append(audit / f"{name}.log", PROJECT_ID, events, clock=clock(start))


@pytest.fixture
def audit(tmp_path):
    return tmp_path / "audit"


def test_apply_makes_a_coding_with_the_events_fields(audit):
    write(audit, "anna", [ev("anna", "apply", docv="v1", codebook=2, fp="f", memo="m",
                             source="import:csv")])
    (c,) = replay_dir(audit).codings
    assert c == Coding("anna:1", "anna", "d1", 0, 10, "a", "import:csv",
                       "2025-03-01T09:00:00.000Z", "v1", "m", 2, "f", None)
    assert c.span == "0:10"


def test_a_repeated_apply_keeps_the_first(audit):
    write(audit, "anna", [ev("anna", "apply"), ev("anna", "apply")])
    assert [c.id for c in replay_dir(audit)] == ["anna:1"]


def test_remove_by_reference_or_by_span(audit):
    write(audit, "anna", [ev("anna", "apply"), ev("anna", "apply", code="b"),
                          ev("anna", "remove", ref="anna:1"),
                          ev("anna", "remove", code="b"),
                          ev("anna", "remove", code="zzz")])
    assert replay_dir(audit).codings == ()


def test_void_undoes_exactly_its_target(audit):
    write(audit, "anna", [
        ev("anna", "apply"),                                  # 1
        ev("anna", "apply", code="b"),                        # 2
        {"actor": "anna", "action": "void", "ref": "anna:2"},  # 3: b is undone
        ev("anna", "remove", ref="anna:1"),                   # 4
        {"actor": "anna", "action": "void", "ref": "anna:4"},  # 5: a comes back
        {"actor": "anna", "action": "memo", "doc": "d1", "memo": "x"},  # 6
        {"actor": "anna", "action": "void", "ref": "anna:6"},  # 7: memo gone
        ev("anna", "apply", code="c"),                        # 8
        {"actor": "anna", "action": "void", "ref": "anna:8"},  # 9
        {"actor": "anna", "action": "void", "ref": "anna:9"},  # 10: c is back
    ])
    replayed = replay_dir(audit)
    assert [(c.id, c.code) for c in replayed] == [("anna:1", "a"), ("anna:8", "c")]
    assert replayed.memos == ()


def test_a_void_in_one_log_cannot_undo_anothers_events(audit):
    write(audit, "anna", [ev("anna", "apply")])
    write(audit, "ben", [{"actor": "ben", "action": "void", "ref": "anna:1"}])
    assert [c.id for c in replay_dir(audit)] == ["anna:1"]


def test_accept_and_reject_carry_the_whole_suggestion(audit):
    write(audit, "anna", [
        ev("anna", "accept", source="suggest:rules.v1", score=0.8, data={"reason": "kw 'list'"}),
        ev("anna", "reject", span="20:30", source="suggest:textcat.v1", score=0.4,
           data={"reason": "model"}),
    ])
    replayed = replay_dir(audit)
    (c,) = replayed.codings
    assert (c.id, c.source, c.score) == ("anna:1", "suggest:rules.v1", 0.8)
    assert [(d.id, d.accepted, d.start, d.end, d.source, d.reason) for d in replayed.decisions] == [
        ("anna:1", True, 0, 10, "suggest:rules.v1", "kw 'list'"),
        ("anna:2", False, 20, 30, "suggest:textcat.v1", "model")]


def test_memos_on_documents_codes_and_codings(audit):
    write(audit, "anna", [
        ev("anna", "apply", memo="first thought"),
        {"actor": "anna", "action": "memo", "doc": "d1", "memo": "on the document"},
        {"actor": "anna", "action": "memo", "code": "a", "memo": "on the code"},
        ev("anna", "memo", ref="anna:1", memo="second thought"),
    ])
    write(audit, "sup", [ev("sup", "memo", ref="anna:1", memo="supervisor")], start=100)
    replayed = replay_dir(audit)
    assert replayed.get("anna:1").memo == "second thought"
    assert [(m.target, m.text) for m in replayed.memos] == [
        ("coding", "first thought"), ("document", "on the document"), ("code", "on the code"),
        ("coding", "second thought"), ("coding", "supervisor")]
    assert [m.text for m in replayed.memos_for(coder="sup")] == ["supervisor"]


def test_reserved_actions_are_parsed_and_kept_but_change_nothing_yet(audit):
    write(audit, "anna", [ev("anna", "apply"), ev("anna", "route", ref="anna:1",
                                                  data={"to": "b"})])
    write(audit, "project", [
        {"actor": "lead", "action": "migrate", "codebook": 2, "data": {"rename": ["a", "b"]}},
        {"actor": "lead", "action": "docversion", "doc": "d1", "docv": "v2"},
        {"actor": "lead", "action": "reanchor", "doc": "d1", "span": "1:11", "ref": "anna:1"},
        {"actor": "lead", "action": "seal", "data": {"logs": {}}},
    ], start=50)
    replayed = replay_dir(audit)
    assert [(c.id, c.code, c.span) for c in replayed] == [("anna:1", "a", "0:10")]
    assert [e.action for e in replayed.steps] == ["route", "migrate", "docversion", "reanchor"]
    assert replayed.warnings == ()


def test_unknown_or_incomplete_events_are_warned_about_not_fatal(audit):
    write(audit, "anna", [{"actor": "anna", "action": "teleport"},
                          {"actor": "anna", "action": "apply", "doc": "d1"},
                          ev("anna", "apply")])
    replayed = replay_dir(audit)
    assert [c.id for c in replayed] == ["anna:3"]
    assert "unknown action 'teleport'" in replayed.warnings[0]
    assert "line 2: apply event lacks" in replayed.warnings[1]


def test_queries(audit):
    write(audit, "anna", [ev("anna", "apply", doc="d1", span="0:10", code="a"),
                          ev("anna", "apply", doc="d2", span="5:9", code="b")])
    write(audit, "ben", [ev("ben", "apply", doc="d1", span="8:20", code="a")], start=9)
    replayed = replay_dir(audit)
    assert replayed.coders == ("anna", "ben") and replayed.docs == ("d1", "d2")
    assert [c.id for c in replayed.by_doc("d1")] == ["anna:1", "ben:1"]
    assert [c.id for c in replayed.by_coder("ben")] == ["ben:1"]
    assert [c.id for c in replayed.by_code("b")] == ["anna:2"]
    assert [c.id for c in replayed.select(coders=["anna"], codes=["a"])] == ["anna:1"]
    assert [c.id for c in replayed.overlapping("d1", 10, 12)] == ["ben:1"]
    assert [c.id for c in replayed.overlapping("d1", 9, 10)] == ["anna:1", "ben:1"]
    assert replayed.overlapping("d1", 20, 30) == ()
    assert len(replayed) == 3 and replayed.get("nobody:1") is None


def test_queries_by_unit(tmp_path):
    project = make_study(tmp_path / "study")
    write(project.audit_dir, "anna", [ev("anna", "apply", doc="hc01", span="52:75"),
                                      ev("anna", "apply", doc="hc01", span="213:236")])
    from qcode.corpus import load_document

    doc = load_document(project, "hc01")
    replayed = replay(project)
    assert [c.id for c in replayed.in_unit(doc, "2")] == ["anna:1"]
    assert [c.id for c in replayed.in_unit(doc, "turn:2")] == ["anna:1"]
    assert [c.id for c in replayed.in_unit(doc, "turn:4")] == ["anna:2"]
    assert replayed.in_unit(doc, "turn:1") == ()


# ---------------------------------------------------------------- determinism

ops = st.lists(st.tuples(st.sampled_from(["anna", "ben"]),
                         st.sampled_from(["apply", "apply", "remove", "void", "memo"]),
                         st.integers(0, 3), st.sampled_from(["a", "b"]), st.integers(1, 12)),
               max_size=40)


def _events_for(script):
    """Turn (coder, action, span number, code, back) into per-coder event lists."""
    logs: dict[str, list[dict]] = {"anna": [], "ben": []}
    for coder, action, n, code, back in script:
        mine = logs[coder]
        span = f"{n * 10}:{n * 10 + 15}"
        if action == "void":
            if mine:
                mine.append({"actor": coder, "action": "void",
                             "ref": f"{coder}:{max(1, len(mine) + 1 - back)}"})
        elif action == "memo":
            mine.append(ev(coder, "memo", span=span, code=code, memo=f"m{len(mine)}"))
        else:
            mine.append(ev(coder, action, span=span, code=code))
    return logs


def _model(events: list[dict], coder: str) -> set[tuple]:
    """A direct reading of the rules: drop voided events (a void of a void revives),
    then apply and remove by (doc, span, code)."""
    voided: set[int] = set()
    for seq in range(len(events), 0, -1):
        e = events[seq - 1]
        if e["action"] == "void" and seq not in voided:
            voided.add(int(e["ref"].split(":")[1]))
    live: dict[tuple, int] = {}
    for seq, e in enumerate(events, start=1):
        key = (e.get("doc"), e.get("span"), e.get("code"))
        if seq in voided or e["action"] not in ("apply", "remove"):
            continue
        if e["action"] == "apply":
            live.setdefault(key, seq)
        else:
            live.pop(key, None)
    return {(f"{coder}:{seq}", *key) for key, seq in live.items()}


@settings(max_examples=60, deadline=None)
@given(ops)
def test_replay_is_deterministic_idempotent_and_follows_the_rules(script):
    logs = _events_for(script)
    with tempfile.TemporaryDirectory() as tmp:
        audit = Path(tmp) / "audit"
        for coder, events in logs.items():
            if events:
                write(audit, coder, events)
        first, second = replay_dir(audit), replay_dir(audit)
        assert first == second
        got = {(c.id, c.doc, c.span, c.code) for c in first}
        assert got == _model(logs["anna"], "anna") | _model(logs["ben"], "ben")
        keys = [(c.doc, c.start, c.end, c.code, c.coder) for c in first]
        assert keys == sorted(keys)


def test_replay_does_not_depend_on_how_appends_interleaved(tmp_path):
    a = [ev("anna", "apply", span=f"{i}:{i + 5}") for i in range(6)]
    b = [ev("ben", "apply", span=f"{i}:{i + 3}") for i in range(6)]
    one, two = tmp_path / "one", tmp_path / "two"
    write(one, "anna", a)
    write(one, "ben", b)
    for x, y in zip(a, b, strict=True):
        write(two, "ben", [y])
        write(two, "anna", [x])
    strip = [(c.id, c.doc, c.start, c.end, c.code) for c in replay_dir(one)]
    assert strip == [(c.id, c.doc, c.start, c.end, c.code) for c in replay_dir(two)]
