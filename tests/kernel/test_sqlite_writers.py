"""SQLite writers take turns (workos.kernel.sqlite): in order of arrival, across threads and processes, without
"database is locked" and without deadlock. These run on a database file of their own, in both passes."""

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.db.utils import ConnectionHandler

from workos.kernel.bootstrap import database_settings

ROOT = Path(__file__).resolve().parents[2]
ALIAS = "writers_test"


@pytest.fixture
def database(tmp_path, django_db_blocker):
    """A fresh SQLite file (WAL, BEGIN IMMEDIATE, as a site's) reachable as ``using=ALIAS`` from any thread."""
    path = tmp_path / "writers.sqlite3"
    connections.settings[ALIAS] = ConnectionHandler({"default": database_settings(f"sqlite:///{path}")}).settings["default"]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT NOT NULL)")
        connections[ALIAS].close()
        yield path
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def in_threads(work, names):
    """Run ``work(name)`` in one thread per name; return the errors raised (each thread closes its connection)."""
    errors = []

    def run(name):
        try:
            work(name)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a writer is still waiting: deadlock"
    return errors


def insert(who):
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO log (who) VALUES (%s)", [who])


def logged():
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT who FROM log ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_writers_commit_in_order_of_arrival(database):
    writers = connections[ALIAS].writers
    threads = []
    with transaction.atomic(using=ALIAS):
        insert("first")
        for number in range(8):
            thread = threading.Thread(target=in_threads, args=(lambda name: _atomic_insert(name), [f"w{number}"]))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 30
            while writers.line.waiting < number + 1:  # this writer is in line before the next one arrives
                assert time.monotonic() < deadline, "writer never queued"
                time.sleep(0.001)
    for thread in threads:
        thread.join(60)
    assert logged() == ["first"] + [f"w{number}" for number in range(8)]
    assert writers.line.waiting == 0


def _atomic_insert(name):
    with transaction.atomic(using=ALIAS):
        insert(name)


def test_concurrent_writers_nested_and_read_then_write_all_commit(database):
    """Nested atomic blocks, read-then-write transactions and statements outside any transaction, from 8
    threads at once: every one commits, none meets "database is locked", nothing waits forever."""
    rounds = 15

    def work(name):
        for number in range(rounds):
            kind = number % 3
            if kind == 0:  # nested: the inner block is a savepoint, it does not take the turn again
                with transaction.atomic(using=ALIAS):
                    insert(f"{name}-{number}")
                    with transaction.atomic(using=ALIAS):
                        with transaction.atomic(using=ALIAS):
                            time.sleep(0.001)
            elif kind == 1:  # read, then write in the same transaction
                with transaction.atomic(using=ALIAS):
                    with connections[ALIAS].cursor() as cursor:
                        cursor.execute("SELECT COUNT(*) FROM log")
                        cursor.fetchone()
                    insert(f"{name}-{number}")
            else:  # a statement outside any transaction
                insert(f"{name}-{number}")
            assert not connections[ALIAS].holds_turn
            logged()  # a read outside a transaction takes no turn

    names = [f"t{number}" for number in range(8)]
    errors = in_threads(work, names)
    assert errors == []
    rows = logged()
    assert sorted(rows) == sorted(f"{name}-{number}" for name in names for number in range(rounds))
    # each thread's own writes landed in its own order
    for name in names:
        assert [row for row in rows if row.startswith(f"{name}-")] == [f"{name}-{number}" for number in range(rounds)]


def test_a_failed_transaction_gives_the_turn_back(database):
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic(using=ALIAS):
            insert("rolled back")
            1 / 0
    assert not connections[ALIAS].holds_turn
    errors = in_threads(_atomic_insert, ["after"])
    assert errors == [] and logged() == ["after"]


def test_a_read_only_connection_takes_no_turn(database):
    writers = connections[ALIAS].writers
    with transaction.atomic(using=ALIAS):
        insert("held")
        errors = in_threads(lambda name: logged(), ["reader"])  # would wait 30 s if reads took the turn
        assert errors == []
    assert writers.line.waiting == 0


