"""Settings for the test suite: every module on the addons path is loaded at once (DESIGN.md §4)."""

import os

os.environ["WORKOS_LOAD_MODULES"] = "all"

from workos.settings.base import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; the real hasher is tested apart
