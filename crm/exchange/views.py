"""Pages of the exchange with 1C: settings, downloads, uploads and the log."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.errors import DomainError, Forbidden, NotFound
from crm.core.views import paginate_page, pagination
from crm.core.visibility import is_admin
from crm.exchange import selectors
from crm.exchange.commerceml.reader import CommerceMLError
from crm.exchange.forms import ExchangeUserForm, UploadForm
from crm.exchange.models import SessionKind
from crm.exchange.services import export
from crm.exchange.services.access import (
    can_exchange,
    exchange_settings,
    exchange_user_set,
)
from crm.exchange.services.archives import archive_unpack, is_archive
from crm.exchange.services.files import run_receive, session_dir
from crm.exchange.services.sessions import session_start

DOWNLOADS = {
    "import": ("import.xml", export.catalogue_xml),
    "offers": ("offers.xml", export.offers_xml),
    "counterparties": ("counterparties.xml", export.counterparties_xml),
    "documents": ("documents.xml", export.documents_xml),
}


def exchange_required(view):
    """Administrators and the exchange user; others get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_exchange(request.user):
            raise PermissionDenied(
                _(
                    "Only administrators and the exchange user may exchange data with 1C."
                )
            )
        try:
            return view(request, *args, **kwargs)
        except Forbidden as error:
            raise PermissionDenied(error.message or "") from None
        except NotFound:
            raise Http404() from None

    return login_required(wrapper)


@exchange_required
def exchange_settings_page(request, user_form=None, upload_form=None, status=200):
    page = paginate_page(request, selectors.exchange_run_list(actor=request.user), 20)
    row = exchange_settings()
    return render(
        request,
        "exchange/settings.html",
        {
            "protocol_url": request.build_absolute_uri("/api/v1/exchange/1c"),
            "user_form": user_form or ExchangeUserForm(initial={"user": row.user_id}),
            "upload_form": upload_form or UploadForm(),
            "settings_row": row,
            "can_admin": is_admin(request.user),
            "downloads": DOWNLOADS,
            **pagination(request, page),
        },
        status=status,
    )


@require_POST
@exchange_required
def exchange_user(request):
    form = ExchangeUserForm(request.POST)
    if form.is_valid():
        try:
            exchange_user_set(actor=request.user, user=form.cleaned_data["user"])
        except DomainError as error:
            form.add_error("user", error.message)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("exchange:settings")
    return exchange_settings_page(request, user_form=form, status=422)


@require_POST
@exchange_required
def exchange_upload(request):
    """Receive a CommerceML file and import it in the background."""
    from crm.exchange.tasks import exchange_archive_import, exchange_run_import

    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return exchange_settings_page(request, upload_form=form, status=422)
    upload = form.cleaned_data["file"]
    session = session_start(actor=request.user, kind=SessionKind.PAGE)
    if not upload.size:
        form.add_error("file", _("The file is empty."))
        return exchange_settings_page(request, upload_form=form, status=422)
    try:
        run = run_receive(
            actor=request.user,
            session=session,
            filename=upload.name,
            chunk=upload.chunks(),
        )
    except CommerceMLError as error:
        form.add_error("file", error.message)
        return exchange_settings_page(request, upload_form=form, status=422)
    if is_archive(session_dir(session) / run.filename):
        # A zip as 1C makes it (XML files and pictures): unpack, import in order.
        try:
            archive_unpack(actor=request.user, run=run)
        except CommerceMLError as error:
            form.add_error("file", error.message)
            return exchange_settings_page(request, upload_form=form, status=422)
        exchange_archive_import(run.pk, request.user.pk)
    else:
        exchange_run_import(run.pk, request.user.pk)
    messages.success(
        request,
        _("The file %(name)s is received; its import is below.")
        % {"name": run.filename},
    )
    return redirect(reverse("exchange:run-detail", args=[run.pk]))


@exchange_required
def exchange_download(request, kind: str):
    if kind not in DOWNLOADS:
        raise Http404()
    filename, writer = DOWNLOADS[kind]
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in writer(actor=request.user)),
        content_type="application/xml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@exchange_required
def exchange_run_detail(request, pk: int):
    run = selectors.exchange_run_get(actor=request.user, run_id=pk)
    return render(request, "exchange/run_detail.html", {"run": run})
