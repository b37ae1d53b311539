"""Reads of accounts that pages and the API share: users, teams, API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from crm.accounts.models import ApiToken, Team, User
from crm.core.errors import Forbidden, NotFound


def _ensure_signed_in(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise Forbidden()


def user_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet[User]:
    """Staff the actor may look up, filtered by `q`, `role`, `team`, `is_active`.

    Every signed-in user sees the staff list (names, roles, teams): people assign
    tasks and clients to each other. Only administrators change it. `q` matches
    every word against the user name, names and e-mail.
    """
    _ensure_signed_in(actor)
    filters = filters or {}
    users = User.objects.select_related("team")
    for word in (filters.get("q") or "").split():
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(middle_name__icontains=word)
            | Q(email__icontains=word)
        )
    if filters.get("role"):
        users = users.filter(role=filters["role"])
    if filters.get("team"):
        users = users.filter(team_id=filters["team"])
    if filters.get("is_active") is not None:
        users = users.filter(is_active=filters["is_active"])
    return users


def user_get(*, actor, user_id: int) -> User:
    """One user by id; NotFound when there is none."""
    _ensure_signed_in(actor)
    user = User.objects.select_related("team").filter(pk=user_id).first()
    if user is None:
        raise NotFound()
    return user


def user_me(*, actor) -> User:
    """The signed-in user, with the team loaded."""
    _ensure_signed_in(actor)
    return User.objects.select_related("team").get(pk=actor.pk)


def team_list(*, actor) -> QuerySet[Team]:
    """Teams with their head and how many people each has."""
    _ensure_signed_in(actor)
    return Team.objects.select_related("head").annotate(
        member_count=Count("members", filter=Q(members__is_active=True))
    )


def team_get(*, actor, team_id: int) -> Team:
    """One team by id; NotFound when there is none."""
    _ensure_signed_in(actor)
    team = Team.objects.select_related("head").filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


def api_token_list(*, actor) -> QuerySet[ApiToken]:
    """The actor's own API tokens, newest first, revoked ones included."""
    _ensure_signed_in(actor)
    return ApiToken.objects.filter(user=actor).order_by("-created_at", "-pk")


def api_token_get(*, actor, token_id: int) -> ApiToken:
    """One of the actor's own tokens; someone else's is NotFound."""
    _ensure_signed_in(actor)
    token = ApiToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound()
    return token
