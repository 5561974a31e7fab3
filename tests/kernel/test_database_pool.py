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


@pytest.mark.postgresql_only
def test_a_served_site_reuses_its_pooled_connections_across_requests(site, serve):
    """``workos serve`` on PostgreSQL pools by default: the connections that served the first requests are the
    ones that serve the next (without the pool each request opens one and closes it at its end: none stays)."""
    import httpx

    server = serve(site)
    query = ("SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
             "AND backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY pid")
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        for _ in range(10):
            assert client.get("/web/health").json()["status"] == "ok"
        first = site.sql(query)
        for _ in range(20):
            assert client.get("/web/health").json()["status"] == "ok"
        then = site.sql(query)
    assert 1 <= len(first) <= 12  # at most requests_in_flight (8) + 4 per process, one process here
    assert then == first
