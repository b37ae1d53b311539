"""The errors that services and selectors raise; pages and the API translate them once.

`DomainError` is bad input or a broken business rule (422 in the API, a form error on
a page). `NotFound` covers both a missing row and a row the actor may not see, so a
forbidden record does not reveal that it exists. `Forbidden` is for a record the actor
can see but may not change (403). `Conflict` is a stale edit: someone saved the record
after the actor opened it (409).
"""

from __future__ import annotations


class DomainError(Exception):
    """Bad input or a broken rule, named after the field it concerns."""

    code = "invalid"

    def __init__(self, message, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code

    @classmethod
    def from_errors(cls, errors: dict[str, list]) -> DomainError:
        """Combine several field errors; the first one becomes the message."""
        field, messages = next(iter(errors.items()))
        error = cls(messages[0], field=field)
        error.errors = errors
        return error

    @property
    def all_errors(self) -> dict[str | None, list]:
        return getattr(self, "errors", None) or {self.field: [self.message]}


class NotFound(Exception):
    """The record does not exist or the actor may not see it."""


class Forbidden(Exception):
    """The actor may see the record but not do this to it."""

    def __init__(self, message=None):
        super().__init__(str(message or ""))
        self.message = message


class Conflict(DomainError):
    """The record changed since the actor loaded it: a second save must not win."""

    code = "conflict"
