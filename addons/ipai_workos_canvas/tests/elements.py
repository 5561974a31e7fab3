"""Excalidraw elements as the front end sends them, for the tests of this module (and its benchmark)."""

from __future__ import annotations

import itertools

_ids = itertools.count(1)


def shape(element_id: str | None = None, *, type: str = "rectangle", x: float = 0, y: float = 0, width: float = 100, height: float = 60,
          version: int = 1, nonce: int = 1000, **extra) -> dict:
    return {"id": element_id or f"el{next(_ids)}", "type": type, "x": x, "y": y, "width": width, "height": height, "angle": 0,
            "strokeColor": "#1e1e1e", "backgroundColor": "transparent", "fillStyle": "solid", "strokeWidth": 2, "strokeStyle": "solid",
            "roughness": 1, "opacity": 100, "groupIds": [], "frameId": None, "index": "a0", "roundness": None, "seed": 1,
            "version": version, "versionNonce": nonce, "isDeleted": False, "boundElements": None, "updated": 1, "link": None,
            "locked": False, **extra}


def text(element_id: str | None = None, value: str = "Hello", **extra) -> dict:
    return shape(element_id, type="text", text=value, originalText=value, fontSize=20, fontFamily=5, textAlign="left",
                 verticalAlign="top", containerId=None, autoResize=True, lineHeight=1.25, **extra)


def arrow(element_id: str, start: str, end: str, **extra) -> dict:
    return shape(element_id, type="arrow", points=[[0, 0], [200, 0]], startBinding={"elementId": start, "focus": 0, "gap": 4},
                 endBinding={"elementId": end, "focus": 0, "gap": 4}, startArrowhead=None, endArrowhead="arrow", **extra)


def card(element_id: str, kind: str, object_id: int, **extra) -> dict:
    return shape(element_id, type="embeddable", width=320, height=180, customData={"workos": {"card": kind, "id": object_id}}, **extra)
