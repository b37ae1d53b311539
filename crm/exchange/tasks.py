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


@db_periodic_task(crontab(hour="3", minute="15"))
def exchange_files_forget() -> int:
    """Every night, delete received files of exchanges older than a week."""
    return session_files_forget()
