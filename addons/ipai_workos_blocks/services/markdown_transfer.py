"""Markdown export: a page, or a zip with its sub-pages and files (the import is in ``imports``)."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page

from ..models import Attachment
from ..registry import BLOCK_TYPES
from .mentions import live_mentions
from .reads import document


def _with_attachment_paths(trees: list[dict], paths: dict[int, str]) -> list[dict]:
    out = []
    for tree in trees:
        content = tree["content"]
        attachment_id = content.get("attachment_id") if isinstance(content, dict) else None
        if attachment_id in paths:
            content = {**content, "url": paths[attachment_id]}
        out.append({**tree, "content": content, "children": _with_attachment_paths(tree.get("children") or [], paths)})
    return out


def export_page(user, page: Page, subpages: bool = False) -> tuple[str, str, bytes]:
    """(file name, content type, bytes): the page as Markdown, or with ``subpages`` a zip of folders holding
    its sub-pages (those ``user`` may view) and the attachments its blocks use."""
    from .. import transfer

    permissions.require(user, "read", page)
    if not subpages:
        text = transfer.page_markdown(page.title, live_mentions(user, document(page)))
        return transfer.safe_file_name(page.title) + ".md", "text/markdown; charset=utf-8", text.encode()
    files: list[tuple[str, bytes]] = []

    def add(current: Page, folder: str, used: set[str], depth: int) -> None:
        name = transfer.unique_name(transfer.safe_file_name(current.title), used)
        base = f"{folder}{name}"
        trees = live_mentions(user, document(current))
        inner_used: set[str] = set()
        paths: dict[int, str] = {}
        wanted = set()

        def collect(nodes):
            for node in nodes:
                if node["type"] in BLOCK_TYPES:
                    wanted.update(BLOCK_TYPES.get(node["type"]).attachment_ids(node["content"]))
                collect(node["children"])

        collect(trees)
        for attachment in Attachment.objects.filter(pk__in=wanted, page=current).order_by("pk"):
            file_name = transfer.unique_name(attachment.name, inner_used)
            with attachment.file.open("rb") as handle:
                files.append((f"{base}/{file_name}", handle.read()))
            paths[attachment.pk] = transfer.relative_url(f"{name}/{file_name}")
        files.append((f"{base}.md", transfer.page_markdown(current.title, _with_attachment_paths(trees, paths)).encode()))
        if depth < 64:
            for child in core.pages_for(user, parent_id=current.pk).order_by("rank", "id"):
                add(child, f"{base}/", inner_used, depth + 1)

    add(page, "", set(), 0)
    return transfer.safe_file_name(page.title) + ".zip", "application/zip", transfer.zip_bytes(files)
