"""Templates: for now only the validation of their content, which the system templates' seed data passes at
install (templates themselves, with apply and a gallery, are planned: issue 15).

A template's content is ``{"blocks": [{"type", "content", "children"?}, ...]}``, each block checked by the
blocks module's registry exactly as a block written through its services would be.
"""

from __future__ import annotations

from ipai_workos_blocks.registry import block_type
from ipai_workos_blocks.services import validate_content as validate_block_content
from workos.kernel.errors import InvalidInput

from .models import Template

SEED_FIELDS = ("name", "description", "kind", "icon", "content")
QUERIES = ("validate_content", "validate_seed")  # checks only: no write here yet


def _blocks(value, field: str) -> list[dict]:
    if not isinstance(value, list):
        raise InvalidInput("blocks is a list of blocks", field=field)
    cleaned = []
    for index, block in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(block, dict) or set(block) - {"type", "content", "children"}:
            raise InvalidInput("a block is {\"type\", \"content\", \"children\"}", field=where)
        type_name, content = validate_block_content(block.get("type"), block.get("content"), prefix=where)
        item = {"type": type_name, "content": content}
        children = block.get("children") or []
        if children and not block_type(type_name).accepts_children:
            raise InvalidInput(f"a {type_name} block cannot hold other blocks", field=f"{where}.children")
        if children:
            item["children"] = _blocks(children, f"{where}.children")
        cleaned.append(item)
    return cleaned


def validate_content(content, field: str = "content") -> dict:
    """The content of a template, normalised; InvalidInput naming the field otherwise."""
    if not isinstance(content, dict) or set(content) - {"blocks"}:
        raise InvalidInput("template content is {\"blocks\": [...]}", field=field)
    return {"blocks": _blocks(content.get("blocks", []), f"{field}.blocks")}


def validate_seed(values: dict) -> dict:
    """A system template as a data file declares it (kernel ``RECORD_VALIDATORS``)."""
    unknown = set(values) - set(SEED_FIELDS)
    if unknown:
        raise InvalidInput(f"a system template takes {', '.join(SEED_FIELDS)}", field=sorted(unknown)[0])
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 128:
        raise InvalidInput("name must be 1 to 128 characters", field="name")
    if values.get("kind", Template.Kind.PAGE) not in Template.Kind.values:
        raise InvalidInput(f"kind must be one of {', '.join(Template.Kind.values)}", field="kind")
    return {**values, "name": name.strip(), "content": validate_content(values.get("content", {}))}
