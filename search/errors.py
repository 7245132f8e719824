"""Errors the engine raises, each with a message a librarian can act on.

SearchError
├── BadRequest          a request the engine cannot run (bad date, page out of range): 400
│   └── BadDate         a date python-dateutil cannot read
└── IndexUnavailable    no index, an unreadable one, or one built by another version: 503
"""

from __future__ import annotations


class SearchError(Exception):
    """Base class of everything the engine raises on purpose."""


class BadRequest(SearchError):
    """The request cannot be run as given; `param` names the offending parameter."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class BadDate(BadRequest):
    """A date that python-dateutil cannot read."""


class IndexUnavailable(SearchError):
    """The index folder is missing, unreadable, or from another schema version."""
