"""HTTP_SITEMAP: the crawler's record of the running server (workos.ops.crawl), validated against the menus."""

from __future__ import annotations

from workos.ops.crawl import DEFAULT_SEEDS, HEALTH_PATH, exclusion_reason, is_broken

from .base import JsonArtifact, register
from .sources import Sources


@register
class HttpSitemap(JsonArtifact):
    name = "HTTP_SITEMAP"
    folder = "runtime"
    source = "server"
    description = "every URL the crawler reached from the entry points and menus: status, type, title, redirect"

    def collect(self, sources: Sources) -> dict:
        return sources.crawl().as_dict()

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        pages = {page["url"]: page for page in parsed["pages"]}
        skipped = {entry["url"] for entry in parsed["skipped"]}
        health = pages.get(HEALTH_PATH)
        if health is None or health["status"] != 200:
            state = "was not fetched" if health is None else f"answered {health['status'] or health['error']}"
            problems.append(f"{HEALTH_PATH} {state}: the server is not healthy (is its database reachable?)")
        exclude = tuple(parsed.get("exclude", []))
        expected = dict.fromkeys(DEFAULT_SEEDS, "entry point") | sources.menu_urls()
        for url, reason in sorted(expected.items()):
            if url in pages:
                if pages[url]["status"] is None:
                    problems.append(f"{url} ({reason}) was not fetched: {pages[url]['error']}")
            elif not (url in skipped and exclusion_reason(url, exclude)):
                problems.append(f"{url} ({reason}) is missing from the sitemap")
        summary = parsed["summary"]
        if summary["pages"] != len(pages) or sum(summary["by_status"].values()) != len(pages):
            problems.append("the summary does not add up to the pages listed")
        broken = sorted(page["url"] for page in parsed["pages"] if is_broken(page))
        if sorted(entry["url"] for entry in parsed["broken"]) != broken:
            problems.append("the broken links listed differ from the 4xx/5xx pages reached from a page")
        if parsed["authenticated_as"]:
            shell = pages.get("/web")
            if shell is not None and shell["status"] != 200:
                problems.append(f"logged in as {parsed['authenticated_as']!r}, yet /web answered {shell['status']}")
        if parsed["bearer_token"]:
            refused = sorted(url for url, page in pages.items() if url.startswith("/api/") and page["status"] == 401)
            if refused:
                problems.append(f"the bearer token was refused: {refused[0]} answered 401")
        return problems[:20]

    def findings(self, parsed: dict) -> list[str]:
        notes = []
        if parsed["broken"]:
            notes.append(f"{len(parsed['broken'])} broken links")
        if parsed["stopped_by"]:
            notes.append(f"crawl incomplete: stopped by {', '.join(parsed['stopped_by'])}")
        return notes

    def stable(self, parsed: dict) -> dict:
        """Response times change from run to run; everything else must not."""
        return {**parsed, "pages": [{k: v for k, v in page.items() if k != "response_ms"} for page in parsed["pages"]]}
