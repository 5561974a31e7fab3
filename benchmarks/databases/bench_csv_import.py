"""Benchmark: a CSV import of N rows (``services.import_csv`` on a file on disk, as ``workos db import-csv`` runs it).

    .venv/bin/python benchmarks/databases/bench_csv_import.py [--database postgresql|sqlite] [--rows 100000] [--batch 5000]

Writes a CSV of N rows with 6 columns (title, a select, a number, a date, a checkbox, a text; one cell in 1,000
that its property cannot take), imports it into a fresh database (the 5 new properties detected from the file)
in one transaction, printing a progress line per 10 batches, then the total, the rows per second, the time the
page listeners took (the search index above all) and the load average. PostgreSQL runs on a throwaway
cluster; SQLite on a temporary file."""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bulk import load  # noqa: E402

from workos.testing.bench import on_fresh_site  # noqa: E402


def write_csv(path: Path, rows: int) -> None:
    random.seed(7)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Name", "Stage", "Points", "Due", "Done", "Notes"])
        for n in range(rows):
            writer.writerow([f"Task {n} {random.choice(['alpha', 'beta', 'gamma'])}", random.choice(["todo", "doing", "done", "blocked"]),
                             "many" if n % 1000 == 999 else random.randrange(1000), f"2025-{random.randrange(1, 13):02d}-{random.randrange(1, 29):02d}",
                             random.choice(["Yes", "No"]), f"note {random.randrange(100000)}"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    on_fresh_site(args.database, lambda: run(args))


def run(args) -> None:
    from django.contrib.auth import get_user_model

    from ipai_workos_core import services as core
    from ipai_workos_core.registry import PAGE_LISTENERS
    from ipai_workos_db import counts, services
    from ipai_workos_db.models import Row

    listener_time: dict[str, float] = defaultdict(float)
    for name, listener in list(PAGE_LISTENERS.items()):
        def timed(event, ids, actor, _listener=listener, _name=name):
            started = time.perf_counter()
            try:
                return _listener(event, ids, actor)
            finally:
                listener_time[_name] += time.perf_counter() - started
        PAGE_LISTENERS._entries[name] = timed  # a benchmark only: the listeners are timed, not changed

    user = get_user_model().objects.create_user("bench", "bench@example.com", "x")
    workspace = core.create_workspace(user, "Bench")
    space = core.create_space(user, workspace, "Space")
    database = services.create_database(user, space=space, title="Imported")
    path = Path(tempfile.mkdtemp(prefix="workos-csv-")) / "rows.csv"
    write_csv(path, args.rows)
    print(f"{args.database} · {args.rows:,} rows · {path.stat().st_size / 1e6:.1f} MB · batch {args.batch} · load average {load()}", flush=True)
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % (args.batch * 10) == 0 or done == args.rows:
            elapsed = time.perf_counter() - started
            print(f"  {done:>9,} rows · {elapsed:7.1f} s · {done / elapsed:6.0f} rows/s · load average {load()}", flush=True)

    report = services.import_csv(user, database, path, max_rows=args.rows, batch=args.batch, progress=progress)
    total = time.perf_counter() - started
    assert report["rows"] == args.rows == Row.objects.filter(database=database).count()
    assert counts.read(database.pk)[(0, "")] == args.rows
    listeners = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(listener_time.items(), key=lambda item: -item[1]))
    print(f"imported {args.rows:,} rows in {total:.1f} s: {args.rows / total:.0f} rows/s, {total / args.rows * 1000:.2f} ms/row; "
          f"{report['error_count']} cells left empty; page listeners: {listeners} · load average {load()}")


if __name__ == "__main__":
    main()
