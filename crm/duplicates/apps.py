import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# Fields whose change may make a record a duplicate of another.
WATCHED = frozenset(
    {
        "last_name",
        "first_name",
        "middle_name",
        "birth_date",
        "email",
        "phone",
        "name",
        "inn",
        "kpp",
        "address",
        "legal_address",
        "actual_address",
        "website",
    }
)


class DuplicatesConfig(AppConfig):
    name = "crm.duplicates"
    label = "duplicates"
    verbose_name = _("Duplicates")

    def ready(self) -> None:
        from crm.core import audit, duplicate_check, events, registry
        from crm.duplicates.api import record_check

        events.subscribe(on_record_event)
        duplicate_check.register_finder(record_check)
        audit.register_field_label("merged_records", _("merged records"))
        audit.register_field_label("merged_into", _("merged into"))
        registry.register_nav(
            registry.NavItem(
                key="duplicates",
                label=_("Duplicates"),
                url_name="duplicates:pair-list",
                icon="intersect",
                order=400,
                more=True,
            )
        )
        for entity in ("contact", "company"):
            registry.register_panel(
                entity,
                registry.CardPanel(
                    key="duplicates",
                    template="duplicates/panel.html",
                    context=card_panel_context,
                    order=1,
                    column="main",
                ),
            )


def on_record_event(event) -> None:
    """Check created, changed, restored and imported companies and contacts for
    duplicates; drop the open pairs of a record moved to the trash.

    The event arrives after the write committed. One record is checked at once (a
    few milliseconds of indexed lookups), so the card the user is sent to after
    saving already shows the warning; an import's batch is checked in the
    background, and so is a record whose check failed here (the job retries).
    """
    if event.entity not in ("contact", "company"):
        return
    action = event.name.rsplit(".", 1)[-1]
    if action == "deleted":
        from crm.duplicates.services import pairs_forget_record

        pairs_forget_record(entity=event.entity, record_id=event.object_id)
        return
    from crm.duplicates.tasks import duplicates_check_records

    if action in ("created", "restored") or (
        action == "updated" and WATCHED & set(event.changes)
    ):
        from crm.duplicates.services import duplicates_check_new

        try:
            duplicates_check_new(entity=event.entity, ids=[event.object_id])
        except Exception:
            log.exception(
                "Checking %s %s at once failed", event.entity, event.object_id
            )
            duplicates_check_records(event.entity, [event.object_id])
    elif action == "imported" and event.data.get("ids"):
        duplicates_check_records(event.entity, list(event.data["ids"]))


def card_panel_context(request, obj):
    """The card's warning: open pairs of this record, or the record it was merged
    into; None (no panel) when there is nothing to say."""
    from crm.duplicates.selectors import merged_into, pairs_for_record

    entity = obj._meta.model_name
    if obj.deleted_at is not None:
        member = merged_into(entity=entity, record_id=obj.pk)
        if member is None:
            return None
        survivor = type(obj).all_objects.filter(pk=member.survivor_id).first()
        return {"merged_into": survivor, "merge": member.merge}
    pairs = pairs_for_record(actor=request.user, entity=entity, record_id=obj.pk)
    if not pairs:
        return None
    return {"pairs": pairs, "entity": entity}
