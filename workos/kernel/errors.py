"""Errors that services raise for a user's mistake. Each has a stable code and maps to one HTTP status, so
the API, the web client and the CLI report it the same way — never as a 500."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        # what a client needs to act on the refusal, next to code and message (e.g. a conflict's current version)
        self.details = details or {}
        if code:
            self.code = code

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body | self.details


class NotAuthenticated(ServiceError):
    status, code = 401, "not_authenticated"


class PermissionDenied(ServiceError):
    status, code = 403, "permission_denied"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class TooLarge(ServiceError):
    status, code = 413, "too_large"


class InvalidInput(ServiceError):
    status, code = 422, "invalid"
