"""Settings for the test suite: Tautoko's settings, with a throwaway secret and var folder.

DATABASE_URL and REDIS_URL from the environment still apply, so the same suite runs on
SQLite (default) and on PostgreSQL + Redis.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "t" * 40)
os.environ.setdefault("TAUTOKO_VAR_DIR", os.path.join(tempfile.gettempdir(), "tautoko-test-var"))

from tautoko.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only

# Most tests submit petitions straight to the moderation queue, as with sponsors switched off;
# the sponsor tests ask for sponsors with tautoko_settings(SPONSORS_REQUIRED=...).
TAUTOKO = {**TAUTOKO, "SPONSORS_REQUIRED": 0}  # noqa: F405
