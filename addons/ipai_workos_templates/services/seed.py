"""System templates as module data files declare them (kernel ``RECORD_VALIDATORS``): the same checks as a
template saved through the services, when the data file loads at install and upgrade."""

from __future__ import annotations

from workos.kernel.errors import InvalidInput

from ..models import Template
from .content import NAME_MAX, validate_content

SEED_FIELDS = ("name", "description", "kind", "category", "icon", "cover_url", "content")


def validate_seed(values: dict) -> dict:
    unknown = set(values) - set(SEED_FIELDS)
    if unknown:
        raise InvalidInput(f"a system template takes {', '.join(SEED_FIELDS)}", field=sorted(unknown)[0])
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > NAME_MAX:
        raise InvalidInput(f"name must be 1 to {NAME_MAX} characters", field="name")
    kind = values.get("kind", Template.Kind.PAGE)
    if kind not in (Template.Kind.PAGE, Template.Kind.DATABASE):
        raise InvalidInput("a system template is a page or a database template", field="kind")
    return {**values, "name": name.strip(), "kind": kind, "content": validate_content(kind, values.get("content", {}))}
