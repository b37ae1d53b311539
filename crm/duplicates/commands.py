"""`crm dedupe`: scan contacts or companies and fill the review queue."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.duplicates.services import duplicates_scan


def dedupe_command(*, entity: str, as_json: bool, echo: Callable[[str], None]) -> int:
    """Run a full scan; print one JSON object per candidate pair or a summary.

    The JSON lines carry the reasons as stable codes (`same_email`,
    `names_swapped`…), the same as the API, so scripts do not depend on the language.
    Returns the exit code.
    """
    try:
        result = duplicates_scan(entity=entity)
    except DomainError as error:
        echo(str(error.message))
        return 2
    if as_json:
        for c in result.candidates:
            echo(
                json.dumps(
                    {
                        "a": c.a,
                        "b": c.b,
                        "score": c.score,
                        "decision": c.decision,
                        "reasons": list(c.reasons),
                    },
                    ensure_ascii=False,
                )
            )
        return 0
    duplicates = sum(1 for c in result.candidates if c.decision == "duplicate")
    echo(
        _(
            "%(records)d records compared in %(seconds).1f s: %(duplicates)d "
            "duplicates and %(possible)d possible duplicates. Queue: %(created)d new, "
            "%(updated)d updated, %(removed)d no longer found, %(dismissed)d kept "
            "as not duplicates."
        )
        % {
            "records": result.records,
            "seconds": result.load_seconds + result.match_seconds,
            "duplicates": duplicates,
            "possible": len(result.candidates) - duplicates,
            "created": result.created,
            "updated": result.updated,
            "removed": result.removed,
            "dismissed": result.kept_dismissed,
        }
    )
    return 0
