"""Template filters of the customer pages."""

from django import template

from crm.core.validation import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 phone as people read it: +7 916 123-45-67."""
    return format_phone(value or "")


@register.filter
def tel(value: str) -> str:
    """A phone for a `tel:` link: digits and a leading plus only."""
    value = value or ""
    return ("+" if value.startswith("+") else "") + "".join(
        c for c in value if c.isdigit()
    )
