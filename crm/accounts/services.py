"""Writes of accounts: users, teams, API tokens and the user's own preferences."""

from __future__ import annotations

import secrets
import zoneinfo

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import ApiToken, Team, User
from crm.core import visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.validation import clean_email

TOKEN_PREFIX = "crm_"  # noqa: S105 - a public marker, not a secret


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from None


def _clean_user(user: User) -> None:
    if user.role not in visibility.Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if user.email:
        user.email = clean_email(user.email, field="email")
    if user.time_zone and user.time_zone not in zoneinfo.available_timezones():
        raise DomainError(_("Unknown time zone."), field="time_zone")
    if user.language not in ("", "en", "ru"):
        raise DomainError(_("Unknown language."), field="language")


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    role: str,
    password: str | None = None,
    team: Team | None = None,
    **fields,
) -> User:
    """Create a member of staff. `actor=None` is the command line (trusted).

    Without a password the user cannot sign in until they set one through the
    password-reset letter.
    """
    if actor is not None:
        visibility.ensure_admin(actor=actor)
    username = (username or "").strip()
    if not username:
        raise DomainError(_("Enter a user name."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("This user name is taken."), field="username")
    user = User(username=username, role=role, team=team, **fields)
    _clean_user(user)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_superuser = user.is_staff = role == visibility.Role.ADMIN
    user.save()
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, **fields) -> User:
    """Change a user's name, role, team or status (administrators only)."""
    visibility.ensure_admin(actor=actor)
    if user.pk == actor.pk and (
        fields.get("is_active") is False
        or fields.get("role", user.role) != visibility.Role.ADMIN
    ):
        raise DomainError(
            _("You cannot take away your own administrator rights."), field="role"
        )
    for name, value in fields.items():
        setattr(user, name, value)
    _clean_user(user)
    user.is_superuser = user.is_staff = user.role == visibility.Role.ADMIN
    user.save()
    return user


@transaction.atomic
def user_update_preferences(
    *, actor: User, language: str | None = None, time_zone: str | None = None, **fields
) -> User:
    """Change the signed-in user's own language, time zone and contact details."""
    user = actor
    if language is not None:
        user.language = language
    if time_zone is not None:
        user.time_zone = time_zone
    for name in (
        "first_name",
        "last_name",
        "middle_name",
        "email",
        "phone",
        "position",
    ):
        if name in fields:
            setattr(user, name, fields[name] or "")
    _clean_user(user)
    user.save()
    return user


@transaction.atomic
def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    """Set a password: one's own, or anyone's for an administrator or the CLI."""
    if actor is not None and actor.pk != user.pk:
        visibility.ensure_admin(actor=actor)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def team_save(
    *, actor: User | None, team: Team | None = None, name: str, head=None
) -> Team:
    """Create or rename a team (administrators only)."""
    if actor is not None:
        visibility.ensure_admin(actor=actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter the team's name."), field="name")
    clash = Team.objects.filter(name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise DomainError(_("A team with this name exists."), field="name")
    team = team or Team()
    team.name, team.head = name, head
    team.save()
    return team


@transaction.atomic
def api_token_create(
    *, actor: User | None, user: User, name: str
) -> tuple[ApiToken, str]:
    """Create an API token and return it with its secret, which is never shown again."""
    if actor is not None and actor.pk != user.pk:
        visibility.ensure_admin(actor=actor)
    if not user.is_active:
        raise DomainError(_("This user is deactivated."), field="user")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100] or _("API token"),
        prefix=key[:12],
        key_hash=ApiToken.hash_key(key),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once: the next request with it is refused."""
    if token.user_id != actor.pk and not visibility.is_admin(actor):
        raise Forbidden()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(key: str) -> User | None:
    """The active user behind a token, or None; marks the token used (once a minute)."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__team")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
