"""Pages of deals: the kanban board of a pipeline, the list, the deal's card with its
composition, participants, stage history and approvals, the forms, and what deals
add to other pages (the navigation, a panel on company and contact cards, the
global search).

Views parse, call one selector or service, and render; an htmx request gets only
the fragment it replaces.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from crm.activities.selectors.records import record_history
from crm.activities.views.base import domain_errors
from crm.core import registry, search, visibility
from crm.core.errors import Conflict, DomainError, Forbidden
from crm.core.exports import register_export
from crm.core.forms import apply_domain_error
from crm.core.listing import (
    Column,
    ListSpec,
    choice_label,
    link,
    list_context,
    list_template,
    plain,
    short_date,
    text_column,
)
from crm.core.money import format_money as money
from crm.core.views import safe_next
from crm.customers.models import Company, Contact
from crm.sales.forms.deals import (
    ApprovalDecisionForm,
    ApprovalRequestForm,
    BoardFilterForm,
    DealFilterForm,
    DealForm,
    DealLineForm,
    DealMoveForm,
    DealParticipantForm,
)
from crm.sales.models import (
    ApprovalStatus,
    Deal,
    DealStatus,
    Price,
    Product,
)
from crm.sales.selectors import deals as selectors
from crm.sales.services import approvals as approval_services
from crm.sales.services import deals as services

# A stale save shows above the form, not on the hidden field.
FIELD_MAP = {"version": None}
PRODUCT_OPTIONS = 20


def duration_text(value: dt.timedelta) -> str:
    """How long, in days and hours (or minutes when under an hour)."""
    seconds = max(int(value.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if not days and not hours:
        parts.append(
            ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        )
    return " ".join(parts)


def _is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def _status_badge(deal: Deal) -> str:
    css = {
        DealStatus.OPEN.value: "text-bg-primary",
        DealStatus.WON.value: "text-bg-success",
        DealStatus.LOST.value: "text-bg-secondary",
    }[deal.status]
    return format_html(
        '<span class="badge {}">{}</span>', css, deal.get_status_display()
    )


# --- the list ---------------------------------------------------------------------------


def _deal_client(deal: Deal) -> str:
    if deal.company_id:
        return link(deal.company.get_absolute_url(), deal.company.name)
    if deal.contact_id:
        return link(deal.contact.get_absolute_url(), deal.contact.full_name)
    return ""


def _deal_client_text(deal: Deal) -> str:
    if deal.company_id:
        return plain(deal.company.name)
    if deal.contact_id:
        return plain(deal.contact.full_name)
    return ""


def _deal_spec(actor) -> ListSpec:
    # Each column also gives its cell as plain text, so an export builds no
    # links or badges to strip (see `text_column`).
    columns = [
        Column(
            "title",
            gettext_lazy("Title"),
            lambda d: link(d.get_absolute_url(), d.title),
            sort="title",
            css="wrap",
            export=lambda d: plain(d.title),
        ),
        Column(
            "client",
            gettext_lazy("Client"),
            _deal_client,
            css="wrap",
            export=_deal_client_text,
            uses=("company", "contact"),
        ),
        text_column(
            "contact",
            gettext_lazy("Contact"),
            lambda d: d.contact or "",
            uses=("contact",),
        ),
        text_column(
            "pipeline",
            gettext_lazy("Pipeline"),
            lambda d: d.pipeline.name,
            uses=("pipeline",),
        ),
        text_column(
            "stage",
            gettext_lazy("Stage"),
            lambda d: d.stage.name,
            sort="stage__position",
            uses=("stage",),
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            _status_badge,
            sort="status",
            export=lambda d: plain(choice_label(DealStatus, d.status)),
        ),
        text_column(
            "amount",
            gettext_lazy("Amount"),
            lambda d: money(d.amount, d.currency),
            sort="amount",
            css="text-end",
        ),
        text_column(
            "probability",
            gettext_lazy("Probability"),
            lambda d: f"{d.probability} %",
            sort="probability",
            css="text-end",
        ),
        text_column(
            "expected_close_date",
            gettext_lazy("Expected close"),
            lambda d: short_date(d.expected_close_date),
            sort="expected_close_date",
        ),
        text_column(
            "owner",
            gettext_lazy("Responsible"),
            lambda d: d.owner,
            uses=("owner",),
        ),
        text_column(
            "lost_reason",
            gettext_lazy("Reason for losing"),
            lambda d: d.lost_reason or "",
            uses=("lost_reason",),
        ),
        text_column(
            "created_at",
            gettext_lazy("Created"),
            lambda d: short_date(d.created_at),
            sort="-created_at",
        ),
        text_column(
            "closed_at",
            gettext_lazy("Closed"),
            lambda d: short_date(d.closed_at),
            sort="-closed_at",
        ),
    ]
    can_create = visibility.can_create(actor, "deal")
    return ListSpec(
        key="deals",
        export_key="sales.deals",
        title=gettext_lazy("Deals"),
        columns=columns,
        default_columns=[
            "title",
            "client",
            "stage",
            "status",
            "amount",
            "expected_close_date",
            "owner",
        ],
        default_sort="-created_at",
        create_url=reverse("sales:deal-create") if can_create else None,
        create_label=gettext_lazy("New deal"),
    )


# What the list's columns read of a deal and of its joined rows. A row of the page
# or of an export loads no more: a 30,000-row export builds its model instances
# about a third faster. A column that reads another field costs a query a row
# (the export tests count them).
LIST_FIELDS = (
    "title",
    "status",
    "amount",
    "currency",
    "probability",
    "expected_close_date",
    "created_at",
    "closed_at",
    "company__name",
    "contact__last_name",
    "contact__first_name",
    "contact__middle_name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "pipeline__name",
    "stage__name",
    "lost_reason__name_ru",
    "lost_reason__name_en",
)


def deal_listing(actor, params) -> tuple[ListSpec, Any, DealFilterForm]:
    """The deals list for a query string: the page and its export share it."""
    form = DealFilterForm(params or None, actor=actor)
    queryset = selectors.deal_list(actor=actor, filters=form.filters())
    return _deal_spec(actor), queryset.only(*LIST_FIELDS), form


@require_GET
@login_required
def deal_list(request):
    spec, queryset, form = deal_listing(request.user, request.GET)
    context = list_context(request, spec=spec, queryset=queryset, filter_form=form)
    return render(
        request, list_template(request, "sales/deals/deal_list.html"), context
    )


# --- the board ----------------------------------------------------------------------------


@require_GET
@login_required
def deal_board_default(request):
    pipeline = services.default_pipeline()
    if pipeline is None:
        messages.info(request, _("There is no pipeline yet."))
        return redirect("sales:deal-list")
    return redirect("sales:deal-board", pipeline.pk)


class _CardUrls:
    """Addresses of board cards, reversed once per page rather than per card: a
    board shows hundreds of cards."""

    def __init__(self):
        self.detail = reverse("sales:deal-detail", args=[0]).replace("/0/", "/{}/")
        self.move = reverse("sales:deal-move", args=[0]).replace("/0/", "/{}/")


def _card_context(request, deal: Deal, urls: _CardUrls | None = None) -> dict:
    """What a board card shows, formatted here once (the template only prints)."""
    urls = urls or _CardUrls()
    if deal.company_id:
        client = deal.company.name
    elif deal.contact_id:
        client = deal.contact.full_name
    else:
        client = ""
    return {
        "pk": deal.pk,
        "title": deal.title,
        "client": client,
        "url": urls.detail.format(deal.pk),
        "move_url": urls.move.format(deal.pk),
        "amount": money(deal.amount, deal.currency),
        "expected": short_date(deal.expected_close_date),
        "owner": str(deal.owner),
        "can_move": visibility.can(request.user, deal, "edit"),
    }


def _column_context(column: selectors.Column) -> dict[str, Any]:
    return {
        "column": column,
        "sums": [
            money(total, currency) for currency, total in sorted(column.sums.items())
        ],
    }


@require_GET
@login_required
@domain_errors
def deal_board(request, pipeline_id: int):
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    form = BoardFilterForm(request.GET or None)
    filters = form.filters()
    board = selectors.deal_board(actor=request.user, pipeline=pipeline, filters=filters)
    columns = []
    urls = _CardUrls()
    for column in board.columns:
        columns.append(
            {
                **_column_context(column),
                "cards": [_card_context(request, deal, urls) for deal in column.cards],
            }
        )
    return render(
        request,
        "sales/deals/board.html",
        {
            "pipeline": pipeline,
            "pipelines": selectors.pipeline_list(actor=request.user),
            "columns": columns,
            "filter_form": form,
            "query": request.GET.urlencode(),
            "lost_reasons": selectors.lost_reason_list(actor=request.user),
            "can_create": visibility.can_create(request.user, "deal"),
        },
    )


@require_GET
@login_required
@domain_errors
def deal_board_column(request, pipeline_id: int, stage_id: int):
    """More cards of one column ("show more"), as card fragments."""
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    stage = selectors.stage_get(actor=request.user, stage_id=stage_id)
    form = BoardFilterForm(request.GET or None)
    try:
        offset = max(int(request.GET.get("offset", "0")), 0)
    except ValueError:
        offset = 0
    size = selectors.BOARD_COLUMN_SIZE
    cards = selectors.deal_column_cards(
        actor=request.user,
        pipeline=pipeline,
        stage=stage,
        filters=form.filters(),
        offset=offset,
        limit=size + 1,
    )
    params = request.GET.copy()
    params["offset"] = str(offset + size)
    urls = _CardUrls()
    return render(
        request,
        "sales/deals/_board_more.html",
        {
            "cards": [_card_context(request, deal, urls) for deal in cards[:size]],
            "more_url": (
                reverse("sales:deal-board-column", args=[pipeline.pk, stage.pk])
                + "?"
                + params.urlencode()
                if len(cards) > size
                else ""
            ),
            "stage": stage,
        },
    )


def _error_response(message, status: int) -> HttpResponse:
    return HttpResponse(str(message), status=status, content_type="text/plain")


@require_POST
@login_required
@domain_errors
def deal_move(request, pk: int):
    """Move a deal to another stage: from the board (htmx, answers with the new
    headers of both columns, or a message the board shows while the card goes
    back) or from the card's form (redirects back with a message)."""
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    form = DealMoveForm(request.POST, pipeline=deal.pipeline)
    from_stage_id = deal.stage_id
    error = None
    status = 422
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
    else:
        try:
            services.deal_move_stage(
                actor=request.user,
                deal=deal,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data.get("lost_reason"),
                lost_comment=form.cleaned_data.get("lost_comment") or "",
                version=form.cleaned_data.get("version"),
            )
        except Conflict as exc:
            error, status = exc.message, 409
        except DomainError as exc:
            error = exc.message
        except Forbidden as exc:
            error, status = exc.message or _("You may not do this."), 403
    if _is_htmx(request) and request.POST.get("board"):
        if error is not None:
            return _error_response(error, status)
        columns = selectors.board_column_summary(
            actor=request.user,
            pipeline=deal.pipeline,
            stage_ids=[from_stage_id, deal.stage_id],
        )
        return render(
            request,
            "sales/deals/_column_headers.html",
            {"columns": [_column_context(c) for c in columns.values()]},
        )
    if error is not None:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("The deal is now in “%(stage)s”.") % {"stage": deal.stage.name},
        )
    return redirect(safe_next(request, deal.get_absolute_url()))


