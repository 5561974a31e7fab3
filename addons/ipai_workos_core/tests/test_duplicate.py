"""Duplicate: a copy right after the original, with the sub-pages the user can see and — through the page copy
registry that the blocks module fills — their blocks, files and mentions."""

from __future__ import annotations

import pytest

from ipai_workos_core import services
from ipai_workos_core.models import Page
from ipai_workos_core.registry import PAGE_COPY_HANDLERS
from workos.kernel.errors import PermissionDenied

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def paragraph(text: str, *children, **span) -> dict:
    return {"type": "paragraph", "content": {"text": [{"text": text, **span}]}, "children": list(children)}


def subtree_titles(page: Page) -> list[tuple[int, str]]:
    """(depth, title) of the non-trashed pages below ``page``, in tree order."""
    out = []

    def walk(parent, depth):
        for child in Page.objects.filter(parent=parent, archived_at__isnull=True).order_by("rank", "id"):
            out.append((depth, child.title))
            walk(child, depth + 1)

    walk(page, 1)
    return out


def test_duplicate_copies_the_subtree_right_after_the_original(tree):
    deeper = services.create_page(tree.admin, parent=tree.subpage, title="Deeper")
    services.create_page(tree.admin, parent=tree.page, title="Second")
    trashed = services.archive_page(tree.admin, services.create_page(tree.admin, parent=tree.page, title="Trashed"))
    after = services.create_page(tree.admin, space=tree.space, title="After")

    copy = services.duplicate_page(tree.admin, Page.objects.get(pk=tree.page.pk))

    top = list(Page.objects.filter(space=tree.space, parent__isnull=True).order_by("rank", "id"))
    assert [page.title for page in top] == ["Handbook", "Handbook (copy)", "After"]
    assert subtree_titles(copy) == subtree_titles(tree.page) == [(1, "Onboarding"), (2, "Deeper"), (1, "Second")]
    assert not Page.objects.filter(title=trashed.title).exclude(pk=trashed.pk).exists()
    assert copy.versions.count() == 1 and deeper.pk not in {p.pk for p in Page.objects.filter(parent__parent=copy)}
    assert after.rank > copy.rank


def test_duplicate_without_sub_pages_and_with_a_title(tree, api_for):
    answer = api_for(tree.admin).post(f"/pages/{tree.page.pk}/duplicate", {"include_subpages": False, "title": "Template"})

    assert answer.status_code == 201, answer.content
    copy = Page.objects.get(pk=answer.json()["id"])
    assert copy.title == "Template" and subtree_titles(copy) == []


def test_hidden_sub_pages_are_not_copied(tree, people, hidden):
    copy = services.duplicate_page(people.editor, Page.objects.get(pk=tree.page.pk))

    assert subtree_titles(copy) == [(1, "Onboarding")]


def test_viewer_cannot_duplicate(tree, people, api_for):
    with pytest.raises(PermissionDenied):
        services.duplicate_page(people.viewer, tree.subpage)
    assert api_for(people.viewer).post(f"/pages/{tree.subpage.pk}/duplicate", {}).status_code == 403
    assert api_for(people.outsider).post(f"/pages/{tree.subpage.pk}/duplicate", {}).status_code == 404
    assert api_for(tree.admin).post(f"/pages/{tree.subpage.pk}/duplicate", {"title": "x" * 600}).status_code == 422


def test_duplicate_copies_blocks_files_and_mentions_through_the_registry(tree, people, settings, tmp_path):
    from ipai_workos_blocks import services as blocks
    from ipai_workos_blocks.models import Attachment, Block, BlockReference

    settings.MEDIA_ROOT = str(tmp_path)
    assert "blocks" in PAGE_COPY_HANDLERS
    image = blocks.upload_attachment(tree.admin, tree.subpage, "dot.png", PNG, "image/png")
    mention = {"mention": {"kind": "user", "id": people.editor.pk}, "text": "@editor"}
    toggle = {"type": "toggle", "content": {"text": [{"text": "More"}], "collapsed": False}, "children": [paragraph("nested")]}
    blocks.replace_document(tree.admin, tree.page, [paragraph("Welcome"), toggle, {"type": "paragraph", "content": {"text": [mention]}}], base_version=blocks.document_version(tree.page))
    blocks.replace_document(tree.admin, tree.subpage, [{"type": "image", "content": {"attachment_id": image.pk, "url": "", "caption": []}}], base_version=blocks.document_version(tree.subpage))

    copy = services.duplicate_page(tree.admin, Page.objects.get(pk=tree.page.pk))
    sub_copy = Page.objects.get(parent=copy)

    assert blocks.document(copy) != [] and _shape(blocks.document(copy)) == _shape(blocks.document(tree.page))
    assert not set(Block.objects.filter(page=copy).values_list("id", flat=True)) & set(Block.objects.filter(page=tree.page).values_list("id", flat=True))
    copied_image = Block.objects.get(page=sub_copy)
    attachment = Attachment.objects.get(pk=copied_image.content["attachment_id"])
    assert attachment.page_id == sub_copy.pk and attachment.file.name == image.file.name and attachment.pk != image.pk
    assert BlockReference.objects.filter(page=copy, target_user=people.editor).count() == 1
    blocks.update_block(tree.admin, copied_image, content={**copied_image.content})  # the copy's blocks are valid on their own page


def _shape(trees: list[dict]) -> list:
    return [(tree["type"], tree["content"].get("text"), _shape(tree["children"])) for tree in trees]
