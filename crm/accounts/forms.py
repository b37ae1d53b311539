"""Forms of accounts: profile, API tokens, password pages and staff administration.

Forms only parse and check what was typed; saving goes through `accounts.services`.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Team, User
from crm.accounts.services import user_set_password
from crm.core.forms import StyledForm, StyledFormMixin
from crm.core.visibility import Role


@cache
def _time_zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def time_zone_choices() -> list[tuple[str, Any]]:
    default = _("Server's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}
    return [("", default), *_time_zones()]


def language_choices() -> list[tuple[str, Any]]:
    return [("", _("The browser's language")), ("en", "English"), ("ru", "Русский")]


class ProfileForm(StyledForm):
    """What a user changes about themselves."""

    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    middle_name = forms.CharField(
        label=_("Middle name"), max_length=150, required=False
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=language_choices
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), required=False, choices=time_zone_choices
    )


class ApiTokenForm(StyledForm):
    name = forms.CharField(
        label=_("What the token is for"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. accounting export")}),
    )


def check_two_passwords(form: forms.Form, *, required: bool) -> None:
    """Two password fields that must match (the strength check is the service's)."""
    first = form.cleaned_data.get("password1") or ""
    second = form.cleaned_data.get("password2") or ""
    if required and not first:
        form.add_error("password1", _("Enter a password."))
    elif first != second:
        form.add_error("password2", _("The two passwords differ."))


class UserForm(StyledForm):
    """The fields an administrator edits on a member of staff."""

    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    middle_name = forms.CharField(
        label=_("Middle name"), max_length=150, required=False
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("— no team —"),
    )


class UserCreateForm(UserForm):
    """A new member of staff: a password now, or an invitation letter."""

    SET_PASSWORD = "password"  # noqa: S105 - a choice value, not a secret
    INVITE = "invite"

    username = forms.CharField(label=_("User name"), max_length=150)
    access = forms.ChoiceField(
        label=_("Sign-in"),
        choices=[
            (SET_PASSWORD, _("Set a password now")),
            (INVITE, _("Send an invitation to set a password by e-mail")),
        ],
        initial=SET_PASSWORD,
        widget=forms.RadioSelect,
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["username", "last_name", "first_name", "middle_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons are laid out by the template, not as a select.
        self.fields["access"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("access") == self.INVITE:
            if not self.cleaned_data.get("email"):
                self.add_error(
                    "email", _("Enter an e-mail address to send the invitation to.")
                )
        else:
            check_two_passwords(self, required=True)
        return cleaned


class UserUpdateForm(UserForm):
    is_active = forms.BooleanField(
        label=_("Active (may sign in)"), required=False, initial=True
    )


class UserPasswordForm(StyledForm):
    """An administrator sets someone's password."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        check_two_passwords(self, required=True)
        return cleaned


class TeamForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    head = forms.ModelChoiceField(
        label=_("Head"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        empty_label=_("— nobody —"),
    )


class UserFilterForm(StyledForm):
    """Filters of the users list."""

    compact = True

    q = forms.CharField(label=_("Search"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *Role.choices]
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("Any team"),
    )
    is_active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Everyone")), ("1", _("Active")), ("0", _("Deactivated"))],
    )

    def filters(self) -> dict:
        """The selector's filters; a form with errors filters nothing."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q"),
            "role": data.get("role"),
            "team": data["team"].pk if data.get("team") else None,
            "is_active": {"1": True, "0": False}.get(data.get("is_active") or ""),
        }


class PasswordResetRequestForm(StyledForm):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class SetPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm):
    """Django's set-password form, saving through `user_set_password`."""

    def save(self, commit=True):
        return user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    """Django's change-password form, saving through `user_set_password`."""

    def save(self, commit=True):
        return user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )
