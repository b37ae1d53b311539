"""Writes of further phones and e-mails one by one (the card's quick actions).

The edit forms and the API replace the whole list through `company_update` /
`contact_update`; these add or remove one without opening the form.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.core.services import claim_version
from crm.customers.models import Company, Contact, ContactPoint, ContactPointKind
from crm.customers.services.records import (
    Errors,
    clean_points,
    forget_related,
    owner_filter,
    refresh_search_text,
)


@transaction.atomic
def contact_point_add(
    *, actor, obj: Company | Contact, kind: str, value: str, label: str = ""
) -> ContactPoint:
    """Add a further phone or e-mail with a label to a company or a contact."""
    visibility.ensure_can_edit(actor=actor, obj=obj)
    if kind not in ContactPointKind.values:
        raise DomainError(_("Choose a phone or an e-mail."), field="kind")
    errors: Errors = {}
    points = clean_points(kind, [{"label": label, "value": value}], errors) or []
    if errors:
        # Name the field as the caller sent it, not as a row of a list.
        raise DomainError.from_errors(
            {key.rsplit(".", 1)[-1]: messages for key, messages in errors.items()}
        )
    if not points:
        raise DomainError(_("This field is required."), field="value")
    label, value = points[0]
    owner = owner_filter(obj)
    if ContactPoint.objects.filter(kind=kind, value=value, **owner).exists():
        raise DomainError(_("This record already has this value."), field="value")
    before = audit.snapshot(obj)
    claim_version(obj)
    point = ContactPoint.objects.create(kind=kind, value=value, label=label, **owner)
    refresh_search_text(obj)
    forget_related(obj)
    audit.record_update(actor, obj, before)
    return point


@transaction.atomic
def contact_point_remove(*, actor, point: ContactPoint) -> None:
    """Remove a further phone or e-mail."""
    obj: Company | Contact | None = point.company or point.contact
    if obj is None:  # the check constraint makes this impossible
        raise DomainError(_("This value belongs to no record."))
    visibility.ensure_can_edit(actor=actor, obj=obj)
    before = audit.snapshot(obj)
    claim_version(obj)
    point.delete()
    refresh_search_text(obj)
    forget_related(obj)
    audit.record_update(actor, obj, before)
