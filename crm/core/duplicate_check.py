"""The check for likely duplicates that lower apps ask for when a record is saved.

Customers cannot import duplicates, a higher app (see `registry`), yet the API
answers the creation of a company or contact with the likely duplicates of the new
record. The duplicates app registers its finder here in `AppConfig.ready()`; without
one the answer is an empty list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# finder(actor=…, obj=…) -> [{"id", "name", "score", "decision", "reasons", …}]
Finder = Callable[..., list[dict[str, Any]]]

_finders: list[Finder] = []


def register_finder(finder: Finder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def likely_duplicates(*, actor: Any, obj: Any) -> list[dict[str, Any]]:
    """The records the actor may see that look like `obj`, best first.

    Called after the record is saved: a finder's failure is logged and gives an
    empty list, because answering an error for a record that was created would
    make the client send it again.
    """
    found: list[dict[str, Any]] = []
    for finder in _finders:
        try:
            found.extend(finder(actor=actor, obj=obj))
        except Exception:
            log.exception("The duplicate check of %r failed", obj)
    return found
