"""Large sources are segmented in pieces (spaCy's max_length limits one call, not one
document); a .docx is checked against size and ratio caps before it is read; a pipe
or device is refused; an over-long id is refused with a message."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from qcode.cli import app


def test_pieces_cut_at_line_breaks_and_cover_the_text():
    from qcode.nlp import pieces

    text = ("A sentence here. " * 30 + "\n") * 400
    bounds = pieces(text, 5000)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(b - a <= 5000 for a, b in bounds)
    assert all(text[b - 1] == "\n" for _, b in bounds[:-1])
    assert all(a == b for (_, a), (b, _) in zip(bounds, bounds[1:], strict=False))


def test_a_text_over_a_million_characters_is_split_into_sentences():
    from qcode.nlp import sentence_spans

    paragraph = "We drove to the north. The list was long! Was it done? "
    text = (paragraph * 40 + "\n\n") * 520  # about 1,150,000 characters
    assert len(text) > 1_000_000
    spans = sentence_spans([text], "en")[0]
    assert len(spans) == 3 * 40 * 520
    assert all(text[a:b].strip() == text[a:b] and text[a:b] for a, b in spans[:50])
    assert text[slice(*spans[-1])] == "Was it done?"


def zip_bomb(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * 5_000_000)  # 5 MB of zeros: about 5 KB stored
    path.write_bytes(buf.getvalue())


def test_a_docx_that_inflates_too_far_is_refused_before_reading(runner, project, tmp_path):
    bomb = tmp_path / "bomb.docx"
    zip_bomb(bomb)
    result = runner.invoke(app, ["ingest", str(bomb), "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "word/document.xml" in result.stderr and "inflate" in result.stderr
    assert list(project.documents_dir.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_not_waited_on(runner, project, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["ingest", str(fifo), "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.stderr


def test_a_device_is_refused(runner, project):
    result = runner.invoke(app, ["ingest", "/dev/zero", "--id", "zero", "-P", str(project.root)])
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.stderr
