"""Benchmark (issue 6): open a page of 2,000 blocks, and a sidebar tree of 10,000 pages.

    cd /work/main && .venv/bin/python benchmarks/editor/run.py [--database postgresql|sqlite] [--runs 15] [--loads 7]

What it does, all on this machine and over loopback only:

1. makes a site in a temporary folder (a throwaway PostgreSQL cluster from ``workos.testing.pgcluster`` by
   default, or an SQLite file), installs the suite and creates an administrator through the CLI
   (``workos module install ipai_workos_affine``, ``workos user create admin --admin``);
2. seeds through the services (the real write paths): workspace "Docs" with one page of 2,000 blocks of all
   14 types, nested (``ipai_workos_blocks.services.replace_document``), and workspace "Wiki" whose space holds
   10,000 pages in a tree of three levels, 100 top-level pages x 9 sub-pages x 10 sub-sub-pages
   (``ipai_workos_core.services.create_page`` in a loop); one leaf of the wiki also gets the 2,000 blocks, for
   the combined case;
3. starts ``workos serve`` and measures, median of ``--runs`` requests after two warm-up requests:
   server time = the duration the server's own request log line records (``RequestLogMiddleware``: from the
   request entering Django to the response leaving it), client time = the HTTP round trip over loopback;
4. opens pages in Debian's Chromium through Playwright, ``--loads`` cold loads each (a new browser context per
   load: empty HTTP cache, the session cookie only). Times are ``performance.now()``, i.e. milliseconds since
   the navigation started (Navigation Timing's time origin):

   - editor mounted: the editor island has finished ``mount()`` — it assigns ``window.workosEditor`` as its
     last statement, after TipTap built the ProseMirror view of the whole document (``contenteditable=true``),
     the title and autosave were set up. An init script turns that global into a setter that records the time.
   - sidebar rendered: the same for the tree island's ``window.workosPageTree`` (assigned once the tree's DOM is
     built and attached).
   - interactive: the later of the two, then the next frame (requestAnimationFrame, then a task): the first
     moment a keystroke is handled with the page laid out and painted.
   - keystroke: with the caret at the end of the document, the time from ``keydown`` to the frame after the
     editor's update (median of 10 keystrokes; the autosave only starts a timer on an edit).
   - heap: ``Runtime.getHeapUsage`` over CDP after ``HeapProfiler.collectGarbage`` (what the page keeps), and
     ``Performance.getMetrics`` (script, layout and task durations of the load; DOM nodes).

Results go to ``benchmarks/results/editor-<time>.json``; the README's figures come from the printed table.
Nothing here asserts a time: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

USERNAME = "admin"
PASSWORD = "bench-password-2000"
LOG_LINE = re.compile(r"\b(GET|PUT|POST|PATCH) (\S+) (\d{3}) ([\d.]+)ms user=")

# Records when each island finishes mounting (it assigns its global last) and the next frame after it.
INIT_SCRIPT = """
(() => {
  const marks = {};
  window.__bench = marks;
  const hook = (name, key) => {
    let value;
    Object.defineProperty(window, name, {
      configurable: true,
      get() { return value; },
      set(v) {
        value = v;
        marks[key] = performance.now();
        requestAnimationFrame(() => setTimeout(() => { marks[key + "Painted"] = performance.now(); }, 0));
      },
    });
  };
  hook("workosEditor", "editor");
  hook("workosPageTree", "tree");
  marks.longTasks = [];
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) marks.longTasks.push([e.startTime, e.duration]); })
      .observe({ type: "longtask", buffered: true });
  } catch (e) {}
  const open = %s;
  if (open) localStorage.setItem("workos:tree:open", JSON.stringify(open));
})();
"""

COLLECT = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const b = window.__bench;
  const editable = document.querySelector(".workos-editor");
  return {
    responseStart: nav.responseStart, responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
    domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, htmlBytes: nav.decodedBodySize,
    editor: b.editor ?? null, editorPainted: b.editorPainted ?? null, tree: b.tree ?? null, treePainted: b.treePainted ?? null,
    contenteditable: editable ? editable.getAttribute("contenteditable") : null,
    topBlocks: editable ? editable.childElementCount : 0,
    treeRows: document.querySelectorAll("#workos-page-tree li[data-page-id]").length,
    longestTask: Math.max(0, ...b.longTasks.map((t) => t[1])),
    longTaskTotal: b.longTasks.reduce((sum, t) => sum + t[1], 0),
  };
}
"""

