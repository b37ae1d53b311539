"""Pages of accounts: sign-in and out, passwords, language, the profile with API
tokens, and the administration of users and teams."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts import selectors
from crm.accounts.forms import (
    ApiTokenForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    TeamForm,
    UserCreateForm,
    UserFilterForm,
    UserPasswordForm,
    UserUpdateForm,
)
from crm.accounts.services import (
    api_token_create,
    api_token_revoke,
    password_reset_request,
    team_save,
    user_create,
    user_invite,
    user_set_password,
    user_update,
    user_update_preferences,
)
from crm.core import registry
from crm.core.errors import DomainError, NotFound
from crm.core.forms import apply_domain_error
from crm.core.listing import Column, ListSpec, link, list_context, list_template
from crm.core.views import admin_required, safe_next

# --- sign-in, sign-out, passwords ---------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


def password_reset(request):
    """Ask for a reset letter; the answer is the same whether the address is known."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_reset_request(
            email=form.cleaned_data["email"], language=translation.get_language()
        )
        return redirect("accounts:password-reset-done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")


def password_reset_complete(request):
    return render(request, "accounts/password_reset_complete.html")


@require_POST
def set_language(request):
    """Switch the language: stored on the user, and in a cookie for the sign-in page.

    An empty choice goes back to the browser's language.
    """
    language = request.POST.get("language", "")
    if language not in ("en", "ru"):
        language = ""
    response = redirect(safe_next(request))
    if request.user.is_authenticated:
        user_update_preferences(actor=request.user, language=language)
    if language:
        translation.activate(language)
        response.set_cookie(
            "django_language", language, max_age=365 * 24 * 3600, samesite="Lax"
        )
    else:
        response.delete_cookie("django_language", samesite="Lax")
    return response


# --- profile and API tokens --------------------------------------------------------


def _profile_initial(user) -> dict:
    return {
        name: getattr(user, name)
        for name in (
            "last_name",
            "first_name",
            "middle_name",
            "email",
            "phone",
            "position",
            "language",
            "time_zone",
        )
    }


def _render_profile(request, *, form=None, token_form=None, new_key=None, status=200):
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form or ProfileForm(initial=_profile_initial(request.user)),
            "token_form": token_form or ApiTokenForm(),
            "tokens": selectors.api_token_list(actor=request.user),
            "new_key": new_key,
            # Higher apps add blocks (the calendar address) through the registry.
            "panels": registry.render_panels("profile", request, request.user),
        },
        status=status,
    )


@login_required
def profile(request):
    if request.method != "POST":
        return _render_profile(request)
    form = ProfileForm(request.POST, initial=_profile_initial(request.user))
    if form.is_valid():
        try:
            user_update_preferences(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            request.user.refresh_from_db()
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
    return _render_profile(request, form=form)


@require_POST
@login_required
def api_token_create_view(request):
    """Create a token and show its secret in this response only."""
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _render_profile(request, token_form=token_form)
    try:
        _token, key = api_token_create(
            actor=request.user, user=request.user, name=token_form.cleaned_data["name"]
        )
    except DomainError as error:
        apply_domain_error(token_form, error)
        return _render_profile(request, token_form=token_form)
    response = _render_profile(request, new_key=key)
    # The secret must not stay in a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_token_revoke_view(request, pk: int):
    try:
        token = selectors.api_token_get(actor=request.user, token_id=pk)
    except NotFound:
        raise Http404() from None
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:profile")


# --- administration of users --------------------------------------------------------


def _yes_no(value: bool):
    if value:
        return format_html('<span class="badge text-bg-success">{}</span>', _("yes"))
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("no"))


def user_list_spec() -> ListSpec:
    return ListSpec(
        key="users",
        title=gettext_lazy("Users"),
        columns=[
            Column(
                "name",
                gettext_lazy("Full name"),
                lambda u: link(reverse("accounts:user-update", args=[u.pk]), str(u)),
                sort="last_name,first_name,username",
            ),
            Column(
                "username",
                gettext_lazy("User name"),
                lambda u: u.username,
                sort="username",
            ),
            Column("email", gettext_lazy("E-mail"), lambda u: u.email, sort="email"),
            Column(
                "role",
                gettext_lazy("Role"),
                lambda u: u.get_role_display(),
                sort="role",
            ),
            Column(
                "team",
                gettext_lazy("Team"),
                lambda u: u.team.name if u.team_id else "",
                sort="team__name",
            ),
            Column(
                "position",
                gettext_lazy("Position"),
                lambda u: u.position,
                sort="position",
            ),
            Column(
                "is_active",
                gettext_lazy("Active"),
                lambda u: _yes_no(u.is_active),
                sort="is_active",
            ),
            Column(
                "last_login",
                gettext_lazy("Last sign-in"),
                lambda u: u.last_login,
                sort="last_login",
            ),
        ],
        default_columns=["name", "username", "role", "team", "is_active", "last_login"],
        default_sort="name",
        create_url=reverse("accounts:user-create"),
        create_label=gettext_lazy("New user"),
    )


