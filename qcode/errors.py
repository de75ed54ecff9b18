"""The one exception family of qcode.

The library raises these; only ``qcode.cli`` turns them into ``Error: ...``
on stderr and exit status 2. Every message says what to do next.
"""

from __future__ import annotations


class QcodeError(Exception):
    """A problem the user can fix; the message names the file or value and the fix."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ProjectError(QcodeError):
    """No project here, a broken qcode.yaml, or an init that would overwrite."""


class InputError(QcodeError):
    """An unreadable, undecodable, empty or unsupported input file or value."""


class CodebookError(QcodeError):
    """A codebook that does not load or check; the message carries file:line:column."""


class UnknownCodeError(QcodeError):
    """A code id that the codebook does not define."""


class SpanError(QcodeError):
    """A span, quote or unit that does not select text in the document."""


class AuditError(QcodeError):
    """A log that cannot be written or read as the audit format requires."""


class DependencyError(QcodeError):
    """An optional dependency is missing; the message names the extra to install."""
