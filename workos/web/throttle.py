"""The answer to a login refused by the throttle (django-axes): 429 with ``Retry-After``, logged and audited.

django-axes counts the failures and decides; this module only says so — in the API's JSON error format for
``/api/v1/auth/token`` and as a readable message on the login page.
"""

from __future__ import annotations

import logging
import math

from django.db.models import Max, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from workos.kernel.hooks import auth_event

from .views import _safe_next

log = logging.getLogger("workos.web.throttle")

STATUS = 429


def seconds_until_unlocked(request, credentials: dict | None) -> int:
    """Seconds until every lock that holds this request (its account, its address) has run out."""
    from axes.helpers import get_client_parameters, get_client_username, get_cool_off, get_failure_limit
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request)
    now = timezone.now()
    username = get_client_username(request, credentials)
    limit = get_failure_limit(request, credentials)
    ends = now
    for filters in get_client_parameters(username, request.axes_ip_address, request.axes_user_agent, request, credentials):
        counted = AccessAttempt.objects.filter(**filters, attempt_time__gte=now - cool_off)
        totals = counted.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (totals["failures"] or 0) >= limit:
            ends = max(ends, totals["last"] + cool_off)
    return max(1, math.ceil((ends - now).total_seconds()))


def _wait_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def lockout_response(request, *_ignored):
    """``AXES_LOCKOUT_CALLABLE``. The credentials are read from the request: axes passes them in a different
    position on its sync and its async path."""
    credentials = getattr(request, "axes_credentials", None) or {}
    username = str(credentials.get("username") or "")[:150]
    retry_after = seconds_until_unlocked(request, credentials)
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", "-")
    log.warning("login throttled for %r from %s on %s; retry after %ss", username, address, request.path, retry_after)
    auth_event("login_throttled", request=request, username=username, details={"path": request.path, "retry_after": retry_after})

    message = f"Too many failed logins. Try again in {_wait_words(retry_after)}."
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "throttled", "message": message}}, status=STATUS)
    else:
        context = {"error": message, "login": username, "next": _safe_next(request)}
        response = render(request, "web/login.html", context, status=STATUS)
    response["Retry-After"] = str(retry_after)
    return response
