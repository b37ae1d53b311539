"""Background jobs of the exchange: importing a received file, forgetting old ones."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.exchange.models import ExchangeRun, RunStatus
from crm.exchange.services.files import run_import, session_files_forget


@db_task()
def exchange_run_import(run_id: int, user_id: int) -> str:
    """Import a received file; a run already finished is left alone, so a repeated
    job doubles nothing (the import itself finds existing records too)."""
    run = ExchangeRun.objects.select_related("session").filter(pk=run_id).first()
    user = get_user_model().objects.filter(pk=user_id).first()
    if run is None or user is None or run.status in (RunStatus.DONE, RunStatus.FAILED):
        return run.status if run is not None else ""
    return run_import(actor=user, run=run).status


@db_task()
def exchange_archive_import(archive_run_id: int, user_id: int) -> list[str]:
    """Import the XML files unpacked from an archive one after another (the
    catalogue before its offers); files already imported are left alone."""
    from crm.exchange.services.archives import import_order

    user = get_user_model().objects.filter(pk=user_id).first()
    runs = ExchangeRun.objects.select_related("session").filter(
        archive_id=archive_run_id
    )
    statuses = []
    for run in sorted(runs, key=import_order):
        claimed = ExchangeRun.objects.filter(
            pk=run.pk, status=RunStatus.RECEIVED
        ).update(status=RunStatus.RUNNING)
        if claimed and user is not None:
            run = run_import(actor=user, run=run)
        statuses.append(run.status)
    return statuses


@db_periodic_task(crontab(hour="3", minute="15"))
def exchange_files_forget() -> int:
    """Every night, delete received files of exchanges older than a week."""
    return session_files_forget()
