"""``/api/v1/audit/...``: the audit log for administrators — search, export, verify, retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import StreamingHttpResponse
from ninja import Query, Router, Schema

from workos.api.pagination import DEFAULT_LIMIT, paginate
from workos.kernel.errors import NotFound

from . import services

router = Router(tags=["audit"])


class EventOut(Schema):
    id: int
    created_at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    target_model: str
    target_id: str
    target_name: str
    changes: dict[str, Any]
    ip_address: str
    user_agent: str
    previous_hash: str
    hash: str


class EventPage(Schema):
    items: list[EventOut]
    count: int
    next_cursor: str | None


class EventFilterIn(Schema):
    actor: str = ""
    action: str = ""
    target_model: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def to_filter(self) -> services.EventFilter:
        return services.EventFilter(**self.dict())


class VerifyOut(Schema):
    ok: bool
    events: int
    head: str
    first_id: int | None
    last_id: int | None
    archives: int
    broken_id: int | None
    reason: str
    archive_files_checked: int
    problems: list[str]


class RetentionIn(Schema):
    retention_days: int


class RetentionOut(Schema):
    retention_days: int


class ArchiveIn(Schema):
    older_than_days: int | None = None


class ArchiveOut(Schema):
    archived: int
    file: str
    first_event_id: int | None
    last_event_id: int | None
    cutoff: str


@router.get("/audit/events", response=EventPage, summary="Search audit events (administrators)")
def list_events(request, filters: Query[EventFilterIn], limit: int = DEFAULT_LIMIT, cursor: str | None = None):
    return paginate(services.search_events(request.user, filters.to_filter()), limit, cursor)


@router.get("/audit/events/export", summary="Export audit events as CSV or JSON Lines (administrators)")
def export_events(request, filters: Query[EventFilterIn], format: Literal["csv", "json"] = "csv"):
    lines = services.export_events(request.user, filters.to_filter(), format)
    content_type = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    response = StreamingHttpResponse(lines, content_type=content_type)
    extension = "csv" if format == "csv" else "jsonl"
    response["Content-Disposition"] = f'attachment; filename="audit-events.{extension}"'
    return response


@router.get("/audit/events/{event_id}", response=EventOut, summary="One audit event (administrators)")
def get_event(request, event_id: int):
    event = services.search_events(request.user, services.EventFilter()).filter(pk=event_id).first()
    if event is None:
        raise NotFound("no such audit event")
    return event


@router.get("/audit/verify", response=VerifyOut, summary="Verify the hash chain (administrators)")
def verify(request, archives: bool = False):
    services.require_auditor(request.user)
    return services.verify_chain(check_archive_files=archives).as_dict()


@router.get("/audit/settings", response=RetentionOut, summary="Audit retention setting (administrators)")
def get_settings(request):
    services.require_auditor(request.user)
    return {"retention_days": services.retention_days()}


@router.put("/audit/settings", response=RetentionOut, summary="Change the audit retention (administrators)")
def put_settings(request, payload: RetentionIn):
    setting = services.set_retention(request.user, payload.retention_days)
    return {"retention_days": setting.retention_days}


@router.post("/audit/archive", response=ArchiveOut, summary="Archive events older than the retention period (administrators)")
def archive(request, payload: ArchiveIn):
    return services.archive_events(request.user, payload.older_than_days).as_dict()
