"""The matching engine: normal forms, blocking and pair scoring, free of the ORM.

`find_pairs(entity, rows)` takes plain tuples (read in bulk with `values_list`) and
yields `Candidate`s; the services decide what to store. Keeping the engine apart from
the database lets the bench time matching and loading separately.
"""

from crm.duplicates.matching.engine import (
    ENTITIES,
    Candidate,
    candidates_against,
    find_pairs,
    spec,
)
from crm.duplicates.matching.scoring import DUPLICATE, POSSIBLE

__all__ = [
    "DUPLICATE",
    "ENTITIES",
    "POSSIBLE",
    "Candidate",
    "candidates_against",
    "find_pairs",
    "spec",
]
