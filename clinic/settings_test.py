"""Settings for the test suite: the real settings, with a throwaway secret key when none is set,
a fast password hasher, and private files in a temporary folder."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "k" * 40)
# Set in the environment (not only here) so a Celery worker started by the tests shares it.
os.environ.setdefault("CLINIC_PRIVATE_ROOT", tempfile.mkdtemp(prefix="clinic-private-"))

from clinic.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
SECURE_SSL_REDIRECT = False
# Serve static files from the source folders; the suite never runs collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests sign in with `force_login`; the two-factor tests turn this on with the settings fixture.
CLINIC_REQUIRE_MFA = False
