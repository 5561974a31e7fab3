"""The API root ``/api/v1``: authentication, the JSON error format, and the routers of the active modules."""

from __future__ import annotations

import importlib
import importlib.util
import logging

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

import workos
from workos.kernel.errors import ServiceError

from .auth import DEFAULT_AUTH
from .endpoints import router as auth_router
from .renderers import JSONRenderer

log = logging.getLogger("workos.api")

STATUS_CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid", 429: "throttled"}


def error_response(api: NinjaAPI, request, status: int, message: str, code: str | None = None, field: str | None = None,
                   details: dict | None = None):
    body = {"code": code or STATUS_CODES.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    body.update(details or {})
    return api.create_response(request, {"error": body}, status=status)


def _field_of(error: dict) -> str | None:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
    return ".".join(location) or None


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable cause, e.g. " + ", ".join(sorted(set(STATUS_CODES.values())))},
                "message": {"type": "string", "description": "What went wrong, for people."},
                "field": {"type": "string", "description": "The request field at fault, when one is."},
                "current_version": {"type": "integer", "description": "With code `stale_version` or `version_required`: the "
                                    "version the document has now."},
            },
        }
    },
}

# Every operation may answer these, in the format above; the OpenAPI document says so for each of them, so
# that clients and fuzzers can rely on the document (a status it does not list is a defect).
ERROR_RESPONSES = {
    400: "Bad request: the request cannot be read (e.g. malformed JSON).",
    401: "Not authenticated: log in, or send a valid bearer token.",
    403: "Permission denied, or a read-only token used for a write.",
    404: "Not found, or not visible to you.",
    409: "Conflict with the current state of the record.",
    413: "Request body too large.",
    422: "Invalid input; `field` names the field at fault.",
    429: "Too many requests (failed logins); retry after the `Retry-After` header's seconds.",
}


def declare_error_responses(document: dict) -> dict:
    """Add ERROR_RESPONSES to every operation of ``document`` that does not declare that status itself."""
    document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status in responses or str(status) in responses:
                    continue
                responses[status] = {"description": description, "content": reference}
                if status == 429:
                    responses[status]["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    return document


class WorkOSAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also declares the error responses, centrally (module routers declare
    only their successes), and whose operation ids do not change when a module's api grows into a package."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return declare_error_responses(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))

    def get_openapi_operation_id(self, operation) -> str:
        """``<module>_api_<function>``, whether the module's ``api`` is one file or a package of files per resource,
        so that splitting an ``api.py`` does not rename the operations clients were generated from."""
        module = operation.view_func.__module__
        name, dot_api, _ = module.partition(".api.")
        if dot_api and name in settings.WORKOS_ACTIVE_MODULES:
            module = f"{name}.api"
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


def build_api() -> NinjaAPI:
    api = WorkOSAPI(
        title="WorkOS API",
        version="1",
        description="WorkOS REST API. Authenticate with a session cookie (and CSRF token) or `Authorization: Bearer <token>`.",
        urls_namespace="api-v1",
        auth=DEFAULT_AUTH,
        docs_url="/docs",
        renderer=JSONRenderer(),
    )
    install_error_handlers(api)
    api.add_router("/", auth_router)
    for name in settings.WORKOS_ACTIVE_MODULES:
        router = module_router(name)
        if router is not None:
            api.add_router("/", router)
    return api


def install_error_handlers(api: NinjaAPI) -> None:
    """Every refusal of ``api`` in the one JSON error format (DESIGN.md §5)."""

    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        return error_response(api, request, exc.status, exc.message, exc.code, exc.field, exc.details)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        first = exc.errors[0] if exc.errors else {}
        message = "; ".join(f"{_field_of(e) or 'request'}: {e.get('msg', 'invalid')}" for e in exc.errors[:5]) or "invalid request"
        return error_response(api, request, 422, message, "invalid", _field_of(first))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return error_response(api, request, 401, "authentication required: log in or send a bearer token")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return error_response(api, request, exc.status_code, str(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not found")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return error_response(api, request, 413, f"request body larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")

    @api.exception_handler(OverflowError)
    def number_out_of_range(request, exc):
        # SQLite cannot bind an integer past 64 bits: an id in the request that no record can have. Parameters
        # declared as workos.api.types.RecordId are refused before this, naming the field.
        log.warning("%s %s: a number in the request is out of range (%s)", request.method, request.path, exc)
        return error_response(api, request, 422, "a number in the request is out of range", "invalid")

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(request, exc):
        return error_response(api, request, 403, "you do not have access to this")

    @api.exception_handler(DatabaseError)
    def changed_meanwhile(request, exc: DatabaseError):
        # A write that found its row gone: another request deleted it between this one's read and its write
        # (Django's "did not affect any rows"), or PostgreSQL chose this transaction to break a deadlock. Nothing
        # of this request was kept (the transaction rolled back); the client reloads and sends it again.
        # Any other database error stays a 500 with its traceback in the log.
        text = str(exc)
        if "did not affect any rows" not in text and "deadlock detected" not in text:
            raise exc
        log.warning("%s %s: refused, changed by another request meanwhile (%s)", request.method, request.path, text.splitlines()[0])
        return error_response(api, request, 409, "this was changed or deleted by someone else meanwhile: reload and try again", "conflict")


def module_router(name: str):
    """The ``router`` of module ``name``'s ``api.py``, if it has one. An import error is not hidden."""
    if not apps.is_installed(name) or importlib.util.find_spec(f"{name}.api") is None:
        return None
    return getattr(importlib.import_module(f"{name}.api"), "router", None)


api = build_api()
API_VERSION = workos.__version__
