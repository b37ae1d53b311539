"""Writes of leads (first contacts): entering them by hand, through the API or a
web form; giving them a curator by the assignment rules; working them. Converting
one into a client is in `lead_conversion`, importing a file in `lead_import`, the
settings of the rules in `lead_rules`.

A lead may come without an actor (a visitor's web form): then no rights are
checked, nobody is its author, and only the assignment rules give it a curator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from crm.core import audit, validation, visibility
from crm.core.errors import DomainError
from crm.core.services import claim_version, notification_send, record_trash
from crm.customers.models import Industry, Source
from crm.customers.services.records import Errors, add_error, pk_of, raise_errors
from crm.sales.models import (
    AssignmentKind,
    AssignmentRule,
    Lead,
    LeadStatus,
)

LEAD_TEXT_FIELDS = (
    "title",
    "company_name",
    "inn",
    "last_name",
    "first_name",
    "middle_name",
    "job_title",
    "email",
    "phone",
    "region",
    "description",
    "external_id",
)
LEAD_INPUT = frozenset(
    {*LEAD_TEXT_FIELDS, "industry_id", "source_id", "owner_id", "form_data"}
)


def is_person(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def normalise_region(value: str) -> str:
    """A region as rules compare it: case, ё and extra spaces do not matter."""
    return " ".join(
        (value or "").replace("ё", "е").replace("Ё", "Е").split()
    ).casefold()


# --- checks -------------------------------------------------------------------------


def _text(value: Any, name: str, errors: Errors) -> str:
    text = "" if value is None else str(value).strip()
    limit = getattr(Lead._meta.get_field(name), "max_length", None)
    if limit and len(text) > limit:
        add_error(errors, name, _("At most %(count)d characters.") % {"count": limit})
    return text


def resolve_reference(model, value: Any, name: str, current_id, errors: Errors):
    item_id = pk_of(value)
    if item_id is None:
        return None
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        add_error(errors, name, _("Choose one of the offered values."))
        return None
    item = model.objects.filter(pk=item_id).first()
    if item is None or (not item.is_active and item_id != current_id):
        add_error(errors, name, _("Choose one of the offered values."))
        return None
    return item


def resolve_active_user(value: Any, name: str, current_id, errors: Errors):
    user_id = pk_of(value)
    if user_id is None:
        return None
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        add_error(errors, name, _("Choose an active user."))
        return None
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or (not user.is_active and user_id != current_id):
        add_error(errors, name, _("Choose an active user."))
        return None
    return user


def clean_lead(
    *, lead: Lead, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    """Check the submitted fields of a lead; returns model attributes to set."""
    unknown = set(fields) - LEAD_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    cleaners = {
        "email": validation.clean_email,
        "phone": validation.clean_phone,
        "inn": validation.clean_inn,
    }
    for name, value in fields.items():
        if name == "industry_id":
            values["industry"] = resolve_reference(
                Industry, value, name, lead.industry_id, errors
            )
        elif name == "source_id":
            values["source"] = resolve_reference(
                Source, value, name, lead.source_id, errors
            )
        elif name == "owner_id":
            values["owner"] = resolve_active_user(value, name, lead.owner_id, errors)
        elif name == "form_data":
            if value is not None and not isinstance(value, Mapping):
                add_error(errors, name, _("Send the form's fields as an object."))
            values["form_data"] = dict(value or {})
        else:
            text = _text(value, name, errors)
            if name in cleaners and name not in errors:
                try:
                    text = cleaners[name](text, field=name)
                except DomainError as error:
                    add_error(errors, name, error.message)
            values[name] = text

    def final(name: str) -> str:
        return values.get(name, getattr(lead, name)) or ""

    if not final("title") and "title" not in errors:
        # A web form or a file may leave the need out: name the lead after who it is.
        person = " ".join(p for p in (final("last_name"), final("first_name")) if p)
        fallback = final("company_name") or person or final("email") or final("phone")
        if fallback:
            values["title"] = fallback[:300]
        else:
            add_error(
                errors,
                "title",
                _("Say what they need, or at least who they are: a company or a name."),
            )
    external_id = values.get("external_id")
    if (
        external_id
        and external_id != lead.external_id
        and Lead.all_objects.with_external_id(external_id).exclude(pk=lead.pk).exists()
    ):
        add_error(errors, "external_id", _("Another lead has this external ID."))
    return values


# --- curators -----------------------------------------------------------------------


def _rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    """Whether a lead meets a rule's conditions (region and/or industry)."""
    if rule.kind == AssignmentKind.REGION and not rule.region:
        return False
    if rule.kind == AssignmentKind.INDUSTRY and rule.industry_id is None:
        return False
    if rule.region and normalise_region(rule.region) != normalise_region(lead.region):
        return False
    return not (rule.industry_id is not None and rule.industry_id != lead.industry_id)


