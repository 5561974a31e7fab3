"""WorkOS's SQLite database backend: Django's, with write transactions that queue in order (issue 19).

SQLite has one writer at a time. With Django's stock backend a writer that finds the database busy waits in
SQLite's busy handler: it sleeps (up to 100 ms a time) and retries, and whoever retries at the right moment
wins — under contention a write can wait seconds while later writers overtake it. Here a write transaction takes
its turn *before* ``BEGIN IMMEDIATE``: first a first-come first-served lock inside the process, then an exclusive
``flock`` on a file beside the database (``<database>-writers``) that the other server processes take too. So at
most one connection of all the cooperating processes asks SQLite for its write lock at a time and gets it at
once; the others wait in line, woken as soon as the turn is theirs.

When a connection takes its turn (``base.DatabaseWrapper``):

- at the start of the outermost ``atomic`` block (``BEGIN IMMEDIATE``: the settings' ``transaction_mode``, so a
  transaction that reads and then writes holds SQLite's write lock from its start, as before); nested ``atomic``
  blocks are savepoints of the same transaction and do not take it again;
- before a writing statement run outside any transaction (Django runs ``save()`` and ``update()`` of one row
  without ``BEGIN``);

and gives it back when its transaction ends — commit, rollback or closing the connection — or, for a statement
outside a transaction, when the statement is done. Reads outside a transaction never take it (WAL: readers do
not wait for the writer). Nothing is waited for while a turn is held except SQLite itself, so no cycle can form;
and waiting for a turn (in the process, then on the file) gives up after the connection's ``timeout`` (30 s)
with "database is locked", as SQLite would. PostgreSQL does not use this backend.

Its connections also run ``before_commit`` callbacks (``workos.kernel.transactions``), as the PostgreSQL backend's
do: inside the transaction, before COMMIT, so what they write (the audit chain's events) is written while the
transaction still holds its turn — never as a write outside a transaction that would queue for a turn again.
"""
