"""The HTTP crawler behind ``workos crawl`` and the HTTP_SITEMAP snapshot artifact.

Breadth-first over same-origin links (``a[href]``, ``area[href]``) and the actions of GET forms, starting
from the entry points every WorkOS server has (``/web``, ``/web/login``, ``/web/health``,
``/api/v1/openapi.json``) plus whatever the caller adds (the menu entries). It only ever sends GET requests
while crawling — the one POST is the optional login — never follows a URL that looks like a logout, never
leaves the origin, and does not follow redirects by itself: a redirect is recorded with its target, and the
target is queued like any other link, so a sitemap shows where each URL really leads.

The crawl proceeds one depth level at a time: every URL of a level is fetched (concurrently, up to
``concurrency`` requests at once) before the next level starts, and new URLs are taken in sorted order. That
makes the result — depth, ``found_on``, and which URLs fall under ``max_pages`` — independent of response
timing, so two crawls of an unchanged server produce the same sitemap apart from the response times.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import posixpath
import re
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from workos.kernel.aio import run_to_end

DEFAULT_SEEDS = ("/web", "/web/login", "/web/health", "/api/v1/openapi.json")
OPENAPI_PATH = "/api/v1/openapi.json"
LOGIN_PATH = "/web/login"
HEALTH_PATH = "/web/health"

# Never requested, whatever the patterns say: following a logout link would end the crawl's own session
# (and on other servers might change state). Matched against the lower-cased path and query.
STATE_CHANGING = re.compile(r"log-?out|sign-?out|log-?off")

MAX_BODY_BYTES = 5 * 1024 * 1024
HTML_TYPES = {"text/html", "application/xhtml+xml"}
NOT_FETCHED = "not fetched"


class CrawlError(Exception):
    """The crawl could not run at all: the origin is unreachable, or the login was refused."""


@dataclass(frozen=True)
class CrawlLimits:
    max_pages: int = 500
    max_depth: int = 5
    budget: float = 60.0  # seconds for the whole crawl, login included
    concurrency: int = 8
    timeout: float = 10.0  # seconds per request

    def __post_init__(self):
        for name in ("max_pages", "max_depth", "concurrency"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "max_depth" else 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("budget", "timeout"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


@dataclass(frozen=True)
class Credentials:
    """A login for the web session (password read by the caller), or a bearer token for ``/api/`` URLs."""

    login: str | None = None
    password: str | None = None
    token: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.login or self.token)


@dataclass
class PageRecord:
    url: str  # origin-relative: path plus sorted query
    depth: int
    found_on: str | None  # the page that linked or redirected here; None for a seed
    seed: str | None = None  # why a seed was crawled: "entry point" or "menu: <path>"
    status: int | None = None
    content_type: str | None = None
    title: str | None = None
    redirect: str | None = None  # Location of a 3xx, normalised (origin-relative when same-origin)
    response_ms: float | None = None
    error: str | None = None  # transport failure (no HTTP status)

    @property
    def broken(self) -> bool:
        return is_broken(asdict(self))


def is_broken(page: dict) -> bool:
    """A link that leads nowhere useful: a 4xx/5xx or no answer at all, reached from a page or a menu entry
    (an entry point that fails is reported as such, not as a broken link)."""
    linked = page["found_on"] is not None or (page.get("seed") or "").startswith("menu:")
    if not linked:
        return False
    if page["status"] is not None:
        return page["status"] >= 400
    return bool(page["error"]) and not page["error"].startswith(NOT_FETCHED)


@dataclass
class CrawlResult:
    base_url: str
    authenticated_as: str | None
    bearer_token: bool
    limits: CrawlLimits
    exclude: tuple[str, ...]
    pages: dict[str, PageRecord] = field(default_factory=dict)
    skipped: dict[str, dict] = field(default_factory=dict)  # url -> {reason, found_on}
    api_routes: list[dict] = field(default_factory=list)
    stopped_by: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        by_status: dict[str, int] = {}
        for page in self.pages.values():
            key = str(page.status) if page.status is not None else "error"
            by_status[key] = by_status.get(key, 0) + 1
        return {
            "pages": len(self.pages),
            "by_status": dict(sorted(by_status.items())),
            "broken": len(self.broken()),
            "skipped": len(self.skipped),
        }

    def broken(self) -> list[PageRecord]:
        return sorted((p for p in self.pages.values() if p.broken), key=lambda p: p.url)

    def as_dict(self, with_timings: bool = True) -> dict:
        def page_dict(page: PageRecord) -> dict:
            values = asdict(page)
            if not with_timings:
                values.pop("response_ms")
            return values

        return {
            "base_url": self.base_url,
            "authenticated_as": self.authenticated_as,
            "bearer_token": self.bearer_token,
            "limits": asdict(self.limits),
            "exclude": list(self.exclude),
            "complete": not self.stopped_by,
            "stopped_by": list(self.stopped_by),
            "summary": self.summary(),
            "broken": [
                {"url": p.url, "status": p.status, "error": p.error, "found_on": p.found_on or p.seed} for p in self.broken()
            ],
            "pages": [page_dict(self.pages[url]) for url in sorted(self.pages)],
            "skipped": [{"url": url, **self.skipped[url]} for url in sorted(self.skipped)],
            "api_routes": self.api_routes,
        }


# --- URLs ----------------------------------------------------------------------------------------------


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (parts.scheme, parts.hostname.lower(), port)


def normalise(reference: str, page_url: str) -> tuple[str | None, str | None]:
    """(origin-relative URL, None) for a same-origin reference; (None, absolute URL) for another origin;
    (None, None) for what is not a web link at all (mailto:, javascript:, empty)."""
    reference = (reference or "").strip()
    if not reference or reference.startswith("#"):
        return None, None
    absolute = urljoin(page_url, reference)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https"):
        return None, None
    try:
        same = origin_of(absolute) == origin_of(page_url)
    except ValueError:
        return None, None
    path = parts.path or "/"
    if "/." in path:  # collapse ./ and ../ that urljoin leaves in absolute references
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        path = path + "/" if trailing and path != "/" else path
        path = "/" + path.lstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    relative = path + (f"?{query}" if query else "")
    if same:
        return relative, None
    return None, urlunsplit((parts.scheme, parts.netloc.lower(), path, query, ""))


def exclusion_reason(url: str, patterns: tuple[str, ...]) -> str | None:
    if STATE_CHANGING.search(url.lower()):
        return "state-changing (logout)"
    for pattern in patterns:
        if fnmatch.fnmatchcase(url, pattern):
            return f"excluded by pattern {pattern}"
    return None


def media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return value.split(";", 1)[0].strip().lower() if value else None


# --- the crawl -----------------------------------------------------------------------------------------


class Crawler:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None = None,
        limits: CrawlLimits | None = None,
        extra_seeds: dict[str, str] | None = None,
        exclude: tuple[str, ...] = (),
    ):
        try:
            origin_of(base_url)
        except ValueError as error:
            raise CrawlError(str(error)) from None
        parts = urlsplit(base_url)
        self.base_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self.credentials = credentials or Credentials()
        self.limits = limits or CrawlLimits()
        self.exclude = tuple(exclude)
        self.seeds: dict[str, str] = {}
        for path in DEFAULT_SEEDS:
            self.seeds[path] = "entry point"
        if parts.path not in ("", "/"):
            self.seeds.setdefault(normalise(parts.path, self.base_url + "/")[0] or "/", "entry point")
        for path, reason in sorted((extra_seeds or {}).items()):
            relative, _ = normalise(path, self.base_url + "/")
            if relative:
                self.seeds.setdefault(relative, reason)
        self.result = CrawlResult(
            base_url=self.base_url,
            authenticated_as=None,
            bearer_token=bool(self.credentials.token),
            limits=self.limits,
            exclude=self.exclude,
        )

    def absolute(self, relative: str) -> str:
        return self.base_url + relative

    async def run(self) -> CrawlResult:
        started = time.monotonic()
        self.deadline = started + self.limits.budget
        limits = httpx.Limits(max_connections=self.limits.concurrency, max_keepalive_connections=self.limits.concurrency)
        async with httpx.AsyncClient(timeout=self.limits.timeout, follow_redirects=False, limits=limits,
                                     headers={"User-Agent": "workos-crawl/1"}) as client:
            self.client = client
            if self.credentials.login:
                await self.log_in()
            level: list[tuple[str, str | None, str | None]] = []
            for url, reason in self.seeds.items():
                if self._admit(url, None):
                    level.append((url, None, reason))
            depth = 0
            while level:
                room = self.limits.max_pages - len(self.result.pages)
                if room <= 0:
                    self._stop("max_pages")
                    break
                if len(level) > room:
                    level = level[:room]
                    self._stop("max_pages")
                for url, found_on, reason in level:
                    self.result.pages[url] = PageRecord(url=url, depth=depth, found_on=found_on, seed=reason)
                discovered = await self._fetch_level([url for url, _, _ in level])
                if depth == 0:
                    self._require_reachable()
                if depth >= self.limits.max_depth:
                    if any(url not in self.result.pages for url in discovered):
                        self._stop("max_depth")
                    break
                level = []
                for url in sorted(discovered):
                    if url not in self.result.pages:
                        level.append((url, discovered[url], None))
                depth += 1
                if "budget" in self.result.stopped_by:
                    break
        for url in [url for url in self.result.skipped if url in self.result.pages]:
            del self.result.skipped[url]  # reached another way after all
        self.result.seconds = round(time.monotonic() - started, 3)
        return self.result

    def _stop(self, reason: str) -> None:
        if reason not in self.result.stopped_by:
            self.result.stopped_by.append(reason)

    def _admit(self, url: str, found_on: str | None) -> bool:
        reason = exclusion_reason(url, self.exclude)
        if reason:
            self._skip(url, reason, found_on)
            return False
        return True

    def _skip(self, url: str, reason: str, found_on: str | None) -> None:
        current = self.result.skipped.get(url)
        # Keep the smallest referrer so that the record does not depend on which page answered first.
        if current is None or (found_on or "") < (current["found_on"] or ""):
            self.result.skipped[url] = {"reason": reason, "found_on": found_on}

    def _require_reachable(self) -> None:
        seeds = [self.result.pages[url] for url in self.seeds if url in self.result.pages]
        if seeds and all(page.status is None for page in seeds):
            first = seeds[0]
            raise CrawlError(f"cannot reach {self.base_url}: {first.error}")

    async def _fetch_level(self, urls: list[str]) -> dict[str, str]:
        """Fetch one level; return the new same-origin URLs it links to, each with its smallest referrer."""
        semaphore = asyncio.Semaphore(self.limits.concurrency)
        found: dict[str, str] = {}

        async def one(url: str) -> None:
            async with semaphore:
                if time.monotonic() >= self.deadline:
                    self._stop("budget")
                    return
                for link in await self._fetch(url):
                    if link not in found or url < found[link]:
                        found[link] = url

        tasks = [asyncio.create_task(one(url)) for url in urls]
        remaining = max(self.deadline - time.monotonic(), 0.001)
        done, pending = await asyncio.wait(tasks, timeout=remaining)
        for task in pending:
            task.cancel()
        if pending:
            self._stop("budget")
            await asyncio.gather(*pending, return_exceptions=True)
        for url in urls:
            page = self.result.pages[url]
            if page.status is None and page.error is None:
                page.error = NOT_FETCHED + ": time budget exhausted"
        for task in done:
            if task.exception() is not None:
                raise task.exception()
        return {url: referrer for url, referrer in found.items() if self._admit(url, referrer)}

    def _headers(self, url: str) -> dict[str, str]:
        if self.credentials.token and url.startswith("/api/"):
            return {"Authorization": f"Bearer {self.credentials.token}"}
        return {}

    async def _fetch(self, url: str) -> list[str]:
        page = self.result.pages[url]
        started = time.monotonic()
        timeout = max(min(self.limits.timeout, self.deadline - started), 0.001)
        try:
            response = await self.client.get(self.absolute(url), headers=self._headers(url), timeout=timeout)
        except httpx.HTTPError as error:
            page.response_ms = round((time.monotonic() - started) * 1000, 1)
            page.error = f"{type(error).__name__}: {error}".rstrip(": ") if str(error) else type(error).__name__
            return []
        page.response_ms = round((time.monotonic() - started) * 1000, 1)
        page.status = response.status_code
        page.content_type = media_type(response)
        links: list[str] = []
        if response.is_redirect and "location" in response.headers:
            relative, external = normalise(response.headers["location"], self.absolute(url))
            page.redirect = relative or external
            if relative:
                links.append(relative)
            elif external:
                self._skip(external, "other origin", url)
        body = response.content[:MAX_BODY_BYTES]
        if page.content_type in HTML_TYPES and body:
            links.extend(self._html_links(url, page, body.decode(response.encoding or "utf-8", errors="replace")))
        elif url == OPENAPI_PATH and response.status_code == 200:
            links.extend(self._openapi_links(url, body))
        return links

    def _html_links(self, url: str, page: PageRecord, html: str) -> list[str]:
        from selectolax.lexbor import LexborHTMLParser

        tree = LexborHTMLParser(html)
        title = tree.css_first("title")
        if title is not None:
            page.title = " ".join(title.text().split()) or None
        links = []
        for node in tree.css("a[href], area[href], form"):
            if node.tag == "form":
                reference = node.attributes.get("action") or url
                method = (node.attributes.get("method") or "get").lower()
            else:
                reference, method = node.attributes.get("href") or "", "get"
            relative, external = normalise(reference, self.absolute(url))
            if external:
                self._skip(external, "other origin", url)
            if not relative:
                continue
            if method != "get":
                # Submitting a POST form changes state; GETting its action would only report a 405.
                if relative not in self.result.pages:
                    reason = exclusion_reason(relative, self.exclude) or f"form method {method.upper()} (only GET is crawled)"
                    self._skip(relative, reason, url)
                continue
            links.append(relative)
        return links

    def _openapi_links(self, url: str, body: bytes) -> list[str]:
        """Record every API route; queue the GET routes that need no path parameter."""
        try:
            document = json.loads(body)
            paths = document["paths"]
        except (ValueError, KeyError, TypeError):
            return []
        authenticated = self.result.authenticated_as is not None or self.result.bearer_token
        routes, links = [], []
        for path, operations in sorted(paths.items()):
            if not isinstance(operations, dict):
                continue
            for method, operation in sorted(operations.items()):
                if method.lower() not in {"get", "post", "put", "patch", "delete", "head", "options"}:
                    continue
                operation = operation if isinstance(operation, dict) else {}
                secured = bool(operation.get("security"))
                routes.append({"method": method.upper(), "path": path, "auth": secured})
                if method.lower() != "get" or "{" in path:
                    continue
                relative, _ = normalise(path, self.absolute(url))
                if not relative:
                    continue
                required = sorted(parameter.get("name", "?") for parameter in operation.get("parameters", [])
                                  if isinstance(parameter, dict) and parameter.get("in") == "query" and parameter.get("required"))
                if required:
                    self._skip(relative, f"API route needs query parameters: {', '.join(required)}", url)
                elif secured and not authenticated:
                    self._skip(relative, "API route needs credentials (crawl without login or token)", url)
                else:
                    links.append(relative)
        self.result.api_routes = routes
        return links

    async def log_in(self) -> None:
        """The browser's login: GET the form for the CSRF token, POST the credentials, expect a redirect."""
        from selectolax.lexbor import LexborHTMLParser

        login_url = self.absolute(LOGIN_PATH)
        try:
            form = await self.client.get(login_url)
        except httpx.HTTPError as error:
            raise CrawlError(f"cannot reach {self.base_url}: {type(error).__name__}: {error}") from None
        if form.status_code != 200:
            raise CrawlError(f"login page {LOGIN_PATH} answered {form.status_code}, expected 200")
        token_input = LexborHTMLParser(form.text).css_first("input[name=csrfmiddlewaretoken]")
        token = (token_input.attributes.get("value") if token_input is not None else None) or form.cookies.get("csrftoken")
        if not token:
            raise CrawlError(f"login page {LOGIN_PATH} gave no CSRF token (no csrftoken cookie or form field)")
        data = {"login": self.credentials.login, "password": self.credentials.password or "",
                "csrfmiddlewaretoken": token, "next": "/web"}
        try:
            response = await self.client.post(login_url, data=data, headers={"Referer": login_url})
        except httpx.HTTPError as error:
            raise CrawlError(f"login request failed: {type(error).__name__}: {error}") from None
        location = response.headers.get("location", "")
        if not response.is_redirect or LOGIN_PATH in location:
            reason = "wrong login or password" if response.status_code == 200 else f"status {response.status_code}"
            raise CrawlError(f"login as {self.credentials.login!r} refused by {LOGIN_PATH}: {reason}")
        self.result.authenticated_as = self.credentials.login


def crawl(
    base_url: str,
    credentials: Credentials | None = None,
    limits: CrawlLimits | None = None,
    extra_seeds: dict[str, str] | None = None,
    exclude: tuple[str, ...] = (),
) -> CrawlResult:
    """Crawl ``base_url``; raise CrawlError when it cannot be reached or the login is refused."""
    crawler = Crawler(base_url, credentials, limits, extra_seeds, exclude)
    return run_to_end(crawler.run())
