"""Template filters of the catalogue: money and percentages in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats

from crm.core.money import format_money

register = template.Library()


register.filter("money", format_money)


@register.filter
def percent(value) -> str:
    """A percentage without needless zeros: 5.00 → «5 %», 7.50 → «7,5 %»."""
    if value in (None, ""):
        return ""
    number = Decimal(value).normalize()
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{formats.number_format(number, places, use_l10n=True)} %"