# Real key presses (Playwright's keyboard, through Chromium's input pipeline); each records from its keydown to
# the frame after the editor's update.
KEYSTROKE_SETUP = """
async () => {
  const { editor } = window.workosEditor;
  editor.commands.focus("end");
  // TipTap applies focus in a later frame: a key pressed before that would go to the page, not the editor.
  for (let frame = 0; frame < 100 && !editor.view.hasFocus(); frame++) await new Promise((resolve) => requestAnimationFrame(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
  window.__keys = [];
  let started = null;
  editor.view.dom.addEventListener("keydown", () => { started = performance.now(); }, true);
  editor.on("update", () => {
    if (started === null) return;
    const since = started;
    started = null;
    requestAnimationFrame(() => setTimeout(() => window.__keys.push(performance.now() - since), 0));
  });
  return editor.view.hasFocus();
}
"""


# --- the site --------------------------------------------------------------------------------------------


def make_site(kind: str):
    from workos.testing.fixtures import Site
    from workos.testing.pgcluster import start_cluster

    root = Path(tempfile.mkdtemp(prefix="workos-bench-editor-"))
    cluster = None
    if kind == "postgresql":
        cluster = start_cluster()
        url = cluster.create_database("bench")
        site = Site(root=root, database_url=url, database_kind="postgresql", cluster=cluster, database_name="bench")
    else:
        site = Site(root=root, database_url=f"sqlite:///{root / 'var' / 'workos.sqlite3'}", database_kind="sqlite")
    site.write_config()
    return site


