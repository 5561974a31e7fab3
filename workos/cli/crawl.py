"""``workos crawl``: crawl a running WorkOS server (GET only, same origin) and report every URL it reaches."""

from __future__ import annotations

import json
import sys

import click

from . import EXIT_FAILED, EXIT_OK, fail, pass_context
from .snapshot import SNAPSHOT_KEYS, check_base_url, crawl_exclude, crawl_limits, credentials_from, free_form


def menu_seeds(config) -> tuple[dict[str, str], str | None]:
    """The menu entries of the configured database, or why they could not be read."""
    from workos.ops.snapshot.sources import Database, SourceError, menu_urls

    database = Database(config.database_url)
    try:
        return menu_urls(database), None
    except SourceError as error:
        return {}, str(error)
    finally:
        database.close()


@click.command()
@click.argument("url", required=False)
@click.option("--login", metavar="USER", help="Log in as USER first (with --password-env), to reach authenticated pages.")
@click.option("--password-env", metavar="VAR", help="Environment variable holding USER's password.")
@click.option("--token-env", metavar="VAR", help="Environment variable holding a bearer token, sent to /api/ URLs.")
@click.option("--max-pages", type=int, help="Stop after this many URLs (default: [crawl] max_pages, else 500).")
@click.option("--max-depth", type=int, help="Links followed from the entry points (default: [crawl] max_depth, else 5).")
@click.option("--budget", type=float, help="Seconds for the whole crawl (default: [crawl] budget, else 60).")
@click.option("--concurrency", type=int, help="Requests in flight at once (default: [crawl] concurrency, else 8).")
@click.option("--timeout", type=float, help="Seconds per request (default: [crawl] timeout, else 10).")
@click.option("--exclude", "patterns", multiple=True, metavar="PATTERN",
              help="Skip URLs (path and query) matching this glob, e.g. '/api/v1/docs*'; repeatable, added to [crawl] exclude.")
@click.option("--no-menus", is_flag=True, help="Do not seed the crawl with the menu entries of the configured database.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_context
def crawl(context, url, login, password_env, token_env, max_pages, max_depth, budget, concurrency, timeout, patterns,
          no_menus, as_json):
    """Crawl URL (default: [deploy] base_url) breadth-first over same-origin links and GET form actions.

    Starts from /web, /web/login, /web/health, /api/v1/openapi.json and the menu entries of the configured
    database. Sends only GET requests (the optional login is the one POST), never requests a logout URL,
    does not follow redirects itself but records and queues their targets. Records per URL: status, content
    type, title, depth, response time, redirect target and the page it was found on. Broken links (4xx/5xx
    reached from a page) are listed first.

    Exit codes: 0 no broken links; 1 broken links found, or the server cannot be reached, or the login was
    refused; 2 wrong usage.
    """
    from workos.ops.crawl import CrawlError, crawl as run_crawl

    config = context.config
    base_url = check_base_url(url or config.get("deploy", "base_url"), "URL" if url else "[deploy] base_url")
    credentials = credentials_from(login, password_env, token_env, {})
    free_form(config, "snapshot", SNAPSHOT_KEYS)
    limits = crawl_limits(config, {"max_pages": max_pages, "max_depth": max_depth, "budget": budget,
                                   "concurrency": concurrency, "timeout": timeout})
    exclude = crawl_exclude(config, patterns)
    seeds: dict[str, str] = {}
    if not no_menus:
        seeds, problem = menu_seeds(config)
        if problem:
            click.secho(f"warning: menu entries not seeded ({problem}); crawling from the entry points only",
                        fg="yellow", err=True)
    try:
        result = run_crawl(base_url, credentials, limits, seeds, exclude)
    except CrawlError as error:
        fail(str(error), EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2, sort_keys=True))
    else:
        print_table(result)
    sys.exit(EXIT_FAILED if result.broken() else EXIT_OK)


def print_table(result) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    table = Table(title=f"{result.base_url}" + (f" (logged in as {result.authenticated_as})" if result.authenticated_as else ""))
    for column in ("status", "url", "depth", "ms", "type", "title / redirect", "found on"):
        table.add_column(column, overflow="fold")
    broken = {page.url for page in result.broken()}
    ordered = [result.pages[url] for url in sorted(broken)] + [result.pages[url] for url in sorted(result.pages) if url not in broken]
    for page in ordered:
        status = str(page.status) if page.status is not None else "error"
        style = "red" if page.url in broken else ("yellow" if page.redirect else "")
        detail = f"-> {page.redirect}" if page.redirect else (page.title or page.error or "")
        table.add_row(status, page.url, str(page.depth), f"{page.response_ms:.0f}" if page.response_ms is not None else "-",
                      page.content_type or "", detail, page.found_on or f"({page.seed})", style=style)
    console.print(table)
    summary = result.summary()
    statuses = ", ".join(f"{status}: {number}" for status, number in summary["by_status"].items())
    console.print(f"{summary['pages']} URLs ({statuses}); broken: {summary['broken']}; skipped: {summary['skipped']}"
                  + (f"; stopped by {', '.join(result.stopped_by)}" if result.stopped_by else "") + f"; {result.seconds:.1f}s")
    for url, entry in sorted(result.skipped.items()):
        console.print(f"  skipped {url}: {entry['reason']}" + (f" (on {entry['found_on']})" if entry["found_on"] else ""))
