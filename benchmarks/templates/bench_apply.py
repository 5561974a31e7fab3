"""Benchmark: applying system templates through the services (issue 15's target: the largest one under 300 ms
of server time), on SQLite or on a throwaway PostgreSQL cluster.

    .venv/bin/python benchmarks/templates/bench_apply.py [--database sqlite|postgresql] [--repeat 15]

Measures ``services.apply_template`` — the call ``POST /api/v1/templates/{id}/apply`` makes, without HTTP — for
every system template, each repeat into a fresh top-level place of one space (each apply is its own
transaction, as in production). The largest template is the one with the most pages + databases + rows +
blocks. Prints min / median / max in milliseconds and the load average before and after."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from workos.testing.bench import on_fresh_site

    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    on_fresh_site(args.database, lambda: run(args), prefix="workos-bench-")


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from ipai_workos_core import services as core
    from ipai_workos_templates import services
    from ipai_workos_templates.models import Template

    user = get_user_model().objects.create_user("bench", password="x")
    workspace = core.create_workspace(user, "Bench")
    space = core.create_space(user, workspace, "Bench")
    templates = list(Template.objects.filter(workspace__isnull=True).order_by("name"))

    def size(template) -> int:
        counts = services.summary(template.kind, template.content)
        return counts["pages"] + counts["databases"] + counts["rows"] + counts["blocks"]

    largest = max(templates, key=size)
    load_before = os.getloadavg()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, database {args.database}")
    print(f"load average before: {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}")
    services.apply_template(user, largest, space=space)  # warm-up: imports, caches, first statements
    print("ms: the apply's transaction up to its commit | with what runs after the commit (PostgreSQL: the new")
    print("    properties' expression indexes, built CONCURRENTLY by ipai_workos_db after every property change)")
    print(f"{'template':<18} {'size':>5} {'min':>7} {'median':>7} {'max':>7} | {'min':>7} {'median':>7} {'max':>7}")
    for template in sorted(templates, key=size, reverse=True):
        applied, committed = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            with transaction.atomic():
                services.apply_template(user, template, space=space)
                applied.append((time.perf_counter() - start) * 1000)
            committed.append((time.perf_counter() - start) * 1000)
        mark = "  <- largest" if template.pk == largest.pk else ""
        print(f"{template.name:<18} {size(template):>5} {min(applied):>7.1f} {statistics.median(applied):>7.1f} {max(applied):>7.1f} | "
              f"{min(committed):>7.1f} {statistics.median(committed):>7.1f} {max(committed):>7.1f}{mark}")
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}")
    counts = services.summary(largest.kind, largest.content)
    print(f"largest: {largest.name} — {counts}")


if __name__ == "__main__":
    main()
