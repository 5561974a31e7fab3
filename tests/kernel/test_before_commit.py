"""``before_commit`` (workos.kernel.transactions): work inside a transaction just before it commits, dropped with a
savepoint or transaction that rolls back, run at once outside a transaction — on both WorkOS backends."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from workos.kernel.transactions import BeforeCommit, before_commit


class Refused(Exception):
    pass


def test_both_backends_run_before_commit_callbacks(db):
    assert isinstance(connections[DEFAULT_DB_ALIAS], BeforeCommit)


def test_callbacks_run_in_order_when_the_outermost_block_ends_and_write_with_the_transaction(db):
    calls = []
    with transaction.atomic():
        before_commit(lambda: calls.append("first"))
        with transaction.atomic():
            before_commit(lambda: get_user_model().objects.create(username="written-before-commit"))
            before_commit(lambda: calls.append("second"))
        assert calls == []  # a nested block ending is no commit

    assert calls == ["first", "second"]
    assert get_user_model().objects.filter(username="written-before-commit").exists()


def test_a_callback_registered_in_a_savepoint_that_rolls_back_is_dropped(db):
    calls = []
    with transaction.atomic():
        before_commit(lambda: calls.append("kept"))
        with pytest.raises(Refused):
            with transaction.atomic():
                before_commit(lambda: calls.append("dropped"))
                raise Refused

    assert calls == ["kept"]


def test_outside_the_code_under_tests_transaction_a_callback_runs_at_once(db):
    calls = []
    before_commit(lambda: calls.append("now"))
    assert calls == ["now"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_callback_rolls_the_transaction_back_and_leaves_the_connection_usable():
    calls = []
    before_commit(lambda: calls.append("autocommit"))  # no transaction: at once
    assert calls == ["autocommit"]

    def refuse():
        raise Refused

    with pytest.raises(Refused):
        with transaction.atomic():
            get_user_model().objects.create(username="never-committed")
            before_commit(refuse)
            before_commit(lambda: calls.append("after the failure"))

    assert calls == ["autocommit"]
    assert not get_user_model().objects.filter(username="never-committed").exists()
    assert connection.get_autocommit() and not connection.in_atomic_block
    with transaction.atomic():
        before_commit(lambda: calls.append("next transaction"))
    assert calls == ["autocommit", "next transaction"]
