import hashlib
import re

import pytest
from django.test import Client

from crm.accounts.models import ApiToken
from crm.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from crm.core.errors import Forbidden


def _bearer(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_token_is_stored_only_as_its_hash(manager):
    # when a token is created
    token, key = api_token_create(actor=manager, user=manager, name="export")

    # then the secret is long and random, and only its SHA-256 is kept
    assert key.startswith("crm_")
    assert len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert stored.prefix == key[:12]


def test_a_bearer_token_signs_the_api_in(manager):
    _token, key = api_token_create(actor=None, user=manager, name="cli")
    response = _bearer(key).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == manager.username


def test_a_revoked_token_is_refused_at_once(manager):
    token, key = api_token_create(actor=manager, user=manager, name="old")
    api_token_revoke(actor=manager, token=token)
    response = _bearer(key).get("/api/v1/me")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer crm_not-a-real-token"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ],
)
def test_without_a_valid_token_the_api_answers_401_json(db, headers):
    response = Client(**headers).get("/api/v1/users")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "Bearer" in response.json()["detail"]


def test_a_session_without_a_token_does_not_open_the_api(client, manager):
    client.force_login(manager)
    assert client.get("/api/v1/me").status_code == 401


def test_a_deactivated_users_token_stops_working(make_user):
    person = make_user()
    _token, key = api_token_create(actor=None, user=person, name="x")
    person.is_active = False
    person.save()
    assert api_token_authenticate(key) is None
    assert _bearer(key).get("/api/v1/me").status_code == 401


def test_using_a_token_records_when(manager):
    token, key = api_token_create(actor=None, user=manager, name="x")
    _bearer(key).get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_owner_or_an_administrator_revokes_a_token(
    manager, other_manager, admin_user
):
    token, _key = api_token_create(actor=None, user=manager, name="x")
    with pytest.raises(Forbidden):
        api_token_revoke(actor=other_manager, token=token)
    api_token_revoke(actor=admin_user, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_user_cannot_make_a_token_for_someone_else(manager, other_manager):
    with pytest.raises(Forbidden):
        api_token_create(actor=manager, user=other_manager, name="x")


def test_the_profile_page_creates_a_token_and_shows_the_secret_once(client, manager):
    # given a signed-in user on the profile page
    client.force_login(manager)

    # when they create a token
    response = client.post("/accounts/profile/tokens/", {"name": "Бухгалтерия"})

    # then the page shows the secret, and the secret works for the API
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = re.search(rb'value="(crm_[^"]+)"', response.content).group(1).decode()
    token = ApiToken.objects.get(user=manager)
    assert token.name == "Бухгалтерия"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert _bearer(key).get("/api/v1/me").status_code == 200

    # and the profile never shows it again
    again = client.get("/accounts/profile/")
    assert key.encode() not in again.content
    assert token.prefix.encode() in again.content


def test_the_profile_page_revokes_a_token(client, manager):
    client.force_login(manager)
    token, key = api_token_create(actor=manager, user=manager, name="x")
    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _bearer(key).get("/api/v1/me").status_code == 401


def test_someone_elses_token_cannot_be_revoked_from_the_profile(
    client, manager, other_manager
):
    token, _key = api_token_create(actor=None, user=other_manager, name="x")
    client.force_login(manager)
    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
