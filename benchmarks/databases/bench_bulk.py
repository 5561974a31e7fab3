"""Benchmark: trashing and restoring a selection of rows (``services.archive_rows`` / ``restore_rows``).

    .venv/bin/python benchmarks/databases/bench_bulk.py [--database postgresql|sqlite] [--rows 1000 10000]

For each N: a fresh database with 4 properties and N rows made through ``services.create_rows`` (so every row
has its page, first version, audit events and search document, as in production), then the time of trashing
all N rows (``archive_rows`` with ``row_ids``, ``BULK_MAX`` ids per call, as the table's "select all" sends
them) and of restoring them (``restore_rows``), each call in its own transaction. Prints the load average.
PostgreSQL runs on a throwaway cluster; SQLite on a temporary file."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workos.testing.bench import on_fresh_site  # noqa: E402


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args()
    on_fresh_site(args.database, lambda: run(args))


def run(args) -> None:
    from django.contrib.auth import get_user_model

    from ipai_workos_core import services as core
    from ipai_workos_db import services
    from ipai_workos_db.models import Row

    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    workspace = core.create_workspace(user, "Bench")
    space = core.create_space(user, workspace, "Space")
    print(f"{args.database} · load average {load()}")
    for count in args.rows:
        database = services.create_database(user, space=space, title=f"Rows {count}", properties=[
            {"name": "Notes", "type": "text"}, {"name": "Points", "type": "number"},
            {"name": "Tag", "type": "select", "config": {"options": ["bug", "feature", "chore"]}}])
        started = time.perf_counter()
        for offset in range(0, count, services.BULK_MAX):
            services.create_rows(user, database, [{"Name": f"Row {offset + n}", "Notes": f"note {n}", "Points": n % 100,
                                                   "Tag": ["bug", "feature", "chore"][n % 3]}
                                                  for n in range(min(services.BULK_MAX, count - offset))])
        seeded = time.perf_counter() - started
        ids = list(Row.objects.filter(database=database).order_by("rank", "id").values_list("pk", flat=True))
        chunks = [ids[start:start + services.BULK_MAX] for start in range(0, len(ids), services.BULK_MAX)]
        started = time.perf_counter()
        for chunk in chunks:
            services.archive_rows(user, database, row_ids=chunk)
        trashed = time.perf_counter() - started
        assert not Row.objects.filter(database=database, archived_at__isnull=True).exists()
        started = time.perf_counter()
        for chunk in chunks:
            services.restore_rows(user, database, row_ids=chunk)
        restored = time.perf_counter() - started
        assert not Row.objects.filter(database=database, archived_at__isnull=False).exists()
        print(f"{count:>7,} rows (seeded in {seeded:.1f} s): trash {trashed:.2f} s ({trashed / count * 1000:.2f} ms/row), "
              f"restore {restored:.2f} s ({restored / count * 1000:.2f} ms/row) · load average {load()}", flush=True)


if __name__ == "__main__":
    main()
