"""`qcode audit show` streams: the timeline is ordered from each line's leading bytes in
logs the index has read and found sound, and each line is parsed when it is shown, so
`audit show | head` reads what it shows. Whatever the logs hold, the entries are those
of the full read (`trail.timeline`), which names a bad line as before."""

from __future__ import annotations

import itertools

import pytest

import qcode.trail as trail
from qcode.audit.log import append
from qcode.errors import AuditError
from qcode.trail import timeline, timeline_stream
from tests.audit_support import clock, lines_of, make_study, varied_events, write_lines


@pytest.fixture
def study(tmp_path):
    project = make_study(tmp_path / "study")
    # one event a batch, the coders in turn, some at the same millisecond (a tie in time)
    now = clock(0)
    anna, ben = varied_events("anna", 60), varied_events("ben", 45)
    for i in range(60):
        stamp = now()
        append(project.log_path("anna"), project.id, [anna[i]], clock=lambda s=stamp: s)
        if i < 45:
            append(project.log_path("ben"), project.id, [ben[i]],
                   clock=(lambda s=stamp: s) if i % 5 == 0 else now)
    append(project.log_path("anna"), project.id,
           [{"actor": "anna", "action": "apply", "doc": "doc1", "span": "0:5", "code": "autonomy",
             "source": "import:csv", "data": {"by": "ben", "tool": "nvivo"}}], clock=now)
    return project


FILTERS = [{}, {"coders": ["anna"]}, {"coders": ["ben", "anna"]}, {"actions": ["apply", "memo"]},
           {"sources": ["suggest"]}, {"since": "2025-03-01T09:00:00.020", "until": "2025-03-01T09:00:00.040"},
           {"coders": ["anna"], "actions": ["remove"]}, {"codes": ["autonomy"]}, {"docs": ["doc3"]}]


def _ids(entries):
    return [(x.id, x.event) for x in entries]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_stream_gives_the_timeline(study, filters):
    want = _ids(timeline(study, **filters))
    assert want  # every filter here picks something
    assert _ids(timeline_stream(study, **filters)) == want


def _counting(monkeypatch):
    calls = itertools.count()
    real = trail.parse_line

    def counted(raw, **kw):
        next(calls)
        return real(raw, **kw)

    monkeypatch.setattr(trail, "parse_line", counted)
    return calls


def test_a_listing_cut_short_parses_what_it_shows(study, monkeypatch):
    timeline_stream(study)  # the index is built here, by its own parse
    calls = _counting(monkeypatch)
    first = list(itertools.islice(timeline_stream(study, coders=["anna"]), 3))
    assert len(first) == 3
    assert next(calls) == 3  # three lines parsed of the 61 + project log
    assert [x.id for x in first] == [x.id for x in timeline(study, coders=["anna"])[:3]]


def test_a_line_that_is_no_audit_line_is_named_as_before(study):
    path = study.log_path("ben")
    write_lines(path, [*lines_of(path)[:10], b"not an audit line", *lines_of(path)[10:]])
    with pytest.raises(AuditError) as full:
        timeline(study)
    with pytest.raises(AuditError) as streamed:
        list(timeline_stream(study))
    assert streamed.value.message == full.value.message
    assert "audit/ben.log line 11" in full.value.message


def test_an_edit_that_keeps_the_length_reorders_as_the_full_read(study, monkeypatch):
    list(timeline_stream(study))  # the index holds the logs as they were
    path = study.log_path("anna")
    lines = lines_of(path)
    assert b'"time":"2025-03-01T09:00:00.003Z"' in lines[2]
    lines[2] = lines[2].replace(b"09:00:00.003Z", b"09:59:59.999Z")  # now the last of anna's
    write_lines(path, lines)
    want = _ids(timeline(study))
    assert _ids(timeline_stream(study)) == want
    assert want[-1][0] == "anna:3"


def test_a_line_not_in_canonical_form_is_read_the_full_way(study, monkeypatch):
    path = study.log_path("ben")
    lines = lines_of(path)
    lines[4] = lines[4].replace(b'{"seq":5,', b'{"seq": 5,', 1)  # an audit line still
    write_lines(path, lines)
    want = _ids(timeline(study))
    calls = _counting(monkeypatch)
    assert next(iter(timeline_stream(study))) is not None
    assert next(calls) == 0  # the full read parses through read_log, not line by line here
    assert _ids(timeline_stream(study)) == want


def test_an_unknown_coder_is_refused_as_before(study):
    with pytest.raises(Exception) as full:
        timeline(study, coders=["ana"])
    with pytest.raises(Exception) as streamed:
        list(timeline_stream(study, coders=["ana"]))
    assert str(streamed.value) == str(full.value)
    assert "anna" in str(full.value)


def test_a_key_written_twice_makes_no_audit_line_for_either_reader(study):
    """A duplicate key: the bytes show the first value, a parsed object the last. Such a
    line is refused by both readers alike (it could hide an event from a listing)."""
    path = study.log_path("anna")
    lines = lines_of(path)
    line = lines[0].replace(b'"action":"apply"', b'"action":"sign"', 1)
    cut = line.rfind(b',"hash":')
    lines[0] = line[:cut] + b',"action":"apply"' + line[cut:]
    write_lines(path, lines)
    with pytest.raises(AuditError) as full:
        timeline(study)
    with pytest.raises(AuditError) as streamed:
        list(timeline_stream(study))
    assert streamed.value.message == full.value.message
    assert "audit/anna.log line 1" in full.value.message and "appears twice" in full.value.message


def test_bytes_that_are_not_those_the_index_checked_are_not_ordered(study):
    sizes = trail.checked_logs(study, ["anna", "ben"])
    assert sizes is not None and trail._order(study, sizes, False) is not None
    path = study.log_path("ben")
    lines = lines_of(path)
    lines[1] = lines[1].replace(b'"time":"2025', b'"time":"2024', 1)  # replaced after the check
    write_lines(path, lines)
    assert trail._order(study, sizes, False) is None
    assert _ids(timeline_stream(study)) == _ids(timeline(study))
