import pytest
from django.contrib.auth import get_user_model

from crm.accounts.services import (
    password_reset_request,
    user_create,
    user_set_password,
)
from crm.accounts.tests.mail import body_of, link_in, parse
from crm.core.errors import DomainError, Forbidden

# Sign-in and password changes run through the real Argon2 hasher.
REAL_PASSWORD_HASHING = True

BASE = "http://crm.example.test"
NEW_PASSWORD = "Brand-New-Secret-77"


@pytest.fixture
def base_url(settings):
    settings.CRM_BASE_URL = BASE
    return BASE


def _set_password_through(client, path, password=NEW_PASSWORD):
    """Open a reset link and set a password on the page it leads to."""
    response = client.get(path)
    assert response.status_code == 302  # the token moves into the session
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    page = client.get(form_url)
    assert page.status_code == 200
    assert b'name="new_password1"' in page.content
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def _signs_in(client, username, password) -> bool:
    client.logout()
    client.post("/accounts/login/", {"username": username, "password": password})
    signed_in = "_auth_user_id" in client.session
    client.logout()
    return signed_in


def test_password_reset_end_to_end_through_a_real_mail_server(
    client, manager, smtp_sink, base_url
):
    # given a user who forgot the password
    # when they ask for a reset letter
    response = client.post("/accounts/password/reset/", {"email": manager.email})

    # then the page says the letter is on its way and the letter arrived by SMTP
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(smtp_sink.messages) == 1
    letter = smtp_sink.messages[0]
    assert letter["to"] == [manager.email]
    assert manager.username in body_of(letter)
    assert "Иван Петров" in body_of(letter)

    # when they open the link from the letter and set a new password
    link = link_in(letter, base_url)
    response = _set_password_through(client, link)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"

    # then the new password signs in, the old one does not, the link is spent
    assert _signs_in(client, manager.username, NEW_PASSWORD)
    assert not _signs_in(client, manager.username, "Correct-Horse-42")
    spent = client.get(link)
    assert spent.status_code == 200
    assert b'id="invalid-link"' in spent.content


def test_the_reset_letter_is_in_the_users_language(client, make_user, smtp_sink):
    # given a user who chose Russian, asking from an English browser
    person = make_user(language="ru", email="olga@example.com")

    # when they ask for a letter
    client.post(
        "/accounts/password/reset/",
        {"email": "OLGA@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    # then the letter is written in Russian
    assert [m["to"] for m in smtp_sink.messages] == [[person.email]]
    assert parse(smtp_sink.messages[0])["Content-Language"] == "ru"


def test_without_a_chosen_language_the_letter_follows_the_browser(
    client, make_user, smtp_sink
):
    make_user(email="ivan@example.com")
    client.post(
        "/accounts/password/reset/",
        {"email": "ivan@example.com"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert parse(smtp_sink.messages[0])["Content-Language"] == "ru"


def test_an_unknown_address_gets_the_same_answer_and_no_letter(client, db, smtp_sink):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert smtp_sink.messages == []


def test_a_deactivated_user_gets_no_letter(make_user, smtp_sink):
    person = make_user(email="gone@example.com", is_active=False)
    assert password_reset_request(email=person.email) == 0
    assert smtp_sink.messages == []


def test_a_malformed_address_is_refused_on_the_field(client, db, smtp_sink):
    response = client.post("/accounts/password/reset/", {"email": "not an address"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert smtp_sink.messages == []


def test_a_weak_new_password_is_refused_and_the_link_still_works(
    client, manager, smtp_sink, base_url
):
    client.post("/accounts/password/reset/", {"email": manager.email})
    link = link_in(smtp_sink.messages[0], base_url)
    response = _set_password_through(client, link, password="12345678")
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    manager.refresh_from_db()
    assert manager.check_password("Correct-Horse-42")


def test_an_invited_user_sets_the_first_password_from_the_letter(
    client, admin_user, smtp_sink, base_url, django_capture_on_commit_callbacks
):
    # given an administrator creating a user with an invitation
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/users/new/",
            {
                "username": "maria",
                "first_name": "Мария",
                "last_name": "Иванова",
                "email": "maria@example.com",
                "role": "sales",
                "access": "invite",
            },
        )
    assert response.status_code == 302
    maria = get_user_model().objects.get(username="maria")
    assert not maria.has_usable_password()

    # then the invitation arrived, and its link sets the first password
    assert [m["to"] for m in smtp_sink.messages] == [["maria@example.com"]]
    client.logout()
    response = _set_password_through(client, link_in(smtp_sink.messages[0], base_url))
    assert response.status_code == 302
    assert _signs_in(client, "maria", NEW_PASSWORD)


def test_a_refused_creation_sends_no_invitation(
    admin_user, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        user_create(
            actor=admin_user,
            username="x",
            role="no-such-role",
            email="x@example.com",
            invite=True,
        )
    assert smtp_sink.messages == []


def test_an_invitation_needs_an_address(admin_user):
    with pytest.raises(DomainError) as error:
        user_create(actor=admin_user, username="noaddress", role="sales", invite=True)
    assert error.value.field == "email"


def test_changing_ones_own_password_needs_the_old_one(client, manager):
    client.force_login(manager)
    refused = client.post(
        "/accounts/password/change/",
        {
            "old_password": "wrong",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["old_password"]

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "Correct-Horse-42",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    # the session survives the change; the new password is stored with Argon2
    assert client.get("/accounts/profile/").status_code == 200
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    assert manager.password.startswith("argon2")


def test_the_password_change_page_needs_a_signed_in_user(client, db):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_only_an_administrator_sets_someone_elses_password(manager, other_manager):
    with pytest.raises(Forbidden):
        user_set_password(actor=manager, user=other_manager, password=NEW_PASSWORD)