@admin_required
def user_list(request):
    filter_form = UserFilterForm(request.GET or None)
    users = selectors.user_list(actor=request.user, filters=filter_form.filters())
    context = list_context(
        request, spec=user_list_spec(), queryset=users, filter_form=filter_form
    )
    return render(request, list_template(request), context)


_USER_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "email",
    "phone",
    "position",
    "role",
    "team",
)
_FIELD_MAP = {"password": "password1"}


@admin_required
def user_create_view(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invite = data["access"] == UserCreateForm.INVITE
        try:
            user = user_create(
                actor=request.user,
                username=data["username"],
                password=None if invite else data["password1"],
                invite=invite,
                **{name: data[name] for name in _USER_FIELDS},
            )
        except DomainError as error:
            apply_domain_error(form, error, field_map=_FIELD_MAP)
        else:
            if invite:
                messages.success(
                    request,
                    _("User %(name)s is created; the invitation goes to %(email)s.")
                    % {"name": user, "email": user.email},
                )
            else:
                messages.success(
                    request, _("User %(name)s is created.") % {"name": user}
                )
            return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form, "person": None})


@admin_required
def user_update_view(request, pk: int):
    person = selectors.user_get(actor=request.user, user_id=pk)
    initial = {name: getattr(person, name) for name in _USER_FIELDS}
    initial["is_active"] = person.is_active
    form = UserUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=request.user, user=person, **form.cleaned_data)
        except DomainError as error:
            person.refresh_from_db()
            apply_domain_error(form, error)
        else:
            messages.success(request, _("User %(name)s is saved.") % {"name": person})
            return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form, "person": person})


@admin_required
def user_password_view(request, pk: int):
    person = selectors.user_get(actor=request.user, user_id=pk)
    form = UserPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user_set_password(
                actor=request.user,
                user=person,
                password=form.cleaned_data["password1"],
            )
        except DomainError as error:
            apply_domain_error(form, error, field_map=_FIELD_MAP)
        else:
            messages.success(
                request, _("The password of %(name)s is set.") % {"name": person}
            )
            return redirect("accounts:user-update", pk=person.pk)
    return render(
        request, "accounts/user_password.html", {"form": form, "person": person}
    )


@require_POST
@admin_required
def user_invite_view(request, pk: int):
    person = selectors.user_get(actor=request.user, user_id=pk)
    try:
        sent = user_invite(actor=request.user, user=person)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if sent:
            messages.success(
                request,
                _("A letter to set a password went to %(email)s.")
                % {"email": person.email},
            )
        else:
            messages.error(
                request,
                _(
                    "The letter could not be sent. Check the e-mail settings and try again."
                ),
            )
    return redirect("accounts:user-update", pk=person.pk)


# --- administration of teams --------------------------------------------------------


@admin_required
def team_list(request):
    teams = selectors.team_list(actor=request.user)
    return render(request, "accounts/team_list.html", {"teams": teams})


@admin_required
def team_create_view(request):
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = team_save(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Team %(name)s is created.") % {"name": team})
            return redirect("accounts:team-list")
    return render(request, "accounts/team_form.html", {"form": form, "team": None})


@admin_required
def team_update_view(request, pk: int):
    team = selectors.team_get(actor=request.user, team_id=pk)
    form = TeamForm(
        request.POST or None, initial={"name": team.name, "head": team.head_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            team_save(actor=request.user, team=team, **form.cleaned_data)
        except DomainError as error:
            team.refresh_from_db()
            apply_domain_error(form, error)
        else:
            messages.success(request, _("Team %(name)s is saved.") % {"name": team})
            return redirect("accounts:team-list")
    members = selectors.user_list(actor=request.user, filters={"team": team.pk})
    return render(
        request,
        "accounts/team_form.html",
        {"form": form, "team": team, "members": members},
    )
