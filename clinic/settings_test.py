"""Settings for the test suite: the real settings, with a throwaway secret key when none is set,
a fast password hasher, and private files in a temporary folder."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "k" * 40)

from clinic.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="clinic-private-"))  # noqa: F405
STORAGES["private"]["OPTIONS"]["location"] = str(PRIVATE_STORAGE_ROOT)  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SECURE_SSL_REDIRECT = False
