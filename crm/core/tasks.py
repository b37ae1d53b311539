"""Background jobs of core: list exports too large to download during a request."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from crm.core.exports.services import export_job_run, export_jobs_clean


@db_task(retries=1, retry_delay=60)
def export_job_run_task(job_id: int) -> None:
    """Write an export's file; re-running a killed job rewrites it from the start."""
    export_job_run(job_id=job_id)


@db_periodic_task(crontab(hour="2", minute="40"))
def export_jobs_expire() -> int:
    """Remove exports older than a week, files included."""
    return export_jobs_clean()
