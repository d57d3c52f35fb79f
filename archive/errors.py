"""Error types and the one exit-code table of the `archive` command."""

from __future__ import annotations

# Exit codes, in one place (the README lists them): scripts may rely on them.
EXIT_OK = 0
EXIT_FAILURES = 1  # the command ran, but some inputs failed or some checks did not pass
EXIT_USAGE = 2  # bad arguments, unknown document, bad query
EXIT_ENVIRONMENT = 3  # a required external program, database or Dask scheduler is missing or unreachable


class ArchiveError(Exception):
    """Base of every error this project raises on purpose. `str()` is one line."""

    exit_code = EXIT_FAILURES

    def __init__(self, message: str, *, path: str | None = None, remedy: str | None = None):
        self.path = path
        self.reason = message
        self.remedy = remedy
        super().__init__(self.one_line())

    def one_line(self) -> str:
        text = f"{self.path}: {self.reason}" if self.path else self.reason
        if self.remedy:
            text += f" ({self.remedy})"
        return " ".join(text.split())


class InputError(ArchiveError):
    """A source file that cannot be ingested: unreadable, malformed, unsupported."""


class UnsupportedFormat(InputError):
    pass


class EncryptedPDF(InputError):
    pass


class ToolError(ArchiveError):
    """An external program failed or timed out on one input."""


class ToolMissing(ArchiveError):
    """An external program is not installed."""

    exit_code = EXIT_ENVIRONMENT


class UsageError(ArchiveError):
    exit_code = EXIT_USAGE


class NotFound(UsageError):
    """No such document or record."""


class QueryError(UsageError):
    """A search query the database cannot parse."""


class DatabaseError(ArchiveError):
    exit_code = EXIT_ENVIRONMENT


class ClusterUnreachable(ArchiveError):
    """The Dask scheduler given with --cluster (or ARCHIVE_CLUSTER) cannot be reached, or was lost."""

    exit_code = EXIT_ENVIRONMENT