def _may_curate(user) -> bool:
    return bool(user and user.is_active and visibility.can_create(user, "lead"))


def next_in_turn(rule: AssignmentRule):
    """The team member after the one who got the last lead of this rule, or None.

    The rule's row is locked for the rest of the transaction, so two leads created
    at once go to two people instead of both to the same one; people who left
    (inactive) or may not work on leads are skipped.
    """
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    if locked.team_id is None:
        return None
    members = [
        user
        for user in get_user_model()
        .objects.filter(team_id=locked.team_id, is_active=True)
        .order_by("pk")
        if _may_curate(user)
    ]
    if not members:
        return None
    last = locked.last_assigned_id
    chosen = next((m for m in members if last is not None and m.pk > last), members[0])
    AssignmentRule.objects.filter(pk=locked.pk).update(last_assigned=chosen)
    rule.last_assigned = chosen
    return chosen


def curator_by_rules(lead: Lead):
    """The curator the assignment rules give a new lead, or None.

    Rules are tried in their order; the first that matches and has someone to
    give the lead to wins. A rule for a person who left is passed over.
    """
    rules = AssignmentRule.objects.filter(is_active=True).select_related("assignee")
    for rule in rules.order_by("position", "pk"):
        if not _rule_matches(rule, lead):
            continue
        if rule.kind == AssignmentKind.ROUND_ROBIN:
            chosen = next_in_turn(rule)
            if chosen is not None:
                return chosen
        elif _may_curate(rule.assignee):
            return rule.assignee
    return None


def notify_curator(*, lead: Lead, user, actor) -> None:
    """Tell the new curator about the lead, in their own language."""
    if user is None or (actor is not None and user.pk == getattr(actor, "pk", None)):
        return
    with translation.override(user.language or None):
        notification_send(
            user=user,
            title=_("A lead for you: %(title)s") % {"title": lead.title},
            body="\n".join(
                part
                for part in (
                    lead.company_name,
                    lead.person_name,
                    lead.email,
                    lead.phone,
                )
                if part
            ),
            url=lead.get_absolute_url(),
        )


# --- create, change, delete ---------------------------------------------------------


def save_new_lead(*, actor, lead: Lead, values: dict[str, Any]) -> Lead:
    for name, value in values.items():
        setattr(lead, name, value)
    if lead.owner_id is None:
        lead.owner = curator_by_rules(lead) or (actor if is_person(actor) else None)
    lead.created_by = actor if is_person(actor) else None
    lead.search_text = lead.build_search_text()
    lead.save()
    audit.record_create(actor if is_person(actor) else None, lead)
    return lead


@transaction.atomic
def lead_create(
    *, actor=None, source: Source | int | None = None, notify: bool = True, **fields
) -> Lead:
    """Register a lead; with no curator named, the assignment rules choose one,
    else the actor becomes it.

    `actor` None is a visitor's web form: nothing is checked about rights and the
    lead has no author. `source` is where it came from (a Source or its id; also
    accepted as `source_id`). `fields` are the lead's fields, references as
    `industry_id`, `source_id`, `owner_id`; `form_data` keeps what a web form sent
    beyond them. The new curator is notified (in the application and by e-mail).
    """
    if is_person(actor):
        visibility.ensure_can_create(actor=actor, object_type="lead")
    if source is not None:
        fields = {**fields, "source_id": pk_of(source)}
    lead = Lead()
    errors: Errors = {}
    values = clean_lead(lead=lead, fields=fields, errors=errors)
    raise_errors(errors)
    save_new_lead(actor=actor, lead=lead, values=values)
    if notify:
        notify_curator(lead=lead, user=lead.owner, actor=actor)
    return lead


