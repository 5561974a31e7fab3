"""No lost writes: a whole-document save names the document version it is based on, and a save based on an
older version is refused with 409 and writes nothing (issue 10 item 7). Also: a client-chosen block id is kept
(issue 10 item 10; ids are unique per page: test_block_identity.py)."""

from __future__ import annotations

import uuid

import pytest

from ipai_platform_audit.models import AuditEvent
from ipai_workos_blocks import services
from ipai_workos_core import services as core
from ipai_workos_core.models import PageVersion

from .conftest import paragraph, texts


def load(api, page_id: int) -> dict:
    answer = api.get(f"/pages/{page_id}/blocks")
    assert answer.status_code == 200, answer.content
    return answer.json()


def save(api, page_id: int, text: str, base_version, **extra):
    body = {"blocks": [paragraph(text)], **extra}
    if base_version is not None:
        body["base_version"] = base_version
    return api.put(f"/pages/{page_id}/blocks", body)


def test_get_answers_the_version_and_a_fresh_save_answers_the_next_one(tree, people, api_for):
    api = api_for(people.editor)
    loaded = load(api, tree.page.pk)

    saved = save(api, tree.page.pk, "first", loaded["version"])

    assert saved.status_code == 200, saved.content
    assert texts(saved.json()["items"]) == ["first"]
    assert saved.json()["version"] == loaded["version"] + 1 == load(api, tree.page.pk)["version"]
    again = save(api, tree.page.pk, "second", saved.json()["version"])
    assert again.status_code == 200 and texts(load(api, tree.page.pk)["items"]) == ["second"]


def test_stale_save_answers_409_with_the_current_version_and_writes_nothing(tree, people, api_for):
    tab_a, tab_b = api_for(people.editor), api_for(people.admin)
    base = load(tab_a, tree.page.pk)["version"]
    assert save(tab_a, tree.page.pk, "A's words", base).status_code == 200
    events, versions = AuditEvent.objects.count(), PageVersion.objects.filter(page=tree.page).count()

    stale = save(tab_b, tree.page.pk, "B's words", base)

    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_version" and error["field"] == "base_version"
    assert error["current_version"] == base + 1 and "changed elsewhere" in error["message"]
    assert texts(load(tab_a, tree.page.pk)["items"]) == ["A's words"]
    assert load(tab_a, tree.page.pk)["version"] == base + 1
    assert (AuditEvent.objects.count(), PageVersion.objects.filter(page=tree.page).count()) == (events, versions)


@pytest.mark.parametrize("write", ["create", "patch", "delete", "move", "bulk"])
def test_a_single_block_write_between_load_and_save_makes_the_save_stale(tree, people, api_for, write):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("typed in another tab")).json()
    base = load(api, tree.page.pk)["version"]

    answer = {
        "create": lambda: api.post(f"/pages/{tree.page.pk}/blocks", paragraph("more")),
        "patch": lambda: api.patch(f"/blocks/{block['id']}", {"content": {"text": [{"text": "edited"}]}}),
        "delete": lambda: api.delete(f"/blocks/{block['id']}"),
        "move": lambda: api.post(f"/blocks/{block['id']}/move", {"page_id": tree.subpage.pk}),
        "bulk": lambda: api.post(f"/pages/{tree.page.pk}/blocks/bulk", {"operations": [{"op": "create", "type": "divider"}]}),
    }[write]()
    assert answer.status_code in (200, 201, 204), answer.content
    after = load(api, tree.page.pk)

    stale = save(api, tree.page.pk, "overwrite", base)

    assert stale.status_code == 409 and stale.json()["error"]["current_version"] == after["version"] > base
    assert load(api, tree.page.pk)["items"] == after["items"]


def test_a_move_to_another_page_makes_a_save_of_the_target_stale_too(tree, people, api_for):
    api = api_for(people.editor)
    block = api.post(f"/pages/{tree.page.pk}/blocks", paragraph("moving")).json()
    target_base = load(api, tree.subpage.pk)["version"]

    api.post(f"/blocks/{block['id']}/move", {"page_id": tree.subpage.pk})

    assert save(api, tree.subpage.pk, "overwrite", target_base).status_code == 409
    assert texts(load(api, tree.subpage.pk)["items"]) == ["moving"]


def test_save_without_a_version_is_refused_with_the_current_one(tree, people, api_for):
    api = api_for(people.editor)
    save(api, tree.page.pk, "kept", load(api, tree.page.pk)["version"])

    missing = save(api, tree.page.pk, "blind overwrite", None)

    assert missing.status_code == 409
    error = missing.json()["error"]
    assert error["code"] == "version_required" and error["field"] == "base_version"
    assert error["current_version"] == load(api, tree.page.pk)["version"]
    assert texts(load(api, tree.page.pk)["items"]) == ["kept"]
    negative = save(api, tree.page.pk, "x", -1)
    assert negative.status_code == 422 and negative.json()["error"]["field"] == "base_version"


def test_keeping_mine_replaces_the_page_and_history_keeps_the_other_tab_text(tree, people, api_for):
    """One user in two tabs: tab B's save lands after tab A's; B chooses to keep its text."""
    api = api_for(people.editor)
    base = load(api, tree.page.pk)["version"]
    saved_a = save(api, tree.page.pk, "A's words", base)
    refused = save(api, tree.page.pk, "B's words", base)
    current = refused.json()["error"]["current_version"]

    kept = save(api, tree.page.pk, "B's words", current, replaces_changes=True)

    assert kept.status_code == 200 and kept.json()["version"] == saved_a.json()["version"] + 1
    assert texts(load(api, tree.page.pk)["items"]) == ["B's words"]
    history = [core.get_version(people.editor, tree.page, version.number) for version in core.versions_of(people.editor, tree.page)]
    kept_texts = [[block["content"]["text"][0]["text"] for block in version.content.get("blocks", [])] for version in history]
    assert kept_texts[:2] == [["B's words"], ["A's words"]]


def test_two_saves_based_on_one_version_cannot_both_pass_in_the_service(tree, people):
    base = services.document_version(tree.page)
    services.replace_document(people.editor, tree.page, [paragraph("first")], base_version=base)

    with pytest.raises(services.StaleVersion) as refused:
        services.replace_document(people.admin, tree.page, [paragraph("second")], base_version=base)

    assert refused.value.details == {"current_version": base + 1}
    assert [block["content"]["text"][0]["text"] for block in services.document(tree.page)] == ["first"]


def test_an_unchanged_save_keeps_the_version(tree, people, api_for):
    api = api_for(people.editor)
    saved = save(api, tree.page.pk, "same", load(api, tree.page.pk)["version"]).json()
    document = [{"id": item["id"], "type": item["type"], "content": item["content"]} for item in saved["items"]]

    again = api.put(f"/pages/{tree.page.pk}/blocks", {"blocks": document, "base_version": saved["version"]})

    assert again.status_code == 200 and again.json()["version"] == saved["version"]


# --- block ids (the rest of issue 10 item 10: test_block_identity.py) -------------------------------------


def test_a_fresh_client_id_is_kept(tree, people, api_for):
    api = api_for(people.editor)
    fresh = str(uuid.uuid4())

    answer = api.post(f"/pages/{tree.page.pk}/blocks", {**paragraph("mine"), "id": fresh})

    assert answer.status_code == 201 and answer.json()["id"] == fresh
