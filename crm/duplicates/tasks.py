"""Background jobs of duplicates: checking new records, and the full scan."""

from __future__ import annotations

from huey.contrib.djhuey import HUEY, db_task

from crm.duplicates.services import duplicates_check_new, duplicates_scan


@db_task(retries=3, retry_delay=30)
def duplicates_check_records(entity: str, ids: list[int]) -> int:
    """Queue likely duplicates of new or changed records; idempotent (a re-run
    updates the same pairs)."""
    return len(duplicates_check_new(entity=entity, ids=ids))


@db_task(retries=1, retry_delay=300)
def duplicates_scan_all(entity: str) -> int:
    """Scan a whole entity (started by an administrator from the queue page); one
    at a time per entity."""
    with HUEY.lock_task(f"duplicates-scan-{entity}"):
        return len(duplicates_scan(entity=entity).candidates)
