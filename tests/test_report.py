"""``qcode report`` and ``qcode codebook export`` on a small project whose text is hostile:
every section is there, project text is escaped in HTML and in Markdown, and bad input
is one line with exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from report_support import ATTACKS, HOSTILE_CODER, REPLICATES, hostile_project, start_tags

from qcode.cli import app
from qcode.report import SECTIONS


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return hostile_project(tmp_path_factory.mktemp("hostile") / "study")


def _run(runner, *args: str):
    return runner.invoke(app, [*args, "--replicates", str(REPLICATES)]
                         if args[0] == "report" else list(args))


def _report(runner, project: Path, *extra: str) -> str:
    out = project.parent / "out.html"
    result = _run(runner, "report", "--project", str(project), "--out", str(out), *extra)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Wrote ") and out.name in result.output
    return out.read_text(encoding="utf-8")


def test_report_has_every_section_and_no_way_out(runner, hostile):
    html = _report(runner, hostile)
    for section_id, title in SECTIONS:
        assert f'<section id="{section_id}"' in html and f">{title}</h2>" in html
    assert html.count("<section ") == len(SECTIONS)
    # self-contained: no script, no external reference of any kind, a CSP that forbids them
    assert "<script" not in html.lower()
    attributes = [(name, value) for _, attrs in start_tags(html) for name, value in attrs]
    assert not [a for a in attributes if a[0] in ("src", "srcset", "action", "data", "background")
                or a[0].startswith("on")]
    assert all(value.startswith("#") for name, value in attributes if name in ("href", "xlink:href"))
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html
    assert "@media print" in html and "break-before: page" in html


def test_project_text_is_escaped_everywhere(runner, hostile):
    html = _report(runner, hostile)
    # nothing the project holds becomes markup: every tag in the page is qcode's own
    for attack in ATTACKS[:3]:
        assert attack not in html
    assert "&lt;script&gt;alert(&#39;x1&#39;)&lt;/script&gt;" in html  # the document, memo, label
    assert "&lt;/style&gt;&lt;b&gt;style-escape&lt;/b&gt;" in html
    tags = {tag for tag, _ in start_tags(html)}
    assert tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
                    "p", "div", "ul", "ol", "li", "nav", "a", "main", "section", "dl", "dt", "dd",
                    "table", "thead", "tbody", "tr", "th", "td", "code", "span", "strong", "article",
                    "blockquote", "mark", "figure", "figcaption", "svg", "rect", "line", "circle",
                    "polyline", "text", "footer"}
    assert html.count("</style>") == 1  # the attack's </style> did not close the stylesheet
    names = [name for _, attrs in start_tags(html) for name, _ in attrs]
    assert not [n for n in names if n.startswith("on")]  # no event handler got in
    links = [v for _, attrs in start_tags(html) for n, v in attrs if n == "href"]
    assert not [v for v in links if "javascript" in v.lower()]
    assert "javascript:alert(3)" in html  # shown as text, never as a link
    assert [tag for tag, _ in start_tags(html)].count("a") == len(SECTIONS)  # the contents only


def test_markdown_report_keeps_the_content_and_escapes_markup(runner, hostile):
    out = hostile.parent / "out.md"
    result = _run(runner, "report", "--project", str(hostile), "--format", "md", "--out", str(out))
    assert result.exit_code == 0, result.output
    md = out.read_text(encoding="utf-8")
    for _, title in SECTIONS:
        assert f"\n## {title}\n" in md
    assert "Chart (HTML report only)" in md
    assert "<" not in md and ">" not in md.replace("\n> ", "\n")  # only quote markers
    assert "&lt;script&gt;" in md and "&lt;/style&gt;" in md
    blocks = re.findall(r"(?:^\|.*\n)+", md, re.MULTILINE)  # each Markdown table
    assert len(blocks) >= 8
    for block in blocks:  # an escaped pipe in project text never adds a column
        cells = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert len(cells) == 1, block
    assert "| coder | final codings | manual |" in md


def test_report_to_stdout_and_default_file_name(runner, hostile, monkeypatch):
    result = _run(runner, "report", "--project", str(hostile), "--format", "markdown", "--out", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ")
    monkeypatch.chdir(hostile)
    result = _run(runner, "report")
    assert result.exit_code == 0, result.output
    assert (hostile / "report.html").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (("--unit", "char"), "Error: Invalid value for '--unit': 'char' is not one of sentence, turn, "
                         "paragraph."),
    (("--coder", "nobody"), "Error: Coder 'nobody' has no codings"),
    (("--code", "trsut"), "did you mean 'trust'"),
    (("--by", "colour"), "Error: No document has the attribute 'colour'"),
    (("--out", "missing/r.html"), "the folder missing does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(runner, hostile, monkeypatch, args, message):
    monkeypatch.chdir(hostile)
    before = {p.name: p.read_bytes() for p in (hostile / "audit").iterdir()}
    result = _run(runner, "report", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert before == {p.name: p.read_bytes() for p in (hostile / "audit").iterdir()}


def test_the_library_refuses_a_unit_it_cannot_report_on(hostile):
    from qcode.errors import InputError
    from qcode.project import find_project
    from qcode.report import ReportOptions, build_report

    with pytest.raises(InputError, match="--unit 'char': the report reads units of a kind"):
        build_report(find_project(hostile), ReportOptions(unit="char"))


def test_an_empty_project_still_reports(runner, project):
    out = project.root / "r.html"
    result = _run(runner, "report", "--project", str(project.root), "--out", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.count("<section ") == len(SECTIONS) and "No codings yet in this scope." in html


def test_a_failing_log_is_a_red_banner_naming_log_and_line(runner, hostile, tmp_path):
    import shutil

    copy = tmp_path / "tampered"
    shutil.copytree(hostile, copy)
    log = copy / "audit" / "anna.log"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    assert '"code":"trust"' in lines[0]
    lines[0] = lines[0].replace('"code":"trust"', '"code":"time"')  # edited after the fact
    log.write_text("".join(lines), encoding="utf-8")
    html = _report(runner, copy)
    banner = re.search(r'<div class="banner" role="alert" id="audit-banner">(.*?)</div>', html, re.S)
    assert banner and "audit/anna.log, line 1" in banner.group(1)
    assert "(log fails verification)" in html.split('id="progress"')[1]


def test_codebook_export_markdown_html_and_docx(runner, hostile, tmp_path):
    md = runner.invoke(app, ["codebook", "export", "--project", str(hostile)])
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("# Hostile &lt;/style&gt;")
    assert "## " in md.stdout and "<" not in md.stdout
    html_file = tmp_path / "codebook.html"
    done = runner.invoke(app, ["codebook", "export", str(html_file), "--project", str(hostile)])
    assert done.exit_code == 0, done.output
    html = html_file.read_text(encoding="utf-8")
    assert "<script" not in html and "&lt;script&gt;" in html and html.count("</style>") == 1
    docx_file = tmp_path / "codebook.docx"
    done = runner.invoke(app, ["codebook", "export", str(docx_file), "--project", str(hostile)])
    assert done.exit_code == 0, done.output
    import docx

    paragraphs = [p.text for p in docx.Document(str(docx_file)).paragraphs]
    assert any(p.startswith(ATTACKS[0]) for p in paragraphs)  # kept as text
    assert "Time (time)" in paragraphs
    bad = runner.invoke(app, ["codebook", "export", "--format", "docx", "--project", str(hostile)])
    assert bad.exit_code == 2 and bad.output.startswith("Error: A .docx codebook needs a file name")
    odd = runner.invoke(app, ["codebook", "export", str(tmp_path / "c.txt"), "--project", str(hostile)])
    assert odd.exit_code == 2 and "name it .md, .html or .docx" in odd.output


def test_codebook_export_of_the_shipped_codebook(runner, repo, tmp_path):
    out = tmp_path / "homecare.md"
    done = runner.invoke(app, ["codebook", "export", str(out), "--codebook",
                               str(repo / "codebooks" / "homecare.yaml")])
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    assert text.count("\n## ") == 10 and "**Use when:**" in text and "**Not for:**" in text


def test_help_imports_no_jinja2():
    code = ("import sys; from qcode.cli import app; "
            "from typer.testing import CliRunner; CliRunner().invoke(app, ['report', '--help']); "
            "print('jinja2' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_control_characters_in_project_text_are_shown_not_passed_through():
    from qcode.report.render import environment

    page = environment(False).from_string(
        "{{ x }}{% macro m(v) %}<i>{{ v }}</i>{% endmacro %}{{ m(x) }}").render(x="a\x07<b>\x1b")
    assert page == "a\u2407&lt;b&gt;\u241b<i>a\u2407&lt;b&gt;\u241b</i>"  # ␇ and ␛
    md = environment(True).from_string("| {{ x }} |").render(x="a\x07|b\n# c")
    assert md == "| a\u2407\\|b # c |"  # one line, one cell, the bell shown


def test_heatmap_measure(runner, hostile):
    html = _report(runner, hostile, "--measure", "jaccard")
    cells = re.findall(r"<title>(\S+) × (\S+): ([\d.]+|undefined)\*?</title>", html)
    assert cells and all(v == "undefined" or "." in v for _, _, v in cells)
    assert "Jaccard: units with both codes over units with either" in html


def test_the_report_file_is_readable_like_any_new_file(runner, hostile, tmp_path):
    import os
    import stat

    out = tmp_path / "shared.html"
    old = os.umask(0o022)
    try:
        result = _run(runner, "report", "--project", str(hostile), "--out", str(out))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # not the temporary file's 0600


def test_same_project_same_bytes(hostile):
    from qcode.project import find_project
    from qcode.report import ReportOptions, build_report, render_html, render_markdown

    project, options = find_project(hostile), ReportOptions(replicates=REPLICATES, seed=3)
    first, second = build_report(project, options), build_report(project, options)
    assert render_html(first) == render_html(second)
    assert render_markdown(first) == render_markdown(second)


def test_a_log_named_like_an_attack_is_refused_in_one_line(runner, hostile, tmp_path):
    import shutil

    copy = tmp_path / "named"
    shutil.copytree(hostile, copy)
    (copy / "audit" / f"{HOSTILE_CODER}.log").write_text("", encoding="utf-8")
    out = tmp_path / "r.html"
    result = _run(runner, "report", "--project", str(copy), "--out", str(out))
    assert result.exit_code == 2 and result.output.startswith("Error: Coder name ")
    assert result.output.count("\n") == 1 and not out.exists()


def test_narrowed_to_codes_the_codebook_and_memos_follow_and_the_page_says_so(runner, hostile):
    """`--code` narrows every section, the Codebook and Memos too, and the page's
    first line says what it was narrowed to (a reader of a forwarded copy would not
    know otherwise)."""
    from qcode.project import open_project
    from qcode.report import ReportOptions, build_report

    report = build_report(open_project(hostile), ReportOptions(replicates=REPLICATES, codes=("time",)))
    assert [c["id"] for c in report.sections["codebook"]["codes"]] == ["time"]
    memo_codes = {m["code"] for g in report.sections["memos"]["groups"] for m in g["memos"]}
    assert memo_codes <= {"time", None}
    out = hostile.parent / "narrow.md"
    result = _run(runner, "report", "--project", str(hostile), "--code", "time", "--format", "md",
                  "--out", str(out))
    assert result.exit_code == 0, result.output
    first = out.read_text(encoding="utf-8").split("\n\n")[1]
    assert "narrowed to code time" in first, first


def test_a_long_disagreement_listing_is_cut_with_a_note(runner, hostile, monkeypatch):
    """At 100,000 log lines the disagreements made a 301 MB page (every unit with every
    coder's codes): the report shows the first units, says how many there are in all and
    where every one is listed, in HTML and in Markdown."""
    from qcode.report import analysis

    full = _report(runner, hostile)
    units = full.split('<section id="disagreements"')[1].split("</section>")[0].count(
        'class="unit"')
    assert units >= 2
    monkeypatch.setattr(analysis, "REPORT_UNITS", 1)
    cut = _report(runner, hostile).split('<section id="disagreements"')[1].split("</section>")[0]
    assert cut.count('class="unit"') == 1
    assert f"The first 1 of {units} units are shown" in cut
    assert "qcode agree disagreements lists every one" in cut
    # the document cut part-way says how many of its units are shown
    doc = re.search(r'<div class="unit" data-doc="([^"]+)"', cut).group(1)
    has = full.split('<section id="disagreements"')[1].count(f'class="unit" data-doc="{doc}"')
    shown = "1" if has == 1 else f"1 of {has}"
    assert f'<h3>{doc} <span class="muted">({shown})</span></h3>' in cut
    md = hostile.parent / "out.md"
    result = _run(runner, "report", "--project", str(hostile), "-f", "md", "--out", str(md))
    assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8").split("## Disagreements")[1].split("\n## ")[0]
    assert f"The first 1 of {units} units are shown" in text
