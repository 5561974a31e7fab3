"""Filters of the server log."""

from __future__ import annotations

import logging
import re

_SECRET_IN_URL = re.compile(r"((?:^|[?&\s])token=)[^&\s\"']+")


class RedactSecrets(logging.Filter):
    """Keeps secrets that travel in URLs out of the log: a live page's WebSocket may carry an API token as
    ``?token=`` (browsers cannot set headers on a WebSocket), and uvicorn logs every accepted WebSocket's path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = _SECRET_IN_URL.sub(r"\1[redacted]", message), ()
        return True
