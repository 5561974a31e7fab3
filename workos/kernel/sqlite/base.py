"""The SQLite backend's connection: Django's, taking a writer's turn around write transactions (see __init__) and
running ``before_commit`` callbacks (workos.kernel.transactions)."""

from __future__ import annotations

from django.db.backends.sqlite3 import base
from django.utils.functional import cached_property

from workos.kernel.statements import writes
from workos.kernel.transactions import BeforeCommit

from .writers import Writers, writers_for


class SerialisedCursor(base.SQLiteCursorWrapper):
    """Takes the writer's turn around a writing statement run outside a transaction."""

    wrapper: DatabaseWrapper

    def execute(self, query, params=None):
        if self.connection.in_transaction or not writes(query):
            return super().execute(query, params)
        with self.wrapper.writer_turn():
            return super().execute(query, params)

    def executemany(self, query, param_list):
        if self.connection.in_transaction or not writes(query):
            return super().executemany(query, param_list)
        with self.wrapper.writer_turn():
            return super().executemany(query, param_list)


class _Turn:
    def __init__(self, wrapper: DatabaseWrapper) -> None:
        self.wrapper = wrapper

    def __enter__(self) -> None:
        self.wrapper.take_turn()

    def __exit__(self, *exc) -> None:
        self.wrapper.end_turn_if_done()


class DatabaseFeatures(base.DatabaseFeatures):
    # Django writes ``x ASC NULLS LAST`` without the modifier as ``x IS NULL, x ASC``, which an index on
    # ``(x IS NULL, x)`` serves (SQLite cannot walk an index for NULLS LAST: its indexes keep NULLs first);
    # ``x DESC NULLS LAST`` becomes ``x DESC``, SQLite's own order. Same rows, same order (ipai_workos_db.indexes).
    supports_order_by_nulls_modifier = False


class DatabaseWrapper(BeforeCommit, base.DatabaseWrapper):
    features_class = DatabaseFeatures

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.holds_turn = False

    @cached_property
    def writers(self) -> Writers:
        return writers_for(self.settings_dict["NAME"], in_memory=self.is_in_memory_db())

    def writer_turn(self) -> _Turn:
        """Hold the writer's turn from here until the transaction this opens (if any) ends."""
        return _Turn(self)

    def take_turn(self) -> None:
        if not self.holds_turn:
            self.writers.acquire(float(self.settings_dict["OPTIONS"].get("timeout", 5)))
            self.holds_turn = True

    def end_turn_if_done(self) -> None:
        """Give the turn back unless a transaction is still open on this connection."""
        if self.holds_turn and not (self.connection is not None and self._in_transaction()):
            self.holds_turn = False
            self.writers.release()

    def _in_transaction(self) -> bool:
        try:
            return self.connection.in_transaction
        except base.Database.ProgrammingError:  # closed
            return False

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=SerialisedCursor)
        cursor.wrapper = self
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        # atomic() on the outermost block: the turn first, then BEGIN IMMEDIATE (through the cursor above).
        with self.writer_turn():
            super()._start_transaction_under_autocommit()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self.end_turn_if_done()  # a failed COMMIT leaves the transaction open: rollback() ends the turn

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self.end_turn_if_done()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.holds_turn:
                self.holds_turn = False
                self.writers.release()
