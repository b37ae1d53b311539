import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(request, settings):
    """Hash with MD5 where the hasher does not matter; Argon2 where it does.

    A module that checks the real hashing sets `REAL_PASSWORD_HASHING = True`.
    """
    if getattr(request.module, "REAL_PASSWORD_HASHING", False):
        return
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
