"""The canvas's part of ``workos demo load``: a "Launch plan" canvas in the Team space with shapes joined by
connector arrows, sticky notes, a frame and a card of the welcome page — made through the canvas services,
like anything a user draws — and embedded in the welcome page as a canvas block (its preview; open it to draw
together, live)."""

from __future__ import annotations

import random

from workos.kernel.demo import Demo

from ipai_workos_blocks import services as blocks

from . import services

STICKY_YELLOW = "#ffec99"
STICKY_GREEN = "#b2f2bb"


class _Scene:
    """Builds Excalidraw elements with the fields Excalidraw itself writes."""

    def __init__(self):
        self.random = random.Random(16)
        self.elements: list[dict] = []
        self.order = 0

    def _base(self, element_id: str, kind: str, x: float, y: float, width: float, height: float, **extra) -> dict:
        self.order += 1
        element = {
            "id": element_id, "type": kind, "x": x, "y": y, "width": width, "height": height, "angle": 0,
            "strokeColor": "#1e1e1e", "backgroundColor": "transparent", "fillStyle": "solid", "strokeWidth": 2, "strokeStyle": "solid",
            "roughness": 1, "opacity": 100, "groupIds": [], "frameId": None, "index": f"a{self.order:04d}",
            "roundness": {"type": 3} if kind in ("rectangle", "diamond", "ellipse") else None, "seed": self.random.randrange(2**31),
            "version": 1, "versionNonce": self.random.randrange(2**31), "isDeleted": False, "boundElements": [], "updated": 1,
            "link": None, "locked": False, **extra,
        }
        self.elements.append(element)
        return element

    def _label(self, container: dict, words: str, size: int = 20) -> dict:
        lines = words.split("\n")
        height = size * 1.25 * len(lines)
        width = max(len(line) for line in lines) * size * 0.55
        label = self._base(f"{container['id']}-text", "text", container["x"] + (container["width"] - width) / 2,
                           container["y"] + (container["height"] - height) / 2, width, height, text=words, originalText=words,
                           fontSize=size, fontFamily=5, textAlign="center", verticalAlign="middle", containerId=container["id"],
                           autoResize=True, lineHeight=1.25)
        container["boundElements"].append({"id": label["id"], "type": "text"})
        return label

    def shape(self, element_id: str, kind: str, x: float, y: float, words: str, width: float = 200, height: float = 90, **extra) -> dict:
        shape = self._base(element_id, kind, x, y, width, height, **extra)
        self._label(shape, words)
        return shape

    def sticky(self, element_id: str, x: float, y: float, words: str, color: str = STICKY_YELLOW) -> dict:
        note = self._base(element_id, "rectangle", x, y, 180, 140, backgroundColor=color, strokeColor="#e0c200" if color == STICKY_YELLOW else "#2f9e44",
                          roundness=None, customData={"sticky": True})
        self._label(note, words, size=16)
        return note

    def connect(self, element_id: str, start: dict, end: dict) -> dict:
        x1, y1 = start["x"] + start["width"], start["y"] + start["height"] / 2
        x2, y2 = end["x"], end["y"] + end["height"] / 2
        arrow = self._base(element_id, "arrow", x1 + 4, y1, abs(x2 - x1 - 8), abs(y2 - y1), points=[[0, 0], [x2 - x1 - 8, y2 - y1]],
                           startBinding={"elementId": start["id"], "focus": 0, "gap": 4}, endBinding={"elementId": end["id"], "focus": 0, "gap": 4},
                           startArrowhead=None, endArrowhead="arrow", lastCommittedPoint=None, roundness={"type": 2}, elbowed=False)
        start["boundElements"].append({"id": arrow["id"], "type": "arrow"})
        end["boundElements"].append({"id": arrow["id"], "type": "arrow"})
        return arrow

    def frame(self, element_id: str, x: float, y: float, width: float, height: float, name: str, children: list[dict]) -> dict:
        frame = self._base(element_id, "frame", x, y, width, height, name=name, roundness=None)
        frame["index"] = "a0000"  # behind what it holds
        for child in children:
            child["frameId"] = frame["id"]
        return frame

    def card(self, element_id: str, kind: str, object_id: int, x: float, y: float) -> dict:
        return self._base(element_id, "embeddable", x, y, 320, 180, link=f"/web/{kind}s/{object_id}", roughness=0, roundness=None,
                          customData={"workos": {"card": kind, "id": object_id}})


def load(demo: Demo) -> None:
    team = demo.made["spaces"]["Team"]
    canvas = services.create_canvas(demo.user, space=team, title="Launch plan", icon="🗺")
    scene = _Scene()
    idea = scene.shape("idea", "ellipse", 0, 0, "Idea")
    design = scene.shape("design", "rectangle", 320, 0, "Design")
    review = scene.shape("review", "diamond", 640, -10, "Review?", height=110)
    ship = scene.shape("ship", "rectangle", 960, 0, "Ship", backgroundColor=STICKY_GREEN)
    for start, end in ((idea, design), (design, review), (review, ship)):
        scene.connect(f"{start['id']}-{end['id']}", start, end)
    notes = [scene.sticky("note-1", 0, 220, "Talk to five\ncustomers"), scene.sticky("note-2", 220, 220, "Draft the\nannouncement"),
             scene.sticky("note-3", 440, 220, "Check the\nbudget", STICKY_GREEN)]
    scene.frame("ideas", -30, 190, 680, 200, "Open questions", notes)
    welcome = demo.made.get("welcome_page")
    if welcome is not None:
        scene.card("welcome-card", "page", welcome.pk, 960, 220)
    services.upsert_elements(demo.user, canvas, scene.elements)
    if welcome is not None:
        blocks.create_block(demo.user, welcome, type="paragraph",
                            content={"text": [{"text": "Our launch plan, on a canvas you can draw on together (open it: everyone's pointer shows):"}]})
        blocks.create_block(demo.user, welcome, type="canvas", content={"canvas_id": canvas.pk})
    demo.made["canvas"] = canvas
    demo.report["canvas"] = f"canvas Launch plan ({len(scene.elements)} elements: shapes, connectors, sticky notes, a frame, a page card)"
