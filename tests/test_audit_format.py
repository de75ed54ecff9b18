"""The audit line format: canonical bytes, hashing rule, genesis, round trips."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
from audit_support import PROJECT_ID
from hypothesis import given, settings
from hypothesis import strategies as st

from qcode.audit import KEYS, Event, format_line, genesis, parse_line
from qcode.audit.line import (
    LineError,
    chain_hash,
    fingerprint,
    parse_span,
    seal_line,
    shorten,
    split_hash,
)
from qcode.errors import AuditError


def test_keys_are_in_the_documented_order():
    assert KEYS == ("seq", "time", "actor", "action", "doc", "docv", "span", "code", "codebook",
                    "quote", "fp", "source", "score", "ref", "memo", "data", "hash")


def test_genesis_is_sha256_of_version_project_and_log_name():
    expected = hashlib.sha256(f"qcode-audit-v1\n{PROJECT_ID}\nanna".encode()).hexdigest()
    assert genesis(PROJECT_ID, "anna") == expected
    assert genesis(PROJECT_ID, "ben") != expected
    assert genesis("another-project", "anna") != expected


def test_a_line_has_exact_canonical_bytes_and_hash():
    prev = genesis(PROJECT_ID, "anna")
    fields = {"seq": 1, "time": "2025-03-01T09:30:00.125Z", "actor": "anna", "action": "apply",
              "doc": "hc01", "docv": "a1b2c3d4e5f6", "span": "12:40", "code": "coordination",
              "codebook": 3, "quote": "Vi lager «lista» selv", "fp": "0f1e2d3c4b5a",
              "source": "manual"}
    event, line = seal_line(fields, prev, version=1)  # format 1, as logs before format 2
    body = ('{"seq":1,"time":"2025-03-01T09:30:00.125Z","actor":"anna","action":"apply",'
            '"doc":"hc01","docv":"a1b2c3d4e5f6","span":"12:40","code":"coordination",'
            '"codebook":3,"quote":"Vi lager «lista» selv","fp":"0f1e2d3c4b5a",'
            '"source":"manual","score":null,"ref":null,"memo":null,"data":null}')
    digest = hashlib.sha256(prev.encode() + body.encode("utf-8")).hexdigest()
    assert line == body[:-1] + f',"hash":"{digest}"}}'
    assert event.hash == digest
    assert json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")) == line
    assert split_hash(line.encode()) == (body.encode(), digest)


def test_fingerprint_and_shorten():
    assert fingerprint("abc") == hashlib.sha256(b"abc").hexdigest()[:12]
    assert shorten("short") == "short"
    long = "".join(chr(ord("a") + i % 26) for i in range(500))
    quoted = shorten(long)
    assert len(quoted) == 120 and quoted.count("…") == 1
    head, tail = quoted.split("…")
    assert long.startswith(head) and long.endswith(tail)


@pytest.mark.parametrize("span", ["007:10", "5:3", "1:", ":4", "a:b", "1:2:3", "-1:4", "１:２"])
def test_bad_spans_are_refused(span):
    with pytest.raises(LineError):
        parse_span(span)


def test_parse_span():
    assert parse_span("0:0") == (0, 0)
    assert parse_span("12:400") == (12, 400)


# ---------------------------------------------------------------- round trips

text = st.text(max_size=40)
maybe_text = st.none() | text
events = st.builds(
    Event,
    seq=st.integers(min_value=1, max_value=10**12),
    time=st.datetimes(min_value=datetime(1970, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.")
                            + f"{d.microsecond // 1000:03d}Z"),
    actor=text.filter(bool),
    action=st.sampled_from(["apply", "remove", "memo", "void", "seal", "accept", "reject",
                            "migrate", "route", "reanchor", "docversion"]),
    doc=maybe_text,
    docv=maybe_text,
    span=st.none() | st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(
        lambda t: f"{min(t)}:{max(t)}"),
    code=maybe_text,
    codebook=st.none() | st.integers(-5, 10**6) | text,
    quote=maybe_text,
    fp=maybe_text,
    source=maybe_text,
    score=st.none() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False,
                                                              allow_infinity=False),
    ref=maybe_text,
    memo=maybe_text,
    data=st.none() | st.dictionaries(text, st.none() | st.booleans() | st.integers() | text
                                     | st.lists(st.integers(), max_size=3), max_size=4),
    hash=st.text("0123456789abcdef", min_size=64, max_size=64),
)


@settings(max_examples=300)
@given(events)
def test_parse_of_format_is_the_event(event):
    line = format_line(event)
    assert "\n" not in line
    assert parse_line(line) == event
    assert parse_line(line.encode("utf-8")) == event


@settings(max_examples=300)
@given(events)
def test_format_of_parse_is_the_line_byte_for_byte(event):
    raw = format_line(event).encode("utf-8")
    assert format_line(parse_line(raw)).encode("utf-8") == raw


@settings(max_examples=100)
@given(events, st.text("0123456789abcdef", min_size=64, max_size=64))
def test_the_hash_covers_every_byte_before_it(event, prev):
    fields = {k: getattr(event, k) for k in KEYS[:-1]}
    sealed, line = seal_line(fields, prev, version=1)
    body, stored = split_hash(line.encode(), prev)
    assert stored == sealed.hash == chain_hash(prev, body)
    assert body == line[: line.rindex(',"hash"')].encode() + b"}"


@settings(max_examples=200)
@given(events, st.text("0123456789abcdef", min_size=64, max_size=64))
def test_format_2_chains_the_body_before_its_text_and_reads_back(event, prev):
    fields = {k: getattr(event, k) for k in KEYS[:-1]}
    sealed, line = seal_line(fields, prev)
    body, stored = split_hash(line.encode(), prev)
    assert stored == sealed.hash == chain_hash(prev, body)
    if ',"text":{' in line:
        assert body == line[: line.rindex(',"text":')].encode() + b"}"
    assert parse_line(line) == sealed
    assert sealed == type(event)(**{**fields, "hash": sealed.hash})


# ---------------------------------------------------------------- strictness

GOOD = seal_line({"seq": 2, "time": "2025-03-01T09:30:00.125Z", "actor": "anna",
                  "action": "memo", "memo": "é", "score": 1.0}, "0" * 64, version=1)[1]


def test_the_good_line_parses():
    assert parse_line(GOOD).memo == "é"


@pytest.mark.parametrize("bad", [
    GOOD.replace('"seq":2,', '"seq": 2,'),                      # spacing
    GOOD.replace('"memo":"é"', '"memo":"\\u00e9"'),            # escaped non-ASCII
    GOOD.replace('"score":1.0', '"score":1.00'),               # number form
    GOOD.replace('{"seq":2,"time":"2025-03-01T09:30:00.125Z",',
                 '{"time":"2025-03-01T09:30:00.125Z","seq":2,'),  # key order
    GOOD.replace(',"data":null', ""),                          # missing key
    GOOD.replace('"data":null', '"data":null,"extra":1'),     # unknown key
    GOOD.replace('"seq":2', '"seq":"2"'),                      # wrong type
    GOOD.replace('"seq":2', '"seq":true'),
    GOOD.replace('"seq":2', '"seq":0'),
    GOOD.replace(".125Z", "Z"),                                # time without ms
    GOOD.replace('"actor":"anna"', '"actor":""'),
    GOOD[:-3] + 'A"}',                                         # upper-case hex
    GOOD[:-2] + '\\n"}',                                       # newline smuggled into hash
    GOOD.replace('"data":null', '"data":[1]'),
    GOOD.replace('"score":1.0', '"score":NaN'),
    "[1, 2]",
    "not json",
])
def test_non_canonical_lines_are_refused(bad):
    assert bad != GOOD
    with pytest.raises(LineError):
        parse_line(bad)


def test_nan_and_unknown_fields_cannot_be_written():
    with pytest.raises(AuditError):
        seal_line({"seq": 1, "time": "t", "actor": "a", "action": "x", "score": float("nan")},
                  "0" * 64)
    with pytest.raises(AuditError, match="unknown audit field"):
        seal_line({"seq": 1, "colour": "red"}, "0" * 64)


def test_line_separators_inside_strings_stay_on_one_line():
    event, line = seal_line({"seq": 1, "time": "2025-03-01T09:30:00.125Z", "actor": "a",
                             "action": "memo", "memo": "a\u2028b\u0085c\rd\ne"}, "0" * 64)
    raw = line.encode("utf-8")
    assert b"\n" not in raw and b"\r" not in raw
    assert parse_line(raw) == event
