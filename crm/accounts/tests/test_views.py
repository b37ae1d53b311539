import pytest
from django.contrib.auth import get_user_model

from crm.accounts.models import Team

User = get_user_model()

ADMIN_PAGES = [
    "/accounts/users/",
    "/accounts/users/new/",
    "/accounts/teams/",
    "/accounts/teams/new/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_staff_administration_is_for_administrators_only(client, manager, path):
    client.force_login(manager)
    response = client.get(path)
    assert response.status_code == 403
    assert b"administrator" in response.content


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_pages_of_one_user_are_for_administrators_only(client, manager, other_manager):
    client.force_login(manager)
    pk = other_manager.pk
    assert client.get(f"/accounts/users/{pk}/").status_code == 403
    assert client.get(f"/accounts/users/{pk}/password/").status_code == 403
    assert client.post(f"/accounts/users/{pk}/invite/").status_code == 403
    refused = client.post(
        f"/accounts/users/{pk}/", {"role": "admin", "first_name": "Хакер"}
    )
    assert refused.status_code == 403
    other_manager.refresh_from_db()
    assert other_manager.role == "sales"


def test_administrator_sees_users_with_role_team_and_status(
    client, admin_user, manager, make_user, django_assert_max_num_queries
):
    for _ in range(20):
        make_user(team=manager.team)
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        response = client.get("/accounts/users/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Петров" in content
    assert "Отдел продаж" in content
    assert "Sales manager" in content


def test_users_list_filters_by_role_and_status(client, admin_user, manager, make_user):
    make_user(role="marketer", last_name="Маркетологов")
    make_user(last_name="Уволенный", is_active=False)
    client.force_login(admin_user)
    content = client.get("/accounts/users/", {"role": "marketer"}).content.decode()
    assert "Маркетологов" in content
    assert "Петров" not in content
    content = client.get("/accounts/users/", {"is_active": "0"}).content.decode()
    assert "Уволенный" in content
    assert "Петров" not in content


def test_administrator_creates_a_user_with_a_password(client, admin_user, team):
    client.force_login(admin_user)
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "sergey",
            "first_name": "Сергей",
            "last_name": "Кузнецов",
            "email": "sergey@example.com",
            "phone": "8 (916) 123-45-67",
            "role": "head",
            "team": team.pk,
            "access": "password",
            "password1": "Strong-Pass-2024",
            "password2": "Strong-Pass-2024",
        },
    )
    assert response.status_code == 302
    sergey = User.objects.get(username="sergey")
    assert sergey.role == "head"
    assert sergey.team == team
    assert sergey.phone == "+79161234567"
    assert sergey.check_password("Strong-Pass-2024")
    assert not sergey.is_superuser


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "admin"}, "username"),
        ({"username": "has space"}, "username"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        ({"password2": "Other-Pass-2024"}, "password2"),
        ({"password1": "", "password2": ""}, "password1"),
        ({"access": "invite", "email": ""}, "email"),
    ],
)
def test_bad_input_for_a_new_user_is_named_and_nothing_is_saved(
    client, admin_user, changes, field
):
    client.force_login(admin_user)
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "role": "sales",
        "access": "password",
        "password1": "Strong-Pass-2024",
        "password2": "Strong-Pass-2024",
        **changes,
    }
    response = client.post("/accounts/users/new/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert User.objects.count() == 1  # only the administrator


def test_administrator_changes_role_team_and_status(client, admin_user, manager):
    other = Team.objects.create(name="Сервис")
    client.force_login(admin_user)
    response = client.post(
        f"/accounts/users/{manager.pk}/",
        {
            "first_name": "Иван",
            "last_name": "Петров",
            "email": manager.email,
            "role": "service",
            "team": other.pk,
            "is_active": "",
        },
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert (manager.role, manager.team, manager.is_active) == ("service", other, False)


def test_an_administrator_cannot_demote_themselves(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        f"/accounts/users/{admin_user.pk}/",
        {"role": "sales", "is_active": "on", "email": admin_user.email},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["role"]
    admin_user.refresh_from_db()
    assert admin_user.role == "admin"


def test_promoting_to_administrator_grants_full_rights(client, admin_user, manager):
    client.force_login(admin_user)
    client.post(
        f"/accounts/users/{manager.pk}/",
        {"role": "admin", "is_active": "on", "email": manager.email},
    )
    manager.refresh_from_db()
    assert manager.is_admin
    assert manager.is_superuser


def test_administrator_sets_a_password(client, admin_user, manager):
    client.force_login(admin_user)
    weak = client.post(
        f"/accounts/users/{manager.pk}/password/",
        {"password1": "password", "password2": "password"},
    )
    assert weak.status_code == 200
    assert weak.context["form"].errors["password1"]
    response = client.post(
        f"/accounts/users/{manager.pk}/password/",
        {"password1": "Fresh-Start-2024", "password2": "Fresh-Start-2024"},
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("Fresh-Start-2024")


def test_administrator_emails_a_link_to_set_a_password(
    client, admin_user, manager, smtp_sink
):
    client.force_login(admin_user)
    response = client.post(f"/accounts/users/{manager.pk}/invite/")
    assert response.status_code == 302
    assert [m["to"] for m in smtp_sink.messages] == [[manager.email]]


def test_administrator_creates_renames_and_heads_a_team(client, admin_user, manager):
    client.force_login(admin_user)
    response = client.post("/accounts/teams/new/", {"name": "Опт"})
    assert response.status_code == 302
    team = Team.objects.get(name="Опт")

    response = client.post(
        f"/accounts/teams/{team.pk}/", {"name": "Оптовые продажи", "head": manager.pk}
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.head) == ("Оптовые продажи", manager)


def test_a_team_name_must_be_unique(client, admin_user, team):
    client.force_login(admin_user)
    response = client.post("/accounts/teams/new/", {"name": team.name.upper()})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Team.objects.count() == 1


def test_teams_list_shows_heads_and_member_counts(
    client, admin_user, team, manager, other_manager, django_assert_max_num_queries
):
    team.head = manager
    team.save()
    for n in range(10):
        Team.objects.create(name=f"Команда {n}", head=other_manager)
    client.force_login(admin_user)
    with django_assert_max_num_queries(6):
        response = client.get("/accounts/teams/")
    content = response.content.decode()
    assert "Отдел продаж" in content
    assert "Иван Петров" in content
    teams = {t.name: t.member_count for t in response.context["teams"]}
    assert teams["Отдел продаж"] == 2


def test_profile_saves_the_users_own_details(client, manager):
    client.force_login(manager)
    response = client.post(
        "/accounts/profile/",
        {
            "last_name": "Петров",
            "first_name": "Иван",
            "middle_name": "Сергеевич",
            "email": "ivan.petrov@example.com",
            "phone": "+7 916 000-11-22",
            "position": "Менеджер",
            "language": "ru",
            "time_zone": "Asia/Novosibirsk",
        },
    )
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.middle_name == "Сергеевич"
    assert manager.phone == "+79160001122"
    assert (manager.language, manager.time_zone) == ("ru", "Asia/Novosibirsk")
    # and the next page is in the chosen language and zone
    page = client.get("/accounts/profile/")
    assert b'<html lang="ru">' in page.content


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "ivan@"}, "email"),
        ({"phone": "123"}, "phone"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "de"}, "language"),
    ],
)
def test_profile_refuses_bad_input_on_the_field(client, manager, changes, field):
    client.force_login(manager)
    before = (manager.email, manager.phone, manager.time_zone, manager.language)
    data = {"first_name": "Иван", "email": manager.email, **changes}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    manager.refresh_from_db()
    assert (manager.email, manager.phone, manager.time_zone, manager.language) == before


def test_the_language_switch_is_stored_on_the_user(client, manager):
    client.force_login(manager)
    response = client.post(
        "/accounts/language/", {"language": "ru", "next": "/accounts/profile/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    manager.refresh_from_db()
    assert manager.language == "ru"
    # a browser asking for English still gets the user's choice
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="ru">' in page.content


def test_the_language_switch_can_go_back_to_the_browsers(client, make_user):
    person = make_user(language="ru")
    client.force_login(person)
    client.post("/accounts/language/", {"language": ""})
    person.refresh_from_db()
    assert person.language == ""
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="en">' in page.content


@pytest.mark.parametrize("language", ["ru", "en"])
def test_an_anonymous_visitor_gets_the_browsers_language(client, db, language):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert f'<html lang="{language}">'.encode() in response.content


def test_an_anonymous_visitors_choice_is_kept_in_a_cookie(client, db):
    client.post("/accounts/language/", {"language": "ru"})
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="ru">' in response.content


def test_the_language_switch_does_not_redirect_off_site(client, db):
    response = client.post(
        "/accounts/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
