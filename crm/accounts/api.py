"""The `users` API: read-only; people and teams are managed on the pages."""

from ninja import Query, Router

from crm.accounts.schemas import MeOut, UserFilter, UserListOut, UserOut
from crm.accounts.selectors import user_get, user_list, user_me
from crm.core.schemas import ordered, paginate

router = Router(tags=["users"])

USER_ORDERING = {
    "id": "id",
    "username": "username",
    "last_name": "last_name",
    "first_name": "first_name",
    "email": "email",
    "role": "role",
    "date_joined": "date_joined",
}


@router.get("/users", response=UserListOut, operation_id="user_list")
def list_users(request, filters: Query[UserFilter]):
    """List staff: `q`, `role`, `team`, `is_active`, `ordering`, `page`, `page_size`."""
    users = user_list(actor=request.user, filters=filters.dict())
    users = ordered(users, filters.ordering, USER_ORDERING)
    return paginate(users, page=filters.page, page_size=filters.page_size)


@router.get("/users/{user_id}", response=UserOut, operation_id="user_get")
def get_user(request, user_id: int):
    """One member of staff."""
    return user_get(actor=request.user, user_id=user_id)


@router.get("/me", response=MeOut, operation_id="user_me")
def me(request):
    """The user the token belongs to."""
    return user_me(actor=request.user)
