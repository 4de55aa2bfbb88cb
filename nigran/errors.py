"""Errors a user can cause, each with a stable machine-readable code.

The API maps each to one HTTP status (``status``) and the CLI prints ``str(error)``; messages say
what was wrong and, where it helps, what to do instead.
"""

from __future__ import annotations


class NigranError(Exception):
    code = "nigran_error"
    status = 500

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InvalidContent(NigranError):
    code = "invalid_content"
    status = 422


class InvalidInput(NigranError):
    code = "invalid_input"
    status = 400


class ConflictingResubmission(NigranError):
    """Same id and version as a stored item, but a different body."""

    code = "conflicting_resubmission"
    status = 409


class NotFound(NigranError):
    code = "not_found"
    status = 404


class PayloadTooLarge(NigranError):
    code = "payload_too_large"
    status = 413


class LedgerCorrupt(NigranError):
    code = "ledger_corrupt"
    status = 500

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        super().__init__(message, where=None if seq is None else f"ledger entry {seq}")
        self.seq = seq


class ConfigError(NigranError):
    code = "config_error"
    status = 500


class InvalidMedia(InvalidContent):
    """A media file that cannot be used: empty, corrupt, not the kind it claims, or unreadable."""

    code = "invalid_media"
    status = 422


class PackInvalid(NigranError):
    """A jurisdiction pack, taxonomy or rules file failed validation; ``where`` is ``file:line``."""

    code = "pack_invalid"
    status = 422


class Unauthorized(NigranError):
    """No valid session, API token or key."""

    code = "unauthorized"
    status = 401


class Forbidden(NigranError):
    """Signed in, but this role (or these queue assignments) do not allow it."""

    code = "forbidden"
    status = 403


class TooManyAttempts(NigranError):
    code = "too_many_attempts"
    status = 429


class ClaimConflict(NigranError):
    """The case is not (or no longer) claimed by the caller: expired, released or never held."""

    code = "claim_conflict"
    status = 409


class ClaimExpired(ClaimConflict):
    code = "claim_expired"


class InvalidTransition(NigranError):
    """A workflow step that the item's current state does not allow (e.g. actioning a refused
    order, deciding an appeal twice, a reviewer deciding an appeal on their own decision)."""

    code = "invalid_transition"
    status = 409


class ReporterSuspended(NigranError):
    """The reporter is suspended from reporting (DSA Art. 23) until the time in the message."""

    code = "reporter_suspended"
    status = 403


class UnknownLanguage(ConfigError):
    """A language code that is not in Nigran's table of languages (``nigran/languages.py``):
    configuration, term banks and rules may only name languages whose facts are known."""

    code = "unknown_language"

    def __init__(self, language: str, known: tuple[str, ...], *, where: str | None = None) -> None:
        super().__init__(
            f"unknown language {language!r}; Nigran knows {', '.join(known)}"
            " (add it to nigran/languages.py with its script, direction, font, classifier"
            " family, notice language and OCR model)",
            where=where,
        )
        self.language = language
