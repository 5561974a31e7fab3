"""Group commit of live updates: what arrives while a room's commit runs is stored by the next one, every update
in its order with its author, and a commit that fails reaches every sender waiting on it."""

from __future__ import annotations

import asyncio

import pytest
from pycrdt import Doc, Text

from ipai_workos_blocks.live.consumer import Room
from ipai_workos_blocks.models import LiveDocument, LiveUpdate
from ipai_workos_blocks.services import live
from workos.kernel.aio import run_to_end

pytestmark = pytest.mark.django_db(transaction=True)


def updates(count: int) -> list[bytes]:
    doc = Doc()
    text = doc.get("scratch", type=Text)
    out = []
    for index in range(count):
        before = doc.get_state()
        text += f"{index} "
        out.append(doc.get_update(before))
    return out


def test_append_updates_stores_each_update_in_order_with_its_author(tree):
    live.load(tree.page)
    appended = LiveDocument.objects.get(page=tree.page).appended
    sent = updates(3)

    live.append_updates(tree.page.pk, [(tree.admin, sent[0]), (None, sent[1]), (tree.admin, sent[2])])

    rows = list(LiveUpdate.objects.filter(page=tree.page).order_by("id").values_list("data", "user_id"))
    assert [bytes(data) for data, _ in rows] == sent
    assert [user for _, user in rows] == [tree.admin.pk, None, tree.admin.pk]
    assert LiveDocument.objects.get(page=tree.page).appended == appended + 3


def test_updates_sent_at_once_are_all_stored_in_fewer_commits(tree, monkeypatch):
    live.load(tree.page)
    batches = []
    original = live.append_updates

    def counted(page_id, items):
        batches.append(len(items))
        return original(page_id, items)

    monkeypatch.setattr(live, "append_updates", counted)
    sent = updates(40)

    async def scenario():
        room = Room(tree.page.pk)
        await asyncio.gather(*(room.store(tree.admin, update) for update in sent))

    run_to_end(scenario())

    stored = [bytes(data) for data in LiveUpdate.objects.filter(page=tree.page).order_by("id").values_list("data", flat=True)]
    assert stored == sent
    assert sum(batches) == 40 and len(batches) < 40


def test_a_failed_commit_reaches_every_waiting_sender_and_the_room_goes_on(tree, monkeypatch):
    live.load(tree.page)
    original = live.append_updates
    failing = {"on": True}

    def flaky(page_id, items):
        if failing["on"]:
            raise RuntimeError("disk full")
        return original(page_id, items)

    monkeypatch.setattr(live, "append_updates", flaky)
    sent = updates(5)

    async def scenario():
        room = Room(tree.page.pk)
        outcomes = await asyncio.gather(*(room.store(tree.admin, update) for update in sent[:4]), return_exceptions=True)
        failing["on"] = False
        await room.store(tree.admin, sent[4])
        return outcomes

    outcomes = run_to_end(scenario())

    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert [bytes(data) for data in LiveUpdate.objects.filter(page=tree.page).values_list("data", flat=True)] == [sent[4]]
