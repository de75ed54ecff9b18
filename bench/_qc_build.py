"""Load documents and line codings into a qc project (qualitative-coding 1.7.8); run with
the Python of the venv that holds qc:

    qc-venv/bin/python bench/_qc_build.py PROJECT_DIR SPEC.json [--api]

SPEC holds {"docs": {name: text}, "codings": [[coder, doc, line, code], ...]}: one
sentence per line, so a qcode coding of sentence k is qc's coded line k - 1.

Documents, coders and codes are registered through qc's corpus API. The coded lines
are written by default as qc's ``update_coded_lines`` writes them (a ``coded_line`` row
per distinct line and code of a coder in a document, linked to the paragraph
``Location`` holding the line), but in one transaction of bulk inserts: the API makes
a query for every coded line and a commit for every document and coder, which at a
million log lines ran for over 50 minutes. ``--api`` goes through
``update_coded_lines`` itself; at a small size both give the same database
(``--compare`` builds both and checks it).
"""

import bisect
import json
import os
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

from qualitative_coding.corpus import QCCorpus
from qualitative_coding.database.models import (
    CodedLine,
    Document,
    DocumentIndex,
    Location,
    coded_line_location_association_table,
)
from sqlalchemy import insert, select


def build(root: Path, spec: dict, api: bool) -> None:
    root.mkdir(parents=True, exist_ok=True)
    os.chdir(root)
    QCCorpus.initialize("settings.yaml")
    corpus = QCCorpus("settings.yaml")
    lines = defaultdict(list)
    for coder, doc, line, code in spec["codings"]:
        lines[(f"{doc}.txt", coder)].append({"line": line, "code_id": code})
    write_codebook = corpus.update_codebook
    corpus.update_codebook = lambda: None  # qc rewrites codebook.yaml per call: once at the end
    with corpus.session():
        for name, text in spec["docs"].items():
            path = corpus.corpus_dir / f"{name}.txt"
            path.write_text(text)
            corpus.register_document(path)
        if api:
            for (doc, coder), data in lines.items():
                corpus.update_coded_lines(doc, coder, data)
        else:
            _bulk(corpus, lines)
        write_codebook()


def _bulk(corpus, lines) -> None:
    for coder in sorted({coder for _, coder in lines}):
        corpus.get_or_create_coder(coder)
    for code in sorted({d["code_id"] for data in lines.values() for d in data}):
        corpus.get_or_create_code(code)
    session = corpus.get_session()
    paragraphs = defaultdict(list)  # document -> [(start_line, end_line, location id)]
    q = (select(Document.file_path, Location.start_line, Location.end_line, Location.id)
         .join(Location.document_index).join(DocumentIndex.document)
         .where(DocumentIndex.name == "paragraphs"))
    for doc, start, end, loc in session.execute(q):
        paragraphs[doc].append((start, end, loc))
    starts = {doc: sorted(p) for doc, p in paragraphs.items()}
    rows, links, next_id = [], [], 1
    for (doc, coder), data in lines.items():
        spans = starts[doc]
        for line, code in sorted({(d["line"], d["code_id"]) for d in data}):
            k = bisect.bisect_right(spans, (line, float("inf"), 0)) - 1
            start, end, loc = spans[k]
            if not start <= line < end:
                raise SystemExit(f"no paragraph holds line {line} of {doc}")
            rows.append({"id": next_id, "line": line, "coder_id": coder, "code_id": code})
            links.append({"coded_line_id": next_id, "location_id": loc})
            next_id += 1
    session.execute(insert(CodedLine), rows)
    session.execute(insert(coded_line_location_association_table), links)
    session.commit()


def _content(root: Path) -> list:
    """What a coded line is, whatever ids it was given: (document, coder, code, line,
    paragraph start), sorted."""
    db = root / "qualitative_coding.sqlite3"
    with sqlite3.connect(db) as con:
        return sorted(con.execute(
            "select di.document_id, cl.coder_id, cl.code_id, cl.line, l.start_line "
            "from coded_line cl join coded_line_location_association a on a.coded_line_id = cl.id "
            "join location l on l.id = a.location_id join document_index di on di.id = l.document_index_id"))


def main() -> None:
    root, spec = Path(sys.argv[1]).resolve(), json.loads(Path(sys.argv[2]).read_text())
    if "--compare" in sys.argv:
        build(root / "bulk", spec, api=False)
        build(root / "api", spec, api=True)
        same = _content(root / "bulk") == _content(root / "api")
        print(f"bulk and API builds {'hold the same coded lines' if same else 'DIFFER'}: "
              f"{len(_content(root / 'api')):,} coded lines")
        sys.exit(0 if same else 1)
    build(root, spec, api="--api" in sys.argv)


if __name__ == "__main__":
    main()
