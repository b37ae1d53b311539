"""The `custom-fields` API: everyone reads the definitions, administrators change them."""

from ninja import Query, Router, Status

from crm.core.schemas import (
    CustomFieldFilter,
    CustomFieldIn,
    CustomFieldListOut,
    CustomFieldOut,
    CustomFieldPatch,
    ordered,
    paginate,
)
from crm.core.selectors import custom_field_get, custom_field_list
from crm.core.services import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)

router = Router(tags=["custom-fields"])

CUSTOM_FIELD_ORDERING = {
    "id": "id",
    "key": "key",
    "position": "position",
    "entity": "entity",
}


@router.get(
    "/custom-fields", response=CustomFieldListOut, operation_id="custom_field_list"
)
def list_custom_fields(request, filters: Query[CustomFieldFilter]):
    """List custom field definitions, optionally of one `entity`."""
    fields = custom_field_list(actor=request.user, entity=filters.entity)
    fields = ordered(fields, filters.ordering, CUSTOM_FIELD_ORDERING)
    return paginate(fields, page=filters.page, page_size=filters.page_size)


@router.post(
    "/custom-fields",
    response={201: CustomFieldOut},
    operation_id="custom_field_create",
)
def create_custom_field(request, payload: CustomFieldIn):
    """Define a custom field (administrators only)."""
    return Status(201, custom_field_create(actor=request.user, **payload.dict()))


@router.get(
    "/custom-fields/{field_id}",
    response=CustomFieldOut,
    operation_id="custom_field_get",
)
def get_custom_field(request, field_id: int):
    """One custom field definition."""
    return custom_field_get(actor=request.user, field_id=field_id)


@router.patch(
    "/custom-fields/{field_id}",
    response=CustomFieldOut,
    operation_id="custom_field_update",
)
def update_custom_field(request, field_id: int, payload: CustomFieldPatch):
    """Change labels, choices, order, required or active (administrators only)."""
    field = custom_field_get(actor=request.user, field_id=field_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return custom_field_update(actor=request.user, field=field, **changes)


@router.delete(
    "/custom-fields/{field_id}",
    response={204: None},
    operation_id="custom_field_delete",
)
def delete_custom_field(request, field_id: int):
    """Remove a definition; stored values stay in the records' history."""
    field = custom_field_get(actor=request.user, field_id=field_id)
    custom_field_delete(actor=request.user, field=field)
    return Status(204, None)


def _mount_exports() -> None:
    from crm.core.exports.api import router as exports_router

    router.add_router("", exports_router)


_mount_exports()