# --- the card -------------------------------------------------------------------------


def _lines_context(
    request, deal: Deal, *, line_form=None, edit_form=None, edit_line=None
):
    """What the composition panel shows (lines, totals, the add form)."""
    can_edit = visibility.can(request.user, deal, "edit")
    lines = list(deal.lines.all())
    totals = selectors.deal_totals(deal)
    if can_edit and line_form is None:
        line_form = DealLineForm(deal=deal, prefix="line", initial={"quantity": 1})
    allowed, reason = approval_services.deal_documents_allowed(deal)
    return {
        "deal": deal,
        "lines": lines,
        "totals": {
            "net": money(totals.net, deal.currency),
            "vat": money(totals.vat, deal.currency),
            "total": money(totals.total, deal.currency),
        },
        "amount": money(deal.amount, deal.currency),
        "prices_include_vat": services.deal_prices_include_vat(deal),
        "can_edit": can_edit,
        "line_form": line_form,
        "edit_form": edit_form,
        "edit_line": edit_line,
        "documents_allowed": allowed,
        "documents_reason": reason,
    }


def _participants_context(request, deal: Deal, form=None) -> dict[str, Any]:
    can_edit = visibility.can(request.user, deal, "edit")
    if can_edit and form is None:
        form = DealParticipantForm(actor=request.user, prefix="participant")
    return {
        "deal": deal,
        "participants": list(deal.participants.all()),
        "participant_form": form,
        "can_edit": can_edit,
    }


