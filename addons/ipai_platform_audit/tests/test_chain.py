"""The hash chain: every event links to the one before; altering or removing a row is found and named."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ipai_platform_audit import services
from ipai_platform_audit.models import AuditArchive, AuditEvent


def record(n: int, actor=None) -> list[AuditEvent]:
    return [services.record_event(actor=actor, action="test.event", target_model="test.thing", target_id=str(i),
                                  target_name=f"thing {i}", changes={"n": {"before": i, "after": i + 1}}) for i in range(n)]


def raw_sql(sql: str, params=()) -> None:
    """Write to the audit table behind WorkOS's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ipai_audit_event DISABLE TRIGGER ipai_audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ipai_audit_event ENABLE TRIGGER ipai_audit_event_append_only")


def test_each_event_links_to_the_previous_one(db, make_user):
    actor = make_user()
    events = record(3, actor)

    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    report = services.verify_chain()
    assert report.ok and report.head == events[-1].hash
    assert events[0].actor_name == actor.username


def test_altered_row_is_named(db):
    events = record(4)
    raw_sql("UPDATE ipai_audit_event SET target_name = %s WHERE id = %s", ["forged", events[2].pk])

    report = services.verify_chain()

    assert not report.ok and report.broken_id == events[2].pk and "altered" in report.reason


def test_removed_row_breaks_the_next_link(db):
    events = record(4)
    raw_sql("DELETE FROM ipai_audit_event WHERE id = %s", [events[1].pk])

    report = services.verify_chain()

    assert not report.ok and report.broken_id == events[2].pk and "removed" in report.reason


def test_removed_tail_is_found_against_a_recorded_head(db):
    events = record(3)
    head = services.verify_chain().head
    raw_sql("DELETE FROM ipai_audit_event WHERE id = %s", [events[-1].pk])

    assert services.verify_chain().ok  # a shorter chain is still a chain ...
    assert not services.verify_chain(expect_head=head).ok  # ... but not the one recorded


def test_changes_are_stored_exactly_as_hashed(db):
    event = services.record_event(actor=None, action="test.types", changes={
        "when": timezone.now(), "amount": 1.5, "text": "é ☃ \"quoted\"", "nested": {"b": [1, None, True]},
    })
    event.refresh_from_db()

    assert services.event_hash(event) == event.hash


def test_deleting_a_user_keeps_their_events_intact(db, make_user):
    user = make_user()
    services.record_event(actor=user, action="test.user")
    user.delete()

    assert services.verify_chain().ok
    assert AuditEvent.objects.get(action="test.user").actor_name == user.username


@pytest.mark.postgresql_only
def test_postgresql_refuses_update_and_delete(db, skip_unless_postgresql):
    event = record(1)[0]

    for statement in ("UPDATE ipai_audit_event SET action = 'x' WHERE id = %s", "DELETE FROM ipai_audit_event WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.event").exists()


def test_events_recorded_together_extend_the_chain_one_by_one(db, make_user):
    actor = make_user()
    before = record(1, actor)
    together = services.record_events(actor=actor, events=[
        {"action": "test.bulk", "target_model": "test.thing", "target_id": str(i), "changes": {"n": i}} for i in range(4)])
    after = record(1, actor)

    chain = before + together + after
    assert [e.previous_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    stored = list(AuditEvent.objects.filter(action="test.bulk").order_by("id").values_list("target_id", "hash"))
    assert stored == [(str(i), event.hash) for i, event in enumerate(together)]
    report = services.verify_chain()
    assert report.ok and report.head == after[-1].hash


def test_archive_moves_old_events_to_a_file_and_keeps_the_chain_verifiable(db, make_user):
    events = record(5)
    later = timezone.now() + timedelta(days=40)

    result = services.archive_events(None, older_than_days=30, now=later)

    assert result.archived == 5 and result.last_event_id == events[-1].pk
    archive = AuditArchive.objects.get()
    remaining = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in remaining] == ["audit.archive"]
    assert remaining[0].previous_hash == archive.last_hash == events[-1].hash
    report = services.verify_chain(check_archive_files=True)
    assert report.ok and report.archives == 1 and report.archive_files_checked == 1
    with gzip.open(services.archive_folder() / archive.file_name, "rt") as handle:
        assert len(handle.readlines()) == 5
    services.record_event(actor=None, action="test.after")
    assert services.verify_chain().ok


def test_a_modified_archive_file_is_found(db):
    record(2)
    services.archive_events(None, older_than_days=0, now=timezone.now() + timedelta(seconds=1))
    archive = AuditArchive.objects.get()
    path = services.archive_folder() / archive.file_name
    path.write_bytes(gzip.compress(b'{"forged": true}\n'))

    report = services.verify_chain(check_archive_files=True)

    assert not report.ok and "modified" in report.reason


def test_retention_setting_drives_the_archive(db, make_user):
    admin = make_user(admin=True)
    record(2)
    assert services.archive_events(None).archived == 0  # default retention 0: keep forever

    services.set_retention(admin, 1)
    result = services.archive_events(None, now=timezone.now() + timedelta(days=2))

    assert result.archived >= 2 and services.verify_chain().ok
    with pytest.raises(services.InvalidInput):
        services.set_retention(admin, -1)