def setup_site(site) -> None:
    started = time.perf_counter()
    site.workos("module", "install", "ipai_workos_affine", check=True, timeout=900)
    site.workos("user", "create", USERNAME, "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    print(f"installed the suite and created {USERNAME} in {time.perf_counter() - started:.1f}s", flush=True)


def django_for(site) -> None:
    """Django in this process, on the site's configuration, for the seeding (as ``workos`` commands do)."""
    for key in [key for key in os.environ if key.startswith(("WORKOS_", "DJANGO_"))]:
        del os.environ[key]
    from workos.settings.runtime import setup_django
    from workos.settings.config import load_config

    setup_django(load_config(str(site.config_file)), "installed")


# --- the data ----------------------------------------------------------------------------------------------


def text(value: str, marks: bool = False) -> list[dict]:
    if not marks:
        return [{"text": value}]
    return [{"text": value[:20] + " "}, {"text": "bold part", "marks": ["bold"]}, {"text": " then "},
            {"text": "a link", "href": "https://example.com/docs"}, {"text": " and "}, {"text": "code()", "marks": ["code"]},
            {"text": " — " + value[20:]}]


LOREM = ("Quarterly planning notes: the team reviewed the roadmap, agreed on the scope of the release and listed the "
         "risks that need an owner before the end of the month.")


def document_of(count: int, image_id: int, file_id: int) -> list[dict]:
    """``count`` blocks (children counted) cycling through all 14 types, with toggles and list items nesting."""
    trees, made, n = [], 0, 0

    def add(node: dict, size: int) -> None:
        nonlocal made
        trees.append(node)
        made += size

    while made < count:
        n += 1
        left = count - made
        pattern = n % 20
        if pattern == 0:
            add({"type": "heading_1", "content": {"text": text(f"Section {n}")}}, 1)
        elif pattern in (1, 2, 3):
            add({"type": "paragraph", "content": {"text": text(f"{n}. {LOREM}", marks=pattern == 1)}}, 1)
        elif pattern == 4:
            add({"type": "heading_2", "content": {"text": text(f"Subsection {n}")}}, 1)
        elif pattern in (5, 6):
            children = [{"type": "bulleted_list", "content": {"text": text(f"nested point {n}")}}] if left >= 2 else []
            add({"type": "bulleted_list", "content": {"text": text(f"Point {n}: {LOREM[:60]}")}, "children": children}, 1 + len(children))
        elif pattern in (7, 8):
            add({"type": "numbered_list", "content": {"text": text(f"Step {n}: {LOREM[:50]}")}}, 1)
        elif pattern in (9, 10):
            add({"type": "todo", "content": {"text": text(f"Task {n}"), "checked": pattern == 9}}, 1)
        elif pattern == 11:
            children = [{"type": "paragraph", "content": {"text": text(f"Hidden detail {n}.{k} {LOREM[:80]}")}} for k in range(min(2, left - 1))]
            add({"type": "toggle", "content": {"text": text(f"Details {n}"), "collapsed": True}, "children": children}, 1 + len(children))
        elif pattern == 12:
            add({"type": "quote", "content": {"text": text(f"“{LOREM[:90]}” — note {n}")}}, 1)
        elif pattern == 13:
            add({"type": "callout", "content": {"text": text(f"Heads up {n}: {LOREM[:70]}"), "icon": "💡", "color": "yellow"}}, 1)
        elif pattern == 14:
            add({"type": "code", "content": {"code": f"def step_{n}(rows):\n    return [row for row in rows if row.ok]\n", "language": "python"}}, 1)
        elif pattern == 15:
            add({"type": "divider", "content": {}}, 1)
        elif pattern == 16:
            add({"type": "heading_3", "content": {"text": text(f"Notes {n}")}}, 1)
        elif pattern == 17:
            add({"type": "image", "content": {"attachment_id": image_id, "caption": text(f"Figure {n}")}}, 1)
        elif pattern == 18:
            add({"type": "file", "content": {"attachment_id": file_id, "name": f"report-{n}.pdf"}}, 1)
        else:
            add({"type": "paragraph", "content": {"text": text(f"{n}. {LOREM}")}}, 1)
    return trees


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def fill_page(user, page, count: int) -> int:
    from ipai_workos_blocks import services as blocks
    from ipai_workos_blocks.models import Block

    image = blocks.upload_attachment(user, page, "figure.png", PNG, "image/png")
    report = blocks.upload_attachment(user, page, "report.pdf", b"%PDF-1.4\n%bench\n", "application/pdf")
    blocks.replace_document(user, page, document_of(count, image.pk, report.pk), base_version=blocks.document_version(page))
    return Block.objects.filter(page=page).count()


def seed(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ipai_workos_core import services as core

    user = get_user_model().objects.get(username=USERNAME)
    docs = core.create_workspace(user, "Docs")
    docs_space = core.create_space(user, docs, "Handbook")
    for title in ("Welcome", "Onboarding", "Policies"):
        core.create_page(user, space=docs_space, title=title, icon="📘")
    big = core.create_page(user, space=docs_space, title="Big document", icon="📚")
    started = time.perf_counter()
    block_count = fill_page(user, big, args.blocks)
    seconds_blocks = time.perf_counter() - started
    print(f"created the {block_count}-block page through replace_document in {seconds_blocks:.1f}s", flush=True)

    wiki = core.create_workspace(user, "Wiki")
    wiki_space = core.create_space(user, wiki, "Company wiki")
    started = time.perf_counter()
    created, parents, leaves = 0, [], []
    for top in range(args.top):
        page = core.create_page(user, space=wiki_space, title=f"Area {top + 1}: {['Engineering', 'Sales', 'People', 'Finance', 'Ops'][top % 5]}",
                                icon="📁" if top % 3 else "")
        created += 1
        parents.append(page.pk)
        for middle in range(args.middle):
            child = core.create_page(user, parent=page, title=f"Project {top + 1}.{middle + 1}")
            created += 1
            parents.append(child.pk)
            for leaf in range(args.leaves):
                leaves.append(core.create_page(user, parent=child, title=f"Meeting notes {top + 1}.{middle + 1}.{leaf + 1}",
                                               icon="📝" if leaf % 4 == 0 else "").pk)
                created += 1
        if (top + 1) % 10 == 0:
            print(f"  {created} pages, {time.perf_counter() - started:.0f}s", flush=True)
    seconds_tree = time.perf_counter() - started
    print(f"created {created} wiki pages through create_page in {seconds_tree:.1f}s", flush=True)
    # the combined case: a leaf deep in the big tree holding the big document
    combined = leaves[len(leaves) // 2 + 5]
    from ipai_workos_core.models import Page

    fill_page(user, Page.objects.get(pk=combined), args.blocks)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()
    return {"big_page": big.pk, "docs_space": docs_space.pk, "wiki_space": wiki_space.pk, "wiki_pages": created,
            "wiki_leaf": leaves[len(leaves) // 2], "combined_page": combined, "wiki_parents": parents,
            "blocks": block_count, "seed_seconds": {"blocks": round(seconds_blocks, 1), "tree": round(seconds_tree, 1)}}


# --- HTTP --------------------------------------------------------------------------------------------------


class RequestLog:
    """Reads the server's own duration of each request from its log file."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def durations(self, method: str, path: str) -> list[float]:
        deadline = time.monotonic() + 5
        while True:
            with open(self.path, encoding="utf-8", errors="replace") as log:
                log.seek(self.offset)
                chunk = log.read()
            found = [float(m.group(4)) for m in LOG_LINE.finditer(chunk) if m.group(1) == method and m.group(2) == path]
            if found or time.monotonic() > deadline:
                self.offset += len(chunk.encode("utf-8"))
                return found
            time.sleep(0.05)


def web_session(base_url: str):
    import httpx

    client = httpx.Client(base_url=base_url, timeout=120, follow_redirects=False)
    client.get("/web/login")
    response = client.post("/web/login", data={"login": USERNAME, "password": PASSWORD, "next": "/web",
                                               "csrfmiddlewaretoken": client.cookies["csrftoken"]},
                           headers={"Referer": base_url + "/web/login"})
    if response.status_code not in (302, 303):
        raise RuntimeError(f"login failed: {response.status_code} {response.text[:300]}")
    return client


def api_client(base_url: str):
    import httpx

    token = httpx.post(base_url + "/api/v1/auth/token", json={"username": USERNAME, "password": PASSWORD, "name": "bench"}, timeout=30)
    token.raise_for_status()
    return httpx.Client(base_url=base_url, headers={"Authorization": "Bearer " + token.json()["token"]}, timeout=120)


def measure_http(client, log: RequestLog, method: str, path: str, runs: int, body=None) -> dict:
    """``body``: a function of the run number giving the JSON body (so that every PUT really changes something)."""
    server, wall, size = [], [], 0
    for run in range(runs + 2):  # two warm-up requests
        started = time.perf_counter()
        response = client.request(method, path, json=body(run)) if body is not None else client.request(method, path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        durations = log.durations(method, path)
        if run >= 2:
            wall.append(elapsed)
            server.append(durations[-1] if durations else float("nan"))
        size = len(response.content)
    return {"server_ms": stats(server), "wall_ms": stats(wall), "bytes": size}


def stats(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1), "max": round(max(values), 1), "n": len(values)}


# --- Chromium ----------------------------------------------------------------------------------------------


def loopback_only(route) -> None:
    host = re.match(r"^[a-z]+://([^/:]+)", route.request.url)
    if host and host.group(1) in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def browser_loads(browser, state: dict, url: str, loads: int, *, open_ids: list[int] | None = None, keystrokes: bool = False) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    runs = []
    for _ in range(loads):
        context = browser.new_context(storage_state=state, viewport={"width": 1280, "height": 800})
        try:
            context.route("**/*", loopback_only)
            context.add_init_script(INIT_SCRIPT % json.dumps(open_ids))
            page = context.new_page()
            page.set_default_timeout(120_000)
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(url, wait_until="load")
            page.wait_for_function("() => window.__bench && window.__bench.treePainted && (!document.getElementById('workos-editor') || window.__bench.editorPainted)")
            run = page.evaluate(COLLECT)
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            cdp.send("HeapProfiler.collectGarbage")
            heap = cdp.send("Runtime.getHeapUsage")
            run.update({
                "heap_after_gc_mb": heap["usedSize"] / 1e6, "heap_used_mb": metrics["JSHeapUsedSize"] / 1e6, "dom_nodes": metrics["Nodes"],
                "script_ms": metrics["ScriptDuration"] * 1000, "layout_ms": metrics["LayoutDuration"] * 1000,
                "style_ms": metrics["RecalcStyleDuration"] * 1000, "task_ms": metrics["TaskDuration"] * 1000,
                "interactive": max(x for x in (run["editorPainted"], run["treePainted"]) if x is not None),
            })
            if keystrokes and run["editor"] is not None:
                page.evaluate(KEYSTROKE_SETUP)
                try:
                    for count in range(1, 11):
                        page.keyboard.press("x")
                        page.wait_for_function(f"window.__keys.length >= {count}", timeout=10_000)
                    run["keystroke_ms"] = statistics.median(page.evaluate("window.__keys"))
                except PlaywrightTimeout:  # a key press that never reached the editor: reported, not counted
                    run["keystroke_ms"] = None
                    print("  (a key press was not seen by the editor: keystroke left out of this load)", flush=True)
            runs.append(run)
        finally:
            context.close()
    keys = sorted({key for run in runs for key, value in run.items() if isinstance(value, (int, float)) and not isinstance(value, bool)})
    summary = {key: stats([run[key] for run in runs if run.get(key) is not None]) for key in keys}
    summary["contenteditable"] = runs[0]["contenteditable"]
    return summary


def log_in_browser(browser, base_url: str) -> dict:
    context = browser.new_context()
    try:
        context.route("**/*", loopback_only)
        page = context.new_page()
        page.goto(base_url + "/web/login")
        page.fill("#login", USERNAME)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base_url + "/web")
        return context.storage_state()
    finally:
        context.close()


# --- main ----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--blocks", type=int, default=2000)
    parser.add_argument("--top", type=int, default=100, help="top-level pages of the wiki tree")
    parser.add_argument("--middle", type=int, default=9, help="sub-pages of each top-level page")
    parser.add_argument("--leaves", type=int, default=10, help="sub-pages of each sub-page")
    parser.add_argument("--runs", type=int, default=15, help="HTTP requests per measure (after 2 warm-ups)")
    parser.add_argument("--loads", type=int, default=7, help="cold browser loads per measure")
    args = parser.parse_args()

    from workos.testing.fixtures import CHROMIUM, CHROMIUM_ARGS, start_server

    site = make_site(args.database)
    server = None
    results: dict = {"date": datetime.now().isoformat(timespec="seconds"), "machine": f"{platform.node()}, {os.cpu_count()} cores, "
                     f"{platform.machine()}, Linux {platform.release()}", "database": args.database, "load_before": os.getloadavg()}
    try:
        setup_site(site)
        django_for(site)
        ids = seed(args)
        results["data"] = {key: value for key, value in ids.items() if key != "wiki_parents"}
        if site.cluster:
            results["database"] += " " + site.cluster.psql("postgres", "SHOW server_version").strip()
        server = start_server(site, timeout=120)
        base = server.base_url
        log = RequestLog(site.log_file)
        web, api = web_session(base), api_client(base)
        http = results["http"] = {}
        big, leaf, combined, space = ids["big_page"], ids["wiki_leaf"], ids["combined_page"], ids["wiki_space"]
        measures = {
            f"GET /web/pages/<id>, {ids['blocks']} blocks, small sidebar": (web, "GET", f"/web/pages/{big}"),
            f"GET /api/v1/pages/<id>/blocks, {ids['blocks']} blocks": (api, "GET", f"/api/v1/pages/{big}/blocks"),
            f"GET /web/pages/<id>, empty page, sidebar of {ids['wiki_pages']} pages": (web, "GET", f"/web/pages/{leaf}"),
            f"GET /api/v1/spaces/<id>/tree, {ids['wiki_pages']} pages": (api, "GET", f"/api/v1/spaces/{space}/tree"),
            f"GET /web/pages/<id>, {ids['blocks']} blocks and sidebar of {ids['wiki_pages']} pages": (web, "GET", f"/web/pages/{combined}"),
        }
        for name, (client, method, path) in measures.items():
            http[name] = measure_http(client, log, method, path, args.runs)
            print(f"{name}: {http[name]}", flush=True)
        # The autosave of the big page: the whole document PUT back with one block's text changed.
        document = api.get(f"/api/v1/pages/{big}/blocks").json()["items"]

        def edited(run: int) -> dict:
            document[1]["content"]["text"] = [{"text": f"edited by the benchmark, save {run}"}]
            return {"blocks": document}

        name = f"PUT /api/v1/pages/<id>/blocks (autosave), {ids['blocks']} blocks, 1 changed"
        http[name] = measure_http(api, log, "PUT", f"/api/v1/pages/{big}/blocks", args.runs, body=edited)
        print(f"{name}: {http[name]}", flush=True)

        from playwright.sync_api import sync_playwright

        chromium = results["chromium"] = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            results["browser"] = f"Chromium {browser.version}"
            try:
                state = log_in_browser(browser, base)
                browser_loads(browser, state, f"{base}/web/pages/{big}", 1)  # warm-up, not counted
                cases = {
                    f"{ids['blocks']}-block page, small sidebar": dict(url=f"{base}/web/pages/{big}", keystrokes=True),
                    f"empty page, sidebar of {ids['wiki_pages']} pages (path to the page open)": dict(url=f"{base}/web/pages/{leaf}"),
                    f"empty page, sidebar of {ids['wiki_pages']} pages, all {len(ids['wiki_parents'])} parents expanded":
                        dict(url=f"{base}/web/pages/{leaf}", open_ids=ids["wiki_parents"]),
                    f"{ids['blocks']}-block page, sidebar of {ids['wiki_pages']} pages": dict(url=f"{base}/web/pages/{combined}", keystrokes=True),
                }
                for name, case in cases.items():
                    chromium[name] = browser_loads(browser, state, case.pop("url"), args.loads, **case)
                    print(f"{name}: {json.dumps(chromium[name])}", flush=True)
            finally:
                browser.close()
        results["load_after"] = os.getloadavg()
    finally:
        if server is not None:
            server.stop()
        if site.cluster is not None:
            site.cluster.destroy()
        shutil.rmtree(site.root, ignore_errors=True)

    out = ROOT / "benchmarks" / "results" / f"editor-{datetime.now():%Y%m%d_%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print_report(results)
    print(f"\nwritten to {out.relative_to(ROOT)}")


def print_report(results: dict) -> None:
    print(f"\n{results['date']} · {results['machine']} · {results['database']} · {results.get('browser', '')} · "
          f"load average before {' '.join(f'{x:.2f}' for x in results['load_before'])}, after "
          f"{' '.join(f'{x:.2f}' for x in results.get('load_after', ()))}")
    print("\n| request | server ms (median) | min–max | round trip ms (median) | response bytes |\n|---|---|---|---|---|")
    for name, row in results["http"].items():
        server = row["server_ms"]
        print(f"| {name} | {server['median']} | {server['min']}–{server['max']} | {row['wall_ms']['median']} | {row['bytes']:,} |")
    print("\n| Chromium, cold load (median ms since navigation start) | HTML received | editor mounted | sidebar rendered "
          "| interactive | longest task | keystroke | heap after GC MB | DOM nodes |\n|---|---|---|---|---|---|---|---|---|")
    for name, row in results["chromium"].items():
        def cell(key, digits=0):
            return f"{row[key]['median']:.{digits}f}" if key in row else "–"
        print(f"| {name} | {cell('responseEnd')} | {cell('editor')} | {cell('tree')} | {cell('interactive')} | {cell('longestTask')} "
              f"| {cell('keystroke_ms', 1)} | {cell('heap_after_gc_mb', 1)} | {cell('dom_nodes')} |")


if __name__ == "__main__":
    main()
