"""A second process for spaCy work, forked after the pipeline is loaded.

spaCy's tokenizer and components hold the GIL, so threads cannot overlap them
with qcode's own work (reading, segmenting, writing). A forked process can: it
starts in milliseconds with the loaded pipeline already in memory, and jobs
go to it and come back as small messages (paths in, results out), never
``Doc`` objects, whose serialisation is what makes spaCy's own
``n_process=2`` slower than one process for light pipelines.

Jobs and results travel over a plain pipe that this process reads itself,
between its own jobs; ``multiprocessing.Pool`` would use helper threads, which
wait for the GIL while spaCy holds it and leave the worker idle.

A worker is used only where ``fork`` is the platform's safe default (Linux),
with at least two CPUs, for inputs large enough to repay it; ``QCODE_WORKERS=0``
turns it off. Results never depend on whether a worker ran.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .errors import QcodeError

MIN_BYTES = 1_000_000  # below this much input, forking costs more than it saves


def cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


_cpus = cpus  # what available() asks (a test sets it)


def available(size: int) -> bool:
    """Whether a forked worker would help with ``size`` bytes of input."""
    if os.environ.get("QCODE_WORKERS", "").strip() == "0":
        return False
    return sys.platform == "linux" and _cpus() >= 2 and size >= MIN_BYTES


def _serve(conn: Any, parent_end: Any, cancelled: Any) -> None:
    """The worker's loop: run each job received, send back its result or its exception.

    The parent's end of the pipe, inherited by the fork, is closed first, so the
    worker sees the end of the pipe (and stops) if the parent dies. Ctrl-C is left
    to the parent, which lets the worker finish the job in hand before it stops;
    once the parent has given up (``cancelled``), waiting jobs are not started.
    """
    import signal

    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        fn, args = job
        if cancelled.is_set():
            conn.send((False, RuntimeError("cancelled")))
            continue
        try:
            reply = (True, fn(*args))
        except BaseException as exc:  # sent back and raised in the parent
            reply = (False, _sendable(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # a result that does not pickle
            conn.send((False, RuntimeError(f"a job's result could not be sent back: {exc!r}")))


def _sendable(exc: BaseException) -> BaseException:
    """The exception as the parent can receive it: a QcodeError as it is (its message
    is what the user reads); another with the worker's traceback as a note, or as a
    RuntimeError naming it when it does not survive pickling."""
    import pickle
    import traceback


    if not isinstance(exc, QcodeError):
        exc.add_note("in the worker process:\n" + "".join(traceback.format_exception(exc)))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"in the worker process: {type(exc).__name__}: {exc}")
    return exc


class Worker:
    """One forked process that runs jobs sent to it, in order."""

    def __init__(self) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.conn, child = ctx.Pipe()
        self.cancelled = ctx.Event()
        self.process = ctx.Process(target=_serve, args=(child, self.conn, self.cancelled),
                                   daemon=True)
        self.process.start()
        child.close()

    def send(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.conn.send((fn, args))

    def poll(self) -> bool:
        return bool(self.conn.poll())

    def receive(self) -> Any:
        ok, value = self.conn.recv()
        if not ok:
            raise value
        return value

    def close(self, timeout: float = 60.0, *, cancel: bool = False) -> None:
        """Stop the worker once it has finished the jobs it has (its files are whole),
        or with ``cancel`` once it has finished the one in hand; safe to call again.
        A worker still busy after ``timeout`` seconds is killed."""
        if self.conn.closed:
            return
        if cancel:
            self.cancelled.set()
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        self.conn.close()


@contextmanager
def forked(enabled: bool = True) -> Iterator[Worker | None]:
    """A :class:`Worker` forked now, or ``None`` when not ``enabled``.

    Load what the worker needs before entering, so the child inherits it instead
    of loading it again. Send jobs as small messages (indices into what the child
    inherited): a large job sent while the worker sends a large result back would
    leave each waiting for the other.
    """
    if not enabled:
        yield None
        return
    worker = Worker()
    try:
        yield worker
    except BaseException:
        worker.close(cancel=True)  # ends the job in hand, never half-way; starts no other
        raise
    finally:
        worker.close()


class Shared:
    """Share jobs between this process and a worker, keeping results in submission order.

    ``submit(fn, *args)`` sends the job to the worker while it has fewer than
    ``depth`` jobs waiting, and otherwise runs it here, so both processes stay
    busy whatever their relative speed. ``ready()`` yields finished results
    from the front of the queue, in order. Should the worker stop (killed, out
    of memory), the jobs it had are run here: jobs must be safe to run again.
    """

    def __init__(self, worker: Worker | None, depth: int = 2) -> None:
        self.worker, self.depth = worker, depth
        self._queue: deque[list[Any]] = deque()  # [done, value]
        self._remote: deque[tuple[list[Any], Callable[..., Any], tuple[Any, ...]]] = deque()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._collect()
        if self.worker is not None and len(self._remote) < self.depth:
            entry = [False, None]
            try:
                self.worker.send(fn, args)
            except OSError:
                self._lost()
                entry = [True, fn(*args)]
            else:
                self._remote.append((entry, fn, args))
        else:
            entry = [True, fn(*args)]
        self._queue.append(entry)

    def _collect(self, block: bool = False) -> None:
        """Receive the results the worker has finished (in order); ``block`` waits for one."""
        while self._remote and self.worker is not None and (block or self.worker.poll()):
            entry = self._remote[0][0]
            try:
                entry[1] = self.worker.receive()  # a job's own exception is raised here
            except (EOFError, OSError):
                self._lost()
                return
            entry[0] = True
            self._remote.popleft()
            block = False

    def _lost(self) -> None:
        """The worker has gone: run here the jobs it had, in order."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        while self._remote:
            entry, fn, args = self._remote.popleft()
            entry[1], entry[0] = fn(*args), True

    def ready(self, wait: bool = False) -> Iterator[Any]:
        """Finished results from the front, in order; ``wait`` drains the whole queue."""
        while self._queue:
            self._collect()
            entry = self._queue[0]
            if not entry[0]:
                if not wait and len(self._queue) <= 2 * self.depth:
                    return  # else too many results wait behind this one: block for it
                self._collect(block=True)
                continue
            self._queue.popleft()
            yield entry[1]
