"""Element types of the canvas: the extension point of this module (one entry per Excalidraw element ``type``).

An entry's ``validate(element, where)`` checks the fields of its type and returns the element normalised
(text cleaned); ``text(element)`` is what search indexes. The fields every element has are checked once in
``check_element`` before the type's own check. A refusal is a ``BadElement`` (400) that names the element by
its position in the request and its id, so the client knows which one to fix; nothing of the request is written.

What an element may point at is checked by the services, not here (it needs the user): an image's
``fileId`` is ``attachment-<id>`` of an attachment the writer can read; a card (an ``embeddable`` with
``customData.workos``) names a page or database the writer can read.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata

from workos.kernel.errors import ServiceError
from workos.kernel.registry import Registry

ELEMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
ORDER_KEY = re.compile(r"^[A-Za-z0-9]{0,64}$")
COLOR = re.compile(r"^(transparent|#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,32}|(rgb|rgba|hsl|hsla)\([0-9., %]{1,40}\))$")
ATTACHMENT_FILE_ID = re.compile(r"^attachment-(\d{1,18})$")
CARD_LINK = re.compile(r"^/web/(pages|databases)/(\d{1,18})$")

MAX_COORDINATE = 1_000_000.0
MAX_SIZE = 100_000.0
MAX_TEXT = 10_000
MAX_POINTS = 10_000
MAX_ELEMENT_BYTES = 256 * 1024
MAX_CUSTOM_DATA_BYTES = 4096
MAX_GROUPS = 32
MAX_BOUND = 256
MAX_VERSION = 2**31 - 1
NONCE_RANGE = (-(2**53), 2**53)
CARD_KINDS = ("page", "database")


class BadElement(ServiceError):
    status, code = 400, "invalid_element"


class Where:
    """Names the element being checked in messages: its position in the request and its id."""

    def __init__(self, index: int, element_id: str | None):
        self.index, self.element_id = index, element_id

    def fail(self, message: str, key: str | None = None):
        label = f"element {self.element_id!r}" if self.element_id else f"element {self.index}"
        field = f"elements[{self.index}]" + (f".{key}" if key else "")
        raise BadElement(f"{label}: {message}", field=field, details={"element_id": self.element_id, "index": self.index})


def clean_text(value: str) -> str:
    """Text as the canvas keeps it: NFC, no control characters but newlines and tabs, no bidirectional overrides
    (which make a text read differently from how it is stored)."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(char for char in value if (char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cf")) or char in "\u200d")


def _number(element: dict, key: str, where: Where, *, low: float, high: float, required: bool = True, default=0):
    value = element.get(key, None)
    if value is None:
        if required:
            where.fail(f"{key} is required", key)
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        where.fail(f"{key} must be a finite number", key)
    if not low <= value <= high:
        where.fail(f"{key} must be from {low:g} to {high:g}", key)
    return value


def _string(element: dict, key: str, where: Where, *, limit: int, pattern: re.Pattern | None = None, nullable: bool = True):
    value = element.get(key)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or len(value) > limit:
        where.fail(f"{key} must be text of at most {limit} characters", key)
    if pattern is not None and not pattern.match(value):
        where.fail(f"{key} is not valid", key)
    return value


def _points(element: dict, where: Where, limit: int) -> None:
    points = element.get("points")
    if not isinstance(points, list) or len(points) > limit:
        where.fail(f"points must be a list of at most {limit} [x, y] pairs", "points")
    for index, point in enumerate(points):
        if (not isinstance(point, list) or len(point) != 2
                or any(isinstance(n, bool) or not isinstance(n, (int, float)) or not math.isfinite(n) or abs(n) > MAX_SIZE for n in point)):
            where.fail(f"points[{index}] must be [x, y] with finite numbers of at most {MAX_SIZE:g}", f"points[{index}]")


def _binding(element: dict, key: str, where: Where) -> None:
    binding = element.get(key)
    if binding is None:
        return
    if not isinstance(binding, dict) or not isinstance(binding.get("elementId"), str) or not ELEMENT_ID.match(binding["elementId"]):
        where.fail(f"{key} must be null or {{elementId, focus, gap}}", key)
    for number in ("focus", "gap"):
        if number in binding:
            _number(binding, number, where, low=-MAX_SIZE, high=MAX_SIZE)


