"""Writes of the sales settings: pipelines with their stages, reasons for losing.

Administrators only. A pipeline keeps at least one open, one won and one lost stage
at all times, so every deal can move forward, be won and be lost; a stage that
deals are in or have been in cannot be deleted (the history and the figures of
sales refer to it) — rename it or move its deals instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.core import audit, visibility
from crm.core.errors import DomainError
from crm.sales.models import (
    Deal,
    DealStageChange,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)

# A new pipeline starts with these, so it is usable at once; the administrator
# renames and adds stages after.
STARTER_STAGES = (
    ("open", 10),
    ("won", 100),
    ("lost", 0),
)


def _starter_name(kind: str) -> str:
    names = {
        StageKind.OPEN.value: _("New"),
        StageKind.WON.value: _("Won"),
        StageKind.LOST.value: _("Lost"),
    }
    return names[kind]


def _clean_name(value: Any, *, field: str = "name", limit: int = 200) -> str:
    name = ("" if value is None else str(value)).strip()
    if not name:
        raise DomainError(_("Enter a name."), field=field)
    if len(name) > limit:
        raise DomainError(
            _("At most %(limit)d characters.") % {"limit": limit}, field=field
        )
    return name


def _clean_probability(value: Any) -> int:
    try:
        probability = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter a probability from 0 to 100 %."), field="probability"
        ) from None
    if not 0 <= probability <= 100:
        raise DomainError(
            _("Enter a probability from 0 to 100 %."), field="probability"
        )
    return probability


def _clean_kind(value: Any) -> str:
    if value not in StageKind.values:
        raise DomainError(
            _("Choose one of: %(values)s.")
            % {"values": ", ".join(str(label) for label in StageKind.labels)},
            field="kind",
        )
    return value


def _check_kinds(pipeline: Pipeline) -> None:
    """A pipeline needs an open, a won and a lost stage."""
    kinds = set(pipeline.stages.values_list("kind", flat=True))
    missing = [k for k in StageKind.values if k not in kinds]
    if missing:
        raise DomainError(
            _(
                "A pipeline needs at least one stage in progress, one won and one "
                "lost stage."
            ),
            field="kind",
        )


def _only_one_default(pipeline: Pipeline) -> None:
    if pipeline.is_default:
        Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(
            is_default=False
        )


@transaction.atomic
def pipeline_create(
    *,
    actor,
    name: str,
    is_default: bool = False,
    is_active: bool = True,
    stages: Sequence[dict[str, Any]] | None = None,
) -> Pipeline:
    """Create a pipeline with its stages (`name`, `probability`, `kind` each).

    Without stages it starts with one stage in progress, one won and one lost.
    """
    visibility.ensure_admin(actor=actor)
    pipeline = Pipeline(
        name=_clean_name(name),
        is_default=bool(is_default),
        is_active=bool(is_active),
        position=(Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1,
    )
    if pipeline.is_default and not pipeline.is_active:
        raise DomainError(_("The default pipeline must be active."), field="is_active")
    pipeline.save()
    _only_one_default(pipeline)
    audit.record_create(actor, pipeline)
    if stages is None:
        stages = [
            {"name": _starter_name(kind), "probability": p, "kind": kind}
            for kind, p in STARTER_STAGES
        ]
    for index, data in enumerate(stages):
        try:
            stage = Stage(
                pipeline=pipeline,
                name=_clean_name(data.get("name")),
                probability=_clean_probability(data.get("probability", 0)),
                kind=_clean_kind(data.get("kind", StageKind.OPEN)),
                position=index,
            )
        except DomainError as error:
            raise DomainError(
                error.message, field=f"stages.{index}.{error.field}"
            ) from None
        stage.save()
    try:
        _check_kinds(pipeline)
    except DomainError as error:
        raise DomainError(error.message, field="stages") from None
    return pipeline


@transaction.atomic
def pipeline_update(*, actor, pipeline: Pipeline, **data: Any) -> Pipeline:
    """Rename a pipeline, make it the default one, or retire it (`is_active`)."""
    visibility.ensure_admin(actor=actor)
    unknown = set(data) - {"name", "is_default", "is_active"}
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    before = audit.snapshot(pipeline)
    if "name" in data:
        pipeline.name = _clean_name(data["name"])
    if "is_active" in data and data["is_active"] is not None:
        pipeline.is_active = bool(data["is_active"])
    if "is_default" in data and data["is_default"] is not None:
        if pipeline.is_default and not data["is_default"]:
            raise DomainError(
                _("Make another pipeline the default one instead."),
                field="is_default",
            )
        pipeline.is_default = bool(data["is_default"])
    if pipeline.is_default and not pipeline.is_active:
        raise DomainError(_("The default pipeline must be active."), field="is_active")
    pipeline.save()
    _only_one_default(pipeline)
    audit.record_update(actor, pipeline, before)
    return pipeline


@transaction.atomic
def pipeline_reorder(*, actor, pipeline_ids: Sequence[int]) -> None:
    """Put the pipelines in the given order (the switcher of the board follows it)."""
    visibility.ensure_admin(actor=actor)
    _reorder(Pipeline.objects.all(), pipeline_ids, field="pipeline_ids")


@transaction.atomic
def pipeline_delete(*, actor, pipeline: Pipeline) -> None:
    """Delete a pipeline that never had deals; retire one that had (`is_active`)."""
    visibility.ensure_admin(actor=actor)
    if pipeline.is_default:
        raise DomainError(
            _("Make another pipeline the default one before deleting this one.")
        )
    if Deal.all_objects.filter(pipeline=pipeline).exists():
        raise DomainError(
            _("The pipeline has deals (perhaps in the trash): retire it instead.")
        )
    audit.record_delete(actor, pipeline)
    pipeline.delete()


def _reorder(queryset, ids: Sequence[int], *, field: str) -> None:
    rows = {row.pk: row for row in queryset}
    try:
        wanted = [int(pk) for pk in ids]
    except (TypeError, ValueError):
        raise DomainError(_("List every item once."), field=field) from None
    if sorted(wanted) != sorted(rows):
        raise DomainError(_("List every item once."), field=field)
    for position, pk in enumerate(wanted):
        row = rows[pk]
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])


# --- stages -------------------------------------------------------------------------


@transaction.atomic
def stage_create(
    *,
    actor,
    pipeline: Pipeline,
    name: str,
    probability: Any = 0,
    kind: str = StageKind.OPEN,
    position: int | None = None,
) -> Stage:
    """Add a stage to a pipeline, at the end or at `position` (0 = first)."""
    visibility.ensure_admin(actor=actor)
    stage = Stage(
        pipeline=pipeline,
        name=_clean_name(name),
        probability=_clean_probability(probability),
        kind=_clean_kind(kind),
    )
    stages = list(pipeline.stages.order_by("position", "id"))
    if position is None or not 0 <= int(position) <= len(stages):
        # A stage in progress goes after the last one in progress, before the
        # won and lost stages that end the board; a closed one at the end.
        position = len(stages)
        if stage.kind == StageKind.OPEN:
            open_positions = [
                i for i, row in enumerate(stages) if row.kind == StageKind.OPEN
            ]
            position = open_positions[-1] + 1 if open_positions else 0
    stages.insert(int(position), stage)
    stage.position = int(position)
    stage.save()
    for index, row in enumerate(stages):
        if row.position != index:
            row.position = index
            row.save(update_fields=["position"])
    audit.record_create(actor, stage)
    return stage


@transaction.atomic
def stage_update(*, actor, stage: Stage, **data: Any) -> Stage:
    """Rename a stage, change its default probability or its kind.

    The kind cannot change while deals are in the stage: their status follows it.
    Deals keep their own probability; the new default applies to the next moves.
    """
    visibility.ensure_admin(actor=actor)
    unknown = set(data) - {"name", "probability", "kind"}
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    before = audit.snapshot(stage)
    if "name" in data:
        stage.name = _clean_name(data["name"])
    if "probability" in data and data["probability"] is not None:
        stage.probability = _clean_probability(data["probability"])
    if "kind" in data and data["kind"] is not None:
        kind = _clean_kind(data["kind"])
        if kind != stage.kind and Deal.all_objects.filter(stage=stage).exists():
            raise DomainError(
                _("Deals are in this stage: move them before changing its kind."),
                field="kind",
            )
        stage.kind = kind
    stage.save()
    _check_kinds(stage.pipeline)
    audit.record_update(actor, stage, before)
    return stage


@transaction.atomic
def stage_reorder(*, actor, pipeline: Pipeline, stage_ids: Sequence[int]) -> None:
    """Put a pipeline's stages in the given order (the board's columns follow it)."""
    visibility.ensure_admin(actor=actor)
    _reorder(pipeline.stages.all(), stage_ids, field="stage_ids")


@transaction.atomic
def stage_delete(*, actor, stage: Stage) -> None:
    """Delete a stage no deal is in or has been in; the pipeline keeps its kinds."""
    visibility.ensure_admin(actor=actor)
    if Deal.all_objects.filter(stage=stage).exists():
        raise DomainError(_("Deals are in this stage: move them first."))
    if (
        DealStageChange.objects.filter(to_stage=stage).exists()
        or DealStageChange.objects.filter(from_stage=stage).exists()
    ):
        raise DomainError(
            _(
                "Deals have been in this stage and their history refers to it: "
                "rename it instead."
            )
        )
    pipeline = stage.pipeline
    if not pipeline.stages.exclude(pk=stage.pk).filter(kind=stage.kind).exists():
        raise DomainError(
            _(
                "A pipeline needs at least one stage in progress, one won and one "
                "lost stage."
            ),
            field="kind",
        )
    audit.record_delete(actor, stage)
    stage.delete()
    for index, row in enumerate(pipeline.stages.order_by("position", "id")):
        if row.position != index:
            row.position = index
            row.save(update_fields=["position"])


# --- reasons for losing ---------------------------------------------------------------


def _clean_reason(reason: LostReason, data: dict[str, Any]) -> None:
    unknown = set(data) - {"name_en", "name_ru", "position", "is_active"}
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(_("Unknown field: %(name)s.") % {"name": name}, field=name)
    for name in ("name_en", "name_ru"):
        if name in data:
            value = ("" if data[name] is None else str(data[name])).strip()
            if len(value) > 200:
                raise DomainError(
                    _("At most %(limit)d characters.") % {"limit": 200}, field=name
                )
            setattr(reason, name, value)
    if not (reason.name_en or reason.name_ru):
        raise DomainError(_("Enter a name."), field="name_en")
    if "position" in data and data["position"] is not None:
        try:
            position = int(data["position"])
        except (TypeError, ValueError):
            position = -1
        if not 0 <= position <= 2**31 - 1:
            raise DomainError(_("Enter a whole number from 0."), field="position")
        reason.position = position
    if "is_active" in data and data["is_active"] is not None:
        reason.is_active = bool(data["is_active"])


@transaction.atomic
def lost_reason_create(*, actor, **data: Any) -> LostReason:
    """Add a reason for losing (names in English and Russian)."""
    visibility.ensure_admin(actor=actor)
    reason = LostReason()
    if "position" not in data or data["position"] is None:
        data["position"] = (
            LostReason.objects.aggregate(m=Max("position"))["m"] or 0
        ) + 1
    _clean_reason(reason, data)
    reason.save()
    audit.record_create(actor, reason)
    return reason


@transaction.atomic
def lost_reason_update(*, actor, reason: LostReason, **data: Any) -> LostReason:
    """Rename, reorder or retire a reason for losing."""
    visibility.ensure_admin(actor=actor)
    before = audit.snapshot(reason)
    _clean_reason(reason, data)
    reason.save()
    audit.record_update(actor, reason, before)
    return reason


@transaction.atomic
def lost_reason_delete(*, actor, reason: LostReason) -> None:
    """Delete a reason no deal gives; retire a used one instead (`is_active`)."""
    visibility.ensure_admin(actor=actor)
    if Deal.all_objects.filter(lost_reason=reason).exists():
        raise DomainError(
            _("Deals were lost for this reason: retire it instead of deleting it.")
        )
    audit.record_delete(actor, reason)
    reason.delete()
