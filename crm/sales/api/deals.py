"""Pipelines, deals (with their lines and participants, stage moves) and discount
approvals in the HTTP API.

Routes parse, call one selector or service with the caller as actor, and render;
errors become 403/404/409/422 in the handlers of `crm.api`.
"""

from __future__ import annotations

from typing import Any

from ninja import Query, Router, Status

from crm.core.errors import NotFound
from crm.core.schemas import ordered, paginate
from crm.sales.schemas.deals import (
    ApprovalDecisionIn,
    ApprovalFilter,
    ApprovalListOut,
    ApprovalOut,
    DealDetailOut,
    DealFilter,
    DealIn,
    DealLineIn,
    DealLineListOut,
    DealLineOut,
    DealLinePatch,
    DealListOut,
    DealMoveIn,
    DealPatch,
    LostReasonListOut,
    ParticipantIn,
    ParticipantListOut,
    ParticipantOut,
    PipelineFilter,
    PipelineIn,
    PipelineListOut,
    PipelineOut,
    PipelinePatch,
    StageIn,
    StageOut,
    StagePatch,
)
from crm.sales.selectors import deals as selectors
from crm.sales.services import approvals as approval_services
from crm.sales.services import deals as services
from crm.sales.services import pipelines as pipeline_services

router = Router()

DEAL_ORDERING = {
    "title": "title",
    "amount": "amount",
    "probability": "probability",
    "expected_close_date": "expected_close_date",
    "stage_changed_at": "stage_changed_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "closed_at": "closed_at",
}
APPROVAL_ORDERING = {
    "requested_at": "requested_at",
    "discount_percent": "discount_percent",
}


# --- pipelines ----------------------------------------------------------------------------


@router.get(
    "/pipelines",
    response=PipelineListOut,
    operation_id="pipeline_list",
    tags=["pipelines"],
)
def list_pipelines(request, filters: Query[PipelineFilter]):
    """Pipelines in their order, each with its stages."""
    queryset = selectors.pipeline_list(
        actor=request.user, include_inactive=filters.include_inactive
    )
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.post(
    "/pipelines",
    response={201: PipelineOut},
    operation_id="pipeline_create",
    tags=["pipelines"],
)
def create_pipeline(request, payload: PipelineIn):
    """Create a pipeline with its stages (administrators)."""
    data = payload.dict()
    if data["stages"] is not None:
        data["stages"] = [dict(stage) for stage in data["stages"]]
    pipeline = pipeline_services.pipeline_create(actor=request.user, **data)
    return Status(
        201, selectors.pipeline_get(actor=request.user, pipeline_id=pipeline.pk)
    )


@router.get(
    "/pipelines/{pipeline_id}",
    response=PipelineOut,
    operation_id="pipeline_get",
    tags=["pipelines"],
)
def read_pipeline(request, pipeline_id: int):
    return selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)


@router.patch(
    "/pipelines/{pipeline_id}",
    response=PipelineOut,
    operation_id="pipeline_update",
    tags=["pipelines"],
)
def update_pipeline(request, pipeline_id: int, payload: PipelinePatch):
    """Rename a pipeline, make it the default one or retire it (administrators)."""
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    pipeline_services.pipeline_update(
        actor=request.user, pipeline=pipeline, **payload.dict(exclude_unset=True)
    )
    return selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)


@router.delete(
    "/pipelines/{pipeline_id}",
    response={204: None},
    operation_id="pipeline_delete",
    tags=["pipelines"],
)
def delete_pipeline(request, pipeline_id: int):
    """Delete a pipeline that never had deals (administrators)."""
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    pipeline_services.pipeline_delete(actor=request.user, pipeline=pipeline)
    return Status(204, None)


@router.post(
    "/pipelines/{pipeline_id}/stages",
    response={201: StageOut},
    operation_id="stage_create",
    tags=["pipelines"],
)
def create_stage(request, pipeline_id: int, payload: StageIn):
    """Add a stage to a pipeline (administrators)."""
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    stage = pipeline_services.stage_create(
        actor=request.user, pipeline=pipeline, **payload.dict()
    )
    return Status(201, stage)


def _stage_of(request, pipeline_id: int, stage_id: int):
    stage = selectors.stage_get(actor=request.user, stage_id=stage_id)
    if stage.pipeline_id != pipeline_id:
        raise NotFound
    return stage


