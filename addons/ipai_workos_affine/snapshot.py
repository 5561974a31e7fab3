"""Rendering a publication's snapshot: a page's block trees to sanitised HTML in which images and files point at
the publication's own copies and page mentions at the published pages (or say "No access" — a public reader is
never told the title of a page that is not published)."""

from __future__ import annotations

import secrets

from ipai_workos_blocks import rendering
from ipai_workos_blocks.models import Attachment
from ipai_workos_blocks.registry import ATTACHMENT_URL, BLOCK_TYPES
from ipai_workos_blocks.services.mentions import NO_ACCESS

from .models import PublishedAsset


def _mention_target(value) -> int | None:
    if isinstance(value, dict) and isinstance(value.get("mention"), dict) and value["mention"].get("kind") == "page":
        target = value["mention"].get("id")
        return target if isinstance(target, int) and not isinstance(target, bool) else None
    return None


def public_mentions(value, titles: dict[int, str]):
    """A copy of ``value`` whose page mentions read the published title, or "No access"."""
    target = _mention_target(value)
    if target is not None:
        return {**value, "text": titles.get(target, NO_ACCESS)}
    if isinstance(value, dict):
        return {key: public_mentions(item, titles) for key, item in value.items()}
    if isinstance(value, list):
        return [public_mentions(item, titles) for item in value]
    return value


def attachment_ids(trees: list[dict]) -> set[int]:
    found: set[int] = set()

    def walk(nodes):
        for node in nodes:
            if not isinstance(node, dict):
                continue
            kind = BLOCK_TYPES.get(node["type"]) if node.get("type") in BLOCK_TYPES else None
            if kind is not None:
                found.update(i for i in kind.attachment_ids(node.get("content") or {}) if isinstance(i, int))
                url = (node.get("content") or {}).get("url")
                match = ATTACHMENT_URL.match(url) if isinstance(url, str) else None
                if match:
                    found.add(int(match.group(1)))
            walk(node.get("children") or [])

    walk(trees)
    return found


def copy_assets(publication, page_ids: set[int], wanted: set[int], asset_url) -> dict[int, str]:
    """Copy the attachments the snapshot shows (those of the published pages only) into the publication; returns
    attachment id -> public URL."""
    urls = {}
    for attachment in Attachment.objects.filter(pk__in=wanted, page_id__in=page_ids):
        try:
            with attachment.file.open("rb") as handle:
                data = handle.read()
        except OSError:
            continue  # a file missing from storage is left out of the snapshot, not a failed publish
        key = secrets.token_hex(12)
        PublishedAsset.objects.create(publication=publication, key=key, name=attachment.name[:255],
                                      content_type=attachment.content_type or "application/octet-stream", data=data)
        urls[attachment.pk] = asset_url(key)
    return urls


def render(trees: list[dict], titles: dict[int, str], page_urls: dict[int, str], asset_urls: dict[int, str]) -> str:
    """Sanitised HTML of a published page's body."""
    html = rendering.to_html(public_mentions(trees, titles))
    for attachment_id in attachment_ids(trees):
        html = html.replace(f'"/api/v1/attachments/{attachment_id}/content"', f'"{asset_urls.get(attachment_id, "")}"')
    for page_id, url in page_urls.items():
        html = html.replace(f'href="/web/pages/{page_id}"', f'href="{url}"')
    return html
