"""Benchmark: the collaboration reads of issue 13, as server time (the whole request through Django's middleware
and the API, without network), on SQLite or on a throwaway PostgreSQL cluster.

    .venv/bin/python benchmarks/collab/run.py [--database sqlite|postgresql] [--repeat 30]

- inbox: ``GET /api/v1/notifications`` (the first page, 50 items, with the unread count) for a user with 10,000
  notifications, half of them read, from 20 different people (target: under 30 ms);
- threads: ``GET /api/v1/comments?page_id=`` for a page with 500 comments in 50 threads (every thread with 9
  replies and reactions; half of them inline, anchored to words of the page's 50 paragraphs), all 50 threads in
  one answer with their replies, reactions and current anchors (target: under 100 ms);
- comment: ``POST /api/v1/comments`` on that page, a reply mentioning two people, with 20 followers.

Prints min / median / max in milliseconds, the number of SQL queries of one request, and the load average
before and after (`uptime`'s three figures)."""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    on_fresh_site(args.database, lambda: run(args), prefix="workos-bench-collab-")


def measure(label: str, call, repeat: int, target: float | None = None) -> None:
    from django.db import connection

    response = call()  # warm-up: imports, caches, first statements
    assert response.status_code in (200, 201), response.content[:500]
    counted = []
    # counted at the cursor: Django clears its own query log when a request starts
    with connection.execute_wrapper(lambda execute, sql, params, many, context: counted.append(sql) or execute(sql, params, many, context)):
        call()
    if os.environ.get("WORKOS_BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(call)
        pstats.Stats(profile).sort_stats(os.environ["WORKOS_BENCH_PROFILE"]).print_stats(30)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 201), response.content[:500]
    goal = f"  (target < {target:.0f} ms)" if target else ""
    print(f"{label:<44} {min(times):>7.1f} {statistics.median(times):>7.1f} {max(times):>7.1f} {len(counted):>8}{goal}")


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ipai_workos_blocks import services as blocks
    from ipai_workos_collab import services as collab
    from ipai_workos_collab.models import Notification
    from ipai_workos_core import services as core

    users = get_user_model().objects
    owner = users.create_user("owner", password="x")
    people = [users.create_user(f"person{i}", password="x") for i in range(20)]
    workspace = core.create_workspace(owner, "Bench")
    for someone in people:
        core.add_member(owner, workspace, someone.pk, "member")
    space = core.create_space(owner, workspace, "Bench")

    # the inbox: 10,000 notices for one reader (through bulk_create: their writing is not what is measured)
    reader = people[0]
    Notification.objects.bulk_create([
        Notification(recipient=reader, kind=("mention", "reply", "comment")[i % 3], title=f"Notice {i}", body="x" * 120,
                     target_model="ipai.workos.comment", target_id=str(i), url=f"/web/pages/1#comment-{i}", actor=people[1 + i % 19])
        for i in range(10_000)
    ], batch_size=1000)
    Notification.objects.filter(recipient=reader, pk__in=list(Notification.objects.filter(recipient=reader).values_list("pk", flat=True)[:5000])).update(read_at=Notification.objects.first().created_at)

    # the page: 50 paragraphs, 50 threads of 10 comments (through the services, as users write them)
    page = core.create_page(owner, space=space, title="Busy page")
    paragraphs = [blocks.create_block(owner, page, type="paragraph", content={"text": [{"text": f"Paragraph {i} says something worth discussing"}]}) for i in range(50)]
    for i in range(50):
        anchor = {"block_id": str(paragraphs[i].id), "anchor": {"start": 0, "end": 9}} if i % 2 == 0 else {}
        root, _ = collab.create_comment(people[i % 20], page, {"text": [{"text": f"Thread {i}: what about this?"}]}, **anchor)
        for j in range(9):
            collab.create_comment(people[(i + j + 1) % 20], page, {"text": [{"text": f"Reply {j} in thread {i}"}]}, parent_id=root.pk)
        collab.react(people[(i + 3) % 20], root.pk, "👍")
    for someone in people:
        collab.set_following(someone, page, True)

    client = Client()
    client.force_login(reader)
    load_before = os.getloadavg()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, database {args.database}")
    print(f"load average before: {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}")
    print(f"{'request (ms)':<44} {'min':>7} {'median':>7} {'max':>7} {'queries':>8}")
    measure("inbox, first page of 10,000 notifications", lambda: client.get("/api/v1/notifications?limit=50"), args.repeat, 30)
    measure("inbox, unread only", lambda: client.get("/api/v1/notifications?unread=true&limit=50"), args.repeat, 30)
    measure("page with 500 comments in 50 threads", lambda: client.get(f"/api/v1/comments?page_id={page.pk}&limit=50"), args.repeat, 100)
    body = {"text": [{"text": "cc "}, {"mention": {"kind": "user", "id": people[5].pk}, "text": "@person5"},
                     {"text": " "}, {"mention": {"kind": "user", "id": people[6].pk}, "text": "@person6"}]}
    first = collab.threads_of(reader, page, limit=1)["items"][0]["id"]
    measure("comment: a reply with 2 mentions, 20 followers",
            lambda: client.post("/api/v1/comments", json.dumps({"page_id": page.pk, "parent_id": first, "body": body}), content_type="application/json"),
            args.repeat)
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
