"""Pages of accounts: sign-in, sign-out, language, profile."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from crm.accounts.services import user_update_preferences
from crm.core.views import safe_next


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def set_language(request):
    """Switch the language: stored on the user, or in a cookie before sign-in."""
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
    return response


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {})
