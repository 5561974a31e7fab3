"""The audit trail: the only write path of ``ipai_audit_event``, its verification, search, export and archive.

Every event stores the hash of the one before it (``previous_hash``) and its own ``hash`` over its content and
that link. Altering a row changes its content (its hash no longer matches); removing one breaks the link of
the next. ``verify_chain`` walks the chain and names the first broken link.

Recording and linking are two steps. ``record_event`` builds the event at once (time, actor, request, changes)
and keeps it for the transaction; just before the transaction commits (the kernel's ``before_commit``) its
events are *sealed*: under the chain's lock (a transaction-level advisory lock on PostgreSQL, SQLite's single
writer) the head is read, the events are linked in order and inserted in one statement, and the transaction
commits. Ids are assigned under the lock, so id order is chain order, and the
chain never forks. Writers wait for each other only for those few statements, not from their first write to
their commit (issue 19); an event recorded in a savepoint or transaction that rolls back is dropped with it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import ipaddress
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path
from typing import Iterator

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from workos.kernel.context import current_request
from workos.kernel.data import technical_name_of
from workos.kernel.errors import InvalidInput, PermissionDenied
from workos.kernel.prepared import Prepared
from workos.kernel.transactions import before_commit, pending_before_commit

from .models import AuditArchive, AuditEvent, AuditSetting

# Any fixed number: the PostgreSQL advisory lock that serialises appends and archive runs.
CHAIN_LOCK = 8069101
ARCHIVE_FOLDER = "audit-archive"
EXPORT_COLUMNS = [
    "id", "created_at", "actor_id", "actor_name", "action", "target_model", "target_id", "target_name",
    "changes", "ip_address", "user_agent", "previous_hash", "hash",
]
# Public functions that only read; every other public function writes and records its event (see the coverage test).
QUERIES = ("verify_chain", "search_events", "export_events", "event_dict", "event_hash", "diff", "retention_days", "archive_folder",
           "require_auditor")


# --- recording ---------------------------------------------------------------------------------------


def diff(before: dict, after: dict) -> dict:
    """``{"field": {"before": old, "after": new}}`` for each field whose value changed."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain_json(value) -> dict:
    """``changes`` as the database will give it back (plain JSON), so that what is hashed is what is stored."""
    if value is None:
        return {}
    text = json.dumps(value, cls=DjangoJSONEncoder, default=str, allow_nan=False, sort_keys=True)
    plain = json.loads(text)
    return plain if isinstance(plain, dict) else {"value": plain}


def _hashed_content(event: AuditEvent) -> dict:
    return {
        "previous_hash": event.previous_hash,
        "created_at": _timestamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "target_model": event.target_model,
        "target_id": event.target_id,
        "target_name": event.target_name,
        "changes": event.changes,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
    }


