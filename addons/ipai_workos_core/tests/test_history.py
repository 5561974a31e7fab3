"""Page history: every save is a version (who, when); quick saves by one user coalesce; an old version can be
read and restored — title, icon, cover and, through the content handlers blocks registers, the document."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ipai_workos_core import services
from ipai_workos_core.models import Page, PageVersion
from workos.kernel.errors import PermissionDenied


def age_versions(page, seconds: int = 120) -> None:
    """Make the page's versions older than the coalescing window, as if time had passed."""
    for version in PageVersion.objects.filter(page=page):
        PageVersion.objects.filter(pk=version.pk).update(updated_at=version.updated_at - timedelta(seconds=seconds))


def test_each_save_is_a_version_and_quick_saves_coalesce(tree, people):
    page = services.create_page(people.editor, space=tree.space, title="Draft")
    services.update_page(people.editor, page, title="Draft 2")
    services.update_page(people.editor, page, icon="📝")
    assert list(page.versions.values_list("number", "title", "icon")) == [(1, "Draft 2", "📝")]

    age_versions(page)
    services.update_page(people.editor, page, title="Final")
    services.update_page(tree.admin, page, cover_url="https://example.com/cover.png")

    versions = list(page.versions.order_by("number"))
    assert [(v.number, v.title, v.created_by_id) for v in versions] == [
        (1, "Draft 2", people.editor.pk), (2, "Final", people.editor.pk), (3, "Final", tree.admin.pk)]
    assert versions[2].cover_url == "https://example.com/cover.png"


def test_a_change_that_changes_nothing_is_no_version(tree):
    services.update_page(tree.admin, tree.page, title="Handbook")
    assert tree.page.versions.count() == 1


def test_restore_brings_back_title_and_keeps_history(tree, api_for):
    age_versions(tree.page)
    services.update_page(tree.admin, tree.page, title="Renamed", icon="🔥")

    answer = api_for(tree.admin).post(f"/pages/{tree.page.pk}/history/1/restore")

    assert answer.status_code == 200, answer.content
    assert answer.json()["page"]["title"] == "Handbook" and answer.json()["version"]["restored_from"] == 1
    page = Page.objects.get(pk=tree.page.pk)
    assert (page.title, page.icon) == ("Handbook", "")
    assert list(page.versions.order_by("number").values_list("number", "title")) == [(1, "Handbook"), (2, "Renamed"), (3, "Handbook")]


def test_restore_brings_back_the_document_through_the_blocks_handler(tree):
    from ipai_workos_blocks import services as blocks

    def doc(*texts):
        return [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]

    def texts(page):
        return ["".join(span["text"] for span in block["content"]["text"]) for block in blocks.document(page)]

    blocks.replace_document(tree.admin, tree.page, doc("one", "two"), base_version=blocks.document_version(tree.page))
    first = services.record_version(tree.admin, tree.page)
    age_versions(tree.page)
    blocks.replace_document(tree.admin, tree.page, doc("three"), base_version=blocks.document_version(tree.page))
    services.record_version(tree.admin, tree.page)
    assert texts(tree.page) == ["three"]

    restored = services.restore_version(tree.admin, tree.page, first.number)

    assert texts(tree.page) == ["one", "two"]
    assert restored.content["blocks"][0]["content"]["text"][0]["text"] == "one" and restored.restored_from == first.number


def test_history_api_lists_and_shows_versions(tree, people, api_for):
    services.record_version(people.editor, tree.page, {"note": "kept"})
    client = api_for(people.viewer)

    listed = client.get(f"/pages/{tree.page.pk}/history").json()
    assert [item["number"] for item in listed["items"]] == [2, 1]
    assert listed["items"][0]["created_by"] == people.editor.get_username()
    one = client.get(f"/pages/{tree.page.pk}/history/2").json()
    assert one["content"] == {"note": "kept"}
    paged = client.get(f"/pages/{tree.page.pk}/history", limit=1).json()
    assert client.get(f"/pages/{tree.page.pk}/history", limit=1, cursor=paged["next_cursor"]).json()["items"][0]["number"] == 1

    assert client.get(f"/pages/{tree.page.pk}/history/99").status_code == 404
    assert client.post(f"/pages/{tree.page.pk}/history/1/restore").status_code == 403
    assert api_for(people.outsider).get(f"/pages/{tree.page.pk}/history").status_code == 404


def test_viewer_cannot_record_or_restore(tree, people):
    with pytest.raises(PermissionDenied):
        services.record_version(people.viewer, tree.page, {})
    with pytest.raises(PermissionDenied):
        services.restore_version(people.viewer, tree.page, 1)


def test_bad_cover_is_refused(tree, api_for):
    answer = api_for(tree.admin).patch(f"/pages/{tree.page.pk}", {"cover_url": "javascript:alert(1)"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "cover_url"


def test_full_width_and_small_text_are_the_pages_layout_audited_but_no_version(tree, people, api_for):
    from ipai_platform_audit.models import AuditEvent

    before = tree.page.versions.count()
    answer = api_for(people.editor).patch(f"/pages/{tree.page.pk}", {"full_width": True, "small_text": True})

    assert answer.status_code == 200, answer.content
    assert (answer.json()["full_width"], answer.json()["small_text"]) == (True, True)
    page = Page.objects.get(pk=tree.page.pk)
    assert (page.full_width, page.small_text) == (True, True)
    assert page.versions.count() == before  # layout is not content: no history entry
    event = AuditEvent.objects.filter(action="page.update", target_id=str(page.pk)).order_by("-id").first()
    assert event.changes == {"full_width": {"before": False, "after": True}, "small_text": {"before": False, "after": True}}
    assert api_for(people.viewer).get(f"/pages/{tree.page.pk}").json()["full_width"] is True

    refused = api_for(people.viewer).patch(f"/pages/{tree.page.pk}", {"full_width": False})
    assert refused.status_code == 403
    wrong = api_for(people.editor).patch(f"/pages/{tree.page.pk}", {"small_text": "very"})
    assert wrong.status_code == 422
    assert Page.objects.get(pk=tree.page.pk).small_text is True
