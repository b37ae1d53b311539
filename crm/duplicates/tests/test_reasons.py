"""Every reason the matching can give has a label in the user's language."""

import re
from pathlib import Path

from django.utils import translation

from crm.duplicates.reasons import REASONS, reason_labels

MATCHING = Path(__file__).resolve().parent.parent / "matching"


def _codes_in_matching() -> set[str]:
    """The reason codes written in the matching's source."""
    text = "\n".join(p.read_text() for p in MATCHING.glob("*.py"))
    return set(
        re.findall(r'"((?:same|different|name|names|similar|linked)_[a-z_]+)"', text)
    )


def test_every_reason_of_the_matching_has_a_label():
    codes = _codes_in_matching()
    assert {"same_website", "same_email"} <= codes
    assert codes - set(REASONS) == set()


def test_labels_follow_the_language():
    with translation.override("ru"):
        assert reason_labels(["same_website"]) != ["same_website"]
        assert reason_labels(["same_inn"]) == ["одинаковый ИНН"]
