"""Writes of deals: the deal itself, its composition (lines), its participants and
its moves between the stages of its pipeline.

Amounts are computed here, in `Decimal`, by one pure function (`line_amounts`), so
the card, the API, documents and reports read the same kopecks. A deal's amount is
the sum of its lines' totals; it is typed by hand only while there are no lines.

References arrive as model instances (forms, other services) or ids (the API);
every mistake of the input is reported at once, each under its field — a line's
under `lines.<n>.<field>` — and nothing is written when any is refused.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from crm.core import audit, events, visibility
from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.money import format_money
from crm.core.services import claim_version, record_trash
from crm.customers.models import Company, Contact, Employment, Source
from crm.sales.models import (
    Currency,
    Deal,
    DealLine,
    DealParticipant,
    DealStageChange,
    DealStatus,
    Lead,
    LostReason,
    ParticipantSide,
    Pipeline,
    Price,
    PriceList,
    Product,
    Stage,
    StageKind,
    VatRate,
)
from crm.sales.selectors.catalogue import best_discount
from crm.sales.services.deal_history import deal_log, deal_timeline_note

Errors = dict[str, list]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# The database columns: 18 digits with 2 after the point for money, 14 with 3 for
# quantities. Larger values would fail at the database with an unreadable error.
MAX_MONEY = Decimal("1e16")
MAX_QUANTITY = Decimal("1e11")
# Enough digits that quantity × price × discount is exact before the one rounding.
_EXACT = decimal.Context(prec=60)


# --- amounts ------------------------------------------------------------------------


@dataclass(frozen=True)
class LineAmounts:
    """A line's money: without VAT, the VAT, and the total with VAT."""

    net: Decimal
    vat: Decimal
    total: Decimal


def line_amounts(
    *,
    quantity: Decimal,
    price: Decimal,
    discount_percent: Decimal = Decimal(0),
    vat_rate: Decimal | None = None,
    prices_include_vat: bool = True,
) -> LineAmounts:
    """Compute a line's net, VAT and total, rounded half up to kopecks.

    quantity × price less the discount is rounded once, to kopecks; it is the total
    when prices include VAT (the VAT inside is total × rate / (100 + rate)) and the
    net when VAT comes on top (VAT = net × rate / 100). `vat_rate` None means "without
    VAT": no VAT at all, as with 0 %.
    """
    quantity, price = Decimal(quantity), Decimal(price)
    discount = Decimal(discount_percent or 0)
    amount = _EXACT.divide(
        _EXACT.multiply(_EXACT.multiply(quantity, price), HUNDRED - discount), HUNDRED
    ).quantize(CENT, rounding=ROUND_HALF_UP)
    rate = Decimal(vat_rate) if vat_rate is not None else Decimal(0)
    if prices_include_vat:
        total = amount
        vat = _EXACT.divide(_EXACT.multiply(total, rate), HUNDRED + rate).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        return LineAmounts(net=total - vat, vat=vat, total=total)
    net = amount
    vat = _EXACT.divide(_EXACT.multiply(net, rate), HUNDRED).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return LineAmounts(net=net, vat=vat, total=net + vat)


def deal_prices_include_vat(deal: Deal) -> bool:
    """Whether the deal's prices include VAT: its price list says; without one, yes
    (as usual for Russian retail)."""
    price_list = deal.price_list if deal.price_list_id else None
    return price_list.prices_include_vat if price_list is not None else True


# --- checking input -------------------------------------------------------------------


def _add(errors: Errors, field: str, message) -> None:
    errors.setdefault(field, []).append(message)


def _raise(errors: Errors) -> None:
    if errors:
        raise DomainError.from_errors(errors)


