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


def pytest_collection_modifyitems(config, items):
    """Tests marked ``once`` do not depend on the database (a browser driving the UI, a crawler over HTTP): they
    run in the PostgreSQL pass only, so that the suite does not pay for them twice. Tests marked
    ``postgresql_only`` exercise PostgreSQL itself (a blue/green deploy's migration lock, the audit chain's
    advisory lock) and skip in the SQLite pass, saying so."""
    if config.getoption("--database") != "sqlite":
        return
    skip = pytest.mark.skip(reason="database-independent end-to-end test: runs once, in the PostgreSQL pass")
    postgresql = pytest.mark.skip(reason="PostgreSQL behaviour: runs in the --database=postgresql pass")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)
        elif item.get_closest_marker("postgresql_only"):
            item.add_marker(postgresql)
