"""The forked worker: jobs shared with it give the same results, in order, and its
errors reach the caller. Ingest is run both ways on the sample study."""

from __future__ import annotations

import multiprocessing
import operator
import sys
from pathlib import Path

import pytest

from qcode import workers
from qcode.corpus.ingest import ingest
from qcode.errors import InputError
from qcode.project import init_project

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the worker is forked on Linux only")

SOURCES = sorted(
    p
    for p in (Path(__file__).resolve().parent.parent / "corpus").rglob("*")
    if p.suffix in {".txt", ".md", ".docx", ".vtt", ".srt"}
)


def _fail(n: int) -> int:
    raise InputError(f"job {n} failed; this is what the worker sends back")


def test_shared_jobs_come_back_in_order_from_both_processes():
    with workers.forked() as worker:
        shared = workers.Shared(worker, depth=1)
        for n in range(12):
            shared.submit(operator.mul, n, n)
        out = list(shared.ready(wait=True))
        assert worker.process.is_alive()
    assert out == [n * n for n in range(12)]
    assert not multiprocessing.active_children()  # the worker was stopped and reaped


def _slow_square(n: int) -> int:
    import time

    time.sleep(0.05)
    return n * n


def test_jobs_of_a_worker_that_dies_are_run_here():
    import os
    import signal

    with workers.forked() as worker:
        shared = workers.Shared(worker, depth=3)
        for n in range(3):
            shared.submit(_slow_square, n)  # all three go to the worker
        os.kill(worker.process.pid, signal.SIGKILL)
        for n in range(3, 8):
            shared.submit(_slow_square, n)
        out = list(shared.ready(wait=True))
        assert shared.worker is None  # noticed, and stopped using it
    assert out == [n * n for n in range(8)]
    assert not multiprocessing.active_children()


def test_a_job_that_fails_in_the_worker_raises_here():
    with pytest.raises(InputError, match="job 3 failed"), workers.forked() as worker:
        shared = workers.Shared(worker, depth=4)
        shared.submit(_fail, 3)
        list(shared.ready(wait=True))
    assert not multiprocessing.active_children()


def test_not_used_when_turned_off_small_or_single_cpu(monkeypatch):
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    assert workers.available(workers.MIN_BYTES)
    assert not workers.available(workers.MIN_BYTES - 1)
    monkeypatch.setenv("QCODE_WORKERS", "0")
    assert not workers.available(10**9)
    monkeypatch.delenv("QCODE_WORKERS")
    monkeypatch.setattr(workers, "_cpus", lambda: 1)
    assert not workers.available(10**9)


def _stored(project) -> dict[str, str]:
    """Every stored file, with the ingest time taken out."""
    out = {}
    for path in sorted(project.documents_dir.rglob("*")):
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            out[path.name] = "\n".join(line for line in lines if not line.startswith("ingested:"))
    return out


def test_ingest_shared_with_a_worker_stores_the_same_documents(tmp_path, monkeypatch):
    assert len(SOURCES) == 13
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    import qcode.corpus.ingest  # noqa: F401 - the module, for its group size

    module = sys.modules["qcode.corpus.ingest"]
    monkeypatch.setattr(module, "_GROUP_BYTES_SHARED", 1)  # one document per job: most go to the worker
    seen: list[str] = []
    shared = init_project(tmp_path / "shared")
    results = ingest(shared, SOURCES, on_document=lambda r: seen.append(r.doc_id))
    monkeypatch.setenv("QCODE_WORKERS", "0")
    alone = init_project(tmp_path / "alone")
    expected = ingest(alone, SOURCES)
    assert [r.doc_id for r in results] == seen == [r.doc_id for r in expected]
    assert [(r.status, r.sentences, r.turns, r.words) for r in results] == [
        (r.status, r.sentences, r.turns, r.words) for r in expected
    ]
    assert _stored(shared) == _stored(alone)
    assert len(_stored(shared)) == 2 * len(SOURCES)
    assert not multiprocessing.active_children()


