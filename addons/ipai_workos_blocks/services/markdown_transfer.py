"""Markdown export (a page, or a zip with its sub-pages and files) and import."""

from __future__ import annotations

import posixpath

from django.db import transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_core.registry import CONTENT_CHANGED, notify_pages
from workos.kernel.errors import InvalidInput
from workos.kernel.errors import TooLarge as TooLargeError

from .. import richtext
from ..models import Attachment
from ..registry import BLOCK_TYPES, attachment_url
from .attachments import check_file, _store_attachment
from .mentions import live_mentions
from .reads import document
from .writes import _replace


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


@transaction.atomic
def import_file(actor, space, name: str, data: bytes, parent: Page | None = None) -> dict:
    """Create pages in ``space`` (under ``parent`` if given) from a Markdown file or a zip of Markdown files
    with attachments (e.g. Notion's "Markdown & CSV" export): the page tree, block types, images and files,
    links between the imported pages as page mentions. All or nothing; one audit event besides each page's."""
    from .. import markdown, transfer

    if parent is not None:
        permissions.require(actor, "create", parent)
    else:
        permissions.require(actor, "create", space)
    files = transfer.read_upload(name, data)
    plan = transfer.plan_pages(files)
    if not plan:
        raise InvalidInput("the upload holds no Markdown (.md) file", field="file")
    created: dict[str, Page] = {}
    for planned in plan:
        page_parent = created[planned.parent] if planned.parent else parent
        created[planned.folder] = core.create_page(actor, space=None if page_parent else space, parent=page_parent, title=planned.title)
    page_by_markdown = {planned.markdown_path: created[planned.folder] for planned in plan if planned.markdown_path}
    folders = {planned.folder for planned in plan}
    totals = {"pages": len(plan), "blocks": 0, "attachments": 0}
    skipped: list[str] = []
    items = []
    for planned in plan:
        page = created[planned.folder]
        base = posixpath.dirname(planned.markdown_path or planned.folder + "/x")
        stored: dict[str, tuple[int, str]] = {}
        used: set[str] = set()

        def store(path: str) -> tuple[int, str] | None:
            if path in stored:
                return stored[path]
            try:
                clean_name, content_type = check_file(path.rsplit("/", 1)[-1], files[path])
            except (InvalidInput, TooLargeError):
                skipped.append(path)
                return None
            attachment = _store_attachment(actor, page, clean_name, content_type, files[path])
            stored[path] = (attachment.pk, attachment_url(attachment.pk))
            used.add(path)
            totals["attachments"] += 1
            return stored[path]

        def resolve_link(href, spans, base=base):
            target = transfer.local_target(base, href)
            if target is None:
                return None
            if target in page_by_markdown:
                linked = page_by_markdown[target]
                return [{"mention": {"kind": "page", "id": linked.pk}, "text": richtext.plain_text(spans) or linked.title}]
            return [{key: value for key, value in span.items() if key != "href"} for span in spans]

        def resolve_media(href, kind, base=base):
            target = transfer.local_target(base, href)
            if target is None or target not in files or target in page_by_markdown:
                return None
            return store(target)

        def is_local_file(href, base=base):
            target = transfer.local_target(base, href)
            return target is not None and target in files and target not in page_by_markdown

        trees = []
        try:
            if planned.markdown_path:
                text = transfer.nfc(transfer.decode_text(files[planned.markdown_path]))
                trees = markdown.from_markdown(text, resolve_link=resolve_link, resolve_media=resolve_media, is_local_file=is_local_file)
                if trees and trees[0]["type"] == "heading_1":
                    # the first heading is the page's title, as Notion and the exporter write it
                    title = transfer.clean_title(richtext.plain_text(trees[0]["content"]["text"]))
                    trees = trees[1:]
                    if title and title != page.title:
                        page = core.update_page(actor, page, title=title)
            # files in the page's folder that no block used are kept as file blocks at the end
            for path in sorted(files):
                if posixpath.dirname(path) == planned.folder and path not in used and not path.lower().endswith(transfer.MARKDOWN_EXTENSIONS) \
                        and path.rsplit("/", 1)[-1].lower() not in transfer.SKIPPED_NAMES and path.rsplit(".", 1)[0] not in folders:
                    result = store(path)
                    if result is not None:
                        trees.append({"type": "file", "content": {"attachment_id": result[0], "url": result[1], "name": path.rsplit("/", 1)[-1]}, "children": []})
            counts = _replace(actor, page, trees)
        except InvalidInput as error:
            error.message = f"{planned.markdown_path or planned.folder}: {error.message}"
            raise
        totals["blocks"] += counts["created"]
        items.append({"id": page.pk, "title": page.title, "parent_id": page.parent_id, "blocks": counts["created"]})
    target = parent or space
    record_event(actor=actor, action="blocks.import", target=target, changes={**totals, "file": name[:255], "skipped": skipped[:50]})
    notify_pages(CONTENT_CHANGED, [item["id"] for item in items], actor)
    return {"items": items, **totals}