def event_hash(event: AuditEvent) -> str:
    payload = json.dumps(_hashed_content(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain() -> None:
    # SQLite needs nothing: WorkOS opens its transactions IMMEDIATE, so one writer holds the database.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


LAST_HASH = Prepared(lambda: AuditEvent.objects.order_by("-id").values_list("hash", flat=True))  # every writer's, at commit


def _chain_head(last: str | None = None) -> str:
    """The hash the next event links to: the last event's (``last``: read already), else the last archive's."""
    last = last if last is not None else LAST_HASH.first()
    if last:
        return last
    archive = AuditArchive.objects.order_by("-last_event_id").first()
    return archive.last_hash if archive else ""


def _lock_chain_and_read_head() -> str:
    """On PostgreSQL the foreign-key checks made immediate, the chain's lock and its head in one round trip: three
    statements, each run after the one before it ended, so the head is read once the lock is held (the read takes
    its snapshot then). Django's cursors bind parameters on the client, which lets one ``execute`` carry them."""
    if connection.vendor != "postgresql":  # SQLite: the writer holds the whole database (``_lock_chain``)
        return _chain_head()
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL IMMEDIATE; SELECT pg_advisory_xact_lock(%s); "
                       f"SELECT hash FROM {AuditEvent._meta.db_table} ORDER BY id DESC LIMIT 1", [CHAIN_LOCK])
        cursor.nextset()
        cursor.nextset()
        row = cursor.fetchone()
    return _chain_head(row[0] if row else "")


def _seal(events: list[AuditEvent]) -> None:
    """Link ``events`` to the chain's head, in order, and insert them (one INSERT): the serial section of every
    writer, run just before its transaction commits, so the lock is held for three statements and the commit.

    DESIGN: the lock used to be taken at the transaction's first write (taken at the first event, after the
    service's writes, it deadlocked: A held the chain and waited for a row B wrote, B held that row and waited for
    the chain). That ran every writing transaction on PostgreSQL one after the other, from first write to commit:
    under 20 clients writes waited 2.3 s in line (issue 19). Taken here, the holder waits for nothing but its own
    INSERT into this table, which no other transaction locks rows of (others only wait for this lock), so no
    cycle can form and the lock is held for milliseconds.

    But for one thing, checked first: Django's foreign keys on PostgreSQL are ``DEFERRABLE INITIALLY DEFERRED``,
    so COMMIT itself checks the transaction's new references, taking a key-share lock on each referenced row —
    which waits for a transaction holding that row ``FOR UPDATE`` (creating a page locked its space so), itself
    waiting for the chain: a cycle, broken by PostgreSQL after a second with a 409 (seen under 20 clients). ``SET
    CONSTRAINTS ALL IMMEDIATE`` runs those checks before the lock is taken. (The services now lock the rows they
    only serialise on ``FOR NO KEY UPDATE``, which key-share checks pass; a row being deleted is still held
    ``FOR UPDATE``.)
    """
    # No savepoint at a commit (a failure rolls the whole transaction back); one inside a transaction that goes on
    # after a failure (a test case's, whose own blocks never commit).
    goes_on = connection.in_atomic_block
    with transaction.atomic(savepoint=goes_on):
        postgresql = connection.vendor == "postgresql"
        previous = _lock_chain_and_read_head()
        for event in events:
            event.previous_hash = previous
            event.hash = previous = event_hash(event)
        AuditEvent.objects.bulk_create(events, batch_size=500)
        if postgresql and goes_on:  # the transaction goes on: its later references are checked at its end again
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _Unsealed:
    """Events recorded in the current transaction, sealed just before it commits (a ``before_commit`` callback).

    One per ``record_event(s)`` call, so that a savepoint rolling back drops exactly the events recorded in it;
    the first to run seals the transaction's later batches too, so a transaction pays one lock, one read of the
    head and one INSERT whatever the number of its events."""

    def __init__(self, events: list[AuditEvent]) -> None:
        self.events = events
        self.sealed = False

    def __call__(self) -> None:
        if self.sealed:
            return
        later = [callback for callback in pending_before_commit() if isinstance(callback, _Unsealed) and not callback.sealed]
        batches = [self, *later]
        _seal([event for batch in batches for event in batch.events])
        for batch in batches:
            batch.sealed = True


def _client_ip(request) -> str:
    raw = (request.META.get("REMOTE_ADDR") or "").strip() if request is not None else ""
    try:
        return str(ipaddress.ip_address(raw)) if raw else ""
    except ValueError:
        return ""


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, actor.get_username()[:150]


def _request_fields(request) -> tuple[str, str]:
    return _client_ip(request), (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:512]


def _new_event(created_at: datetime, actor: tuple[int | None, str], request: tuple[str, str], *, action: str, target=None,
               target_model: str = "", target_id: str = "", target_name: str = "", changes: dict | None = None) -> AuditEvent:
    """An event as it will be stored, but not linked yet (no ``previous_hash``, ``hash`` nor id until sealed)."""
    if not action or len(action) > 64:
        raise ValueError("an audit action is a non-empty name of at most 64 characters")
    if target is not None:
        target_model = target_model or technical_name_of(target._meta.model)  # _meta: also through lazy user objects
        target_id = target_id or str(target.pk)
        target_name = target_name or str(target)
    return AuditEvent(
        created_at=created_at,
        actor_id=actor[0],
        actor_name=actor[1],
        action=action,
        target_model=str(target_model)[:128],
        target_id=str(target_id)[:64],
        target_name=str(target_name)[:512],
        changes=_plain_json(changes),
        ip_address=request[0],
        user_agent=request[1],
    )


def record_event(
    *,
    actor,
    action: str,
    target=None,
    target_model: str = "",
    target_id: str = "",
    target_name: str = "",
    changes: dict | None = None,
    request=None,
) -> AuditEvent:
    """Record one event. ``target`` (a model instance) fills the three target fields.

    Call it inside the service's transaction, after the write: the event is built now (its time is now) and
    joins the chain when the transaction commits — if the write rolls back, so does its event; outside a
    transaction it joins at once. Its id, ``previous_hash`` and ``hash`` are set then. ``request`` defaults to
    the request being served (IP address and user agent).
    """
    request = request if request is not None else current_request()
    event = _new_event(timezone.now(), _actor_fields(actor), _request_fields(request), action=action, target=target,
                       target_model=target_model, target_id=target_id, target_name=target_name, changes=changes)
    before_commit(_Unsealed([event]))
    return event


def record_events(*, actor, events: list[dict], request=None) -> list[AuditEvent]:
    """Record several events at once, in the given order — what a bulk write (many rows created in one call)
    records: one event per object it changed, as ``record_event`` would, joining the chain with the
    transaction's other events. Each item of ``events`` holds ``action`` and ``target`` (or ``target_model`` and
    ``target_id``), and optionally ``target_name`` and ``changes``."""
    if not events:
        return []
    request = request if request is not None else current_request()
    actor_fields, request_fields, now = _actor_fields(actor), _request_fields(request), timezone.now()
    made = [
        _new_event(now, actor_fields, request_fields, action=item.get("action"), target=item.get("target"),
                   target_model=item.get("target_model", ""), target_id=item.get("target_id", ""),
                   target_name=item.get("target_name", ""), changes=item.get("changes"))
        for item in events
    ]
    before_commit(_Unsealed(made))
    return made


def record_auth_event(kind: str, *, request=None, user=None, username: str = "", details: dict | None = None) -> None:
    """The handler the audit module registers for the kernel's authentication events (login, failed login ...)."""
    changes = dict(details or {})
    if username:
        changes.setdefault("login", username)
    record_event(
        actor=user,
        action=f"auth.{kind}",
        target=user if user is not None and getattr(user, "pk", None) else None,
        target_model="" if user is not None else "auth.user",
        target_name="" if user is not None else username[:512],
        changes=changes,
        request=request,
    )


# --- verification ------------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    ok: bool = True
    events: int = 0
    head: str = ""
    first_id: int | None = None
    last_id: int | None = None
    archives: int = 0
    broken_id: int | None = None
    reason: str = ""
    archive_files_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def fail(self, event_id: int | None, reason: str) -> None:
        if self.ok:
            self.ok, self.broken_id, self.reason = False, event_id, reason
        self.problems.append(reason)


def verify_chain(check_archive_files: bool = False, expect_head: str | None = None) -> VerifyReport:
    """Walk the chain from its anchor (the last archive, or the start) and report the first broken link."""
    report = VerifyReport()
    archives = list(AuditArchive.objects.order_by("last_event_id"))
    report.archives = len(archives)
    expected_previous = ""
    for archive in archives:
        if archive.first_previous_hash != expected_previous:
            report.fail(archive.first_event_id, f"archive {archive.file_name} does not follow the archive before it")
        expected_previous = archive.last_hash
        if check_archive_files:
            _verify_archive_file(archive, report)
    previous_id = archives[-1].last_event_id if archives else None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        report.events += 1
        report.first_id = report.first_id or event.pk
        if event.previous_hash != expected_previous:
            after = f"event {previous_id}" if previous_id else "the start of the chain"
            report.fail(event.pk, f"event {event.pk} does not link to {after}: an event before it was removed, inserted or altered")
        if event_hash(event) != event.hash:
            report.fail(event.pk, f"event {event.pk} was altered: its content no longer matches its hash")
        expected_previous, previous_id = event.hash, event.pk
        report.last_id = event.pk
    report.head = expected_previous
    if expect_head and expect_head != report.head:
        report.fail(report.last_id, f"the chain ends at {report.head or 'nothing'}, not at the expected head {expect_head}: events were removed from its end")
    return report


def _verify_archive_file(archive: AuditArchive, report: VerifyReport) -> None:
    path = archive_folder() / archive.file_name
    if not path.is_file():
        report.fail(archive.first_event_id, f"archive file {path} is missing")
        return
    if hashlib.sha256(path.read_bytes()).hexdigest() != archive.sha256:
        report.fail(archive.first_event_id, f"archive file {path} was modified (sha256 differs)")
        return
    expected = archive.first_previous_hash
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            event = AuditEvent(
                id=row["id"], created_at=datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")), actor_id=row["actor_id"],
                actor_name=row["actor_name"], action=row["action"], target_model=row["target_model"], target_id=row["target_id"],
                target_name=row["target_name"], changes=row["changes"], ip_address=row["ip_address"], user_agent=row["user_agent"],
                previous_hash=row["previous_hash"], hash=row["hash"],
            )
            if event.previous_hash != expected or event_hash(event) != event.hash:
                report.fail(event.pk, f"archived event {event.pk} in {archive.file_name} is broken")
                return
            expected = event.hash
    if expected != archive.last_hash:
        report.fail(archive.last_event_id, f"archive file {archive.file_name} does not end at its recorded last event")
    report.archive_files_checked += 1


# --- reading: search and export (auditors only) -------------------------------------------------------


def require_auditor(user) -> None:
    """The audit trail names everyone and everything: only administrators read it."""
    if user is None or not user.is_authenticated or not user.is_superuser:
        raise PermissionDenied("only administrators can read the audit log")


@dataclass
class EventFilter:
    actor: str = ""  # user id or login
    action: str = ""  # exact, or a prefix ending with "." ("page." = every page event)
    target_model: str = ""
    target_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def search_events(user, filters: EventFilter):
    """Events matching ``filters``, oldest first. Raises PermissionDenied for non-auditors."""
    require_auditor(user)
    events = AuditEvent.objects.all()
    if filters.actor:
        actor = filters.actor.strip()
        events = events.filter(actor_id=int(actor)) if actor.isdigit() else events.filter(actor_name=actor)
    if filters.action:
        action = filters.action.strip()
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if filters.target_model:
        events = events.filter(target_model=filters.target_model.strip())
    if filters.target_id:
        events = events.filter(target_id=filters.target_id.strip())
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("the start of the time range is after its end", field="since")
    if filters.since:
        events = events.filter(created_at__gte=filters.since)
    if filters.until:
        events = events.filter(created_at__lt=filters.until)
    return events.order_by("id")


def event_dict(event: AuditEvent) -> dict:
    """An event as exported: what its hash covers, plus its id and its own hash."""
    return {"id": event.pk, **_hashed_content(event), "hash": event.hash}


def _csv_cell(value) -> str:
    text = json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else ("" if value is None else str(value))
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it so that opening an export runs nothing.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_events(user, filters: EventFilter, export_format: str) -> Iterator[str]:
    """The matching events as CSV (one header row) or JSON Lines, streamed in chunks."""
    if export_format not in ("csv", "json"):
        raise InvalidInput("export format must be csv or json", field="format")
    events = search_events(user, filters)

    def csv_lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_COLUMNS)
        for event in events.iterator(chunk_size=2000):
            row = event_dict(event)
            writer.writerow([_csv_cell(row[column]) for column in EXPORT_COLUMNS])
            if buffer.tell() > 65536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    def json_lines() -> Iterator[str]:
        for event in events.iterator(chunk_size=2000):
            yield json.dumps(event_dict(event), sort_keys=True) + "\n"

    return csv_lines() if export_format == "csv" else json_lines()