def _approvals_context(request, deal: Deal) -> dict[str, Any]:
    approvals = list(deal.approvals.all())
    for approval in approvals:
        approval.can_decide = approval.status == ApprovalStatus.PENDING and (
            approval.approver_id == request.user.pk or visibility.is_admin(request.user)
        )
    allowed, reason = approval_services.deal_documents_allowed(deal)
    can_edit = visibility.can(request.user, deal, "edit")
    return {
        "deal": deal,
        "approvals": approvals,
        "decision_form": ApprovalDecisionForm(prefix="decision"),
        "request_form": ApprovalRequestForm(prefix="approval"),
        "can_ask_again": can_edit
        and not allowed
        and not any(a.status == ApprovalStatus.PENDING for a in approvals),
        "documents_allowed": allowed,
        "documents_reason": reason,
    }


def _history_context(deal: Deal) -> list[dict[str, Any]]:
    return [
        {
            "span": span,
            "duration": duration_text(span.duration),
        }
        for span in selectors.stage_history(deal)
    ]


@require_GET
@login_required
@domain_errors
def deal_detail(request, pk: int):
    deal = selectors.deal_card(actor=request.user, deal_id=pk)
    can_edit = visibility.can(request.user, deal, "edit")
    move_form = DealMoveForm(
        pipeline=deal.pipeline,
        prefix=None,
        initial={"stage": deal.stage_id, "version": deal.version},
    )
    return render(
        request,
        "sales/deals/deal_detail.html",
        {
            "deal": deal,
            "object": deal,
            "can_edit": can_edit,
            "can_reopen": services.can_reopen(request.user),
            "stages": list(deal.pipeline.stages.all()),
            "move_form": move_form,
            "lost_reasons": selectors.lost_reason_list(actor=request.user),
            "stage_history": _history_context(deal),
            "history": record_history(actor=request.user, obj=deal, limit=30),
            "panels": registry.render_panels("deal", request, deal),
            "weighted": money(deal.weighted_amount, deal.currency),
            **_lines_context(request, deal),
            **_participants_context(request, deal),
            **_approvals_context(request, deal),
        },
    )


