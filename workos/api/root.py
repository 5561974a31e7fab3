"""The API root ``/api/v1``: authentication, the JSON error format, and the routers of the active modules."""

from __future__ import annotations

import importlib
import importlib.util
import logging

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

import workos
from workos.kernel.errors import ServiceError

from .auth import DEFAULT_AUTH
from .endpoints import router as auth_router

log = logging.getLogger("workos.api")

STATUS_CODES = {400: "bad_request", 401: "not_authenticated", 403: "permission_denied", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid", 429: "throttled"}


def error_response(api: NinjaAPI, request, status: int, message: str, code: str | None = None, field: str | None = None):
    body = {"code": code or STATUS_CODES.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    return api.create_response(request, {"error": body}, status=status)


def _field_of(error: dict) -> str | None:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload")]
    return ".".join(location) or None


class WorkOSAPI(NinjaAPI):
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
    )

    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        return error_response(api, request, exc.status, exc.message, exc.code, exc.field)

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

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(request, exc):
        return error_response(api, request, 403, "you do not have access to this")

    api.add_router("/", auth_router)
    for name in settings.WORKOS_ACTIVE_MODULES:
        router = module_router(name)
        if router is not None:
            api.add_router("/", router)
    return api


def module_router(name: str):
    """The ``router`` of module ``name``'s ``api.py``, if it has one. An import error is not hidden."""
    if not apps.is_installed(name) or importlib.util.find_spec(f"{name}.api") is None:
        return None
    return getattr(importlib.import_module(f"{name}.api"), "router", None)


api = build_api()
API_VERSION = workos.__version__