def _ensure_open(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise DomainError(
            _(
                "The lead is converted and stays as it was; change its company, "
                "contact or deal instead."
            ),
            field="status",
        )


@transaction.atomic
def lead_update(
    *,
    actor,
    lead: Lead,
    version: int | None = None,
    status: str | None = None,
    rejection_reason: str | None = None,
    **fields,
) -> Lead:
    """Change a lead; only the given fields change. A new curator is notified.

    A stale `version` (someone saved the lead after the actor opened it) is
    refused with Conflict. A converted lead no longer changes. `status` (with a
    `rejection_reason` to reject) moves it as `lead_set_status` does, in the same
    transaction.
    """
    visibility.ensure_can_edit(actor=actor, obj=lead)
    _ensure_open(lead)
    if fields or status is None:
        errors: Errors = {}
        if "owner_id" in fields and pk_of(fields["owner_id"]) is None:
            add_error(errors, "owner_id", _("Choose who works on the lead."))
        values = clean_lead(lead=lead, fields=fields, errors=errors)
        raise_errors(errors)
        before = audit.snapshot(lead)
        old_owner_id = lead.owner_id
        claim_version(lead, expected_version=version)
        version = None
        for name, value in values.items():
            setattr(lead, name, value)
        lead.search_text = lead.build_search_text()
        lead.save()
        audit.record_update(actor, lead, before)
        if lead.owner_id != old_owner_id:
            notify_curator(lead=lead, user=lead.owner, actor=actor)
    if status is not None and (
        status != lead.status or rejection_reason not in (None, lead.rejection_reason)
    ):
        lead_set_status(
            actor=actor,
            lead=lead,
            status=status,
            reason=rejection_reason or "",
            version=version,
        )
    return lead


@transaction.atomic
def lead_assign(*, actor, lead: Lead, owner, version: int | None = None) -> Lead:
    """Give a lead to another curator (by hand); they are notified."""
    return lead_update(actor=actor, lead=lead, version=version, owner_id=pk_of(owner))


_TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.IN_PROGRESS, LeadStatus.REJECTED},
    LeadStatus.IN_PROGRESS: {LeadStatus.NEW, LeadStatus.REJECTED},
    LeadStatus.REJECTED: {LeadStatus.IN_PROGRESS},
    LeadStatus.CONVERTED: set(),
}


@transaction.atomic
def lead_set_status(
    *,
    actor,
    lead: Lead,
    status: str,
    reason: str = "",
    version: int | None = None,
) -> Lead:
    """Move a lead between new, in progress and rejected (with a reason).

    Converted is reached only by `lead_convert`; a rejected lead is reopened by
    taking it back in progress.
    """
    visibility.ensure_can_edit(actor=actor, obj=lead)
    if status not in LeadStatus.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in LeadStatus.labels)},
            field="status",
        )
    _ensure_open(lead)
    if status == LeadStatus.CONVERTED:
        raise DomainError(
            _("Convert the lead to make it converted: that creates the client."),
            field="status",
        )
    if status != lead.status and status not in _TRANSITIONS[LeadStatus(lead.status)]:
        raise DomainError(
            _("A lead that is “%(old)s” cannot become “%(new)s”.")
            % {
                "old": LeadStatus(lead.status).label,
                "new": LeadStatus(status).label,
            },
            field="status",
        )
    reason = (reason or "").strip()
    if status == LeadStatus.REJECTED and not reason:
        raise DomainError(_("Say why the lead is rejected."), field="reason")
    before = audit.snapshot(lead)
    claim_version(lead, expected_version=version)
    lead.status = status
    lead.rejection_reason = reason if status == LeadStatus.REJECTED else ""
    lead.save()
    audit.record_update(actor, lead, before)
    return lead


def lead_reject(*, actor, lead: Lead, reason: str, version: int | None = None) -> Lead:
    """Reject a lead, saying why (not interested, spam, a competitor…)."""
    return lead_set_status(
        actor=actor,
        lead=lead,
        status=LeadStatus.REJECTED,
        reason=reason,
        version=version,
    )


@transaction.atomic
def lead_delete(*, actor, lead: Lead) -> Lead:
    """Move a lead to the trash; an administrator can restore it."""
    visibility.ensure_can_edit(actor=actor, obj=lead)
    if lead.is_deleted:
        raise DomainError(_("This lead is already in the trash."))
    record_trash(actor=actor, obj=lead)
    return lead