def _form_page(request, deal: Deal | None):
    has_lines = deal is not None and deal.lines.exists()
    kwargs = {"actor": request.user, "deal": deal, "has_lines": has_lines}
    conflict = False
    if request.method == "POST":
        form = DealForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.service_data()
            try:
                if deal is None:
                    deal = services.deal_create(actor=request.user, **data)
                    messages.success(request, _("Deal opened."))
                else:
                    services.deal_update(
                        actor=request.user,
                        deal=deal,
                        version=form.cleaned_data.get("version"),
                        **data,
                    )
                    messages.success(request, _("Saved."))
            except Conflict as error:
                conflict = True
                apply_domain_error(form, error, FIELD_MAP)
            except DomainError as error:
                apply_domain_error(form, error, FIELD_MAP)
            else:
                return redirect(deal.get_absolute_url())
    elif deal is not None:
        form = DealForm(
            initial={
                "title": deal.title,
                "company": deal.company_id,
                "contact": deal.contact_id,
                "owner": deal.owner_id,
                "pipeline": deal.pipeline_id,
                "price_list": deal.price_list_id,
                "currency": deal.currency,
                "amount": deal.amount,
                "probability": deal.probability,
                "expected_close_date": deal.expected_close_date,
                "source": deal.source_id,
                "description": deal.description,
                "version": deal.version,
            },
            **kwargs,
        )
    else:
        form = DealForm(initial=_new_deal_initial(request), **kwargs)
    return render(
        request,
        "sales/deals/deal_form.html",
        {"form": form, "deal": deal, "conflict": conflict, "record": deal},
    )


