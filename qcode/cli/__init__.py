"""The ``qcode`` command line: thin Typer commands over the library.

:mod:`.root` holds the app and the one place where a
:class:`~qcode.errors.QcodeError` becomes ``Error: <message>`` on stderr and exit
status 2 (STYLE.md 2). Command modules register themselves on :data:`app`; the
library modules behind them import heavy third-party modules (spaCy, numpy,
Textual) inside their functions, so that ``qcode --help`` starts fast.

Every module of this package imports qcode's library inside the command (or
helper) that uses it, never at its top: that is why the imports below ``def``
lines here are there (docs/architecture.md, "Lazy imports"; ``bench/startup.py``
measures it). Library types in annotations are strings, imported under
``TYPE_CHECKING``.
"""


import errno
import os
import sys

import typer

from .root import QcodeGroup, app, new_app

# isort: split
# Imported for their side effect of adding commands to ``app``, in help order.
from . import (
    audit_cmds,  # noqa: F401  (audit verify, seal, show, blame, stats)
    codebook_cmds,  # noqa: F401
    corpus_cmds,  # noqa: F401  (init, ingest, docs, turns, units, show, attrs, demo)
)

# isort: split
from . import coding_cmds  # noqa: F401  (apply, remove, memo, memos, undo, codings)

# isort: split
from . import suggest_cmds  # noqa: F401  (suggest, suggestions, accept, reject)

# isort: split
from . import (
    analysis_cmds,  # noqa: F401  (agree)
    table_cmds,  # noqa: F401  (cooccur, crosstab)
)

# isort: split
from . import report_cmds  # noqa: F401  (report, codebook export)

# isort: split
from . import tui_cmds  # noqa: F401  (code, review)

# isort: split
from . import migrate_cmds  # noqa: F401  (codebook diff, codebook log, recode, orphans)

# isort: split
from . import (
    keys_cmds,  # noqa: F401  (keys init, rotate, countersign, revoke, list, ...)
    redact_cmds,  # noqa: F401  (redact)
)

# isort: split
from . import exchange_cmds  # noqa: F401  (export, import, codebook import)

# isort: split
from . import coders_cmds  # noqa: F401  (coders, coders add)

__all__ = ["QcodeGroup", "app", "main", "new_app"]


def main() -> None:
    """Console-script entry point. Output that cannot be written (a redirect to a full
    disk) ends in one line and exit status 2, whatever was being written (a listing,
    the help)."""
    try:
        app()
    except OSError as exc:
        if exc.errno not in _CANNOT_WRITE or exc.filename is not None:
            raise
        # a write that names no file: the output, or a project file written whole or not
        # at all (a log append says so itself, naming the log)
        _stdout_gone()
        typer.echo(f"Error: could not write ({exc.strerror}): the output, or a file of the "
                   "project. Free some space, or send the output elsewhere; what the "
                   "command recorded before that is kept (`qcode audit show` lists it).",
                   err=True)
        sys.exit(2)


_CANNOT_WRITE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _stdout_gone() -> None:
    """Point stdout at the null device, so that what is still buffered for it does not
    fail again when the process exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
