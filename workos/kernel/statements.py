"""What an SQL statement does, by its text: the SQLite backend's writer turn and the request's write count
(``workos.kernel.context``) both ask."""

from __future__ import annotations

import re

# Statements that never write, by their first word; a WITH writes when it ends in an INSERT/UPDATE/DELETE.
_READS = frozenset({"SELECT", "PRAGMA", "EXPLAIN", "VALUES", "SHOW"})
_WRITING_WITH = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
# Transaction control that changes no row: beginning, committing, or marking a savepoint (a ROLLBACK does
# change what the connection sees, and counts as a change).
_CONTROL = frozenset({"BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "END"})


def _first_word(sql: str) -> str:
    words = sql.lstrip().split(None, 1)
    return words[0].upper() if words else ""


def writes(sql: str) -> bool:
    """Whether the statement may write (or opens a transaction that will): anything but a read."""
    first = _first_word(sql)
    if not first:
        return False
    if first == "WITH":
        return bool(_WRITING_WITH.search(sql))
    return first not in _READS


def changes_data(sql: str) -> bool:
    """Whether the statement may change what the connection reads: a write that is not transaction control."""
    return writes(sql) and _first_word(sql) not in _CONTROL
