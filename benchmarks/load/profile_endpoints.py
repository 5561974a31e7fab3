"""Profile each endpoint of the load mix in one process (issue 19): SQL statements and cProfile.

    .venv/bin/python benchmarks/load/profile_endpoints.py [--database sqlite|postgresql] [--repeat 30] [--top 25] [--only NAME] [--sort cumulative|tottime]

Seeds the workspace of ``run.py`` (the same ``seed()``), then sends each request of the mix through Django's test
client with the bearer token (the whole middleware stack and the API; no HTTP server), and prints per endpoint:
the SQL statements of one request (count, and the statements themselves with ``--sql``), the mean time per
request, and the functions with the most cumulative time under cProfile over ``--repeat`` requests.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import MIX, Requests, prepare_site  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--sort", choices=["cumulative", "tottime"], default="cumulative", help="order of the profile's functions")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="workos-profile-"))
    cluster, _, fixture = prepare_site(args.database, home, 8069)
    try:
        run(args, fixture)
    finally:
        if cluster is not None:
            from django.db import connections

            connections.close_all()
            cluster.destroy()


def run(args, fixture) -> None:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {fixture['token']}")
    requests = Requests(fixture, seed=1)

    def send(name):
        method, url, body = requests.request(name)
        kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
        response = getattr(client, method.lower())(url, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]}")
        return response

    names = [args.only] if args.only else [name for name, _ in MIX] + ["floor"]
    for name in names:
        for _ in range(3):
            send(name)
        statements = []

        def record(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            send(name)
        started = time.perf_counter()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            send(name)
        profiler.disable()
        mean = (time.perf_counter() - started) * 1000 / args.repeat
        print(f"\n===== {name}: {len(statements)} SQL statements, {mean:.1f} ms/request under the profiler =====")
        if args.sql:
            for sql in statements:
                print("   ", sql[:300])
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
        stats.print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip() and not line.startswith("   Ordered")))


if __name__ == "__main__":
    main()
