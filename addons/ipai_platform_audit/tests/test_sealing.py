"""Events join the chain when their transaction commits ("sealing"): dropped with a savepoint or transaction that
rolls back, sealed at once outside a transaction, all or nothing with the write, and never forking the chain
while concurrent writers wait for each other only for the seal (issue 19)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ipai_platform_audit import services
from ipai_platform_audit.models import AuditEvent
from workos.testing.threads import in_thread


class Refused(Exception):
    pass


def actions() -> list[str]:
    return list(AuditEvent.objects.filter(action__startswith="test.").order_by("id").values_list("action", flat=True))


def test_an_event_joins_the_chain_when_its_transaction_commits(db):
    with transaction.atomic():
        event = services.record_event(actor=None, action="test.sealed", target_model="test.thing", target_id="1")
        assert event.pk is None and actions() == []  # recorded, not yet linked

    assert event.pk is not None and event.hash and actions() == ["test.sealed"]
    report = services.verify_chain()
    assert report.ok and report.head == event.hash


def test_an_event_recorded_in_a_savepoint_that_rolls_back_is_dropped_with_it(db):
    with transaction.atomic():
        services.record_event(actor=None, action="test.before")
        with pytest.raises(Refused):
            with transaction.atomic():
                services.record_event(actor=None, action="test.dropped")
                raise Refused
        services.record_events(actor=None, events=[{"action": "test.after", "target_model": "test.thing", "target_id": "2"}])

    assert actions() == ["test.before", "test.after"]
    assert services.verify_chain().ok


def test_a_transaction_that_rolls_back_records_nothing(db):
    with pytest.raises(Refused):
        with transaction.atomic():
            get_user_model().objects.create(username="rolled-back")
            services.record_event(actor=None, action="test.lost")
            raise Refused

    assert actions() == []
    services.record_event(actor=None, action="test.next")  # the transaction's events are gone, not kept for the next
    assert actions() == ["test.next"] and services.verify_chain().ok


def test_a_transactions_events_are_sealed_in_one_insert_in_the_order_recorded(db):
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            services.record_event(actor=None, action="test.one")
            services.record_events(actor=None, events=[{"action": "test.two", "target_model": "t", "target_id": "2"},
                                                       {"action": "test.three", "target_model": "t", "target_id": "3"}])
            services.record_event(actor=None, action="test.four")

    statements = [query["sql"] for query in queries.captured_queries]
    assert sum(sql.startswith('INSERT INTO "ipai_audit_event"') for sql in statements) == 1
    assert sum("pg_advisory_xact_lock" in sql for sql in statements) == (1 if connection.vendor == "postgresql" else 0)
    assert actions() == ["test.one", "test.two", "test.three", "test.four"]
    assert services.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_an_event_is_sealed_at_once_and_a_failed_seal_rolls_its_write_back():
    assert connection.get_autocommit()
    event = services.record_event(actor=None, action="test.at_once")
    assert event.pk is not None and actions() == ["test.at_once"]

    # A row that already follows the head: the next event, linked to the same head, breaks the unique link.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ipai_audit_event (created_at, actor_name, action, target_model, target_id, target_name, changes,"
            " ip_address, user_agent, previous_hash, hash) VALUES (%s, '', 'test.intruder', '', '', '', '{}', '', '', %s, %s)",
            [event.created_at, "f" * 64, "f" * 64],
        )
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            get_user_model().objects.create(username="written-without-its-event")
            services.record_event(actor=None, action="test.unsealable")

    assert not get_user_model().objects.filter(username="written-without-its-event").exists()
    assert connection.get_autocommit() and not connection.in_atomic_block
    with transaction.atomic():  # the connection is still usable
        get_user_model().objects.create(username="next-writer")
    assert get_user_model().objects.filter(username="next-writer").exists()
    assert actions() == ["test.at_once", "test.intruder"]


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_open_transaction_that_recorded_events(skip_unless_postgresql):
    users = get_user_model()
    a_recorded, a_may_commit, b_done, errors = threading.Event(), threading.Event(), threading.Event(), []

    def writer_a():
        with transaction.atomic():
            users.objects.create(username="writer-a")
            services.record_event(actor=None, action="test.a")
            a_recorded.set()
            a_may_commit.wait(60)

    def writer_b():
        assert a_recorded.wait(60)
        with transaction.atomic():
            users.objects.create(username="writer-b")
            services.record_event(actor=None, action="test.b")
        b_done.set()

    threads = [in_thread(writer_a, errors), in_thread(writer_b, errors)]
    try:
        b_finished_while_a_was_open = b_done.wait(20)
    finally:
        a_may_commit.set()
        for thread in threads:
            thread.join(60)

    assert errors == []
    assert b_finished_while_a_was_open, "B waited for A's open transaction: the chain's lock is held beyond the seal"
    assert actions() == ["test.b", "test.a"]  # linked in commit order
    assert services.verify_chain().ok


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_seal_never_waits_for_a_row_while_holding_the_chain(skip_unless_postgresql):
    """A's new reference to a group is checked at COMMIT (Django's foreign keys are deferred on PostgreSQL), and B
    holds that group FOR UPDATE until it has sealed its own event. Had A taken the chain's lock before that check,
    A would wait for B's row and B for the chain: a deadlock (409s under 20 clients). The check runs first."""
    from django.contrib.auth.models import Group

    users = get_user_model()
    group = Group.objects.create(name="shared")
    b_locked, a_committing, errors = threading.Event(), threading.Event(), []

    def writer_a():
        assert b_locked.wait(60)
        with transaction.atomic():
            users.objects.create(username="writer-a").groups.add(group)
            services.record_event(actor=None, action="test.a")
            a_committing.set()

    def writer_b():
        with transaction.atomic():
            Group.objects.select_for_update().get(pk=group.pk)
            b_locked.set()
            assert a_committing.wait(60)
            threading.Event().wait(0.5)  # A is committing now: waiting for this row
            services.record_event(actor=None, action="test.b")

    threads = [in_thread(writer_a, errors), in_thread(writer_b, errors)]
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(actions()) == ["test.a", "test.b"]
    assert services.verify_chain().ok


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(skip_unless_postgresql):
    users, errors, start = get_user_model(), [], threading.Event()

    def writer(name):
        def work():
            start.wait(60)
            for number in range(8):
                with transaction.atomic():
                    users.objects.create(username=f"{name}-{number}")
                    services.record_event(actor=None, action="test.write", target_id=f"{name}-{number}")
                    services.record_events(actor=None, events=[
                        {"action": "test.bulk", "target_model": "t", "target_id": f"{name}-{number}-{i}"} for i in range(2)])
        return work

    threads = [in_thread(writer(f"w{index}"), errors) for index in range(6)]
    start.set()
    for thread in threads:
        thread.join(120)

    assert errors == [] and not any(thread.is_alive() for thread in threads)
    report = services.verify_chain()
    assert report.ok
    ids = list(AuditEvent.objects.filter(action__startswith="test.").order_by("id").values_list("id", flat=True))
    assert len(ids) == 6 * 8 * 3
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # assigned under the lock: no gaps, no interleaving
    targets = list(AuditEvent.objects.filter(action__startswith="test.").order_by("id").values_list("target_id", flat=True))
    for start_index in range(0, len(targets), 3):  # each transaction's three events stay together, in order
        first = targets[start_index]
        assert targets[start_index + 1:start_index + 3] == [f"{first}-0", f"{first}-1"]