def _new_deal_initial(request) -> dict[str, Any]:
    """Defaults of a new deal, with the client it is opened from (`?company=`,
    `?contact=`) and a pipeline or stage chosen on the board."""
    pipeline = services.default_pipeline()
    price_list = services.default_price_list()
    initial: dict[str, Any] = {
        "owner": request.user.pk,
        "pipeline": pipeline.pk if pipeline else None,
        "price_list": price_list.pk if price_list else None,
        "currency": price_list.currency if price_list else "RUB",
    }
    for name, model in (("company", Company), ("contact", Contact)):
        value = request.GET.get(name, "")
        if value.isdigit():
            client = (
                visibility.visible(model.objects.all(), request.user)
                .filter(pk=value)
                .first()
            )
            if client is not None:
                initial[name] = client.pk
                if name == "company" and not request.GET.get("title"):
                    initial["title"] = ""
    for name in ("pipeline", "stage"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    return initial


@login_required
@domain_errors
def deal_create_view(request):
    visibility.ensure_can_create(actor=request.user, object_type="deal")
    return _form_page(request, None)


@login_required
@domain_errors
def deal_update_view(request, pk: int):
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=deal)
    return _form_page(request, deal)


@login_required
@domain_errors
def deal_delete_view(request, pk: int):
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=deal)
    if request.method == "POST":
        services.deal_delete(actor=request.user, deal=deal)
        messages.success(
            request, _("“%(title)s” is moved to the trash.") % {"title": deal.title}
        )
        return redirect("sales:deal-list")
    return render(request, "sales/deals/deal_confirm_delete.html", {"deal": deal})


# --- lines ----------------------------------------------------------------------------


def _render_lines(request, deal: Deal, **kwargs) -> HttpResponse:
    deal = selectors.deal_card(actor=request.user, deal_id=deal.pk)
    context = _lines_context(request, deal, **kwargs)
    context.update(_approvals_context(request, deal))
    return render(request, "sales/deals/_lines_response.html", context)


@login_required
@domain_errors
def deal_lines(request, pk: int):
    """The composition panel (GET) or a new line (POST)."""
    deal = selectors.deal_card(actor=request.user, deal_id=pk)
    if request.method != "POST":
        return _render_lines(request, deal)
    visibility.ensure_can_edit(actor=request.user, obj=deal)
    form = DealLineForm(request.POST, deal=deal, prefix="line")
    if form.is_valid():
        try:
            services.deal_line_add(actor=request.user, deal=deal, **form.service_data())
        except DomainError as error:
            apply_domain_error(form, error, FIELD_MAP)
        else:
            if not _is_htmx(request):
                messages.success(request, _("Line added."))
                return redirect(deal.get_absolute_url() + "#deal-lines")
            return _render_lines(request, deal)
    if not _is_htmx(request):
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(deal.get_absolute_url() + "#deal-lines")
    return _render_lines(request, deal, line_form=form)


@login_required
@domain_errors
def deal_line_update(request, pk: int, line_id: int):
    """A line's edit row (GET) or its new values (POST)."""
    deal = selectors.deal_card(actor=request.user, deal_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=deal)
    line = selectors.deal_line_get(actor=request.user, deal=deal, line_id=line_id)
    prefix = f"line-{line.pk}"
    if request.method != "POST":
        form = DealLineForm(
            deal=deal,
            prefix=prefix,
            initial={
                "product": line.product_id,
                "name": line.name,
                # Without trailing zeros: "2", not "2.000".
                "quantity": Decimal(services.plain(line.quantity)),
                "price": line.price,
                "discount_percent": Decimal(services.plain(line.discount_percent)),
            },
        )
        return _render_lines(request, deal, edit_form=form, edit_line=line)
    form = DealLineForm(request.POST, deal=deal, prefix=prefix)
    if form.is_valid():
        try:
            services.deal_line_update(
                actor=request.user,
                deal=deal,
                line=line,
                **form.service_data(editing=True),
            )
        except DomainError as error:
            apply_domain_error(form, error, FIELD_MAP)
        else:
            if not _is_htmx(request):
                return redirect(deal.get_absolute_url() + "#deal-lines")
            return _render_lines(request, deal)
    if not _is_htmx(request):
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(deal.get_absolute_url() + "#deal-lines")
    return _render_lines(request, deal, edit_form=form, edit_line=line)


