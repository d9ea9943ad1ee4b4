"""Errors the core raises for people to read.

Adapters show a ``UserError`` message as it is; anything else becomes a short
apology with an error id that is also in the log.
"""

from __future__ import annotations

import secrets


class UserError(Exception):
    """Something the person can fix; ``str(exc)`` is the message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    """The person may not do this (for example change a channel's schedule)."""


def new_error_id() -> str:
    """A short id to quote in an apology and find in the log."""
    return "E-" + secrets.token_hex(4).upper()
