"""Writes of duplicates: filling the review queue, resolving pairs, merging and
undoing merges."""

from crm.duplicates.services.merge import (
    duplicates_merge,
    duplicates_merge_undo,
    merge_defaults,
)
from crm.duplicates.services.queue import (
    ScanResult,
    duplicates_check_new,
    duplicates_scan,
    pair_dismiss,
    pair_reopen,
    pairs_forget_record,
)

__all__ = [
    "ScanResult",
    "duplicates_check_new",
    "duplicates_merge",
    "duplicates_merge_undo",
    "duplicates_scan",
    "merge_defaults",
    "pair_dismiss",
    "pair_reopen",
    "pairs_forget_record",
]
