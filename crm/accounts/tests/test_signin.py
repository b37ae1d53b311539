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
