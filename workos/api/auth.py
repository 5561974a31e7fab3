"""API authentication: the browser's session (with CSRF on writes) or a personal bearer token."""

from __future__ import annotations

from django.conf import settings
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from .services import user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; ninja checks the CSRF token on unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        if request.user.is_authenticated and request.user.is_active:
            return request.user
        return None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer wos_...``; a read-only token may only read."""

    def authenticate(self, request, token):
        api_token, user = user_for_token(token)
        if user is None:
            return None
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise HttpError(403, "this token is read-only")
        request.user = user
        request._cached_user = user  # where the request log (and Django's lazy request.user) looks for it
        request.api_token = api_token
        return user


session_auth = SessionAuth()
token_auth = TokenAuth()
DEFAULT_AUTH = [token_auth, session_auth]
