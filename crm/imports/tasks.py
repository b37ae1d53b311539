"""Background jobs of imports."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from crm.imports.services import import_execute


@db_task()
def import_job_run(job_id: int) -> int:
    """Run a queued dry run or import to its end.

    Idempotent: started again (after a worker was killed), it resumes after the
    last committed batch; a finished job is left alone.
    """
    return import_execute(job_id=job_id).pk
