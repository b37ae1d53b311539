"""Files uploaded to a card or to an activity, stored under MEDIA_ROOT."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.models import (
    Activity,
    ActivityKind,
    Attachment,
)
from crm.activities.services.activities import touch_clients
from crm.activities.services.records import attach_clients
from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.customers.models import Company, Contact


def _clean_upload(file) -> None:
    if file is None or not getattr(file, "name", ""):
        raise DomainError(_("Choose a file to upload."), field="file")
    limit = settings.CRM_MAX_ATTACHMENT_SIZE
    if file.size > limit:
        raise DomainError(
            _("The file is %(size)s; files may be at most %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            field="file",
        )
    if file.size == 0:
        raise DomainError(_("The file is empty."), field="file")


@transaction.atomic
def attachment_add(
    *,
    actor,
    file,
    activity: Activity | None = None,
    company: Company | int | None = None,
    contact: Contact | int | None = None,
    description: str = "",
) -> Attachment:
    """Store an uploaded file on an activity, or on a card as a new "file" activity.

    Files larger than `CRM_MAX_ATTACHMENT_SIZE` are refused before anything is
    written. The file lands under MEDIA_ROOT through the FileField's storage, which
    never overwrites another file of the same name.
    """
    _clean_upload(file)
    name = os.path.basename(file.name)[:255]
    if activity is not None:
        visibility.ensure_can_edit(actor=actor, obj=activity)
    else:
        visibility.ensure_can_create(actor=actor, object_type="activity")
        activity = Activity(
            created_by=actor,
            kind=ActivityKind.FILE,
            subject=name[:300],
            body=(description or "").strip(),
            occurred_at=timezone.now(),
        )
        attach_clients(activity, actor, {"company": company, "contact": contact})
        if activity.company_id is None and activity.contact_id is None:
            raise DomainError(_("Choose a company or a contact."), field="company")
        activity.search_text = activity.build_search_text()
        activity.save()
        audit.record_create(actor, activity)
        touch_clients(activity)
    attachment = Attachment(
        activity=activity,
        name=name,
        size=file.size,
        content_type=(getattr(file, "content_type", "") or "")[:100],
        uploaded_by=actor,
    )
    attachment.file.save(name, file, save=False)
    attachment.save()
    return attachment
