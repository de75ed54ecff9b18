"""Golden: on the sample study, every figure the report shows equals the CLI's
(`agree --format json`, `agree disagreements`, `cooccur`, `crosstab`), as printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from report_support import REPLICATES, sample_study, tables

from qcode.cli import app

BY = "setting"


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return sample_study(tmp_path_factory)


@pytest.fixture(scope="module")
def html(study, tmp_path_factory) -> str:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("golden") / "report.html"
    result = CliRunner().invoke(app, ["report", "--project", str(study), "--out", str(out), "--by", BY,
                                      "--replicates", str(REPLICATES), "--seed", "7"])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def _json(runner, *args: str):
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _ci(record: dict) -> tuple[float | None, float | None]:
    if "ci_low" in record:
        return record["ci_low"], record["ci_high"]
    return tuple(record["ci"]) if record.get("ci") else (None, None)


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _interval(record: dict) -> str:
    low, high = _ci(record)
    return "—" if low is None else f"{low:.3f} – {high:.3f}"


def test_agreement_equals_agree_json(runner, study, html):
    cli = _json(runner, "agree", "--project", str(study), "--coefficient", "alpha", "--coefficient",
                "cohen", "--ci", "bca", "--replicates", str(REPLICATES), "--seed", "7")
    rows = tables(html)["agreement-table"]
    assert len(rows) == len(cli) > 20
    for (attrs, cells), want in zip(rows, cli, strict=True):
        assert (attrs["data-code"] or None, attrs["data-coefficient"]) == (want["code"], want["coefficient"])
        assert cells[2] == _shown(want["value"])
        assert cells[3] == _interval(want)
        assert cells[4] == str(want["units"])


def test_disagreements_are_the_cli_ones_with_every_coders_codes(runner, study, html):
    cli = _json(runner, "agree", "disagreements", "--project", str(study))
    section = html.split('<section id="disagreements"')[1].split("</section>")[0]
    found = re.findall(r'<div class="unit" data-doc="([^"]+)" data-unit="(\d+)">(.*?)</div>\n</div>',
                       section, re.S)
    blocks = {(doc, int(unit)): block for doc, unit, block in found}
    assert len(blocks) == len(found) == section.count('<div class="unit" ') > 100
    assert {(r["doc"], r["unit"]) for r in cli} == set(blocks)
    for r in cli:
        block = blocks[(r["doc"], r["unit"])]
        columns = dict(re.findall(r'<div data-coder="([^"]+)">(.*?)(?=<div data-coder=|$)', block, re.S))
        for coder in r["coded_by"]:
            assert f'data-code="{r["code"]}"' in columns[coder]
        for coder in r["not_coded_by"]:
            assert f'data-code="{r["code"]}"' not in columns[coder]
    # the README's worked example: three leadership units astrid coded and emil did not
    for unit in (130, 142, 230):
        columns = dict(re.findall(r'<div data-coder="([^"]+)">(.*?)(?=<div data-coder=|$)',
                                  blocks[("hc02-assistant-team-south", unit)], re.S))
        assert 'data-code="leadership"' in columns["astrid"]
        assert 'data-code="leadership"' not in columns["emil"]
    count = re.search(r"<p>(\d+) sentence unit\(s\) with a difference", section)
    assert count and int(count.group(1)) == len(blocks)


def test_cooccurrence_equals_cooccur_json(runner, study, html):
    cli = {(r["code1"], r["code2"]): r for r in _json(runner, "cooccur", "--project", str(study))}
    cells = re.findall(r"<title>(\S+) × (\S+): (\d+)\*?</title>", html)
    assert len(cells) == 100  # ten codes, every cell of the heatmap
    for a, b, shown in cells:
        want = cli.get((a, b)) or cli[(b, a)]
        assert int(shown) == want["count"]
    rows = tables(html)["cooccurrence-table"]
    off = sorted((r for r in cli.values() if r["code1"] != r["code2"] and r["count"]),
                 key=lambda r: -r["count"])
    assert [a["data-pair"] for a, _ in rows] == [f"{r['code1']} {r['code2']}" for r in off[:len(rows)]]
    for attrs, cells_ in rows:
        want = cli[tuple(attrs["data-pair"].split())]
        assert cells_[2:7] == [str(want["count"]), str(want["n1"]), str(want["n2"]),
                               _shown(want["jaccard"]), _shown(want["c"])]


def test_attributes_equal_crosstab_json(runner, study, html):
    cli = _json(runner, "crosstab", "--project", str(study), "--by", BY, "--unit", "sentence",
                "--replicates", str(REPLICATES), "--seed", "7")
    got = tables(html)
    props = {(r["code"], r[BY]): r for r in cli["proportions"]}
    levels = sorted({r[BY] for r in cli["proportions"]})
    for attrs, cells in got["crosstab-table"]:
        for level, cell in zip(levels, cells[1:], strict=True):
            want = props[(attrs["data-code"], level)]
            assert cell == f"{want['coded']}/{want['n']} ({want['proportion']:.0%})"
    diffs = got["differences-table"]
    assert len(diffs) == len(cli["differences"]) == 10 * 3
    for (attrs, cells), want in zip(diffs, cli["differences"], strict=True):
        assert attrs["data-code"] == want["code"]
        assert attrs["data-values"] == f"{want['value1']} | {want['value2']}"
        assert cells[2:6] == [_shown(want["p1"]), _shown(want["p2"]), _shown(want["difference"]),
                              _interval(want)]