# --- retention -----------------------------------------------------------------------------------------


def retention_days() -> int:
    setting = AuditSetting.objects.order_by("id").first()
    return setting.retention_days if setting else 0


@transaction.atomic
def set_retention(actor, days: int) -> AuditSetting:
    """Set how many days events stay in the database before ``archive_events`` moves them to a file."""
    require_auditor(actor)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 36500:
        raise InvalidInput("retention must be a number of days from 0 (keep forever) to 36500", field="retention_days")
    setting = AuditSetting.objects.order_by("id").first() or AuditSetting()
    before = setting.retention_days if setting.pk else 0
    setting.retention_days = days
    setting.save()
    record_event(actor=actor, action="audit.retention", target=None, target_model="ipai.audit.setting", target_id=str(setting.pk),
                 target_name="audit retention", changes=diff({"retention_days": before}, {"retention_days": days}))
    return setting


def archive_folder() -> Path:
    return Path(settings.WORKOS_CONFIG.data_dir) / ARCHIVE_FOLDER


@dataclass
class ArchiveResult:
    archived: int = 0
    file: str = ""
    first_event_id: int | None = None
    last_event_id: int | None = None
    cutoff: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def archive_events(actor=None, older_than_days: int | None = None, now: datetime | None = None) -> ArchiveResult:
    """Move the events older than the retention period to a gzip-compressed JSON Lines file.

    Only a prefix of the chain moves (up to the first event newer than the cutoff), so what stays in the
    database still starts where the file ends: the archive row keeps that link and ``verify_chain`` checks it.
    ``actor`` None means the system (the CLI run by the operator); otherwise it must be an administrator.
    """
    if actor is not None:
        require_auditor(actor)
    days = retention_days() if older_than_days is None else older_than_days
    if not isinstance(days, int) or days < 0:
        raise InvalidInput("days must be zero or more", field="older_than_days")
    if days == 0 and older_than_days is None:
        return ArchiveResult()  # retention 0: keep everything
    cutoff = (now or timezone.now()) - timedelta(days=days)
    result = ArchiveResult(cutoff=_timestamp(cutoff))
    with transaction.atomic():
        # Held to the commit: no event is sealed while the prefix moves (this run's own event is sealed last).
        _lock_chain()
        first_newer = AuditEvent.objects.filter(created_at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        prefix = AuditEvent.objects.order_by("id")
        if first_newer is not None:
            prefix = prefix.filter(id__lt=first_newer)
        events = list(prefix)
        if not events:
            return result
        folder = archive_folder()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"audit-{events[0].pk:012d}-{events[-1].pk:012d}-{timezone.now().strftime('%Y%m%d%H%M%S')}.jsonl.gz"
        path = folder / name
        temporary = folder / (name + ".part")
        with open(temporary, "wb") as raw:
            # mtime=0: the file's bytes depend only on the events, so its sha256 is reproducible.
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
                for event in events:
                    handle.write((json.dumps(event_dict(event), sort_keys=True) + "\n").encode())
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.replace(temporary, path)
            archive = AuditArchive.objects.create(
                created_at=timezone.now(),
                file_name=name,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                event_count=len(events),
                first_event_id=events[0].pk,
                last_event_id=events[-1].pk,
                first_previous_hash=events[0].previous_hash,
                last_hash=events[-1].hash,
                cutoff=cutoff,
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # The append-only trigger lets this one transaction delete the archived prefix.
                    cursor.execute("SET LOCAL ipai_audit.archiving = 'on'")
            AuditEvent.objects.filter(id__lte=events[-1].pk).delete()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL ipai_audit.archiving = 'off'")
            record_event(actor=actor, action="audit.archive", target=archive, changes={
                "file": name, "events": len(events), "first_event_id": events[0].pk, "last_event_id": events[-1].pk,
                "last_hash": events[-1].hash, "sha256": archive.sha256,
            })
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    result.archived, result.file = len(events), str(path)
    result.first_event_id, result.last_event_id = events[0].pk, events[-1].pk
    return result
