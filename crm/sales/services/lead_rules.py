"""The settings of the assignment rules that give new leads a curator (the rules
themselves are applied in `services.leads`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.customers.models import Industry
from crm.customers.services.records import Errors, add_error, pk_of, raise_errors
from crm.sales.models import (
    AssignmentKind,
    AssignmentRule,
)
from crm.sales.services.leads import (
    resolve_active_user,
    resolve_reference,
)

# --- assignment rules (settings) ----------------------------------------------------

RULE_INPUT = frozenset(
    {
        "name",
        "position",
        "kind",
        "is_active",
        "team_id",
        "region",
        "industry_id",
        "assignee_id",
    }
)


def _clean_rule(
    *, rule: AssignmentRule, fields: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    from crm.accounts.models import Team

    unknown = set(fields) - RULE_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "kind":
            if value not in AssignmentKind.values:
                add_error(
                    errors,
                    "kind",
                    _("Choose one of: %(values)s.")
                    % {"values": ", ".join(str(x) for x in AssignmentKind.labels)},
                )
            values["kind"] = value
        elif name == "is_active":
            values["is_active"] = bool(value)
        elif name == "position":
            try:
                values["position"] = int(value or 0)
            except (TypeError, ValueError):
                add_error(errors, "position", _("Enter a whole number from 0."))
                continue
            if not 0 <= values["position"] <= 2**31 - 1:
                add_error(errors, "position", _("Enter a whole number from 0."))
        elif name == "team_id":
            team_id = pk_of(value)
            team = (
                Team.objects.filter(pk=team_id).first()
                if str(team_id).isdigit()
                else None
            )
            if team_id is not None and team is None:
                add_error(errors, "team_id", _("Choose a team."))
            values["team"] = team
        elif name == "industry_id":
            values["industry"] = resolve_reference(
                Industry, value, "industry_id", rule.industry_id, errors
            )
        elif name == "assignee_id":
            values["assignee"] = resolve_active_user(
                value, "assignee_id", rule.assignee_id, errors
            )
        else:
            text = "" if value is None else str(value).strip()
            limit = getattr(AssignmentRule._meta.get_field(name), "max_length", None)
            if limit and len(text) > limit:
                add_error(
                    errors, name, _("At most %(count)d characters.") % {"count": limit}
                )
            values[name] = text

    def final(name: str):
        return values[name] if name in values else getattr(rule, name)

    if not final("name") and "name" not in errors:
        add_error(errors, "name", _("Give the rule a name."))
    kind = final("kind")
    if kind == AssignmentKind.REGION and not final("region") and "region" not in errors:
        add_error(errors, "region", _("Enter the region whose leads this person gets."))
    if (
        kind == AssignmentKind.INDUSTRY
        and final("industry") is None
        and "industry_id" not in errors
    ):
        add_error(
            errors,
            "industry_id",
            _("Choose the industry whose leads this person gets."),
        )
    if kind in (AssignmentKind.REGION, AssignmentKind.INDUSTRY):
        if final("assignee") is None and "assignee_id" not in errors:
            add_error(errors, "assignee_id", _("Choose who gets these leads."))
        values["team"] = None
    if kind == AssignmentKind.ROUND_ROBIN:
        if final("team") is None and "team_id" not in errors:
            add_error(errors, "team_id", _("Choose the team whose members take turns."))
        values["assignee"] = None
    return values


@transaction.atomic
def assignment_rule_create(*, actor, **fields) -> AssignmentRule:
    """Add a rule that gives new leads a curator (administrators)."""
    visibility.ensure_admin(actor=actor)
    rule = AssignmentRule()
    errors: Errors = {}
    values = _clean_rule(rule=rule, fields=fields, errors=errors)
    raise_errors(errors)
    for name, value in values.items():
        setattr(rule, name, value)
    if "position" not in fields:
        last = AssignmentRule.objects.order_by("-position").first()
        rule.position = (last.position + 10) if last else 10
    rule.save()
    audit.record_create(actor, rule)
    return rule


@transaction.atomic
def assignment_rule_update(*, actor, rule: AssignmentRule, **fields) -> AssignmentRule:
    """Change a rule (administrators); a round robin keeps its place in the turn."""
    visibility.ensure_admin(actor=actor)
    errors: Errors = {}
    values = _clean_rule(rule=rule, fields=fields, errors=errors)
    raise_errors(errors)
    before = audit.snapshot(rule)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    audit.record_update(actor, rule, before)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor, rule: AssignmentRule) -> None:
    """Delete a rule (administrators); leads it assigned keep their curators."""
    visibility.ensure_admin(actor=actor)
    audit.record_delete(actor, rule)
    rule.delete()