def check_element(element, index: int) -> tuple[dict, Where]:
    """The checks every element gets, whatever its type. Returns the element and how to name it."""
    if not isinstance(element, dict):
        raise BadElement(f"element {index}: an element is a JSON object", field=f"elements[{index}]", details={"index": index})
    raw_id = element.get("id")
    where = Where(index, raw_id if isinstance(raw_id, str) and ELEMENT_ID.match(raw_id) else None)
    if where.element_id is None:
        where.fail("id must be 1 to 64 letters, digits, '_' or '-'", "id")
    if len(json.dumps(element, separators=(",", ":"))) > MAX_ELEMENT_BYTES:
        where.fail(f"an element is at most {MAX_ELEMENT_BYTES // 1024} KB of JSON")
    kind = element.get("type")
    if not isinstance(kind, str) or kind not in ELEMENT_TYPES:
        where.fail(f"type {kind!r} is not an element type; known: {', '.join(ELEMENT_TYPES)}", "type")
    version = element.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
        where.fail("version must be a whole number from 1", "version")
    nonce = element.get("versionNonce", 0)
    if isinstance(nonce, bool) or not isinstance(nonce, int) or not NONCE_RANGE[0] <= nonce <= NONCE_RANGE[1]:
        where.fail("versionNonce must be a whole number", "versionNonce")
    if not isinstance(element.get("isDeleted", False), bool):
        where.fail("isDeleted must be true or false", "isDeleted")
    _number(element, "x", where, low=-MAX_COORDINATE, high=MAX_COORDINATE)
    _number(element, "y", where, low=-MAX_COORDINATE, high=MAX_COORDINATE)
    _number(element, "width", where, low=0, high=MAX_SIZE)
    _number(element, "height", where, low=0, high=MAX_SIZE)
    _number(element, "angle", where, low=-10, high=10, required=False)
    _number(element, "opacity", where, low=0, high=100, required=False)
    _number(element, "strokeWidth", where, low=0, high=1000, required=False)
    _number(element, "roughness", where, low=0, high=10, required=False)
    for key in ("strokeColor", "backgroundColor"):
        _string(element, key, where, limit=64, pattern=COLOR)
    _string(element, "index", where, limit=64, pattern=ORDER_KEY)
    _string(element, "frameId", where, limit=64, pattern=ELEMENT_ID)
    groups = element.get("groupIds", [])
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS or not all(isinstance(g, str) and ELEMENT_ID.match(g) for g in groups):
        where.fail(f"groupIds must be a list of at most {MAX_GROUPS} ids", "groupIds")
    bound = element.get("boundElements")
    if bound is not None and (not isinstance(bound, list) or len(bound) > MAX_BOUND or not all(
            isinstance(b, dict) and isinstance(b.get("id"), str) and ELEMENT_ID.match(b["id"]) and b.get("type") in ("arrow", "text")
            for b in bound)):
        where.fail("boundElements must be null or a list of {id, type: arrow|text}", "boundElements")
    link = element.get("link")
    if link is not None:
        if not isinstance(link, str) or len(link) > 2048 or any(ord(c) <= 32 for c in link) or not (
                link.startswith(("https://", "http://")) or (link.startswith("/") and not link.startswith("//"))):
            where.fail("link must be null, an http(s) address or a path on this site", "link")
    custom = element.get("customData")
    if custom is not None and (not isinstance(custom, dict) or len(json.dumps(custom)) > MAX_CUSTOM_DATA_BYTES):
        where.fail(f"customData must be an object of at most {MAX_CUSTOM_DATA_BYTES} bytes", "customData")
    return element, where


class ElementType:
    """An Excalidraw element type. Subclasses check their own fields."""

    type = ""

    def validate(self, element: dict, where: Where) -> dict:
        return element

    def text(self, element: dict) -> str:
        return ""

    def card(self, element: dict) -> tuple[str, int] | None:
        """(``page`` | ``database``, id) when the element is a card of that object."""
        return None

    def attachment(self, element: dict) -> int | None:
        return None


class Shape(ElementType):
    def __init__(self, type_name: str):
        self.type = type_name


