"""What contacts and companies share in scoring: the decision thresholds.

Thresholds are tuned on the generated set of `bench/dedupe.py` (F1 of "duplicate"
against the known truth); change them there and re-run the bench, not by feel.
"""

from __future__ import annotations

from typing import NamedTuple

DUPLICATE = 0.85
# The same name alone (0.6) is below: namesakes are common at a million contacts.
POSSIBLE = 0.65


class Verdict(NamedTuple):
    score: float
    decision: str  # "duplicate" | "possible"
    reasons: tuple[str, ...]


def name_base(name: float) -> float:
    """The part of the score given by name similarity alone (0.1 … 0.6): the same
    name is not enough to call a pair a duplicate without another sign."""
    if name >= 0.999:
        return 0.6
    if name >= 0.8:
        return 0.5 + (name - 0.8) * 0.5
    if name >= 0.7:
        return 0.3 + (name - 0.7) * 2
    return 0.1


def decide(score: float, reasons: list[str]) -> Verdict | None:
    score = max(0.0, min(1.0, score))
    if score < POSSIBLE:
        return None
    decision = "duplicate" if score >= DUPLICATE else "possible"
    return Verdict(round(score, 3), decision, tuple(reasons))
