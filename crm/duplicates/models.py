"""The review queue of likely duplicates and the log of merges (to undo them).

Records are referred to by id, not by foreign key: a pair or a merge must outlive
the records' trips to the trash, and a foreign key would cascade or block deletes
of companies and contacts that the lower apps own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    CONTACT = "contact", _("Contacts")
    COMPANY = "company", _("Companies")


class Decision(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    POSSIBLE = "possible", _("Possible duplicate")


class PairStatus(models.TextChoices):
    OPEN = "open", _("To review")
    DISMISSED = "dismissed", _("Not a duplicate")
    MERGED = "merged", _("Merged")


class PairSource(models.TextChoices):
    SCAN = "scan", _("Full scan")
    NEW = "new", _("New record")


class DuplicatePair(models.Model):
    """Two records that look like one: `a_id < b_id`, with score and reasons.

    A pair marked "not a duplicate" stays in the table so that no later scan
    proposes it again.
    """

    entity = models.CharField(_("records"), max_length=10, choices=Entity.choices)
    a_id = models.BigIntegerField()
    b_id = models.BigIntegerField()
    score = models.FloatField(_("score"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    # Stable codes (`same_email`, `names_swapped`…); labels in `REASONS`.
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=PairStatus.choices, default="open"
    )
    source = models.CharField(
        max_length=10, choices=PairSource.choices, default=PairSource.SCAN
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "a_id", "b_id"], name="duplicate_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(a_id__lt=models.F("b_id")), name="duplicate_pair_order"
            ),
        ]
        indexes = [
            # The queue: open pairs of an entity, best first.
            models.Index(
                fields=["entity", "status", "-score", "id"], name="duplicate_queue_idx"
            ),
            # A card's warning looks a record up on either side.
            models.Index(fields=["entity", "b_id"], name="duplicate_pair_b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.a_id} ~ {self.b_id} ({self.score:.2f})"


class Merge(models.Model):
    """One merge: who kept which record, what changed on it and which related rows
    moved, so that an administrator can undo it exactly.

    `moved` is `{"app_label.model": {"field": [row ids]}}`; `survivor_before` the
    survivor's field values before the merge and `survivor_after` what the merge set;
    `cleared` the unique values (external ID) taken off the merged records;
    `points_added` the further phones/e-mails created on the survivor.
    """

    entity = models.CharField(max_length=10, choices=Entity.choices)
    survivor_id = models.BigIntegerField()
    merged_ids = models.JSONField(default=list)
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    cleared = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    points_added = models.JSONField(default=list)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        indexes = [
            models.Index(fields=["entity", "survivor_id"], name="merge_survivor_idx")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.merged_ids} → {self.survivor_id}"


class MergedRecord(models.Model):
    """A record that a merge put in the trash, pointing at the one that kept it."""

    merge = models.ForeignKey(Merge, on_delete=models.CASCADE, related_name="members")
    entity = models.CharField(max_length=10, choices=Entity.choices)
    object_id = models.BigIntegerField()
    survivor_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["entity", "object_id"], name="merged_record_idx")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.object_id} → {self.survivor_id}"
