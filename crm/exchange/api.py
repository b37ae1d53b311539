"""The HTTP exchange protocol that 1C uses with sites, at /api/v1/exchange/1c.

1C calls `?type=catalog|sale&mode=…` in this order: `checkauth` (HTTP Basic
sign-in of a CRM user; the answer names a cookie 1C returns on every later
call), `init`, `file&filename=…` (the body, possibly in several parts that are
appended), `import&filename=…` (repeated while the answer is `progress`), and
for orders `query` (XML of orders and invoices changed since the last exchange)
and `success`. `init` answers `zip=yes` unless `CRM_EXCHANGE_ZIP` is off: 1C then
sends one archive of the XML files and pictures, unpacked at the next `import`
(see `services.archives`). Text answers are windows-1251, as 1C reads them; XML declares
UTF-8, which 1C's XML reader honours.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from crm.core.errors import Forbidden
from crm.exchange.commerceml.reader import CommerceMLError
from crm.exchange.models import ExchangeRun, RunStatus
from crm.exchange.services.access import can_exchange
from crm.exchange.services.archives import archives_unpack_received
from crm.exchange.services.files import run_receive, safe_filename
from crm.exchange.services.sessions import (
    COOKIE,
    sale_query,
    sale_success,
    session_find,
    session_start,
)

router = Router(tags=["exchange"])

BLOCK = 1024 * 1024
# The CommerceML version we write; 1C (УТ 11 and later) chooses its format by it.
SCHEMA_VERSION = "2.08"


def _text(*lines: str) -> HttpResponse:
    body = "\n".join(lines) + "\n"
    return HttpResponse(
        body.encode("cp1251", errors="replace"),
        content_type="text/plain; charset=windows-1251",
    )


def _failure(message) -> HttpResponse:
    return _text("failure", str(message).replace("\n", " "))


def _basic_user(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        try:
            decoded = base64.b64decode(value.strip()).decode("cp1251")
        except (binascii.Error, UnicodeDecodeError):
            return None
    username, _sep, password = decoded.partition(":")
    return authenticate(request, username=username, password=password)


def _answer(runs: list[ExchangeRun]) -> HttpResponse:
    """`failure` with the first refusal, `progress` while a file is importing,
    else `success`."""
    for run in runs:
        if run.status == RunStatus.FAILED:
            return _failure(run.message)
    if any(run.status != RunStatus.DONE for run in runs):
        return _text("progress")
    return _text("success")


def _import(session, user, filename: str) -> HttpResponse:
    """Import a received file; archives that arrived are unpacked first, and an
    archive named itself imports every XML file it held (the files of orders)."""
    from crm.exchange.tasks import exchange_archive_import, exchange_run_import

    try:
        name = safe_filename(filename)
        archives_unpack_received(actor=user, session=session)
    except CommerceMLError as error:
        return _failure(error.message)
    run = ExchangeRun.objects.filter(session=session, filename=name).first()
    if run is None:
        return _failure(
            _("The file %(name)s was not received in this session.") % {"name": name}
        )
    unpacked = list(run.unpacked.all())
    if unpacked:
        if any(r.status == RunStatus.RECEIVED for r in unpacked):
            exchange_archive_import(run.pk, user.pk)
        return _answer(list(run.unpacked.all()))
    if run.status == RunStatus.DONE and run.stats.get("archive"):
        return _text("success")  # an archive without XML: only pictures
    claimed = ExchangeRun.objects.filter(pk=run.pk, status=RunStatus.RECEIVED).update(
        status=RunStatus.RUNNING
    )
    if claimed:
        exchange_run_import(run.pk, user.pk)
    run.refresh_from_db()
    return _answer([run])


@router.api_operation(
    ["GET", "POST"],
    "/exchange/1c",
    auth=None,
    operation_id="exchange_1c_protocol",
    summary="The 1C site exchange protocol (CommerceML 2)",
)
def exchange_1c(request, type: str = "catalog", mode: str = "", filename: str = ""):  # noqa: A002 - 1C names it so
    if mode == "checkauth":
        user = _basic_user(request)
        if user is None:
            return _failure(_("Wrong user name or password."))
        if not can_exchange(user):
            return _failure(
                _(
                    "Only administrators and the exchange user may exchange data with 1C."
                )
            )
        session = session_start(actor=user, kind=type)
        # Lines 1–3 are what every 1C version reads; newer ones also take `sessid`.
        return _text("success", COOKIE, session.token, f"sessid={session.token}")
    # Some 1C versions send the session in the address instead of the cookie.
    session = session_find(request.COOKIES.get(COOKIE) or request.GET.get("sessid"))
    if session is None or not can_exchange(session.user):
        return _failure(_("Sign in first (mode=checkauth)."))
    user = session.user
    try:
        if mode == "init":
            return _text(
                "zip=yes" if settings.CRM_EXCHANGE_ZIP else "zip=no",
                f"file_limit={settings.CRM_EXCHANGE_FILE_LIMIT}",
                f"sessid={session.token}",
                f"version={SCHEMA_VERSION}",
            )
        if mode == "file":
            # Read in blocks: a part may be as large as file_limit, more than
            # Django lets `request.body` hold.
            run_receive(
                actor=user,
                session=session,
                filename=filename,
                chunk=iter(lambda: request.read(BLOCK), b""),
            )
            if type == "sale":
                # 1C does not call `import` for the files of orders: import now.
                return _import(session, user, filename)
            return _text("success")
        if mode == "import":
            return _import(session, user, filename)
        if mode == "query" and type == "sale":
            return StreamingHttpResponse(
                sale_query(actor=user, session=session),
                content_type="application/xml; charset=utf-8",
            )
        if mode == "success" and type == "sale":
            sale_success(actor=user, session=session)
            return _text("success")
    except CommerceMLError as error:
        return _failure(error.message)
    except Forbidden as error:
        return _failure(error.message)
    return _failure(
        _("Unknown request: type=%(type)s, mode=%(mode)s.")
        % {"type": type, "mode": mode}
    )