@router.patch(
    "/pipelines/{pipeline_id}/stages/{stage_id}",
    response=StageOut,
    operation_id="stage_update",
    tags=["pipelines"],
)
def update_stage(request, pipeline_id: int, stage_id: int, payload: StagePatch):
    """Rename a stage or change its probability or kind (administrators)."""
    stage = _stage_of(request, pipeline_id, stage_id)
    return pipeline_services.stage_update(
        actor=request.user, stage=stage, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "/pipelines/{pipeline_id}/stages/{stage_id}",
    response={204: None},
    operation_id="stage_delete",
    tags=["pipelines"],
)
def delete_stage(request, pipeline_id: int, stage_id: int):
    """Delete a stage no deal is or was in (administrators)."""
    stage = _stage_of(request, pipeline_id, stage_id)
    pipeline_services.stage_delete(actor=request.user, stage=stage)
    return Status(204, None)


@router.get(
    "/lost-reasons",
    response=LostReasonListOut,
    operation_id="lost_reason_list",
    tags=["pipelines"],
)
def list_lost_reasons(request, filters: Query[PipelineFilter]):
    """Reasons for losing a deal (for `POST deals/{id}/move` to a lost stage)."""
    queryset = selectors.lost_reason_list(
        actor=request.user, include_inactive=filters.include_inactive
    )
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


# --- deals --------------------------------------------------------------------------------


def _detail(request, deal_id: int):
    deal = selectors.deal_card(actor=request.user, deal_id=deal_id)
    deal.documents_check = approval_services.deal_documents_allowed(deal)
    return deal


def _reloaded(request, deal):
    """The saved deal as the caller now sees it. Services let an actor give a deal
    only to people whose deals they manage, so they still see it."""
    return _detail(request, deal.pk)


