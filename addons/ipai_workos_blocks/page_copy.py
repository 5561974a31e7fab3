"""How a page's blocks take part in the page tree's duplicate and history: handlers registered in ``apps.ready``
into ``ipai_workos_core.registry`` (core never imports this module). Core calls them inside its own
transaction, after its permission checks."""

from __future__ import annotations

from ipai_workos_core.models import Page


def copy_blocks(actor, source: Page, copy: Page) -> None:
    """Copy the blocks of ``source`` to the new page ``copy`` (core's duplicate, inside its transaction)."""
    from .services import _copy_page_content

    _copy_page_content(actor, source, copy)


def _compact(trees: list[dict]) -> list[dict]:
    return [{"id": tree["id"], "type": tree["type"], "content": tree["content"], "children": _compact(tree.get("children") or [])}
            for tree in trees]


def snapshot_document(page: Page) -> dict:
    """The page's document for a version of the page (``{"blocks": trees}``)."""
    from .services import document

    return {"blocks": _compact(document(page))}


def restore_document(actor, page: Page, content: dict) -> None:
    """Make the page's document the one a version kept (through the blocks services: validated and audited).
    Blocks that have moved to another page since are recreated here with their ids (ids are unique per page
    only); a version without blocks (made before this module was installed) leaves the document alone."""
    from .services import document_version, replace_document

    trees = content.get("blocks")
    if not isinstance(trees, list):
        return
    # a restore is a write the user chose over whatever the page holds now: based on the present version
    replace_document(actor, page, trees, base_version=document_version(page))
