"""Import of one received CommerceML file, whatever it holds.

The whole file is one transaction: XML that breaks off half-way (a cut upload, a
typo) rolls back every record read before the fault, so a file is either imported
or not at all. Inside it, a record that fails its checks is refused alone (named
in the run's report) and the others are written.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exchange.commerceml.reader import CommerceMLError, read
from crm.exchange.models import ExchangeRun, ExchangeSession, RunStatus
from crm.exchange.services.access import ensure_can_exchange
from crm.exchange.services.catalogue import CatalogueImport
from crm.exchange.services.counterparties import counterparty_import
from crm.exchange.services.documents import document_import
from crm.exchange.services.report import Report

log = logging.getLogger(__name__)


def session_dir(session: ExchangeSession) -> Path:
    """Where a session's files are kept: CRM_DATA_DIR/exchange/<session token>."""
    return Path(settings.DATA_DIR) / "exchange" / session.token


def safe_filename(name: str) -> str:
    """The file name 1C sends, without directories (1C may send `import_files/…`
    for pictures; they are kept flat) and refusing `..` tricks."""
    base = Path(name.replace("\\", "/")).name
    if not base or base in (".", ".."):
        raise CommerceMLError(_("Send a file name, like import.xml."))
    return base


def _moment(value: str) -> dt.datetime | None:
    """ДатаФормирования (local time without a zone, as 1C writes it) as a moment."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(microsecond=0)


def _import_items(*, actor, path: Path, report: Report) -> dict:
    catalogue = CatalogueImport(actor=actor, report=report, files_dir=path.parent)
    meta: dict = {}
    with path.open("rb") as source:
        for item in read(source):
            if item.kind == "meta":
                meta = item.data
                catalogue.reported_at = _moment(meta.get("date") or "")
            elif item.kind == "group":
                catalogue.group(item.data)
            elif item.kind == "product":
                catalogue.product(item.data)
            elif item.kind == "price_type":
                catalogue.price_type(item.data)
            elif item.kind == "offer":
                catalogue.offer(item.data)
            elif item.kind == "counterparty":
                catalogue.finish()
                counterparty_import(actor=actor, data=item.data, report=report)
            elif item.kind == "document":
                catalogue.finish()
                document_import(actor=actor, data=item.data, report=report)
    catalogue.finish()
    return meta


def run_import(*, actor, run: ExchangeRun) -> ExchangeRun:
    """Import the run's file and record the outcome on the run.

    Never raises for bad input: the run ends `done` (with refused records listed)
    or `failed` with the reason, which the protocol answers as `failure`.
    """
    ensure_can_exchange(actor=actor)
    path = session_dir(run.session) / run.filename
    ExchangeRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    report = Report()
    try:
        if not path.exists():
            raise CommerceMLError(
                _("The file %(name)s was not received in this session.")
                % {"name": run.filename}
            )
        with transaction.atomic():
            meta = _import_items(actor=actor, path=path, report=report)
    except CommerceMLError as error:
        run.status, run.message = RunStatus.FAILED, error.message
        run.stats, run.errors = {}, []
    else:
        run.status = RunStatus.DONE
        run.stats, run.errors = report.as_dict(), report.errors
        run.message = _("CommerceML %(version)s of %(date)s.") % {
            "version": meta.get("version") or "?",
            "date": (meta.get("date") or "?").replace("T", " "),
        }
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "stats", "errors", "finished_at"])
    return run


def run_receive(
    *, actor, session: ExchangeSession, filename: str, chunk: bytes | Iterable[bytes]
) -> ExchangeRun:
    """Append a part of a file 1C sends (`mode=file`); the first part of a name in
    a session starts the file afresh, later parts are appended.

    `chunk` is the bytes of the part or an iterable of pieces (the request body
    read in blocks), so a part of any size goes to disk without being held in
    memory."""
    ensure_can_exchange(actor=actor)
    name = safe_filename(filename)
    folder = session_dir(session)
    folder.mkdir(parents=True, exist_ok=True)
    run, created = ExchangeRun.objects.get_or_create(
        session=session, filename=name, defaults={"status": RunStatus.RECEIVED}
    )
    if not created and run.status != RunStatus.RECEIVED:
        # The same name again after an import: 1C starts a new round of the file.
        run.status, run.stats, run.errors, run.message = RunStatus.RECEIVED, {}, [], ""
        run.size, run.finished_at, run.archive = 0, None, None
        created = True
    pieces = [chunk] if isinstance(chunk, bytes | bytearray) else chunk
    with (folder / name).open("wb" if created else "ab") as target:
        for piece in pieces:
            target.write(piece)
    run.size = (folder / name).stat().st_size
    run.save()
    return run


def session_files_forget(*, older_than_days: int = 7) -> int:
    """Delete the received files of sessions older than `older_than_days`.

    The log (sessions and runs with their reports) stays; only the XML, which can
    weigh gigabytes and duplicates what was imported, goes. Returns how many
    session directories were removed.
    """
    import shutil

    limit = timezone.now() - dt.timedelta(days=older_than_days)
    removed = 0
    sessions = ExchangeSession.objects.filter(started_at__lt=limit).only("token")
    for session in sessions.iterator():
        folder = session_dir(session)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
