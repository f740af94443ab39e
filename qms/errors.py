"""Domain errors carry a catalog key so every refusal reaches the user in their language."""

from __future__ import annotations


class QMSError(Exception):
    """A refusal the user can act on: `key` is an i18n catalog key, `params` fill its placeholders."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return f"{self.key} {self.params}" if self.params else self.key


class ValidationError(QMSError):
    """Input that cannot be saved as given."""


class PermissionDenied(QMSError):
    """The signed-in user may not do this."""


class NotFound(QMSError):
    """The record does not exist (or is outside the user's scope)."""


class AuthError(QMSError):
    """Sign-in refused; the message is deliberately generic."""
