"""WorkOS's PostgreSQL database backend: Django's, with ``before_commit`` callbacks (workos.kernel.transactions)
and timestamps read by psycopg's C loader (``base.timestamptz_loader``).

The audit chain links each transaction's events under a lock taken just before COMMIT, through this hook, so
that writers wait for each other only for those few statements (issue 19). Everything else — including the
``[database] pool`` option (psycopg_pool) — is Django's backend unchanged.
"""
