"""Django's email settings from ``[email]`` of workos.toml: one mapping, used by the site's settings (``base.py``)
and by the commands that send mail without starting the site (``workos watch``'s alerts)."""

from __future__ import annotations

import os

from .config import Config

# Django names the file backend's module "filebased"; the setting says "file" as DESIGN.md documents it.
_BACKEND_MODULES = {"file": "filebased"}


def email_settings(config: Config) -> dict:
    """The Django setting names and values for ``config``'s ``[email]`` (the password read from password_env)."""
    email = config.values["email"]
    password_env = email["password_env"]
    return {
        "EMAIL_BACKEND": f"django.core.mail.backends.{_BACKEND_MODULES.get(email['backend'], email['backend'])}.EmailBackend",
        "EMAIL_HOST": email["host"],
        "EMAIL_PORT": email["port"],
        "EMAIL_TIMEOUT": email["timeout"],
        "EMAIL_HOST_USER": email["user"],
        "EMAIL_HOST_PASSWORD": os.environ.get(password_env, "") if password_env else "",
        "EMAIL_USE_TLS": email["use_tls"],
        "EMAIL_USE_SSL": email["use_ssl"],
        "EMAIL_FILE_PATH": str(email["file_path"]),
        "DEFAULT_FROM_EMAIL": email["from"],
        "WORKOS_EMAIL_BASE_URL": email["base_url"].rstrip("/"),
    }
