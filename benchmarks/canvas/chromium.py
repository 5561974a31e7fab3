"""Benchmark: a canvas in Chromium — interactive time with 5,000 elements, frames per second while panning 1,000.

    .venv/bin/python benchmarks/canvas/chromium.py [--elements 5000] [--pan-elements 1000] [--loads 5] [--frames 180]

On a fresh SQLite site (``workos module install ipai_workos_canvas``, one user) served by ``workos serve`` on
loopback, two canvases are seeded through ``POST /api/v1/canvases/{id}/elements`` in writes of 2,000 (the
element mix of ``run.py``: rectangles, ellipses, bound arrows, texts). Debian's Chromium (Playwright) then:

1. interactive: ``--loads`` cold loads of the 5,000-element canvas page (a new browser context each), timed with
   ``performance.now()`` (from the navigation's start) to the frame after the island assigned
   ``window.workosCanvas`` — Excalidraw has restored the scene and drawn it, and input is handled;
2. pan: on the 1,000-element canvas, zoomed to show them all, the scene is scrolled a few pixels in every
   animation frame for ``--frames`` frames (``updateScene`` with new ``scrollX``/``scrollY``, which is what a
   wheel or drag pan does), and the frame times (rAF timestamps) give frames per second: the mean over the whole
   pan and the 5th percentile of per-frame fps (the slow frames).

Headless Chromium draws with SwiftShader (software GL) here: figures are for this machine, not a user's GPU.
Results go to ``benchmarks/results/canvas-chromium-<time>.json`` with the load average before and after. It
asserts nothing: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

PASSWORD = "bench-password-2000"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic"]

INIT_SCRIPT = """
(() => {
  let value;
  window.__bench = {};
  Object.defineProperty(window, "workosCanvas", {
    configurable: true,
    get() { return value; },
    set(v) {
      value = v;
      window.__bench.mounted = performance.now();
      requestAnimationFrame(() => setTimeout(() => { window.__bench.interactive = performance.now(); }, 0));
    },
  });
})();
"""

PAN = """
async (frames) => {
  const excalidraw = window.workosCanvas.excalidraw;
  excalidraw.scrollToContent(undefined, { fitToContent: true });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const start = excalidraw.getAppState();
  const stamps = [];
  await new Promise((resolve) => {
    let frame = 0;
    const step = (now) => {
      stamps.push(now);
      if (frame++ >= frames) return resolve();
      excalidraw.updateScene({ appState: { scrollX: start.scrollX + frame * 4, scrollY: start.scrollY + frame * 2 } });
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  return { elapsed: stamps[stamps.length - 1] - stamps[0], intervals };
}
"""


def seed(api: httpx.Client, space_id: int, title: str, count: int) -> int:
    from run import scene

    canvas = api.post("/api/v1/canvases", json={"space_id": space_id, "title": title}).json()
    elements = scene(count, [])
    for start in range(0, len(elements), 2000):
        answer = api.post(f"/api/v1/canvases/{canvas['id']}/elements", json={"elements": elements[start:start + 2000]})
        answer.raise_for_status()
    return canvas["id"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    from workos.testing.fixtures import Site, start_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--elements", type=int, default=5000)
    parser.add_argument("--pan-elements", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--frames", type=int, default=180)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="workos-bench-canvas-chromium-"))
    site = Site(root=root, database_url=f"sqlite:///{root / 'var' / 'workos.sqlite3'}", database_kind="sqlite")
    site.write_config()
    site.workos("module", "install", "ipai_workos_canvas", check=True, timeout=900)
    site.workos("user", "create", "bench", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    server = start_server(site)
    try:
        token = httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "bench", "password": PASSWORD}).json()["token"]
        api = httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer " + token}, timeout=120)
        workspace = api.post("/api/v1/workspaces", json={"name": "Bench"}).json()
        space_id = api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()["id"]
        big = seed(api, space_id, "Big canvas", args.elements)
        panned = seed(api, space_id, "Pan canvas", args.pan_elements)
        load_before = os.getloadavg()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            loads = []
            for _ in range(args.loads):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.add_init_script(INIT_SCRIPT)
                page.goto(server.base_url + "/web/login")
                page.fill("#login", "bench")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(server.base_url + "/web")
                page.goto(f"{server.base_url}/web/canvases/{big}")
                page.wait_for_function("() => window.__bench && window.__bench.interactive", timeout=120_000)
                marks = page.evaluate("() => ({...window.__bench, elements: window.workosCanvas.excalidraw.getSceneElements().length})")
                loads.append(marks)
                context.close()
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(server.base_url + "/web/login")
            page.fill("#login", "bench")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(server.base_url + "/web")
            page.goto(f"{server.base_url}/web/canvases/{panned}")
            page.wait_for_function("() => !!window.workosCanvas", timeout=120_000)
            pans = [page.evaluate(PAN, args.frames) for _ in range(3)]
            browser.close()
        load_after = os.getloadavg()
    finally:
        server.stop()

    interactive = [round(mark["interactive"]) for mark in loads]
    pan_report = []
    for pan in pans:
        per_frame = sorted(1000 / interval for interval in pan["intervals"] if interval > 0)
        pan_report.append({"mean_fps": round(len(pan["intervals"]) * 1000 / pan["elapsed"], 1),
                           "p5_fps": round(per_frame[max(0, len(per_frame) // 20 - 1)], 1), "frames": len(pan["intervals"])})
    report = {
        "elements": args.elements, "pan_elements": args.pan_elements, "loads": args.loads,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after},
        "interactive_ms": {"median": statistics.median(interactive), "min": min(interactive), "max": max(interactive), "all": interactive},
        "elements_drawn": loads[0]["elements"], "pan": pan_report,
    }
    print(json.dumps(report, indent=2))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"canvas-chromium-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
