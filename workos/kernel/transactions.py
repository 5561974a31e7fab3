"""Work done inside a transaction at its very end, just before COMMIT: ``before_commit(callback)``.

Django's ``on_commit`` runs after the commit, outside the transaction. Some work belongs inside it, but as late
as possible: the audit chain links a transaction's events to the chain's head under a lock every writer takes
(``ipai_platform_audit``). Taken at the transaction's first write, that lock ran every writing transaction on
PostgreSQL one after the other from its first write to its commit — writes waited seconds in line under 20
clients (issue 19). Taken just before COMMIT, it is held for a few statements.

A callback registered with ``before_commit``:

- runs when the transaction commits, before COMMIT, in the order of registration, on the same connection; what
  it writes commits with the transaction, and if it raises, the whole transaction rolls back (the connection
  stays usable) and the error reaches the caller;
- is dropped when the savepoint (nested ``atomic``) it was registered in rolls back, or the transaction rolls
  back, exactly like ``on_commit`` callbacks (``BaseDatabaseWrapper.savepoint_rollback``);
- runs at once outside any transaction (autocommit);
- under a test case (``django.test.TestCase`` and pytest-django's ``db``, whose atomic blocks never commit and
  are marked ``_from_testcase``) runs when the outermost block that is not the test case's ends — in production
  that is the commit, so a test reads what a service wrote and sealed, as it would after a request.

It needs a WorkOS database backend (``workos.kernel.sqlite``, ``workos.kernel.postgresql``), whose connections
mix in ``BeforeCommit``: Django gives no hook between the end of an atomic block and COMMIT.
"""

from __future__ import annotations

from typing import Callable

from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.db.transaction import TransactionManagementError

from .context import note_change


def before_commit(callback: Callable[[], None], using: str | None = None) -> None:
    """Run ``callback`` inside the current transaction, just before it commits (see the module's docstring)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    if not isinstance(connection, BeforeCommit):
        raise TransactionManagementError(
            f"before_commit() needs a WorkOS database backend (workos.kernel.sqlite or workos.kernel.postgresql); "
            f"the database {connection.alias!r} uses {connection.settings_dict['ENGINE']}"
        )
    connection.add_before_commit(callback)


def pending_before_commit(using: str | None = None) -> list[Callable[[], None]]:
    """The callbacks still to run before this transaction commits, in order — so that a callback can do the work
    of later ones of its kind at once (the audit chain inserts all of a transaction's events in one statement)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    return [callback for _, callback in getattr(connection, "run_before_commit", [])]


class BeforeCommit:
    """Mixed into the kernel's ``DatabaseWrapper`` classes (before Django's, so that its methods wrap Django's)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # (savepoints active when registered, callback), as Django keeps ``run_on_commit``.
        self.run_before_commit: list[tuple[set, Callable[[], None]]] = []
        self.running_before_commit = False

    def add_before_commit(self, callback: Callable[[], None]) -> None:
        if not callable(callback):
            raise TypeError("before_commit()'s callback must be a callable")
        if self.running_before_commit or self._commits_later():
            self.run_before_commit.append((set(self.savepoint_ids), callback))
        else:
            callback()

    def _commits_later(self) -> bool:
        """Whether a commit (or, under a test case, the end of its outermost own block) is still to come."""
        if self.in_atomic_block:
            return not all(block._from_testcase for block in self.atomic_blocks)
        return not self.get_autocommit()  # a transaction managed by hand: commit() runs the callbacks

    def _run_before_commit(self) -> None:
        if self.running_before_commit:
            return  # a callback's own atomic block ending: the loop below goes on with the rest
        self.running_before_commit = True
        try:
            while self.run_before_commit:
                _, callback = self.run_before_commit.pop(0)
                callback()
        finally:
            self.running_before_commit = False

    def commit(self) -> None:
        self.validate_thread_sharing()
        self.validate_no_atomic_block()
        if self.run_before_commit:
            try:
                self._run_before_commit()
            except BaseException:
                # All or nothing: the transaction's writes never commit without what its callbacks add.
                try:
                    self.rollback()
                except Error:
                    self.close()
                raise
        super().commit()

    def savepoint_commit(self, sid) -> None:
        # Atomic.__exit__ has already removed the ending block: if only the test case's blocks remain, the
        # outermost block of the code under test is ending, where production would commit.
        if self.run_before_commit and self.atomic_blocks and all(block._from_testcase for block in self.atomic_blocks):
            try:
                self._run_before_commit()
            except BaseException:
                # As a commit would be: the ending block is undone whole, and the test's transaction goes on.
                self.savepoint_rollback(sid)
                self.needs_rollback = False
                self.run_before_commit = []  # only the ending block's callbacks were left
                raise
        super().savepoint_commit(sid)

    def savepoint_rollback(self, sid) -> None:
        super().savepoint_rollback(sid)
        self.run_before_commit = [(sids, callback) for sids, callback in self.run_before_commit if sid not in sids]

    def rollback(self) -> None:
        super().rollback()
        self.run_before_commit = []
        note_change()

    def close(self) -> None:
        self.run_before_commit = []
        super().close()

    def connect(self) -> None:
        self.run_before_commit = []
        super().connect()
