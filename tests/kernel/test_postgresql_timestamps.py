"""PostgreSQL timestamps are read with psycopg's C loader (workos.kernel.postgresql.base): the same datetimes as
Django's own loader gives, for every kind of value, on the connections Django makes."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.postgres import types

from workos.kernel.postgresql.base import timestamptz_loader

pytestmark = pytest.mark.postgresql_only

OID = types["timestamptz"].oid
TEXTS = [b"2026-12-07 09:52:49.123456+00", b"2026-12-07 09:52:49+00", b"1999-01-08 04:05:06.5+05:30", b"0001-01-01 00:00:00+00",
         b"2024-02-29 23:59:59.999999-08", b"9999-12-31 23:59:59.999999+00", b"2026-06-01 12:00:00+01:02:03"]


@pytest.mark.django_db
def test_the_c_loader_gives_what_djangos_loader_gives():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        context = cursor.cursor  # psycopg's cursor: the connection's time zone
        for timezone in (datetime.timezone.utc, None):
            ours = timestamptz_loader(timezone)(OID, context)
            djangos = type("Loader", (BaseTzLoader,), {"timezone": timezone})(OID, context)
            for text in TEXTS:
                assert ours.load(text) == djangos.load(text) and ours.load(text).tzinfo is djangos.load(text).tzinfo, text


@pytest.mark.django_db
def test_djangos_connections_read_timestamps_with_it():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(OID, 0)
    assert loader is timestamptz_loader(connection.timezone)
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, now()", ["2026-12-07 10:52:49.5+01"])
        value, now = cursor.fetchone()
    assert value == datetime.datetime(2026, 12, 7, 9, 52, 49, 500000, tzinfo=datetime.timezone.utc)
    assert value.tzinfo is datetime.timezone.utc and now.tzinfo is datetime.timezone.utc
