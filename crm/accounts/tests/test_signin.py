# Sign-in and password changes run through the real Argon2 hasher.
REAL_PASSWORD_HASHING = True


def test_sign_in_page_renders_in_the_browsers_language(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_sign_in_with_a_good_password_opens_a_session(client, manager):
    response = client.post(
        "/accounts/login/",
        {"username": manager.username, "password": "Correct-Horse-42"},
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(manager.pk)


def test_failed_sign_ins_are_throttled(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/", {"username": manager.username, "password": "wrong"}
        )
    response = client.post(
        "/accounts/login/",
        {"username": manager.username, "password": "Correct-Horse-42"},
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(manager):
    assert manager.password.startswith("argon2")


def _fail(client, username, times, **headers):
    for _ in range(times):
        client.post(
            "/accounts/login/", {"username": username, "password": "wrong"}, **headers
        )


def test_the_locked_out_page_explains_in_the_browsers_language(
    client, manager, settings
):
    # given as many failures as the limit allows, from a Russian browser
    _fail(
        client, manager.username, settings.AXES_FAILURE_LIMIT, HTTP_ACCEPT_LANGUAGE="ru"
    )

    # when the right password comes next
    response = client.post(
        "/accounts/login/",
        {"username": manager.username, "password": "Correct-Horse-42"},
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    # then a page explains the lock in Russian and offers the password reset
    assert response.status_code == 429
    assert b'<html lang="ru">' in response.content
    assert b'id="locked-out-message"' in response.content
    assert b'href="/accounts/password/reset/"' in response.content


def test_fewer_failures_than_the_limit_still_let_the_user_in(client, manager, settings):
    _fail(client, manager.username, settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(
        "/accounts/login/",
        {"username": manager.username, "password": "Correct-Horse-42"},
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(manager.pk)


def test_a_wrong_password_gets_a_message_on_the_form(client, manager):
    response = client.post(
        "/accounts/login/", {"username": manager.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_a_new_password_ends_the_lockout(client, manager, settings):
    from crm.accounts.services import user_set_password

    _fail(client, manager.username, settings.AXES_FAILURE_LIMIT)
    user_set_password(actor=manager, user=manager, password="Brand-New-Secret-77")
    response = client.post(
        "/accounts/login/",
        {"username": manager.username, "password": "Brand-New-Secret-77"},
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(manager.pk)


def test_a_deactivated_user_cannot_sign_in(client, make_user):
    person = make_user(is_active=False)
    client.post(
        "/accounts/login/",
        {"username": person.username, "password": "Correct-Horse-42"},
    )
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(client, manager):
    client.force_login(manager)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
