"""Benchmark: search over many blocks, as a user who can read a fifth of the spaces.

    .venv/bin/python benchmarks/search/run.py [--vendor postgresql|sqlite] [--pages 20000] [--blocks 1000000]
                                              [--spaces 50] [--repeat 30] [--keep DIR] [--reindex]

``--keep DIR`` (PostgreSQL) keeps the cluster in ``DIR`` after the run; a later run with the same ``DIR`` starts
it again, applies new migrations and measures without seeding (``--reindex`` rebuilds the index first, for a
change to what is indexed). Remove the folder when done.

PostgreSQL runs on a throwaway cluster (``workos.testing.pgcluster``), SQLite in a temporary file. Seeding
bypasses the services (bulk inserts of pages and blocks: creating a million audited blocks one by one is not
what is measured), then ``workos search reindex``'s service builds the index (timed). The reader is a member
of the workspace; of the spaces, one in five is a team space (readable), the others private, so the permission
filter has to throw away four documents in five.

Measured (server time of the service call the API handler makes, without HTTP; first page of 20 results):
one-word queries (a frequent, a middling and a rare word), two-word queries, 3-letter prefixes; p50 and p95
over ``--repeat`` runs of each. Then the overhead indexing adds to saving a page of 2,000 blocks (PUT document,
200 blocks changed: ``replace_document`` with its in-transaction index update, against the same saves with the
search listener switched off — alternated, so that load affects both alike), and the plans of the main query
(EXPLAIN ANALYZE of the very SQL the service runs on PostgreSQL, EXPLAIN QUERY PLAN on SQLite).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

WORDS = [f"w{n}" for n in range(1, 20_001)]  # replaced by real-looking words below
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "pa", "ri", "no", "ga", "te", "bu", "lu", "zo", "fe", "ma", "ko"]


def vocabulary(size: int) -> list[str]:
    rng = random.Random(3)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vendor", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--blocks", type=int, default=1_000_000)
    parser.add_argument("--spaces", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", help="PostgreSQL: keep the seeded cluster in this folder and reuse it next time")
    parser.add_argument("--reindex", action="store_true", help="with --keep: rebuild the index of a reused cluster")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="workos-bench-")
    cluster = None
    args.seeded = False
    if args.vendor == "postgresql":
        from workos.testing.pgcluster import start_cluster

        if args.keep:
            cluster, args.seeded = kept_cluster(Path(args.keep))
            url = cluster.url("bench") if args.seeded else cluster.create_database("bench")
        else:
            cluster = start_cluster()
            url = cluster.create_database("bench")
    else:
        url = f"sqlite:///{home}/bench.sqlite3"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` stops the cluster
    try:
        os.environ.update({"WORKOS_DB_URL": url, "WORKOS_DATA_DIR": home, "WORKOS_LOG_FILE": f"{home}/workos.log",
                           "DJANGO_SETTINGS_MODULE": "workos.settings.test"})
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from workos.kernel.installer import Installer

        if not args.seeded:
            Installer().install(["ipai_workos_affine"])
        run(args)
        if args.keep:
            (Path(args.keep) / "seeded").write_text(f"{args.pages} {args.blocks} {args.spaces}\n")
    finally:
        if cluster is not None and args.keep:
            cluster.stop()
        elif cluster is not None:
            cluster.destroy()


def kept_cluster(root: Path):
    """The cluster kept in ``root`` (started again; seeded True) or a new one made there (seeded False)."""
    import shutil

    from workos.testing.pgcluster import Cluster, free_port, postgres_bin

    as_postgres = os.geteuid() == 0
    cluster = Cluster(root=root, port=free_port(), bin_dir=postgres_bin(), as_postgres=as_postgres)
    if (root / "seeded").exists():
        return cluster.restart(), True
    shutil.rmtree(root, ignore_errors=True)
    (root / "socket").mkdir(parents=True)
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "socket", "postgres", "postgres")
        os.chmod(root, 0o755)
    return cluster.start(), False


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ipai_workos_blocks.models import Block
    from ipai_workos_core import services as core
    from ipai_workos_core.models import Page
    from ipai_workos_search import services as search
    from workos.kernel import ranks

    rng = random.Random(7)
    words = vocabulary(20_000)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))  # Zipf: a few words everywhere, most rare
    print(f"load average at start: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    print(f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, {connection.vendor} "
          f"{connection.pg_version if connection.vendor == 'postgresql' else ''}")
    if args.seeded:
        from ipai_workos_core.models import Space

        owner = get_user_model().objects.get(username="owner")
        reader = get_user_model().objects.get(username="reader")
        spaces = list(Space.objects.filter(name__startswith="Space ").order_by("pk"))
        print(f"reusing the cluster seeded before in {args.keep} ({Page.objects.count():,} pages, {Block.objects.count():,} blocks)")
        if args.reindex:
            reindex_timed(search, connection)
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        measure(args, owner, reader, spaces, words, weights, rng)
        return
    owner = get_user_model().objects.create_user("owner", "owner@example.com", "x")
    reader = get_user_model().objects.create_user("reader", "reader@example.com", "x")
    workspace = core.create_workspace(owner, "Bench")
    core.add_member(owner, workspace, reader.pk, "member")
    spaces = [core.create_space(owner, workspace, f"Space {n}", visibility="team" if n % 5 == 0 else "private") for n in range(args.spaces)]
    print(f"seeding {args.pages:,} pages, {args.blocks:,} blocks, {args.spaces} spaces ({sum(1 for n in range(args.spaces) if n % 5 == 0)} readable)")
    started = time.perf_counter()
    per_page = max(1, args.blocks // args.pages)
    keys = ranks.ranks_between(None, None, per_page)
    for offset in range(0, args.pages, 500):
        count = min(500, args.pages - offset)
        made = Page.objects.bulk_create([Page(space=spaces[(offset + n) % len(spaces)], title=" ".join(rng.choices(words, cum_weights=weights, k=3)).title(),
                                              rank=ranks.ZERO, created_by=owner, updated_by=owner) for n in range(count)])
        Block.objects.bulk_create([
            Block(page=page, type="heading_2" if index % 10 == 0 else "paragraph", rank=keys[index],
                  content={"text": [{"text": " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(6, 18)))}]}, created_by=owner)
            for page in made for index in range(per_page)], batch_size=5000)
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    reindex_timed(search, connection)
    measure(args, owner, reader, spaces, words, weights, rng)


def reindex_timed(search, connection) -> None:
    started = time.perf_counter()
    done = search.reindex(None, batch=200)
    seconds = time.perf_counter() - started
    print(f"reindex: {done['documents']:,} documents in {seconds:.1f} s ({done['documents'] / seconds:.0f} pages/s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('ipai_workos_search_document')), "
                           "pg_size_pretty(pg_relation_size('ipai_workos_search_vector'))")
            print("index table size (with indexes, toast), GIN index size:", cursor.fetchone())


def measure(args, owner, reader, spaces, words, weights, rng) -> None:
    from django.db import transaction

    from ipai_workos_blocks import services as blocks
    from ipai_workos_core import services as core
    from ipai_workos_search import indexing
    from ipai_workos_search import services as search

    frequent, middling, rare = words[2], words[300], words[9000]
    queries = {
        f"one word, frequent ({frequent})": frequent + " ",
        f"one word, middling ({middling})": middling + " ",
        f"one word, rare ({rare})": rare + " ",
        f"two words ({words[5]} {words[40]})": f"{words[5]} {words[40]} ",
        f"two words, rare pair ({middling} {words[700]})": f"{middling} {words[700]} ",
        f"prefix, 3 letters ({words[10][:3]})": words[10][:3],
        f"prefix, 3 letters ({words[5000][:3]})": words[5000][:3],
    }
    print(f"\nsearch as the reader (p50 / p95 over {args.repeat} runs, ms; first page of 20):")
    print("| query | results on page 1 | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    for label, query in queries.items():
        times, found = [], 0
        search.search(reader, query)  # warm
        for _ in range(args.repeat):
            start = time.perf_counter()
            found = len(search.search(reader, query)["items"])
            times.append((time.perf_counter() - start) * 1000)
        p50, p95 = percentiles(times)
        print(f"| {label} | {found} | {p50:.1f} | {p95:.1f} |")

    # saving a page of 2,000 blocks: the PUT document with its index update, against the index update alone
    page = core.create_page(owner, space=spaces[0], title="Big page")
    trees = [{"type": "paragraph", "content": {"text": [{"text": " ".join(rng.choices(words, cum_weights=weights, k=12))}]}} for _ in range(2000)]
    blocks.replace_document(owner, page, trees, base_version=blocks.document_version(page))
    from ipai_workos_core.registry import PAGE_LISTENERS

    listener = PAGE_LISTENERS.get("search")

    def save_once() -> float:
        current = blocks.document(page)
        for tree in current[: 200]:  # an editor save that changes a tenth of the page
            tree["content"] = {"text": [{"text": " ".join(rng.choices(words, cum_weights=weights, k=12))}]}
        start = time.perf_counter()
        blocks.replace_document(owner, page, current, base_version=blocks.document_version(page))
        return time.perf_counter() - start

    with_search, without_search, index_alone = [], [], []
    for round_number in range(7):
        with_search.append(save_once())
        PAGE_LISTENERS._entries["search"] = lambda *args: None  # measurement only: the save as without search
        try:
            without_search.append(save_once())
        finally:
            PAGE_LISTENERS._entries["search"] = listener
        start = time.perf_counter()
        with transaction.atomic():
            indexing.index_pages([page.pk], owner)
        index_alone.append(time.perf_counter() - start)
    indexing.index_pages([page.pk], owner)  # the index right again after the saves made without it
    save, bare = statistics.median(with_search) * 1000, statistics.median(without_search) * 1000
    print(f"\nsave of a 2,000-block page (PUT document, 200 blocks changed), medians of 7: {save:.0f} ms with search, "
          f"{bare:.0f} ms without: overhead {100 * (save - bare) / max(bare, 0.001):.0f} %; "
          f"(re)indexing the page alone {statistics.median(index_alone) * 1000:.0f} ms")

    print(f"\nload average after the measurements: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    print("\nplan of the main query (one frequent word, as the reader):")
    explain(search, reader, frequent + " ")
    print(f"\nplan of a 3-letter prefix ({words[10][:3]}), as the reader:")
    explain(search, reader, words[10][:3])


def explain(search, reader, query_text: str) -> None:
    from django.db import connection

    from ipai_workos_search import backends
    from ipai_workos_search.query import parse

    query = parse(query_text)
    readable_sql, readable_params = search.readable_filter(reader)
    where = f"d.trashed = %s AND {readable_sql}"
    params = [False] + readable_params
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql, sql_params = search.pg_search_sql(query, where, params, "relevance", False, 21, 0)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, sql_params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT d.id, bm25({backends.FTS_TABLE}) FROM {backends.FTS_TABLE} f JOIN "
                           f"ipai_workos_search_document d ON d.id = f.rowid WHERE {backends.FTS_TABLE} MATCH %s AND {where} "
                           "ORDER BY 2 LIMIT 21", [backends.fts_match(query)] + params)
        for row in cursor.fetchall():
            print("   ", " | ".join(str(part) for part in row))


if __name__ == "__main__":
    main()