CHILD = textwrap.dedent(
    """
    import sys
    import django
    from django.conf import settings
    from workos.kernel.bootstrap import database_settings

    path, timeout, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    database = database_settings("sqlite:///" + path)
    database["OPTIONS"]["timeout"] = timeout
    settings.configure(DATABASES={"default": database})
    django.setup()
    from django.db import connection, transaction

    print("ready", flush=True)
    sys.stdin.readline()
    for number in range(count):
        with transaction.atomic():
            connection.cursor().execute("INSERT INTO log (who) VALUES (%s)", ["child-%d" % number])
    print("done", flush=True)
    """
)


def start_child(path, timeout, count):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(timeout), str(count)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout.readline().strip() == "ready", child.stderr.read()
    return child


def file_lock_waiters(pid):
    """Lines of /proc/locks that show ``pid`` blocked on an flock (Linux: "N: -> FLOCK ADVISORY WRITE pid ...")."""
    return [line for line in Path("/proc/locks").read_text().splitlines() if "-> FLOCK" in line and f" {pid} " in line]


def test_a_writer_in_another_process_waits_for_its_turn_on_the_file_lock(database):
    """While this process writes, the other process's writer sleeps in the kernel on the lock file (not in
    SQLite's busy handler), then commits after this transaction."""
    child = start_child(database, 30, 3)
    try:
        with transaction.atomic(using=ALIAS):
            insert("parent")
            child.stdin.write("go\n")
            child.stdin.flush()
            deadline = time.monotonic() + 30
            while not file_lock_waiters(child.pid):
                assert time.monotonic() < deadline and child.poll() is None, "the other process never queued"
                time.sleep(0.01)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert out.strip() == "done"
    assert logged() == ["parent", "child-0", "child-1", "child-2"]


def test_the_other_process_gives_up_after_its_timeout_and_the_lock_stays_usable(database):
    child = start_child(database, 0.3, 1)
    try:
        with transaction.atomic(using=ALIAS):
            insert("parent")
            child.stdin.write("go\n")
            child.stdin.flush()
            out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode != 0
    assert "database is locked (no turn to write after 0.3 s: another process writes)" in err
    child = start_child(database, 0.3, 1)  # the lock was let go: the next writer over there gets it at once
    child.stdin.write("go\n")
    child.stdin.flush()
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert logged() == ["parent", "child-0"]


def test_two_processes_write_at_once_and_all_commit(database):
    child = start_child(database, 30, 60)
    try:
        child.stdin.write("go\n")
        child.stdin.flush()
        errors = in_threads(lambda name: [_atomic_insert(f"{name}-{number}") for number in range(30)], ["a", "b"])
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert errors == []
    assert child.returncode == 0, err
    rows = logged()
    assert len(rows) == 120
    assert [row for row in rows if row.startswith("child-")] == [f"child-{number}" for number in range(60)]


def test_waiting_for_a_turn_gives_up_after_the_timeout_as_sqlite_would(database):
    connections.settings[ALIAS]["OPTIONS"]["timeout"] = 0.3
    with transaction.atomic(using=ALIAS):
        insert("held")
        started = time.monotonic()
        errors = in_threads(_atomic_insert, ["late"])
        waited = time.monotonic() - started
    assert [str(error) for error in errors] == ["database is locked (no turn to write after 0.3 s)"]
    assert 0.3 <= waited < 10
    assert connections[ALIAS].writers.line.waiting == 0
    assert logged() == ["held"]


def test_the_file_lock_wait_ends_at_the_timeout_and_serves_the_next_asker(tmp_path):
    """Two ``Writers`` on one file open it twice, so their flocks exclude each other as two processes' would."""
    from django.db.utils import OperationalError

    from workos.kernel.sqlite.writers import Writers

    path = str(tmp_path / "db-writers")
    here, there = Writers(path), Writers(path)
    here.acquire(5)
    with pytest.raises(OperationalError, match="another process writes"):
        there.acquire(0.2)  # its helper thread still waits in the kernel
    got = []
    asker = threading.Thread(target=lambda: (there.acquire(30), got.append(time.monotonic())))
    asker.start()
    time.sleep(0.2)
    assert got == []
    released = time.monotonic()
    here.release()
    asker.join(30)
    assert got and got[0] >= released
    with pytest.raises(OperationalError):
        here.acquire(0.2)
    there.release()  # `here`'s helper, still waiting, gets the lock for nobody and lets it go
    deadline = time.monotonic() + 30
    while here._helper_waiting:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    there.acquire(0.5)
    there.release()
    here.acquire(0.5)
    here.release()