def _pk(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if value in ("", None):
        return None
    return value


def _int_pk(value: Any) -> int | None:
    """An id as an int; a malformed one is an id of nothing (None)."""
    pk = _pk(value)
    if pk is None:
        return None
    try:
        return int(pk)
    except (TypeError, ValueError):
        return -1


def _parse_decimal(value: Any) -> Decimal | None:
    """A number from a form, the API or code; raises InvalidOperation on bad text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        # Through its shortest text, so 33.33 stays 33.33 and not 33.3299999…
        number = Decimal(repr(value))
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        number = Decimal(text.replace(",", "."))
    if not number.is_finite():
        raise InvalidOperation
    return number


def _number(
    value: Any,
    *,
    field: str,
    errors: Errors,
    places: int,
    message,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    above: Decimal | None = None,
) -> Decimal | None:
    """A checked decimal; `message` tells what range is wanted."""
    try:
        number = _parse_decimal(value)
    except (InvalidOperation, ValueError):
        _add(errors, field, _("Enter a number."))
        return None
    if number is None:
        return None
    if (
        (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
        or (above is not None and number <= above)
    ):
        _add(errors, field, message)
        return None
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):
        _add(
            errors,
            field,
            _("At most %(places)d digits after the decimal point.")
            % {"places": places},
        )
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def _text(value: Any, *, field: str, errors: Errors, limit: int, required=None) -> str:
    text = ("" if value is None else str(value)).strip()
    if required and not text:
        _add(errors, field, required)
    elif len(text) > limit:
        _add(errors, field, _("At most %(limit)d characters.") % {"limit": limit})
    return text


def plain(number: Decimal) -> str:
    """A decimal without trailing zeros (2.000 → 2), for texts of the history."""
    return format(number.normalize(), "f")


money_text = format_money


# --- references -------------------------------------------------------------------------


def visible_company(actor, value: Any) -> Company | None:
    """A company the actor may see; NotFound for a hidden or missing one."""
    pk = _int_pk(value)
    if pk is None:
        return None
    if isinstance(value, Company) and value.deleted_at is None:
        if visibility.can(actor, value):
            return value
        raise NotFound
    company = visibility.visible(Company.objects.all(), actor).filter(pk=pk).first()
    if company is None:
        raise NotFound
    return company


def visible_contact(actor, value: Any) -> Contact | None:
    """A contact the actor may see; NotFound for a hidden or missing one."""
    pk = _int_pk(value)
    if pk is None:
        return None
    if isinstance(value, Contact) and value.deleted_at is None:
        if visibility.can(actor, value):
            return value
        raise NotFound
    contact = visibility.visible(Contact.objects.all(), actor).filter(pk=pk).first()
    if contact is None:
        raise NotFound
    return contact


def _active_user(value: Any, *, field: str, errors: Errors):
    pk = _int_pk(value)
    user_model = get_user_model()
    user = (
        value
        if isinstance(value, user_model)
        else user_model.objects.filter(pk=pk).first()
        if pk is not None
        else None
    )
    if user is None or not user.is_active:
        _add(errors, field, _("Choose an active user."))
        return None
    return user


def _reference(model, value: Any, *, field: str, errors: Errors, message, **filters):
    """An active row of a reference model, or an error under `field`."""
    pk = _int_pk(value)
    if pk is None:
        return None
    if isinstance(value, model) and all(
        getattr(value, k) == v for k, v in filters.items()
    ):
        return value
    found = model._default_manager.filter(pk=pk, **filters).first()
    if found is None:
        _add(errors, field, message)
    return found


def default_pipeline() -> Pipeline | None:
    """The pipeline new deals go to when none is chosen."""
    return (
        Pipeline.objects.filter(is_active=True)
        .order_by("-is_default", "position", "id")
        .first()
    )


def first_open_stage(pipeline: Pipeline) -> Stage | None:
    return (
        pipeline.stages.filter(kind=StageKind.OPEN).order_by("position", "id").first()
    )


def default_price_list() -> PriceList | None:
    return (
        PriceList.objects.filter(is_active=True)
        .order_by("-is_default", "name", "id")
        .first()
    )


def can_reopen(actor) -> bool:
    """Whether the actor may move a won or lost deal back (administrators and
    heads of department)."""
    return (
        visibility.is_admin(actor) or getattr(actor, "role", "") == visibility.Role.HEAD
    )


# --- deals ----------------------------------------------------------------------------

DEAL_INPUT = frozenset(
    {
        "title",
        "company",
        "contact",
        "owner",
        "pipeline",
        "stage",
        "price_list",
        "currency",
        "amount",
        "probability",
        "expected_close_date",
        "source",
        "description",
        "external_id",
        "lead",
        "lost_reason",
        "lost_comment",
    }
)
_REFERENCES = {
    "company",
    "contact",
    "owner",
    "pipeline",
    "stage",
    "price_list",
    "source",
    "lead",
    "lost_reason",
}


def _normalise_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """Accept `company_id` as well as `company` (the API speaks in ids)."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        name = key[:-3] if key.endswith("_id") and key[:-3] in _REFERENCES else key
        result[name] = value
    return result


def _clean_date(value: Any, *, field: str, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(str(value).strip())
    except ValueError:
        parsed = None
    if parsed is None:
        _add(errors, field, _("Enter a date, like 2025-03-14."))
    return parsed


def _clean_probability(value: Any, errors: Errors) -> int | None:
    number = _number(
        value,
        field="probability",
        errors=errors,
        places=0,
        minimum=Decimal(0),
        maximum=HUNDRED,
        message=_("Enter a probability from 0 to 100 %."),
    )
    return None if number is None else int(number)


def _clean_deal(
    *, actor, deal: Deal, data: Mapping[str, Any], errors: Errors
) -> dict[str, Any]:
    """Check the submitted fields of a deal; returns attributes to set."""
    unknown = set(data) - DEAL_INPUT
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = _text(
            data["title"],
            field="title",
            errors=errors,
            limit=300,
            required=_("Name the deal."),
        )
    if "company" in data:
        current = (
            deal.company_id is not None and _int_pk(data["company"]) == deal.company_id
        )
        values["company"] = (
            deal.company if current else visible_company(actor, data["company"])
        )
    if "contact" in data:
        current = (
            deal.contact_id is not None and _int_pk(data["contact"]) == deal.contact_id
        )
        values["contact"] = (
            deal.contact if current else visible_contact(actor, data["contact"])
        )
    if "owner" in data:
        if data["owner"] in (None, ""):
            _add(errors, "owner", _("Choose who is responsible for the deal."))
        else:
            values["owner"] = _active_user(data["owner"], field="owner", errors=errors)
    if "pipeline" in data:
        values["pipeline"] = _reference(
            Pipeline,
            data["pipeline"],
            field="pipeline",
            errors=errors,
            message=_("Choose an active pipeline."),
            is_active=True,
        )
    if "stage" in data:
        values["stage"] = _reference(
            Stage,
            data["stage"],
            field="stage",
            errors=errors,
            message=_("Choose a stage of the deal's pipeline."),
        )
    if "price_list" in data:
        values["price_list"] = (
            _reference(
                PriceList,
                data["price_list"],
                field="price_list",
                errors=errors,
                message=_("Choose an active price list."),
                is_active=True,
            )
            if _int_pk(data["price_list"]) != deal.price_list_id
            else deal.price_list
        )
    if "currency" in data and data["currency"] not in (None, ""):
        if data["currency"] not in Currency.values:
            _add(
                errors,
                "currency",
                _("Choose one of: %(values)s.")
                % {"values": ", ".join(Currency.values)},
            )
        else:
            values["currency"] = data["currency"]
    if "amount" in data:
        amount = _number(
            data["amount"],
            field="amount",
            errors=errors,
            places=2,
            minimum=Decimal(0),
            maximum=MAX_MONEY - CENT,
            message=_("Enter an amount of zero or more."),
        )
        values["amount"] = amount if amount is not None else Decimal(0)
    if "probability" in data and data["probability"] not in (None, ""):
        probability = _clean_probability(data["probability"], errors)
        if probability is not None:
            values["probability"] = probability
    if "expected_close_date" in data:
        values["expected_close_date"] = _clean_date(
            data["expected_close_date"], field="expected_close_date", errors=errors
        )
    if "source" in data:
        values["source"] = _reference(
            Source,
            data["source"],
            field="source",
            errors=errors,
            message=_("Choose a source from the list."),
        )
    if "lead" in data:
        lead_id = _int_pk(data["lead"])
        if lead_id is None:
            values["lead"] = None
        elif lead_id == deal.lead_id:
            values["lead"] = deal.lead
        else:
            lead = (
                data["lead"]
                if isinstance(data["lead"], Lead)
                else visibility.visible(Lead.objects.all(), actor)
                .filter(pk=lead_id)
                .first()
            )
            if lead is None:
                raise NotFound
            values["lead"] = lead
    if "lost_reason" in data:
        values["lost_reason"] = _reference(
            LostReason,
            data["lost_reason"],
            field="lost_reason",
            errors=errors,
            message=_("Choose a reason for losing from the list."),
        )
    for name, limit in (("description", 100_000), ("lost_comment", 10_000)):
        if name in data:
            values[name] = _text(data[name], field=name, errors=errors, limit=limit)
    if "external_id" in data:
        external_id = _text(
            data["external_id"], field="external_id", errors=errors, limit=100
        )
        if (
            external_id
            and external_id != deal.external_id
            and Deal.all_objects.with_external_id(external_id)
            .exclude(pk=deal.pk)
            .exists()
        ):
            _add(errors, "external_id", _("Another deal has this external ID."))
        values["external_id"] = external_id
    return values


def _check_currency(deal: Deal, errors: Errors) -> None:
    price_list = deal.price_list
    if price_list is not None and price_list.currency != deal.currency:
        _add(
            errors,
            "price_list",
            _(
                "The price list “%(name)s” is in %(list_currency)s and the deal in "
                "%(deal_currency)s: choose a price list in %(deal_currency)s."
            )
            % {
                "name": price_list.name,
                "list_currency": price_list.currency,
                "deal_currency": deal.currency,
            },
        )


def _main_company(actor, contact: Contact) -> Company | None:
    """The company a person mainly works for, when the actor may see it."""
    employment = (
        Employment.objects.filter(contact=contact, company__deleted_at__isnull=True)
        .select_related("company")
        .order_by("-is_primary", "id")
        .first()
    )
    if employment is None or not visibility.can(actor, employment.company):
        return None
    return employment.company


def _apply_stage(*, deal: Deal, stage: Stage, errors: Errors, now: dt.datetime) -> None:
    """Status, probability, close time and reason follow the stage's kind."""
    deal.stage = stage
    # The kinds of stages and the statuses of deals share their values.
    deal.status = DealStatus(stage.kind)
    deal.stage_changed_at = now
    if stage.kind == StageKind.OPEN:
        deal.closed_at = None
        deal.lost_reason = None
        deal.lost_comment = ""
    else:
        deal.closed_at = now
    if stage.kind == StageKind.WON:
        deal.lost_reason = None
        deal.lost_comment = ""
    if stage.kind == StageKind.LOST and deal.lost_reason_id is None:
        _add(
            errors,
            "lost_reason",
            _("Choose the reason the deal was lost."),
        )


def _set_search_text(deal: Deal) -> None:
    deal.search_text = deal.build_search_text()


@transaction.atomic
def deal_create(
    *,
    actor,
    lines: Iterable[Mapping[str, Any]] | None = None,
    participants: Iterable[Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Deal:
    """Open a deal (an offer to a client), optionally with its composition.

    `fields`: `title`, `company` and/or `contact` (the actor must see them: NotFound
    otherwise; a contact alone brings their main company), `owner` (the actor by
    default), `pipeline` (the default one) and `stage` (its first open stage),
    `price_list` (the default one; the deal takes its currency), `currency`,
    `amount` (only without lines), `probability` (the stage's by default),
    `expected_close_date`, `source`, `description`, `external_id`, `lead`. References
    may be instances or ids, also as `<name>_id`. `lines` are dicts as for
    `deal_line_add`; `participants` as for `deal_participant_add`.
    """
    visibility.ensure_can_create(actor=actor, object_type="deal")
    deal = Deal()
    errors: Errors = {}
    data = _normalise_keys(fields)
    values = _clean_deal(actor=actor, deal=deal, data=data, errors=errors)
    for name, value in values.items():
        setattr(deal, name, value)
    if deal.company_id is None and deal.contact_id is None and "company" not in errors:
        _add(errors, "company", _("Choose a company or a contact."))
    if deal.contact is not None and deal.company_id is None:
        deal.company = _main_company(actor, deal.contact)
    if "owner" not in data:
        deal.owner = actor
    if "pipeline" not in data or values.get("pipeline") is None:
        pipeline = default_pipeline()
        if pipeline is None:
            _add(errors, "pipeline", _("Create a pipeline first."))
        elif "pipeline" not in errors:
            deal.pipeline = pipeline
    stage = values.get("stage")
    if deal.pipeline_id is not None:
        if stage is not None and stage.pipeline_id != deal.pipeline_id:
            _add(
                errors,
                "stage",
                _("Choose a stage of the pipeline “%(name)s”.")
                % {"name": deal.pipeline.name},
            )
            stage = None
        if stage is None and "stage" not in errors:
            stage = first_open_stage(deal.pipeline)
            if stage is None:
                _add(errors, "stage", _("The pipeline has no open stage."))
    if "price_list" not in data:
        deal.price_list = default_price_list()
    if deal.price_list is not None and "currency" not in values:
        deal.currency = deal.price_list.currency
    _check_currency(deal, errors)
    now = timezone.now()
    if stage is not None:
        _apply_stage(deal=deal, stage=stage, errors=errors, now=now)
        if "probability" not in values:
            deal.probability = stage.probability
    if deal.owner_id is not None and not visibility.can(actor, deal, "edit"):
        _add(
            errors,
            "owner",
            _("You may only open deals for yourself or people whose deals you manage."),
        )
    line_values = [
        _clean_line(
            deal=deal,
            line=DealLine(deal=deal, position=index + 1),
            data=line,
            errors=errors,
            prefix=f"lines.{index}.",
        )
        for index, line in enumerate(lines or [])
    ]
    _raise(errors)

    deal.created_by = actor
    deal.created_at = deal.updated_at = now
    _set_search_text(deal)
    deal.save()
    DealStageChange.objects.create(
        deal=deal,
        from_stage=None,
        to_stage=deal.stage,
        changed_by=actor,
        changed_at=now,
    )
    audit.record_create(actor, deal)
    if line_values:
        saved = []
        for line in line_values:
            line.deal = deal
            line.save()
            saved.append(line)
        deal.amount = _lines_total(deal)
        Deal.all_objects.filter(pk=deal.pk).update(amount=deal.amount)
        deal_log(
            actor=actor,
            deal=deal,
            key="lines",
            new="; ".join(line_text(line, deal.currency) for line in saved),
        )
        _review_discounts(actor=actor, deal=deal, lines=saved)
    for index, participant in enumerate(participants or []):
        try:
            deal_participant_add(actor=actor, deal=deal, **participant)
        except DomainError as error:
            raise DomainError(
                error.message, field=f"participants.{index}.{error.field or 'contact'}"
            ) from None
    deal_timeline_note(
        actor=actor,
        deal=deal,
        subject=_("Deal opened: %(title)s") % {"title": deal.title},
        body=money_text(deal.amount, deal.currency) if deal.amount else "",
    )
    return deal


@transaction.atomic
def deal_update(
    *, actor, deal: Deal, version: int | None = None, **fields: Any
) -> Deal:
    """Change a deal's fields; only the given ones change.

    `version` is the one the user loaded: a deal saved by someone else since is
    refused with `Conflict`. The stage changes through `deal_move_stage`; a new
    `pipeline` puts the deal in its first open stage (or the `stage` given with it),
    recorded in the stage history. While the deal has lines its amount is their
    total and cannot be typed; the currency cannot change under priced lines.
    """
    visibility.ensure_can_edit(actor=actor, obj=deal)
    errors: Errors = {}
    data = _normalise_keys(fields)
    values = _clean_deal(actor=actor, deal=deal, data=data, errors=errors)
    has_lines = deal.lines.exists()
    stage = values.pop("stage", None)
    new_pipeline = values.pop("pipeline", None)
    if (
        "stage" in data
        and stage is not None
        and not (new_pipeline is not None and new_pipeline.pk != deal.pipeline_id)
        and stage.pk != deal.stage_id
    ):
        _add(
            errors,
            "stage",
            _("Move the deal to another stage on the board or the card."),
        )
    if "amount" in values and has_lines and values["amount"] != deal.amount:
        _add(
            errors,
            "amount",
            _("The amount is the total of the deal's lines: change the lines instead."),
        )
    if "amount" in values and has_lines:
        values.pop("amount")
    if has_lines and "currency" in values and values["currency"] != deal.currency:
        _add(
            errors,
            "currency",
            _(
                "The lines are priced in %(currency)s: remove them to change the currency."
            )
            % {"currency": deal.currency},
        )
    before = audit.snapshot(deal)
    old_price_list_id = deal.price_list_id
    old_stage = deal.stage
    for name, value in values.items():
        setattr(deal, name, value)
    if (
        "price_list" in values
        and deal.price_list is not None
        and "currency" not in values
        and not has_lines
    ):
        deal.currency = deal.price_list.currency
    if deal.company_id is None and deal.contact_id is None:
        _add(errors, "company", _("Choose a company or a contact."))
    _check_currency(deal, errors)
    now = timezone.now()
    moved = False
    if new_pipeline is not None and new_pipeline.pk != deal.pipeline_id:
        if not deal.is_open and not can_reopen(actor):
            _add(
                errors,
                "pipeline",
                _(
                    "Only an administrator or a head of department may move a closed deal."
                ),
            )
        target = stage if stage is not None else first_open_stage(new_pipeline)
        if target is None or target.pipeline_id != new_pipeline.pk:
            _add(
                errors,
                "stage",
                _("Choose a stage of the pipeline “%(name)s”.")
                % {"name": new_pipeline.name},
            )
        else:
            deal.pipeline = new_pipeline
            _apply_stage(deal=deal, stage=target, errors=errors, now=now)
            if "probability" not in values:
                deal.probability = target.probability
            moved = True
    if "owner" in values and not visibility.can(actor, deal, "edit"):
        _add(
            errors,
            "owner",
            _("You may only give the deal to people whose deals you manage."),
        )
    _raise(errors)
    # Checked before the version is claimed, so a refused save leaves the stored
    # deal as it was.
    claim_version(deal, expected_version=version)
    _set_search_text(deal)
    deal.save()
    if moved:
        DealStageChange.objects.create(
            deal=deal,
            from_stage=old_stage,
            to_stage=deal.stage,
            changed_by=actor,
            changed_at=now,
        )
    if deal.price_list_id != old_price_list_id and has_lines:
        # Whether prices include VAT may differ between the lists.
        _recompute_lines(deal)
    audit.record_update(actor, deal, before)
    return deal


@transaction.atomic
def deal_delete(*, actor, deal: Deal) -> Deal:
    """Move a deal to the trash with its lines, participants and history; an
    administrator restores it from there."""
    visibility.ensure_can_edit(actor=actor, obj=deal)
    if deal.is_deleted:
        raise DomainError(_("This deal is already in the trash."))
    record_trash(actor=actor, obj=deal)
    return deal


# --- stage moves --------------------------------------------------------------------


@transaction.atomic
def deal_move_stage(
    *,
    actor,
    deal: Deal,
    stage: Stage | int,
    lost_reason: LostReason | int | None = None,
    lost_comment: str = "",
    version: int | None = None,
) -> Deal:
    """Move a deal to another stage of its own pipeline, recording the move.

    The status, the probability (the stage's default) and the close time follow
    the stage; a lost stage needs a reason for losing. A won or lost deal goes
    anywhere else only by an administrator or a head of department (`Forbidden`
    otherwise): closed deals are what the figures of sales are made of.
    """
    visibility.ensure_can_edit(actor=actor, obj=deal)
    errors: Errors = {}
    target = (
        stage
        if isinstance(stage, Stage)
        else Stage.objects.select_related("pipeline")
        .filter(pk=_int_pk(stage) or 0)
        .first()
    )
    if target is None:
        raise DomainError(_("Choose a stage of the deal's pipeline."), field="stage")
    stage = target
    if stage.pipeline_id != deal.pipeline_id:
        raise DomainError(_("The stage belongs to another pipeline."), field="stage")
    if stage.pk == deal.stage_id:
        return deal
    if not deal.is_open and not can_reopen(actor):
        raise Forbidden(
            _(
                "The deal is already closed (%(status)s). Only an administrator or "
                "a head of department may move it back."
            )
            % {"status": deal.get_status_display()}
        )
    reason = None
    if stage.kind == StageKind.LOST:
        reason = _reference(
            LostReason,
            lost_reason,
            field="lost_reason",
            errors=errors,
            message=_("Choose a reason for losing from the list."),
            is_active=True,
        )
        _raise(errors)
        if reason is None:
            raise DomainError(
                _("Choose the reason the deal was lost."), field="lost_reason"
            )
    comment = _text(lost_comment, field="lost_comment", errors=errors, limit=10_000)
    _raise(errors)
    before = audit.snapshot(deal)
    claim_version(deal, expected_version=version)
    old_stage = deal.stage
    now = timezone.now()
    deal.lost_reason = reason
    deal.lost_comment = comment if stage.kind == StageKind.LOST else ""
    _apply_stage(deal=deal, stage=stage, errors=errors, now=now)
    deal.probability = stage.probability
    deal.save()
    DealStageChange.objects.create(
        deal=deal,
        from_stage=old_stage,
        to_stage=stage,
        changed_by=actor,
        changed_at=now,
    )
    audit.record_update(actor, deal, before)
    events.emit(
        "deal.stage_changed",
        deal,
        actor=actor,
        data={
            "from_stage": {"id": old_stage.pk, "name": old_stage.name},
            "to_stage": {"id": stage.pk, "name": stage.name, "kind": stage.kind},
        },
    )
    if stage.kind == StageKind.WON:
        deal_timeline_note(
            actor=actor,
            deal=deal,
            subject=_("Deal won: %(title)s") % {"title": deal.title},
            body=money_text(deal.amount, deal.currency),
        )
    elif stage.kind == StageKind.LOST:
        deal_timeline_note(
            actor=actor,
            deal=deal,
            subject=_("Deal lost: %(title)s") % {"title": deal.title},
            body="\n".join(t for t in (str(reason), comment) if t),
        )
    elif old_stage.kind != StageKind.OPEN:
        deal_timeline_note(
            actor=actor,
            deal=deal,
            subject=_("Deal reopened: %(title)s") % {"title": deal.title},
        )
    return deal


# --- lines ----------------------------------------------------------------------------

LINE_INPUT = frozenset(
    {
        "product",
        "name",
        "unit",
        "quantity",
        "price",
        "discount_percent",
        "vat_rate",
        "price_list",
    }
)


def line_text(line: DealLine, currency: str) -> str:
    """A line as the history shows it."""
    return _(
        "%(name)s: %(quantity)s × %(price)s, discount %(discount)s %%, total %(total)s"
    ) % {
        "name": line.name,
        "quantity": plain(line.quantity),
        "price": plain(line.price),
        "discount": plain(line.discount_percent),
        "total": money_text(line.total_amount, currency),
    }


def _clean_line(
    *,
    deal: Deal,
    line: DealLine,
    data: Mapping[str, Any],
    errors: Errors,
    prefix: str = "",
) -> DealLine:
    """Check a line's input and set its fields and amounts on `line` (unsaved).

    A product brings its name, unit, VAT rate and cost, and its price in the deal's
    price list (or the `price_list` given) unless a price is typed.
    """
    data = {
        (k[:-3] if k in ("product_id", "vat_rate_id", "price_list_id") else k): v
        for k, v in data.items()
    }
    unknown = set(data) - LINE_INPUT
    if unknown:
        name = sorted(unknown)[0]
        _add(errors, f"{prefix}{name}", _("Unknown field: %(name)s.") % {"name": name})
        return line
    count = sum(len(v) for v in errors.values())
    is_new = line.pk is None
    product = line.product if line.product_id else None
    product_changed = False
    if "product" in data:
        product_id = _int_pk(data["product"])
        if product_id is None:
            product, product_changed = None, line.product_id is not None
        elif product_id != line.product_id:
            product = (
                data["product"]
                if isinstance(data["product"], Product)
                and data["product"].deleted_at is None
                else Product.objects.select_related("unit", "vat_rate")
                .filter(pk=product_id)
                .first()
            )
            if product is None:
                _add(
                    errors,
                    f"{prefix}product",
                    _("Choose a product from the catalogue."),
                )
            elif not product.is_active:
                _add(
                    errors,
                    f"{prefix}product",
                    _("“%(name)s” is not on sale.") % {"name": product.name},
                )
                product = None
            else:
                product_changed = True
    if "name" in data:
        line.name = _text(data["name"], field=f"{prefix}name", errors=errors, limit=300)
    if product_changed and product is not None and not (data.get("name") or "").strip():
        line.name = product.name
    if not line.name and product is not None:
        line.name = product.name
    if not line.name and f"{prefix}product" not in errors:
        _add(errors, f"{prefix}name", _("Choose a product or enter a name."))
    if "unit" in data:
        line.unit = _text(data["unit"], field=f"{prefix}unit", errors=errors, limit=20)
    elif product_changed and product is not None:
        line.unit = product.unit.short_name if product.unit is not None else ""
    if "quantity" in data or is_new:
        quantity = _number(
            data.get("quantity", 1),
            field=f"{prefix}quantity",
            errors=errors,
            places=3,
            above=Decimal(0),
            maximum=MAX_QUANTITY - Decimal("0.001"),
            message=_("Enter a quantity greater than zero."),
        )
        if quantity is None and f"{prefix}quantity" not in errors:
            _add(errors, f"{prefix}quantity", _("Enter a quantity greater than zero."))
        if quantity is not None:
            line.quantity = quantity
    if "discount_percent" in data or is_new:
        typed = data.get("discount_percent")
        if typed in (None, "") and product is not None and product_changed:
            # No discount typed for a new item: offer the client's standing discount.
            standing = best_discount(
                product, deal.company, line.quantity or 1, timezone.localdate()
            )
            typed = standing.percent if standing is not None else 0
        discount = _number(
            typed if typed not in (None, "") else 0,
            field=f"{prefix}discount_percent",
            errors=errors,
            places=2,
            minimum=Decimal(0),
            maximum=HUNDRED,
            message=_("Enter a discount from 0 to 100 %."),
        )
        line.discount_percent = discount if discount is not None else Decimal(0)
    # The price: typed, or from the price list when the product is new on the line.
    price = None
    if data.get("price") not in (None, ""):
        price = _number(
            data["price"],
            field=f"{prefix}price",
            errors=errors,
            places=2,
            minimum=Decimal(0),
            maximum=MAX_MONEY - CENT,
            message=_("Enter a price of zero or more."),
        )
    price_list = deal.price_list
    if data.get("price_list") not in (None, ""):
        price_list = _reference(
            PriceList,
            data["price_list"],
            field=f"{prefix}price_list",
            errors=errors,
            message=_("Choose an active price list."),
            is_active=True,
        )
        if price_list is not None:
            _check_line_price_list(deal, price_list, f"{prefix}price_list", errors)
    needs_list_price = (
        price is None and f"{prefix}price" not in errors and (is_new or product_changed)
    )
    if needs_list_price:
        if product is None:
            _add(errors, f"{prefix}price", _("Enter a price."))
        elif price_list is None:
            _add(
                errors,
                f"{prefix}price",
                _("The deal has no price list: enter a price."),
            )
        elif f"{prefix}price_list" not in errors:
            _check_line_price_list(deal, price_list, f"{prefix}price_list", errors)
            if f"{prefix}price_list" not in errors:
                listed = (
                    Price.objects.filter(price_list=price_list, product=product)
                    .values_list("price", flat=True)
                    .first()
                )
                if listed is None:
                    _add(
                        errors,
                        f"{prefix}price",
                        _(
                            "“%(product)s” has no price in the price list "
                            "“%(price_list)s”: enter a price."
                        )
                        % {"product": product.name, "price_list": price_list.name},
                    )
                else:
                    price = listed
    if price is not None:
        line.price = price
    if "vat_rate" in data:
        rate = _reference(
            VatRate,
            data["vat_rate"],
            field=f"{prefix}vat_rate",
            errors=errors,
            message=_("Choose a VAT rate from the list."),
        )
        if rate is not None:
            line.vat_rate = rate.rate
        elif _int_pk(data["vat_rate"]) is None:
            line.vat_rate = None
    elif is_new or product_changed:
        rate = product.vat_rate if product is not None and product.vat_rate_id else None
        if rate is None:
            rate = VatRate.objects.filter(is_default=True).first()
        line.vat_rate = rate.rate if rate is not None else None
    if product_changed:
        line.product = product
        line.cost_price = product.cost_price if product is not None else Decimal(0)
    if sum(len(v) for v in errors.values()) == count:
        amounts = line_amounts(
            quantity=line.quantity,
            price=line.price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            prices_include_vat=deal_prices_include_vat(deal),
        )
        if amounts.total >= MAX_MONEY or amounts.net >= MAX_MONEY:
            _add(errors, f"{prefix}quantity", _("The line's total is too large."))
        line.net_amount, line.vat_amount, line.total_amount = (
            amounts.net,
            amounts.vat,
            amounts.total,
        )
    return line


def _check_line_price_list(
    deal: Deal, price_list: PriceList, field: str, errors: Errors
) -> None:
    if price_list.currency != deal.currency:
        _add(
            errors,
            field,
            _(
                "The price list “%(name)s” is in %(list_currency)s and the deal in "
                "%(deal_currency)s: choose a price list in %(deal_currency)s or "
                "enter the price."
            )
            % {
                "name": price_list.name,
                "list_currency": price_list.currency,
                "deal_currency": deal.currency,
            },
        )
    elif price_list.prices_include_vat != deal_prices_include_vat(deal):
        _add(
            errors,
            field,
            _(
                "The prices of “%(name)s” and of the deal's price list differ in "
                "whether they include VAT: enter the price."
            )
            % {"name": price_list.name},
        )


def _lines_total(deal: Deal) -> Decimal:
    return deal.lines.aggregate(total=Sum("total_amount"))["total"] or Decimal(0)


def _recompute_lines(deal: Deal) -> None:
    include = deal_prices_include_vat(deal)
    for line in deal.lines.all():
        amounts = line_amounts(
            quantity=line.quantity,
            price=line.price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            prices_include_vat=include,
        )
        line.net_amount, line.vat_amount, line.total_amount = (
            amounts.net,
            amounts.vat,
            amounts.total,
        )
        line.save(update_fields=["net_amount", "vat_amount", "total_amount"])
    deal.amount = _lines_total(deal)
    Deal.all_objects.filter(pk=deal.pk).update(amount=deal.amount)


def _lock(deal: Deal, version: int | None) -> dict[str, Any]:
    """Serialise writes to one deal's composition and take its next version.

    With a `version` the user loaded, a stale one is refused; without, the version
    still grows, so an edit of the deal opened before the lines changed is refused
    rather than overwriting the amount.
    """
    Deal.all_objects.select_for_update().filter(pk=deal.pk).values_list("pk").first()
    before = audit.snapshot(deal)
    if version is not None:
        claim_version(deal, expected_version=version)
    else:
        now = timezone.now()
        Deal.all_objects.filter(pk=deal.pk).update(
            version=F("version") + 1, updated_at=now
        )
        deal.version = (
            Deal.all_objects.filter(pk=deal.pk).values_list("version", flat=True).get()
        )
        deal.updated_at = now
    return before


def _after_lines(actor, deal: Deal, before: dict[str, Any]) -> None:
    deal.amount = _lines_total(deal)
    Deal.all_objects.filter(pk=deal.pk).update(amount=deal.amount)
    audit.record_update(actor, deal, before)


def _review_discounts(*, actor, deal: Deal, lines: list[DealLine]) -> None:
    from crm.sales.services.approvals import discount_review

    discount_review(actor=actor, deal=deal, lines=lines)


@transaction.atomic
def deal_line_add(
    *, actor, deal: Deal, version: int | None = None, **data: Any
) -> DealLine:
    """Add a line to the deal's composition and recompute the deal's amount.

    `data`: `product` (or `product_id`), `quantity` (> 0, 1 by default), `price`
    (≥ 0; the product's price in the deal's price list when left out),
    `discount_percent` (0–100), `name`, `unit`, `vat_rate` (a VatRate, else the
    product's), `price_list` (where to take the price from instead of the deal's; in
    the deal's currency). A discount above the actor's limit saves the line and
    asks for approval (see `approvals.discount_review`).
    """
    visibility.ensure_can_edit(actor=actor, obj=deal)
    errors: Errors = {}
    line = _clean_line(deal=deal, line=DealLine(deal=deal), data=data, errors=errors)
    _raise(errors)
    before = _lock(deal, version)
    line.position = (deal.lines.aggregate(m=Max("position"))["m"] or 0) + 1
    line.save()
    _after_lines(actor, deal, before)
    deal_log(actor=actor, deal=deal, key="lines", new=line_text(line, deal.currency))
    _review_discounts(actor=actor, deal=deal, lines=[line])
    return line


@transaction.atomic
def deal_line_update(
    *,
    actor,
    deal: Deal,
    line: DealLine,
    version: int | None = None,
    **data: Any,
) -> DealLine:
    """Change a line; only the given fields change (see `deal_line_add`). A new
    product takes its price from the price list unless a price is given."""
    visibility.ensure_can_edit(actor=actor, obj=deal)
    if line.deal_id != deal.pk:
        raise NotFound
    old_text = line_text(line, deal.currency)
    old_discount = line.discount_percent
    errors: Errors = {}
    _clean_line(deal=deal, line=line, data=data, errors=errors)
    if errors:
        line.refresh_from_db()
    _raise(errors)
    before = _lock(deal, version)
    line.save()
    _after_lines(actor, deal, before)
    new_text = line_text(line, deal.currency)
    if new_text != old_text:
        deal_log(actor=actor, deal=deal, key="lines", old=old_text, new=new_text)
    if line.discount_percent != old_discount:
        _review_discounts(actor=actor, deal=deal, lines=[line])
    return line


@transaction.atomic
def deal_line_remove(
    *, actor, deal: Deal, line: DealLine, version: int | None = None
) -> None:
    """Remove a line from the composition and recompute the deal's amount."""
    visibility.ensure_can_edit(actor=actor, obj=deal)
    if line.deal_id != deal.pk:
        raise NotFound
    text = line_text(line, deal.currency)
    before = _lock(deal, version)
    line.delete()
    _after_lines(actor, deal, before)
    deal_log(actor=actor, deal=deal, key="lines", old=text)
    _review_discounts(actor=actor, deal=deal, lines=[])


@transaction.atomic
def deal_lines_set(
    *,
    actor,
    deal: Deal,
    lines: Iterable[Mapping[str, Any]],
    version: int | None = None,
) -> list[DealLine]:
    """Replace the whole composition; errors name `lines.<n>.<field>`."""
    visibility.ensure_can_edit(actor=actor, obj=deal)
    errors: Errors = {}
    new_lines = [
        _clean_line(
            deal=deal,
            line=DealLine(deal=deal, position=index + 1),
            data=data,
            errors=errors,
            prefix=f"lines.{index}.",
        )
        for index, data in enumerate(lines)
    ]
    _raise(errors)
    before = _lock(deal, version)
    old_text = "; ".join(line_text(line, deal.currency) for line in deal.lines.all())
    deal.lines.all().delete()
    for line in new_lines:
        line.save()
    _after_lines(actor, deal, before)
    new_text = "; ".join(line_text(line, deal.currency) for line in new_lines)
    if new_text != old_text:
        deal_log(
            actor=actor,
            deal=deal,
            key="lines",
            old=old_text or None,
            new=new_text or None,
        )
    _review_discounts(actor=actor, deal=deal, lines=new_lines)
    return new_lines


# --- participants ---------------------------------------------------------------------


def participant_text(participant: DealParticipant) -> str:
    who = str(participant.user or participant.contact)
    if participant.company_id:
        who = f"{who} ({participant.company})"
    parts = [str(participant.get_side_display()), who]
    if participant.role:
        parts.append(participant.role)
    return " · ".join(parts)


@transaction.atomic
def deal_participant_add(
    *,
    actor,
    deal: Deal,
    side: str,
    contact: Contact | int | None = None,
    user: Any = None,
    company: Company | int | None = None,
    role: str = "",
    **aliases: Any,
) -> DealParticipant:
    """Add someone who takes part in the deal, with their role in it.

    The client's side is a contact (the actor must see it); our side is a member of
    staff of any department; a partner is a contact of a partner company (the
    `company`, which the actor must see too).
    """
    visibility.ensure_can_edit(actor=actor, obj=deal)
    for name in ("contact", "user", "company"):
        if f"{name}_id" in aliases:
            value = aliases.pop(f"{name}_id")
            if name == "contact":
                contact = value
            elif name == "user":
                user = value
            else:
                company = value
    if aliases:
        name = sorted(aliases)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    errors: Errors = {}
    if side not in ParticipantSide.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in ParticipantSide.labels)},
            field="side",
        )
    participant = DealParticipant(deal=deal, side=side)
    participant.role = _text(role, field="role", errors=errors, limit=200)
    if side == ParticipantSide.OURS:
        if _pk(user) is None:
            _add(errors, "user", _("Choose a member of staff."))
        else:
            participant.user = _active_user(user, field="user", errors=errors)
    else:
        if _pk(contact) is None:
            _add(errors, "contact", _("Choose a contact."))
        else:
            participant.contact = visible_contact(actor, contact)
        if side == ParticipantSide.PARTNER:
            if _pk(company) is None:
                _add(errors, "company", _("Choose the partner company."))
            else:
                participant.company = visible_company(actor, company)
    _raise(errors)
    duplicate = DealParticipant.objects.filter(
        deal=deal,
        side=side,
        user=participant.user,
        contact=participant.contact,
    ).exists()
    if duplicate:
        field = "user" if side == ParticipantSide.OURS else "contact"
        raise DomainError(_("This person already takes part in the deal."), field=field)
    participant.save()
    deal_log(
        actor=actor, deal=deal, key="participants", new=participant_text(participant)
    )
    return participant


@transaction.atomic
def deal_participant_remove(*, actor, deal: Deal, participant: DealParticipant) -> None:
    """Remove a participant from the deal."""
    visibility.ensure_can_edit(actor=actor, obj=deal)
    if participant.deal_id != deal.pk:
        raise NotFound
    text = participant_text(participant)
    participant.delete()
    deal_log(actor=actor, deal=deal, key="participants", old=text)
