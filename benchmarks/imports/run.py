"""Benchmark: importing a Notion workspace export of 5,000 pages, 50,000 blocks and 20 databases (issue 17's target:
under 60 s, the process under 500 MB), on SQLite or on a throwaway PostgreSQL cluster.

    .venv/bin/python benchmarks/imports/run.py [--database sqlite|postgresql] [--format markdown|html] [--via service|http]
                                               [--pages 5000] [--blocks 50000] [--databases 20] [--rows 100] [--images 500]
                                               [--profile FILE.pstats] [--json FILE]

Generates the export first (``notion_export.py``: Notion's layout, ``Title <id>.md`` or ``.html`` pages in nested
folders, links between pages, images, CSV databases with ``_all.csv`` and their row pages, the whole wrapped in
``Export-…-Part-1.zip``), written to a temporary file and read back as the bytes an upload hands over. Then one
import: ``services.import_file`` (what ``POST /api/v1/spaces/{id}/import`` calls) with ``--via service``, or the
multipart request itself through Django's test client (routing, token, upload handling) with ``--via http``.

Reported: wall time of the import (its one transaction up to the commit), and the time spent per phase, each
function's own time (a phase called inside another is not counted twice): reading the zip, planning the pages
and tables, creating pages, parsing page files into blocks, writing blocks, databases (their rows included),
attachments, audit events, page listeners (the search index); the counts of the report and in the database;
Python's peak resident memory (``ru_maxrss``) after set-up and after the import; the load average before and
after (the machine is shared: read the figures with it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


class Phases:
    """Own time per phase: wrapping a function makes its calls count to a phase, minus the wrapped calls inside."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[list] = []  # [phase, started]

    def wrap(self, phase: str, function):
        def timed(*args, **kwargs):
            now = time.perf_counter()
            if self.stack:
                self.seconds[self.stack[-1][0]] += now - self.stack[-1][1]
            self.stack.append([phase, now])
            self.calls[phase] += 1
            try:
                return function(*args, **kwargs)
            finally:
                end = time.perf_counter()
                self.seconds[phase] += end - self.stack.pop()[1]
                if self.stack:
                    self.stack[-1][1] = end

        timed.__wrapped__ = function
        return timed

    def patch(self, phase: str, owner, name: str) -> None:
        if hasattr(owner, name):
            setattr(owner, name, self.wrap(phase, getattr(owner, name)))


def instrument() -> Phases:
    from ipai_workos_blocks import markdown, notion_html, transfer
    from ipai_workos_blocks.registry import TABLE_IMPORTERS
    from ipai_workos_blocks.services import imports
    from ipai_workos_core import services as core
    from ipai_workos_core.registry import PAGE_LISTENERS

    phases = Phases()
    phases.patch("read zip (listing, inner zips)", transfer, "read_upload")
    for name in ("plan_pages", "plan_csv_tables", "source_format"):
        phases.patch("plan pages and tables", transfer, name)
    for name in ("_tables", "_match_rows"):
        phases.patch("plan pages and tables", imports, name)
    for name in ("create_page", "create_page_tree", "update_page"):
        phases.patch("pages (create, title)", core, name)
    phases.patch("parse page files", markdown, "from_markdown")
    phases.patch("parse page files", notion_html, "read_page")
    phases.patch("read entries (inflate, UTF-8)", transfer, "utf8_text")
    phases.patch("blocks (validate)", imports, "_validated")
    phases.patch("blocks (insert, references)", imports, "_fill_new_pages")
    for name in ("_store_attachment", "check_file"):
        phases.patch("attachments (check, store)", imports, name)
    if "database" in TABLE_IMPORTERS:
        TABLE_IMPORTERS._entries["database"] = phases.wrap("databases (with their rows)", TABLE_IMPORTERS.get("database"))
    phases.patch("audit events", imports, "record_event")
    import ipai_platform_audit.services as audit

    phases.patch("audit events", audit, "record_event")
    for name, listener in PAGE_LISTENERS.items():
        PAGE_LISTENERS._entries[name] = phases.wrap(f"page listeners ({name})", listener)
    return phases


