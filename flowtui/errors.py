"""The errors a user can act on.

Every expected failure is one of these, carrying a single sentence that says what failed, why and
what to do. The CLI maps them to exit codes in exactly one place (`flowtui.cli.main`); the TUI maps
them to a modal (configuration and authentication problems) or a notification (everything else).
Messages must never contain the PAT.
"""

from __future__ import annotations


class FlowtuiError(Exception):
    """Base class: `message` is the one sentence shown to the user; `detail` only with --verbose."""

    exit_code = 1

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class UsageError(FlowtuiError):
    """Bad command-line input (dates, filters, paths): exit 2."""

    exit_code = 2


class ConfigError(FlowtuiError):
    """A configuration value is missing or invalid: exit 2."""

    exit_code = 2


class SecretStoreError(FlowtuiError):
    """The OS keyring is unavailable or failed."""


class StoreError(FlowtuiError):
    """The SQLite store cannot be opened, is corrupt, foreign, newer, or a write failed."""


class AdoError(FlowtuiError):
    """Any failure talking to Azure DevOps."""


class AuthError(AdoError):
    """The PAT is missing or was rejected (401, 203 HTML, sign-in redirect, non-JSON 2xx)."""


class NotFoundError(AdoError):
    """An organization, project, repository or route does not exist (TF200016, TF401019, 404)."""


class ThrottledError(AdoError):
    """Retries on 429 / Retry-After were exhausted."""


class TransientError(AdoError):
    """5xx, timeouts or connection errors persisted past the retry budget."""


class ApiVersionError(AdoError):
    """The server does not support the requested api-version (carries the highest it supports)."""

    def __init__(self, message: str, *, supported: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.supported = supported


class PayloadError(AdoError):
    """A response body could not be understood (non-JSON where JSON was expected, wrong shape)."""


class SyncCancelled(FlowtuiError):
    """The user cancelled a sync; committed pages stay, the run record says 'cancelled'."""

    exit_code = 130


class ExportError(FlowtuiError):
    """An export directory is unusable; nothing was written."""
