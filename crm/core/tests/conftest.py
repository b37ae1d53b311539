import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Many users are made here and none signs in with a password; Argon2 (the
    # real hasher) is tested in accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
