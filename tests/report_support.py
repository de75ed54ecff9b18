"""Shared helpers for the report tests: the sample study built once per run, a hostile
project, and a reader of the report's HTML tables."""

from __future__ import annotations

import fcntl
from html.parser import HTMLParser
from pathlib import Path

# Strings a transcript, memo, code label or coder name could hold, meant to break out of
# HTML text, an attribute, a <style> block or a link.
ATTACKS = (
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "</style><b>style-escape</b>",
    "javascript:alert(3)",
)
# A coder name is a log's file name: no slash; the other attacks still fit.
HOSTILE_CODER = '"><img src=x onerror=alert(4)>javascript:alert(5)'

REPLICATES = 300  # bootstrap replicates for tests (the report and the CLI use the same)


def sample_study(tmp_path_factory) -> Path:
    """The bundled sample study, built once per test run and shared read-only."""
    from qcode.demo import init_sample

    root = tmp_path_factory.getbasetemp()
    folder = root / "report-sample" / "study"
    with open(root / "report-sample.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".built").exists():
            folder.parent.mkdir(exist_ok=True)
            init_sample(folder, force=True)
            (folder / ".built").write_text("")
    return folder


def hostile_project(folder: Path) -> Path:
    """A small project whose document, memo, code label and attribute carry ATTACKS.
    (A coder's name cannot: every reader and writer refuses a log named HOSTILE_CODER.)"""
    from qcode.coding import apply, memo
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    attack = " ".join(ATTACKS) + " a|b"  # a pipe must not add a Markdown table column
    label = attack.replace("\n", " ")
    codebook = (f"version: 1\nname: 'Hostile {ATTACKS[2]}'\ncodes:\n"
                f"  - id: trust\n    label: {_yaml(label)}\n    definition: {_yaml(attack)}\n"
                f"  - id: time\n    label: Time\n")
    project = init_project(folder, coders=("anna", "ben"), codebook_text=codebook)
    source = folder.parent / "hostile.txt"
    source.write_text(f"Interviewer: What happened?\nAnna: {attack} That was all.\n"
                      "Interviewer: And then?\nAnna: We waited a long time.\n", encoding="utf-8")
    ingest(project, [source], attrs={"site": attack})
    apply(project, "hostile", "trust", unit="1", coder="anna")
    apply(project, "hostile", "time", unit="1", coder="ben")
    apply(project, "hostile", "time", unit="2", coder="anna")
    memo(project, attack, doc="hostile", coder="anna")
    memo(project, attack, code="trust", coder="ben")
    return folder


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Tables(HTMLParser):
    """Rows of every <table id=...>: each row a list of (attributes, cell text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[tuple[dict[str, str], list[str]]]] = {}
        self._table: str | None = None
        self._row: tuple[dict[str, str], list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "table" and "id" in found:
            self._table = found["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = (found, [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if self._row[1] and "th" not in self._row[0].get("class", ""):
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[tuple[dict[str, str], list[str]]]]:
    parser = Tables()
    parser.feed(html)
    return {k: rows[1:] for k, rows in parser.tables.items()}  # without the header row


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, [(k, v or "") for k, v in attrs]))


def start_tags(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every start tag of a page with its attributes, as a browser's parser sees them."""
    parser = _Tags()
    parser.feed(html)
    return parser.found
