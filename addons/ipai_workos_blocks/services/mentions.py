"""What a page mention shows: the mentioned page's live title, to a viewer who can read that page, else "No access".

A mention is stored as ``{"mention": {"kind": "page", "id": …}, "text": …}`` with the title as it was typed,
which may since have been renamed, and which a reader of the mentioning page may have no right to see. So every
output of block content — the blocks API, the document the editor loads, the HTML view, the Markdown export —
passes its block trees through ``live_mentions`` with the viewer, and never shows the stored text of a page
mention.
"""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_workos_core.models import Page

NO_ACCESS = "No access"


def _page_mention(value) -> int | None:
    if isinstance(value, dict) and isinstance(value.get("mention"), dict) and value["mention"].get("kind") == "page":
        target = value["mention"].get("id")
        return target if isinstance(target, int) and not isinstance(target, bool) else None
    return None


def _collect(value, found: set[int]) -> None:
    target = _page_mention(value)
    if target is not None:
        found.add(target)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def _filled(value, titles: dict[int, str]):
    target = _page_mention(value)
    if target is not None:
        return {**value, "text": titles.get(target, NO_ACCESS)}
    if isinstance(value, dict):
        return {key: _filled(item, titles) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, titles) for item in value]
    return value


def live_mentions(viewer, trees, *, share=None):
    """A copy of ``trees`` (block JSON — a document, one block tree, a list of blocks — or any JSON holding rich
    text) whose page mentions read the mentioned page's current title where ``viewer`` (or the share link they
    came with) can read that page, and "No access" where they cannot or the page is gone. The titles come in one
    query, whatever the number of mentions; the stored trees are not changed."""
    wanted: set[int] = set()
    _collect(trees, wanted)
    if not wanted:
        return trees
    readable = permissions.visible_to(viewer, Page.objects.filter(pk__in=wanted), share=share)
    titles = {pk: title or "Untitled" for pk, title in readable.values_list("pk", "title")}
    return _filled(trees, titles)