@require_POST
@login_required
@domain_errors
def deal_line_delete(request, pk: int, line_id: int):
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    line = selectors.deal_line_get(actor=request.user, deal=deal, line_id=line_id)
    services.deal_line_remove(actor=request.user, deal=deal, line=line)
    if not _is_htmx(request):
        messages.success(request, _("Line removed."))
        return redirect(deal.get_absolute_url() + "#deal-lines")
    return _render_lines(request, deal)


@require_GET
@login_required
@domain_errors
def deal_product_options(request, pk: int):
    """Products matching what was typed, as <option>s, with the deal's price."""
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    query = next(
        (v for k, v in request.GET.items() if k.endswith("_lookup")),
        request.GET.get("q", ""),
    ).strip()
    products = Product.objects.filter(is_active=True)
    if query:
        products = (
            search.matching(products, query).order_by()
            if search.is_searchable(query)
            else products.filter(sku__iexact=query)
        )
    products = list(products.order_by("name", "id")[:PRODUCT_OPTIONS])
    prices = {}
    if deal.price_list_id and products:
        prices = dict(
            Price.objects.filter(
                price_list_id=deal.price_list_id, product__in=products
            ).values_list("product_id", "price")
        )
    return render(
        request,
        "sales/deals/product_options.html",
        {
            "query": query,
            "products": [
                {
                    "product": product,
                    "price": money(prices[product.pk], deal.currency)
                    if product.pk in prices
                    else "",
                }
                for product in products
            ],
        },
    )


# --- participants --------------------------------------------------------------------


def _render_participants(request, deal: Deal, form=None) -> HttpResponse:
    deal = selectors.deal_card(actor=request.user, deal_id=deal.pk)
    return render(
        request,
        "sales/deals/_participants.html",
        _participants_context(request, deal, form=form),
    )


@require_POST
@login_required
@domain_errors
def deal_participant_add(request, pk: int):
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    visibility.ensure_can_edit(actor=request.user, obj=deal)
    form = DealParticipantForm(request.POST, actor=request.user, prefix="participant")
    if form.is_valid():
        try:
            services.deal_participant_add(
                actor=request.user, deal=deal, **form.service_data()
            )
        except DomainError as error:
            apply_domain_error(form, error, FIELD_MAP)
        else:
            if not _is_htmx(request):
                return redirect(deal.get_absolute_url() + "#deal-participants")
            return _render_participants(request, deal)
    if not _is_htmx(request):
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(deal.get_absolute_url() + "#deal-participants")
    return _render_participants(request, deal, form=form)


@require_POST
@login_required
@domain_errors
def deal_participant_delete(request, pk: int, participant_id: int):
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    participant = selectors.deal_participant_get(
        actor=request.user, deal=deal, participant_id=participant_id
    )
    services.deal_participant_remove(
        actor=request.user, deal=deal, participant=participant
    )
    if not _is_htmx(request):
        return redirect(deal.get_absolute_url() + "#deal-participants")
    return _render_participants(request, deal)


# --- approvals ----------------------------------------------------------------------


@require_GET
@login_required
def approval_list(request):
    """Discount approvals: by default those waiting for the user's decision."""
    show = request.GET.get("show", "mine")
    filters: dict[str, Any] = {}
    if show == "mine":
        filters["awaiting_me"] = True
    elif show in ApprovalStatus.values:
        filters["status"] = show
    approvals = selectors.approval_list(actor=request.user, filters=filters)
    page = _page(request, approvals)
    rows = []
    for approval in page.object_list:
        approval.can_decide = approval.status == ApprovalStatus.PENDING and (
            approval.approver_id == request.user.pk or visibility.is_admin(request.user)
        )
        rows.append(approval)
    return render(
        request,
        "sales/deals/approval_list.html",
        {
            "approvals": rows,
            "page_obj": page,
            "show": show,
            "decision_form": ApprovalDecisionForm(prefix="decision"),
            "statuses": ApprovalStatus.choices,
        },
    )


