"""Fixtures shared by every app's tests: users of each role, API clients, a real
SMTP sink."""

from __future__ import annotations

import pytest
from django.core.cache import cache


def _clear_cache() -> None:
    """Forget this worker's cached values; on Redis, only the keys of this worker,
    since parallel workers share the server (and FLUSHDB would wipe theirs)."""
    from django.conf import settings

    config = settings.CACHES["default"]
    if "redis" not in config["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{config.get('KEY_PREFIX', '')}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _default_language():
    # A request by a Russian-speaking user leaves Russian active in the thread; each
    # test starts in the default language.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Visibility rules and other small caches must not leak between tests.
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _fast_passwords(request, settings):
    """Hash with MD5 where the hasher does not matter; Argon2 where it does.

    A module that checks the real hashing sets `REAL_PASSWORD_HASHING = True`.
    """
    if getattr(request.module, "REAL_PASSWORD_HASHING", False):
        return
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db):
    from crm.accounts.models import Team

    return Team.objects.create(name="Отдел продаж")


@pytest.fixture
def make_user(db):
    from crm.accounts.services import user_create

    counter = {"n": 0}

    def make(
        role="sales", team=None, username=None, password="Correct-Horse-42", **fields
    ):
        counter["n"] += 1
        return user_create(
            actor=None,
            username=username or f"{role}{counter['n']}",
            role=role,
            password=password,
            team=team,
            email=fields.pop("email", f"{username or role}{counter['n']}@example.com"),
            **fields,
        )

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user(
        role="admin", username="admin", first_name="Анна", last_name="Админова"
    )


@pytest.fixture
def manager(make_user, team):
    return make_user(role="sales", team=team, first_name="Иван", last_name="Петров")


@pytest.fixture
def other_manager(make_user, team):
    return make_user(role="sales", team=team, first_name="Олег", last_name="Сидоров")


@pytest.fixture
def api_client(db):
    """A test client that calls the API with a user's bearer token."""
    from django.test import Client

    from crm.accounts.services import api_token_create

    class ApiClient:
        def __init__(self, user):
            _token, self.key = api_token_create(actor=None, user=user, name="tests")
            self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.key}")

        def _call(self, method, path, data=None):
            kwargs = {}
            if data is not None:
                kwargs = {"data": data, "content_type": "application/json"}
            return getattr(self.client, method)(f"/api/v1/{path.lstrip('/')}", **kwargs)

        def get(self, path, params=None):
            return self.client.get(f"/api/v1/{path.lstrip('/')}", params or {})

        def post(self, path, data=None):
            return self._call("post", path, data if data is not None else {})

        def patch(self, path, data):
            return self._call("patch", path, data)

        def put(self, path, data):
            return self._call("put", path, data)

        def delete(self, path):
            return self._call("delete", path)

    return ApiClient


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on localhost that keeps what it receives."""
    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "data": envelope.content.decode("utf8", errors="replace"),
                }
            )
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield handler
    controller.stop()
