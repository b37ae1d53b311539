"""Writes of accounts: users, teams, API tokens and the user's own preferences."""

from __future__ import annotations

import logging
import secrets
import smtplib
import zoneinfo

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from crm.accounts.models import ApiToken, Team, User
from crm.core import visibility
from crm.core.errors import DomainError, Forbidden
from crm.core.validation import clean_email, clean_phone

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "crm_"  # noqa: S105 - a public marker, not a secret


def _taken(queryset, field: str, value: str) -> bool:
    """Whether a row has this value, ignoring case in every alphabet.

    SQLite's case-insensitive comparison folds only ASCII, so «ОТДЕЛ» would not
    clash with «Отдел»; names of staff and teams are few enough to compare here.
    """
    if queryset.filter(**{f"{field}__iexact": value}).exists():
        return True
    folded = value.casefold()
    return any(
        other.casefold() == folded for other in queryset.values_list(field, flat=True)
    )


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from None


# The model's max_length of the fields people type (SQLite would not enforce them).
_LENGTH_LIMITS = {
    "first_name": 150,
    "last_name": 150,
    "middle_name": 150,
    "position": 150,
    "email": 254,
}


def _clean_user(user: User) -> None:
    for name in ("first_name", "last_name", "middle_name", "position"):
        setattr(user, name, (getattr(user, name) or "").strip())
    for name, limit in _LENGTH_LIMITS.items():
        if len(getattr(user, name) or "") > limit:
            raise DomainError(
                _("At most %(limit)d characters.") % {"limit": limit}, field=name
            )
    if user.role not in visibility.Role.values:
        raise DomainError(_("Unknown role."), field="role")
    if user.email:
        user.email = clean_email(user.email, field="email")
    if user.phone:
        user.phone = clean_phone(user.phone, field="phone")
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
    invite: bool = False,
    **fields,
) -> User:
    """Create a member of staff. `actor=None` is the command line (trusted).

    Without a password the user cannot sign in until they set one through the
    password-reset letter; `invite=True` sends that letter (as an invitation) once
    the transaction commits, so a refused creation sends nothing.
    """
    if actor is not None:
        visibility.ensure_admin(actor=actor)
    username = (username or "").strip()
    if not username:
        raise DomainError(_("Enter a user name."), field="username")
    try:
        User.username_validator(username)
    except ValidationError:
        raise DomainError(
            _("Use at most 150 letters, digits and @ . + - _ in a user name."),
            field="username",
        ) from None
    if len(username) > 150:
        raise DomainError(
            _("Use at most 150 letters, digits and @ . + - _ in a user name."),
            field="username",
        )
    if _taken(User.objects.all(), "username", username):
        raise DomainError(_("This user name is taken."), field="username")
    user = User(username=username, role=role, team=team, **fields)
    _clean_user(user)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    if invite and not user.email:
        raise DomainError(
            _("Enter an e-mail address to send the invitation to."), field="email"
        )
    user.is_superuser = user.is_staff = role == visibility.Role.ADMIN
    user.save()
    if invite:
        language = translation.get_language()
        transaction.on_commit(
            lambda: password_reset_send(user=user, invitation=True, language=language)
        )
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
    # A new password ends a sign-in lockout: the locked-out page offers the reset.
    from axes.utils import reset as axes_reset

    axes_reset(username=user.username)
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
    others = Team.objects.exclude(pk=team.pk) if team is not None else Team.objects
    if _taken(others.all(), "name", name):
        raise DomainError(_("A team with this name exists."), field="name")
    if head is not None and not head.is_active:
        raise DomainError(_("This user is deactivated."), field="head")
    team = team or Team()
    team.name, team.head = name[:100], head
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


# --- password reset and invitations ---------------------------------------------


def password_reset_link(*, user: User, base_url: str | None = None) -> str:
    """The one-time address where the user sets a new password.

    The link is built from `settings.CRM_BASE_URL` unless a base is given, so a
    forged Host header cannot send people's reset links to someone else's site. It
    stops working once the password changes, and after PASSWORD_RESET_TIMEOUT.
    """
    base = (base_url or settings.CRM_BASE_URL).rstrip("/")
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{base}{path}"


def password_reset_send(
    *,
    user: User,
    invitation: bool = False,
    language: str | None = None,
    base_url: str | None = None,
) -> bool:
    """E-mail the user a link to set a password, in the user's language.

    `invitation=True` words the letter as a welcome for a new account. The user's
    own language wins; `language` (the browser's, or the inviting administrator's)
    is the fallback. A failing mail server is logged and reported as False, never
    raised: the page must not reveal which addresses exist.
    """
    if not user.email or not user.is_active:
        return False
    template = "invitation" if invitation else "password_reset"
    active_language = user.language or language or settings.LANGUAGE_CODE
    with translation.override(active_language):
        context = {
            "user": user,
            "link": password_reset_link(user=user, base_url=base_url),
            "base_url": (base_url or settings.CRM_BASE_URL).rstrip("/"),
        }
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context)
        body = render_to_string(f"accounts/email/{template}.txt", context)
    message = EmailMessage(
        " ".join(subject.split()),
        body,
        to=[user.email],
        headers={"Content-Language": active_language},
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException):
        logger.exception("Could not send the password letter to user %s", user.pk)
        return False
    return True


def user_invite(*, actor: User, user: User) -> bool:
    """Send a user the letter to set a password (administrators only).

    A user who has never had a password gets the invitation wording, others the
    ordinary reset letter. Nothing is written, so the letter goes at once and the
    administrator learns whether the mail server took it (True) or not (False).
    """
    visibility.ensure_admin(actor=actor)
    if not user.is_active:
        raise DomainError(_("This user is deactivated."), field="is_active")
    if not user.email:
        raise DomainError(_("This user has no e-mail address."), field="email")
    return password_reset_send(
        user=user,
        invitation=not user.has_usable_password(),
        language=translation.get_language(),
    )


def password_reset_request(
    *, email: str, language: str | None = None, base_url: str | None = None
) -> int:
    """Send a password letter to every active user with this e-mail address.

    Users without a usable password get it too: that is how an invited user sets
    their first password. Returns how many letters went out; the page shows the same
    answer whatever the number, so it does not reveal who has an account.
    """
    email = (email or "").strip()
    if not email:
        raise DomainError(_("Enter your e-mail address."), field="email")
    users = User.objects.filter(email__iexact=email, is_active=True)
    return sum(
        password_reset_send(user=user, language=language, base_url=base_url)
        for user in users
    )