def _page(request, queryset):
    from crm.core.views import paginate_page

    return paginate_page(request, queryset)


@require_POST
@login_required
@domain_errors
def approval_decide(request, pk: int):
    approval = selectors.approval_get(actor=request.user, approval_id=pk)
    form = ApprovalDecisionForm(request.POST, prefix="decision")
    target = safe_next(request, approval.deal.get_absolute_url())
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to reject."))
        return redirect(target)
    service = (
        approval_services.approval_approve
        if form.cleaned_data["decision"] == "approve"
        else approval_services.approval_reject
    )
    try:
        service(
            actor=request.user,
            approval=approval,
            comment=form.cleaned_data.get("comment") or "",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if approval.status == ApprovalStatus.APPROVED:
            messages.success(request, _("Discount approved."))
        else:
            messages.success(request, _("Discount rejected."))
    return redirect(target)


@require_POST
@login_required
@domain_errors
def deal_approval_request(request, pk: int):
    deal = selectors.deal_get(actor=request.user, deal_id=pk)
    form = ApprovalRequestForm(request.POST, prefix="approval")
    form.is_valid()
    try:
        approval_services.approval_request(
            actor=request.user,
            deal=deal,
            comment=form.cleaned_data.get("comment") or "",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sent for approval."))
    return redirect(deal.get_absolute_url() + "#deal-approvals")


# --- what deals add to other pages ------------------------------------------------------


def client_panel_context(request, entity: str, obj) -> dict | None:
    """The "Deals" panel of a company's or contact's card: open deals with their
    stage and amount, and a button to open a new one."""
    if visibility.scope_of(request.user, "deal") == visibility.Scope.NONE:
        return None
    if not visibility.can(request.user, obj):
        return None
    deals, count = selectors.client_deals(actor=request.user, entity=entity, client=obj)
    return {
        "entity": entity,
        "client": obj,
        "deals": [
            {"deal": deal, "amount": money(deal.amount, deal.currency)}
            for deal in deals
        ],
        "count": count,
        "more": count > len(deals),
        "list_url": reverse("sales:deal-list") + f"?{entity}={obj.pk}",
        "create_url": reverse("sales:deal-create") + f"?{entity}={obj.pk}",
        "can_create": visibility.can_create(request.user, "deal"),
    }


def _search_deals(actor, query: str, limit: int) -> list:
    hits = []
    for deal in selectors.deal_search(actor=actor, query=query, limit=limit):
        client = deal.company or deal.contact
        details = [str(client) if client else "", deal.stage.name]
        details.append(money(deal.amount, deal.currency))
        hits.append(
            registry.SearchHit(
                title=deal.title,
                url=deal.get_absolute_url(),
                subtitle=" · ".join(d for d in details if d),
                icon="briefcase",
            )
        )
    return hits


def _panel(entity: str):
    def context(request, obj):
        return client_panel_context(request, entity, obj)

    return context


def register() -> None:
    """Register this sub-domain's navigation items, card panels and search providers."""
    register_export(
        "sales.deals",
        lambda actor, params: deal_listing(actor, params)[:2],
        url_name="sales:deal-list",
    )
    registry.register_nav(
        registry.NavItem(
            key="deals",
            label=gettext_lazy("Deals"),
            url_name="sales:deal-list",
            icon="briefcase",
            order=45,
        )
    )
    for entity in ("company", "contact"):
        registry.register_panel(
            entity,
            registry.CardPanel(
                key="sales-deals",
                template="sales/deals/panels/client_deals.html",
                context=_panel(entity),
                order=10,
                column="side",
            ),
        )
    registry.register_search(
        registry.SearchProvider(
            key="deals",
            label=gettext_lazy("Deals"),
            search=_search_deals,
            order=30,
        )
    )
