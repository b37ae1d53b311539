from django.urls import path

from crm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path("password/reset/", views.password_reset, name="password-reset"),
    path(
        "password/reset/sent/",
        views.password_reset_done,
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/done/",
        views.password_reset_complete,
        name="password-reset-complete",
    ),
    path("language/", views.set_language, name="language"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.api_token_create_view, name="api-token-create"),
    path(
        "profile/tokens/<int:pk>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create_view, name="user-create"),
    path("users/<int:pk>/", views.user_update_view, name="user-update"),
    path("users/<int:pk>/password/", views.user_password_view, name="user-password"),
    path("users/<int:pk>/invite/", views.user_invite_view, name="user-invite"),
    path("teams/", views.team_list, name="team-list"),
    path("teams/new/", views.team_create_view, name="team-create"),
    path("teams/<int:pk>/", views.team_update_view, name="team-update"),
]
