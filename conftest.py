"""Test-wide set-up. The suite runs once per database: ``--database=sqlite`` (default) or ``postgresql``.

For PostgreSQL the suite starts its own throwaway cluster (workos.testing.pgcluster): it never uses a
server that happens to run on the machine.
"""

import os
import tempfile

# Before Django reads its settings: this process's data, log and default database live in a fresh folder.
_TEST_HOME = tempfile.mkdtemp(prefix="workos-test-")
os.environ["WORKOS_DATA_DIR"] = os.path.join(_TEST_HOME, "var")
os.environ["WORKOS_LOG_FILE"] = os.path.join(_TEST_HOME, "var", "log", "workos.log")
os.environ["WORKOS_DB_URL"] = "sqlite:///" + os.path.join(_TEST_HOME, "var", "test.sqlite3")
os.environ.pop("WORKOS_CONFIG", None)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API next to live servers

pytest_plugins = ["workos.testing.fixtures"]

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--database",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("WORKOS_TEST_DATABASE", "sqlite"),
        help="Database the suite runs against (default: sqlite, or $WORKOS_TEST_DATABASE).",
    )


# The files that keep one worker busy for minutes (seconds of the PostgreSQL pass, measured 2026-12-07), longest
# first. ``make test`` hands whole files to its workers (``--dist loadfile``) in the order below: these first, then
# the others by their number of tests, so that the run does not end with one worker on a long file while the others
# wait. A file missing here, or one no longer long, only costs time, never a result.
LONG_FILES = (
    "tests/ops/test_fault_matrix.py",  # 403
    "tests/ops/test_failures.py",  # 260
    "tests/ops/test_snapshot.py",  # 214
    "tests/api/test_schemathesis.py",  # 195: one test
    "tests/ops/test_zero_downtime.py",  # 183
    "tests/ops/test_deploy.py",  # 160
    "tests/browser/test_database_views.py",  # 129
    "tests/ops/test_report.py",  # 107
    "tests/ops/test_crawl.py",  # 101
    "tests/ops/test_deploy_watch.py",  # 99
    "tests/browser/test_editor.py",  # 76
    "tests/browser/test_edit_conflicts.py",  # 72
    "tests/browser/test_demo_has_no_empty_state.py",  # 69
    "tests/kernel/test_install_cli.py",  # 64
    "tests/web/test_entry_points.py",  # 63
    "tests/ops/test_verify.py",  # 60
    "tests/ops/test_benchmark_deploy.py",  # 57: one test
)


def _long_files_first(items) -> None:
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    rank = {name: position for position, name in enumerate(LONG_FILES)}
    order = sorted(files, key=lambda name: (rank.get(name, len(LONG_FILES)), -len(files[name])))
    items[:] = [item for name in order for item in files[name]]


def pytest_collection_modifyitems(config, items):
    """Long files first (``LONG_FILES``). Tests marked ``once`` do not depend on the database (a browser driving
    the UI, a crawler over HTTP): they run in the PostgreSQL pass only, so that the suite does not pay for them
    twice. Tests marked ``postgresql_only`` exercise PostgreSQL itself (a blue/green deploy's migration lock, the
    audit chain's advisory lock) and skip in the SQLite pass, saying so."""
    _long_files_first(items)
    if config.getoption("--database") != "sqlite":
        return
    skip = pytest.mark.skip(reason="database-independent end-to-end test: runs once, in the PostgreSQL pass")
    postgresql = pytest.mark.skip(reason="PostgreSQL behaviour: runs in the --database=postgresql pass")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)
        elif item.get_closest_marker("postgresql_only"):
            item.add_marker(postgresql)
