"""API schemas of accounts: what the `users` endpoints answer and accept."""

from __future__ import annotations

from ninja import Schema

from crm.core.schemas import ListQuery


class UserOut(Schema):
    """A member of staff as other users and programs see them."""

    id: int
    username: str
    first_name: str
    last_name: str
    middle_name: str
    full_name: str
    email: str
    phone: str
    position: str
    role: str
    team_id: int | None
    team_name: str | None
    is_active: bool

    @staticmethod
    def resolve_full_name(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_team_name(obj) -> str | None:
        return obj.team.name if obj.team_id else None


class MeOut(UserOut):
    """The signed-in user, with their own preferences."""

    language: str
    time_zone: str
    is_admin: bool


class UserFilter(ListQuery):
    """Filters of the users list: `q` searches names, user name and e-mail."""

    role: str | None = None
    team: int | None = None
    is_active: bool | None = None


class UserListOut(Schema):
    items: list[UserOut]
    count: int
