"""The audit log page: filters, export, chain verification and the retention setting (administrators)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date, parse_datetime
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from workos.api.pagination import paginate
from workos.kernel.errors import ServiceError
from workos.web.menus import menu_tree

from . import services

PAGE_SIZE = 100


def _moment(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        moment = datetime(day.year, day.month, day.day) if day else None
    if moment is None:
        raise ValueError(text)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _filters(request) -> services.EventFilter:
    try:
        since, until = _moment(request.GET.get("since", "")), _moment(request.GET.get("until", ""))
    except ValueError as error:
        raise services.InvalidInput(f"not a date or date-time: {error}", field="since") from None
    return services.EventFilter(
        actor=request.GET.get("actor", "")[:150], action=request.GET.get("action", "")[:64],
        target_model=request.GET.get("target_model", "")[:128], target_id=request.GET.get("target_id", "")[:64],
        since=since, until=until,
    )


def _denied(request, error: ServiceError):
    return render(request, "web/error.html", {"status": error.status, "message": error.message}, status=error.status)


@login_required
@require_http_methods(["GET", "POST"])
def audit_log_view(request):
    try:
        services.require_auditor(request.user)
    except ServiceError as error:
        return _denied(request, error)
    message = error_text = None
    if request.method == "POST":
        try:
            if "retention_days" in request.POST:
                raw = request.POST.get("retention_days", "").strip()
                if not raw.isdigit():
                    raise services.InvalidInput("retention must be a whole number of days", field="retention_days")
                services.set_retention(request.user, int(raw))
                message = "Retention saved."
            elif request.POST.get("archive"):
                result = services.archive_events(request.user)
                message = f"Archived {result.archived} events." if result.archived else "Nothing to archive."
        except ServiceError as error:
            error_text = error.message
    try:
        filters = _filters(request)
        page = paginate(services.search_events(request.user, filters), PAGE_SIZE, request.GET.get("cursor") or None)
    except ServiceError as error:
        error_text = error.message
        page = {"items": [], "count": 0, "next_cursor": None}
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "menus": menu_tree(request.user),
        "page": page,
        "filters": request.GET,
        "query": query.urlencode(),
        "verify": services.verify_chain(),
        "retention_days": services.retention_days(),
        "message": message,
        "error": error_text,
    }
    return render(request, "ipai_platform_audit/audit_log.html", context, status=422 if error_text else 200)


@login_required
@require_GET
def audit_export_view(request):
    export_format = request.GET.get("format", "csv")
    try:
        lines = services.export_events(request.user, _filters(request), export_format)
    except ServiceError as error:
        return _denied(request, error)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8" if export_format == "csv" else "application/x-ndjson")
    response["Content-Disposition"] = f'attachment; filename="audit-events.{"csv" if export_format == "csv" else "jsonl"}"'
    return response


