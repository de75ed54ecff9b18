"""Load documents and line codings into a qc project (qualitative-coding 1.7.8), through
qc's own corpus API; run with the Python of the venv that holds qc:

    qc-venv/bin/python bench/_qc_build.py PROJECT_DIR SPEC.json

SPEC holds {"docs": {name: text}, "codings": [[coder, doc, line, code], ...]}: one
sentence per line, so a qcode coding of sentence k is qc's coded line k - 1.
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from qualitative_coding.corpus import QCCorpus


def main() -> None:
    root, spec = Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text())
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
        for (doc, coder), data in lines.items():
            corpus.update_coded_lines(doc, coder, data)
        write_codebook()


if __name__ == "__main__":
    main()