@router.get("/deals", response=DealListOut, operation_id="deal_list", tags=["deals"])
def list_deals(request, filters: Query[DealFilter]):
    """Deals you can see; `q` searches titles and external IDs."""
    queryset = selectors.deal_list(
        actor=request.user,
        filters={
            "q": filters.q,
            "status": filters.status,
            "pipeline": filters.pipeline_id,
            "stage": filters.stage_id,
            "owner": filters.owner_id,
            "company": filters.company_id,
            "contact": filters.contact_id,
            "currency": filters.currency,
            "expected_from": filters.expected_from,
            "expected_to": filters.expected_to,
            "amount_min": filters.amount_min,
            "amount_max": filters.amount_max,
        },
    )
    queryset = ordered(queryset, filters.ordering, DEAL_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


def _line_data(line: dict[str, Any]) -> dict[str, Any]:
    """A line's input without the fields left out (their defaults apply)."""
    return {key: value for key, value in line.items() if value is not None}


@router.post(
    "/deals",
    response={201: DealDetailOut},
    operation_id="deal_create",
    tags=["deals"],
)
def create_deal(request, payload: DealIn):
    """Open a deal, optionally with its lines and participants."""
    data = payload.dict()
    lines = [_line_data(line) for line in data.pop("lines")]
    participants = data.pop("participants")
    data = {k: v for k, v in data.items() if v is not None}
    deal = services.deal_create(
        actor=request.user, lines=lines, participants=participants, **data
    )
    return Status(201, _reloaded(request, deal))


@router.get(
    "/deals/{deal_id}",
    response=DealDetailOut,
    operation_id="deal_get",
    tags=["deals"],
)
def read_deal(request, deal_id: int):
    """A deal with its lines, participants, stage history and approvals."""
    return _detail(request, deal_id)


@router.patch(
    "/deals/{deal_id}",
    response=DealDetailOut,
    operation_id="deal_update",
    tags=["deals"],
)
def update_deal(request, deal_id: int, payload: DealPatch):
    """Change a deal; send the `version` you loaded (a stale one is 409)."""
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    services.deal_update(actor=request.user, deal=deal, version=version, **data)
    return _reloaded(request, deal)


@router.delete(
    "/deals/{deal_id}",
    response={204: None},
    operation_id="deal_delete",
    tags=["deals"],
)
def delete_deal(request, deal_id: int):
    """Move a deal to the trash."""
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    services.deal_delete(actor=request.user, deal=deal)
    return Status(204, None)


@router.post(
    "/deals/{deal_id}/move",
    response=DealDetailOut,
    operation_id="deal_move_stage",
    tags=["deals"],
)
def move_deal(request, deal_id: int, payload: DealMoveIn):
    """Move a deal to another stage of its pipeline; a lost stage needs
    `lost_reason_id`; a closed deal moves back only by an administrator or a head
    of department (403 otherwise)."""
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    services.deal_move_stage(
        actor=request.user,
        deal=deal,
        stage=payload.stage_id,
        lost_reason=payload.lost_reason_id,
        lost_comment=payload.lost_comment,
        version=payload.version,
    )
    return _reloaded(request, deal)


# --- lines ----------------------------------------------------------------------------------


@router.get(
    "/deals/{deal_id}/lines",
    response=DealLineListOut,
    operation_id="deal_line_list",
    tags=["deals"],
)
def list_lines(request, deal_id: int):
    deal = selectors.deal_card(actor=request.user, deal_id=deal_id)
    lines = list(deal.lines.all())
    return {"items": lines, "count": len(lines)}


@router.post(
    "/deals/{deal_id}/lines",
    response={201: DealLineOut},
    operation_id="deal_line_add",
    tags=["deals"],
)
def add_line(request, deal_id: int, payload: DealLineIn):
    """Add a line; the server computes its amounts and the deal's total."""
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    line = services.deal_line_add(
        actor=request.user, deal=deal, **_line_data(payload.dict())
    )
    return Status(201, line)


@router.patch(
    "/deals/{deal_id}/lines/{line_id}",
    response=DealLineOut,
    operation_id="deal_line_update",
    tags=["deals"],
)
def update_line(request, deal_id: int, line_id: int, payload: DealLinePatch):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    line = selectors.deal_line_get(actor=request.user, deal=deal, line_id=line_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    return services.deal_line_update(
        actor=request.user, deal=deal, line=line, version=version, **data
    )


@router.delete(
    "/deals/{deal_id}/lines/{line_id}",
    response={204: None},
    operation_id="deal_line_remove",
    tags=["deals"],
)
def remove_line(request, deal_id: int, line_id: int):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    line = selectors.deal_line_get(actor=request.user, deal=deal, line_id=line_id)
    services.deal_line_remove(actor=request.user, deal=deal, line=line)
    return Status(204, None)


# --- participants -------------------------------------------------------------------------


@router.get(
    "/deals/{deal_id}/participants",
    response=ParticipantListOut,
    operation_id="deal_participant_list",
    tags=["deals"],
)
def list_participants(request, deal_id: int):
    deal = selectors.deal_card(actor=request.user, deal_id=deal_id)
    participants = list(deal.participants.all())
    return {"items": participants, "count": len(participants)}


@router.post(
    "/deals/{deal_id}/participants",
    response={201: ParticipantOut},
    operation_id="deal_participant_add",
    tags=["deals"],
)
def add_participant(request, deal_id: int, payload: ParticipantIn):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    participant = services.deal_participant_add(
        actor=request.user, deal=deal, **payload.dict()
    )
    return Status(201, participant)


@router.delete(
    "/deals/{deal_id}/participants/{participant_id}",
    response={204: None},
    operation_id="deal_participant_remove",
    tags=["deals"],
)
def remove_participant(request, deal_id: int, participant_id: int):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    participant = selectors.deal_participant_get(
        actor=request.user, deal=deal, participant_id=participant_id
    )
    services.deal_participant_remove(
        actor=request.user, deal=deal, participant=participant
    )
    return Status(204, None)


# --- approvals ----------------------------------------------------------------------------


@router.get(
    "/approvals",
    response=ApprovalListOut,
    operation_id="approval_list",
    tags=["approvals"],
)
def list_approvals(request, filters: Query[ApprovalFilter]):
    """Discount approval requests you may see; `awaiting_me=true` for those waiting
    for your decision."""
    queryset = selectors.approval_list(
        actor=request.user,
        filters={
            "status": filters.status,
            "awaiting_me": filters.awaiting_me,
            "deal": filters.deal_id,
        },
    )
    queryset = ordered(queryset, filters.ordering, APPROVAL_ORDERING)
    return paginate(queryset, page=filters.page, page_size=filters.page_size)


@router.get(
    "/approvals/{approval_id}",
    response=ApprovalOut,
    operation_id="approval_get",
    tags=["approvals"],
)
def read_approval(request, approval_id: int):
    return selectors.approval_get(actor=request.user, approval_id=approval_id)


@router.post(
    "/approvals/{approval_id}/approve",
    response=ApprovalOut,
    operation_id="approval_approve",
    tags=["approvals"],
)
def approve(request, approval_id: int, payload: ApprovalDecisionIn):
    """Approve a discount (the approver or an administrator)."""
    approval = selectors.approval_get(actor=request.user, approval_id=approval_id)
    return approval_services.approval_approve(
        actor=request.user, approval=approval, comment=payload.comment
    )


@router.post(
    "/approvals/{approval_id}/reject",
    response=ApprovalOut,
    operation_id="approval_reject",
    tags=["approvals"],
)
def reject(request, approval_id: int, payload: ApprovalDecisionIn):
    """Reject a discount with a comment (the approver or an administrator)."""
    approval = selectors.approval_get(actor=request.user, approval_id=approval_id)
    return approval_services.approval_reject(
        actor=request.user, approval=approval, comment=payload.comment
    )
