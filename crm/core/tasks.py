"""Background jobs of core: list exports too large to download during a request."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from crm.core.exports.services import export_job_run


@db_task(retries=1, retry_delay=60)
def export_job_run_task(job_id: int) -> None:
    """Write an export's file; re-running a killed job rewrites it from the start."""
    export_job_run(job_id=job_id)
