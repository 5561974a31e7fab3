"""PostgreSQL's connection pool (``[database] pool``) under the server's thread model: every request runs on a
thread of its own and closes its connection when it ends; with the pool the connections are reused across
threads, and never more than the pool's size are open."""

import threading

import pytest
from django.db import connections

ALIAS = "pooled_test"


@pytest.mark.postgresql_only
def test_threads_share_the_pools_connections(django_db_setup, django_db_blocker):
    settings = dict(connections["default"].settings_dict)
    settings["OPTIONS"] = {**settings["OPTIONS"], "pool": {"min_size": 1, "max_size": 3}}
    settings["CONN_MAX_AGE"] = 0
    connections.settings[ALIAS] = settings
    backends, errors = [], []

    def request(number):  # as a request thread does: query, then close at the request's end
        try:
            with connections[ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.02)")
                backends.append(cursor.fetchone()[0])
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections[ALIAS].close()

    try:
        with django_db_blocker.unblock():
            for wave in range(3):
                threads = [threading.Thread(target=request, args=(number,)) for number in range(8)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(60)
            pool = connections[ALIAS].pool
            assert pool.get_stats()["pool_max"] == 3
            connections[ALIAS].close_pool()
    finally:
        del connections.settings[ALIAS]
    assert errors == []
    assert len(backends) == 24
    assert len(set(backends)) <= 3  # 24 requests on 24 threads, served by at most 3 server processes
