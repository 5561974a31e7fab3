"""Benchmark: a published page of 2,000 blocks served at /p/<workspace-slug>/<page-slug> (issue 20's target: under
50 ms of server time), on SQLite or on a throwaway PostgreSQL cluster.

    .venv/bin/python benchmarks/publish/bench_public_page.py [--database sqlite|postgresql] [--repeat 50] [--blocks 2000]

Publishes one page of N paragraphs (with a sub-page, so the navigation is drawn) and requests its public address
through Django's test client — the whole request: URL routing, middleware, the snapshot's row, the navigation and
the template, without a socket. Also times publishing itself (rendering and storing the snapshot). Prints min /
median / max in milliseconds and the load average before and after."""

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
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--blocks", type=int, default=2000)
    args = parser.parse_args()
    on_fresh_site(args.database, lambda: run(args), prefix="workos-bench-")


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ipai_workos_affine import services
    from ipai_workos_blocks import services as blocks
    from ipai_workos_core import services as core

    user = get_user_model().objects.create_user("bench", password="x")
    workspace = core.create_workspace(user, "Bench", slug="bench")
    space = core.create_space(user, workspace, "Docs")
    page = core.create_page(user, space=space, title="Big page")
    core.create_page(user, parent=page, title="Sub-page")
    items = [{"type": "paragraph", "content": {"text": [{"text": f"Paragraph {n}: "}, {"text": "some bold words", "marks": ["bold"]},
                                                        {"text": " and a plain sentence after them."}]}} for n in range(args.blocks)]
    blocks.replace_document(user, page, items, base_version=blocks.document_version(page))

    load_before = os.getloadavg()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, database {args.database}, {args.blocks} blocks")
    print(f"load average before: {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}")
    publish_ms = []
    for _ in range(3):
        started = time.perf_counter()
        publication = services.publish_page(user, page, slug="big-page", include_subpages=True)
        publish_ms.append((time.perf_counter() - started) * 1000)
    url = services.public_url(workspace.slug, publication.slug)
    client = Client()
    response = client.get(url)  # warm-up: templates, first statements
    assert response.status_code == 200 and response.content.count(b"<p") >= args.blocks, "the page is not served in full"
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    load_after = os.getloadavg()
    print(f"publish (render + store the snapshot), ms: min {min(publish_ms):.1f} median {statistics.median(publish_ms):.1f} max {max(publish_ms):.1f}")
    print(f"GET {url} ({len(response.content) // 1024} KiB), ms over {args.repeat}: min {min(timings):.1f} "
          f"median {statistics.median(timings):.1f} max {max(timings):.1f}")
    print(f"load average after: {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
