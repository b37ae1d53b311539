"""Money as people read it: Decimal amounts with a currency code, grouped and with
the decimal mark of the reader's language (1 234,56 RUB / 1,234.56 RUB)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats


def format_money(amount, currency: str = "") -> str:
    """An amount with two decimals in the active language, and its currency code."""
    if amount is None or amount == "":
        return ""
    number = formats.number_format(
        Decimal(amount), 2, use_l10n=True, force_grouping=True
    )
    return f"{number} {currency}".strip()


def format_quantity(value) -> str:
    """A quantity without trailing zeros (2.000 → 2, 1.500 → 1,5 in Russian)."""
    if value is None or value == "":
        return ""
    return formats.number_format(
        Decimal(value).normalize(), use_l10n=True, force_grouping=True
    )
