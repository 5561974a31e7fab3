"""The PostgreSQL backend's connection: Django's, running ``before_commit`` callbacks (see __init__)."""

from __future__ import annotations

from django.db.backends.postgresql import base

from workos.kernel.transactions import BeforeCommit


class DatabaseWrapper(BeforeCommit, base.DatabaseWrapper):
    pass