def main() -> None:
    from workos.testing.bench import on_fresh_site

    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--format", choices=("markdown", "html"), default="markdown")
    parser.add_argument("--via", choices=("service", "http"), default="service")
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--blocks", type=int, default=50_000)
    parser.add_argument("--databases", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--profile", help="write a cProfile of the import to this file")
    parser.add_argument("--json", help="write the figures as JSON to this file")
    args = parser.parse_args()
    from notion_export import Export

    folder = tempfile.mkdtemp(prefix="workos-import-bench-")
    path = f"{folder}/export.zip"
    started = time.perf_counter()
    made = Export(pages=args.pages, blocks=args.blocks, databases=args.databases, rows=args.rows, images=args.images).write(path, args.format)
    print(f"generated {args.format} export in {time.perf_counter() - started:.1f} s: {made}, {os.path.getsize(path):,} bytes")
    on_fresh_site(args.database, lambda: run(args, path, made), prefix="workos-bench-")
    os.remove(path)
    os.rmdir(folder)


def run(args, path: str, made: dict) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ipai_workos_blocks import services
    from ipai_workos_blocks.models import Attachment, Block
    from ipai_workos_core import services as core
    from ipai_workos_core.models import Page

    user = get_user_model().objects.create_user("bench", password="x", is_staff=True)
    workspace = core.create_workspace(user, "Bench")
    space = core.create_space(user, workspace, "Bench")
    data = Path(path).read_bytes()
    load_before = os.getloadavg()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, database {connection.vendor}, "
          f"format {args.format}, via {args.via}")
    print(f"load average before: {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}")
    rss_before = peak_mb()
    print(f"peak RSS after set-up (Django, migrations, the upload's {len(data) / 2**20:.1f} MiB in memory): {rss_before:.0f} MB")
    phases = instrument()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu_started = time.perf_counter(), time.process_time()
    if args.via == "service":
        report = services.import_file(user, space, "export.zip", data)
        status = 201
    else:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client

        from workos.api.services import create_token

        _token, raw = create_token(user, "bench", False)
        answer = Client().post(f"/api/v1/spaces/{space.pk}/import", {"file": SimpleUploadedFile("export.zip", data, "application/zip")},
                               HTTP_AUTHORIZATION=f"Bearer {raw}")
        status = answer.status_code
        report = answer.json()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    rss_after = peak_mb()
    load_after = os.getloadavg()
    if status != 201:
        print(f"import answered {status}: {json.dumps(report)[:2000]}")
        sys.exit(1)
    stored = {"pages": Page.objects.filter(space=space).count(), "blocks": Block.objects.filter(page__space=space).count(),
              "attachments": Attachment.objects.count()}
    print(f"import wall time: {wall:.1f} s, CPU time of this process {cpu:.1f} s (status {status})")
    print(f"report: pages {report['pages']}, rows {report['rows']}, databases {report['databases']}, blocks {report['blocks']}, "
          f"attachments {report['attachments']}, skipped {report['skipped_count']}")
    print(f"stored: {stored}")
    print(f"generated: {made}")
    print("phase (own time)                              seconds   calls")
    accounted = 0.0
    for phase, seconds in sorted(phases.seconds.items(), key=lambda item: -item[1]):
        accounted += seconds
        print(f"  {phase:<42} {seconds:>8.2f} {phases.calls[phase]:>7}")
    print(f"  {'the rest (orchestration, links, commit)':<42} {wall - accounted:>8.2f}")
    print(f"peak RSS: {rss_before:.0f} MB after set-up, {rss_after:.0f} MB after the import (+{rss_after - rss_before:.0f} MB)")
    print(f"load average after: {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "database": connection.vendor, "format": args.format, "via": args.via, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "phases_s": {phase: round(seconds, 2) for phase, seconds in phases.seconds.items()},
            "rss_setup_mb": round(rss_before), "rss_peak_mb": round(rss_after), "load_before": load_before, "load_after": load_after,
            "report": {key: report[key] for key in ("pages", "rows", "databases", "blocks", "attachments", "skipped_count")},
            "stored": stored, "generated": made}, indent=1))


if __name__ == "__main__":
    main()