def test_a_bad_source_found_by_the_worker_stops_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    monkeypatch.setattr(sys.modules["qcode.corpus.ingest"], "_GROUP_BYTES_SHARED", 1)
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01\x02" * 50)
    project = init_project(tmp_path / "study")
    with pytest.raises(InputError, match="broken.txt"):
        ingest(project, [*SOURCES[:2], bad, *SOURCES[2:]])
    assert not any(project.documents_dir.iterdir())  # nothing written


def test_a_worker_error_while_ingesting_reaches_the_caller(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    project = init_project(tmp_path / "study")
    with pytest.raises(InputError, match="no language 'zz'"):
        ingest(project, SOURCES[:3], attrs={"language": "zz"})
    assert not multiprocessing.active_children()


@pytest.fixture(scope="module")
def sample_study(tmp_path_factory):
    from qcode.demo import init_sample

    return init_sample(tmp_path_factory.mktemp("sample") / "study")


@pytest.mark.parametrize("method", ["rules", "both"])
def test_suggest_shared_with_a_worker_makes_the_same_queue(sample_study, monkeypatch, method):
    import shutil

    from qcode.suggest import suggest
    from qcode.suggest.queue import queue_path

    monkeypatch.setenv("QCODE_WORKERS", "0")
    shutil.rmtree(sample_study.cache_dir, ignore_errors=True)
    alone = suggest(sample_study, "astrid", method=method)
    expected = queue_path(sample_study, "astrid").read_bytes()

    monkeypatch.delenv("QCODE_WORKERS")
    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    monkeypatch.setattr(sys.modules["qcode.suggest.engine"], "_GROUP_BYTES", 1)  # a job per document
    shutil.rmtree(sample_study.cache_dir / "parses", ignore_errors=True)
    shutil.rmtree(sample_study.cache_dir / "matches", ignore_errors=True)
    seen: list[str] = []
    shared = suggest(sample_study, "astrid", method=method, on_document=seen.append)
    assert queue_path(sample_study, "astrid").read_bytes() == expected
    assert shared.suggestions == alone.suggestions and len(shared.suggestions) > 100
    assert (shared.parsed, shared.cached, shared.kept, shared.decided) == (
        alone.parsed, alone.cached, alone.kept, alone.decided)
    assert shared.parsed == len(seen) == 13
    warm = suggest(sample_study, "astrid", method="rules")  # the worker kept the matches it found
    assert (warm.parsed, warm.kept) == (0, 13)
    assert not multiprocessing.active_children()


def test_many_small_sources_under_a_low_open_file_limit(tmp_path, monkeypatch):
    """Each job writes hundreds of files; they must not all be open at once, and jobs
    sent to the worker stay small messages however many sources there are."""
    import resource

    monkeypatch.setattr(workers, "MIN_BYTES", 0)
    monkeypatch.setattr(workers, "_cpus", lambda: 2)
    src = tmp_path / "src"
    src.mkdir()
    paths = []
    for i in range(700):
        path = src / f"note-{i:04d}.txt"
        path.write_text(f"I: Visit {i}?\nR: Done at {i % 24} o'clock.\n", encoding="utf-8")
        paths.append(path)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 200), hard))
    try:
        project = init_project(tmp_path / "study")
        results = ingest(project, paths)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert [r.status for r in results] == ["new"] * 700
    assert [r.doc_id for r in results] == [p.stem for p in paths]
    assert len(list(project.documents_dir.glob("*.yaml"))) == 700
    assert not list(project.documents_dir.glob(".*.tmp"))
    assert not multiprocessing.active_children()


def test_the_worker_stops_when_its_parent_is_killed(tmp_path):
    import subprocess
    import time

    code = (
        "import os\nfrom qcode import workers\n"
        "w = workers.Worker()\nprint(w.process.pid, flush=True)\nos.kill(os.getpid(), 9)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    pid = int(out.stdout.split()[0])
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(100):  # it sees the end of its pipe and returns
        if not stat.exists() or stat.read_text().split(")")[-1].split()[0] in ("Z", "X"):
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"worker {pid} still running after its parent was killed")
