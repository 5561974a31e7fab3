"""Benchmark: a canvas of 5,000 elements — server load, and moving one element.

    .venv/bin/python benchmarks/canvas/run.py [--database postgresql|sqlite] [--elements 5000] [--cards 20] [--repeat 9]

On a throwaway PostgreSQL cluster (or a temporary SQLite file), with the whole suite installed, a user makes a
canvas and saves N elements through the canvas service in writes of 2,000 (as the island does: rectangles,
ellipses, arrows bound to them, texts, and page cards of readable and unreadable pages). Then it measures:

1. ``elements_of`` — the service call the canvas page and ``GET .../elements`` make (elements + cards);
2. ``GET /api/v1/canvases/{id}/elements`` over Django's test client (routing, auth, the service, JSON);
3. the canvas page ``/web/canvases/{id}`` (the scene embedded in the HTML, the sidebar tree);
4. moving one element: ``upsert_elements`` with that element at the next version — and how many element rows
   that write changed (it must be one).

Results go to ``benchmarks/results/canvas-<database>-<time>.json``; the load average is printed before and after.
"""

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
sys.path.insert(0, str(ROOT / "addons"))


def main() -> None:
    from workos.testing.bench import on_fresh_site

    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--elements", type=int, default=5000)
    parser.add_argument("--cards", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    on_fresh_site(args.database, lambda: run(args), prefix="workos-bench-canvas-")


def timed(function, repeat: int) -> dict:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1), "max_ms": round(max(times), 1), "result": result}


def scene(count: int, card_pages: list[int]) -> list[dict]:
    sys.path.insert(0, str(ROOT / "addons" / "ipai_workos_canvas" / "tests"))
    from elements import arrow, card, shape, text  # the tests' element builders: what the island sends

    elements, shapes = [], []
    for index in range(count - len(card_pages)):
        column, row = index % 100, index // 100
        x, y = column * 160, row * 120
        kind = index % 4
        if kind == 0 or len(shapes) < 2:
            shapes.append(shape(f"s{index}", x=x, y=y, index=f"a{index:06d}"))
            elements.append(shapes[-1])
        elif kind == 1:
            shapes.append(shape(f"s{index}", type="ellipse", x=x, y=y, index=f"a{index:06d}"))
            elements.append(shapes[-1])
        elif kind == 2:
            elements.append(arrow(f"c{index}", shapes[-2]["id"], shapes[-1]["id"], x=x, y=y, index=f"a{index:06d}"))
        else:
            elements.append(text(f"t{index}", f"Note {index} about the launch", x=x, y=y, index=f"a{index:06d}"))
    for number, page_id in enumerate(card_pages):
        elements.append(card(f"card{number}", "page", page_id, x=number * 340, y=-300, index=f"b{number:06d}"))
    return elements


def run(args) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ipai_platform_permissions import services as permissions
    from ipai_workos_blocks import services as blocks
    from ipai_workos_canvas import services
    from ipai_workos_canvas.models import CanvasElement
    from ipai_workos_core import services as core

    load_before = os.getloadavg()
    users = get_user_model()
    admin = users.objects.create_user("bench-admin", password="x")
    viewer = users.objects.create_user("bench-viewer", password="x")
    workspace = core.create_workspace(admin, "Bench")
    core.add_member(admin, workspace, viewer.pk, "member")
    space = core.create_space(admin, workspace, "Team")
    private = core.create_space(admin, workspace, "Private", visibility="private")
    card_pages = []
    for number in range(args.cards):
        page = core.create_page(admin, space=space if number % 2 == 0 else private, title=f"Carded page {number}")
        blocks.replace_document(admin, page, [{"type": "paragraph", "content": {"text": [{"text": f"First line of page {number}"}]}}],
                                base_version=blocks.document_version(page))
        card_pages.append(page.pk)
    canvas = services.create_canvas(admin, space=space, title="Big canvas")
    elements = scene(args.elements, card_pages)
    started = time.perf_counter()
    for start in range(0, len(elements), services.MAX_ELEMENTS_PER_WRITE):
        services.upsert_elements(admin, canvas, elements[start:start + services.MAX_ELEMENTS_PER_WRITE])
    seeded_ms = (time.perf_counter() - started) * 1000
    assert permissions.can(viewer, "read", canvas.page)

    load = timed(lambda: len(services.scene_json(viewer, canvas)), args.repeat)
    decoded = timed(lambda: len(services.elements_of(viewer, canvas)["elements"]), args.repeat)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        moved_element = {**elements[1], "x": 5, "version": 50}
        profile.runcall(services.upsert_elements, admin, canvas, [moved_element])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    client = Client()
    client.force_login(viewer)

    def api_get():
        answer = client.get(f"/api/v1/canvases/{canvas.pk}/elements")
        assert answer.status_code == 200
        return len(answer.content)

    def web_get():
        answer = client.get(f"/web/canvases/{canvas.pk}")
        assert answer.status_code == 200
        return len(answer.content)

    api = timed(api_get, args.repeat)
    web = timed(web_get, args.repeat)
    moving = {"element": dict(elements[0])}

    def move():
        element = moving["element"] = {**moving["element"], "x": moving["element"]["x"] + 10, "version": moving["element"]["version"] + 1}
        result = services.upsert_elements(admin, canvas, [element])
        return CanvasElement.objects.filter(canvas=canvas, sequence=result["sequence"]).count()

    moved = timed(move, args.repeat)
    load_after = os.getloadavg()
    report = {
        "database": args.database, "elements": args.elements, "cards": args.cards, "repeat": args.repeat,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after},
        "seed_ms": round(seeded_ms), "service_load": load, "service_load_decoded": decoded, "api_get": api, "web_page": web, "move_one": moved,
    }
    print(json.dumps(report, indent=2))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"canvas-{args.database}-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