class Linear(ElementType):
    """Arrows and lines; an arrow's ends may bind to shapes (connectors follow them when they move)."""

    def __init__(self, type_name: str):
        self.type = type_name

    def validate(self, element, where):
        _points(element, where, 1000)
        _binding(element, "startBinding", where)
        _binding(element, "endBinding", where)
        for key in ("startArrowhead", "endArrowhead"):
            _string(element, key, where, limit=32, pattern=re.compile(r"^[a-z_]{1,32}$"))
        return element


class Freedraw(ElementType):
    type = "freedraw"

    def validate(self, element, where):
        _points(element, where, MAX_POINTS)
        pressures = element.get("pressures", [])
        if not isinstance(pressures, list) or len(pressures) > MAX_POINTS:
            where.fail("pressures must be a list as long as points", "pressures")
        return element


class Text(ElementType):
    type = "text"

    def validate(self, element, where):
        for key in ("text", "originalText"):
            value = element.get(key, "" if key == "originalText" else None)
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                where.fail(f"{key} must be text of at most {MAX_TEXT} characters", key)
            element[key] = clean_text(value)
        _number(element, "fontSize", where, low=1, high=1000, required=False)
        _number(element, "fontFamily", where, low=0, high=100, required=False)
        _string(element, "containerId", where, limit=64, pattern=ELEMENT_ID)
        for key in ("textAlign", "verticalAlign"):
            _string(element, key, where, limit=16, pattern=re.compile(r"^[a-z]{1,16}$"))
        return element

    def text(self, element):
        return element.get("text") or ""


class Image(ElementType):
    type = "image"

    def validate(self, element, where):
        file_id = element.get("fileId")
        if file_id is not None and (not isinstance(file_id, str) or not ATTACHMENT_FILE_ID.match(file_id)):
            where.fail("fileId must be attachment-<id> of a file uploaded through the attachments API", "fileId")
        if element.get("status") not in (None, "pending", "saved", "error"):
            where.fail("status must be pending, saved or error", "status")
        return element

    def attachment(self, element):
        file_id = element.get("fileId")
        return int(ATTACHMENT_FILE_ID.match(file_id).group(1)) if isinstance(file_id, str) and ATTACHMENT_FILE_ID.match(file_id) else None


class Frame(ElementType):
    type = "frame"

    def validate(self, element, where):
        name = element.get("name")
        if name is not None:
            if not isinstance(name, str) or len(name) > 512:
                where.fail("name must be text of at most 512 characters", "name")
            element["name"] = clean_text(name).replace("\n", " ")
        return element

    def text(self, element):
        return element.get("name") or ""


class Embeddable(ElementType):
    """WorkOS cards: an Excalidraw ``embeddable`` whose ``customData.workos`` is {"card": "page"|"database", "id"}
    and whose ``link`` is that object's address. Other embeds (web pages in iframes) are refused: the canvas
    shows nothing from outside this site."""

    type = "embeddable"

    def validate(self, element, where):
        custom = element.get("customData") or {}
        card = custom.get("workos") if isinstance(custom, dict) else None
        if (not isinstance(card, dict) or card.get("card") not in CARD_KINDS or isinstance(card.get("id"), bool)
                or not isinstance(card.get("id"), int) or card["id"] < 1):
            where.fail("an embeddable is a WorkOS card: customData.workos = {card: page|database, id}", "customData.workos")
        element["customData"] = {**custom, "workos": {"card": card["card"], "id": card["id"]}}  # nothing a viewer could be shown
        element["link"] = f"/web/{card['card']}s/{card['id']}"
        return element

    def card(self, element):
        card = element["customData"]["workos"]
        return card["card"], card["id"]


ELEMENT_TYPES: Registry[ElementType] = Registry("canvas element type")


def register_core_types() -> None:
    for entry in (Shape("rectangle"), Shape("ellipse"), Shape("diamond"), Linear("arrow"), Linear("line"), Freedraw(), Text(), Image(),
                  Frame(), Embeddable()):
        ELEMENT_TYPES.register(entry.type, entry)


def validate_element(element, index: int) -> dict:
    """The element checked and normalised, or ``BadElement`` naming it."""
    element, where = check_element(element, index)
    element = dict(element)
    return ELEMENT_TYPES.get(element["type"]).validate(element, where)
