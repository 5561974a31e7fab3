"""Writers of a page and of what hangs on it (its live document, document version, blocks, history) lock them in
one order — the page first, ``FOR NO KEY UPDATE`` (``ipai_workos_core.services.lock_pages``) — so that two
writers never hold one lock each and wait for the other's. PostgreSQL breaks such a cycle after a second with
``deadlock detected``, a 409 for one of the users. Nothing serialised these writers before the audit chain's lock
moved to the commit (issue 19): it was taken at every transaction's first write.

Each test builds its cycle with two threads on two real connections, paused at the point where the cycle would
close; each fails with ``deadlock detected`` without the lock order."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction
from django.db.models import F
from pycrdt import Doc, Text

from ipai_workos_blocks import services
from ipai_workos_blocks.models import Block, LiveDocument, LiveUpdate
from ipai_workos_blocks.services import live, writes
from ipai_workos_core import services as core
from workos.testing.threads import in_thread

from .conftest import paragraph

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]


def _an_update() -> bytes:
    doc = Doc()
    doc.get("scratch", type=Text).insert(0, "typed")
    return doc.get_update()


def test_a_live_edit_commits_while_a_writer_holds_its_page_for_the_live_document(skip_unless_postgresql, tree):
    """A (a live editor's batch) has appended to the log and updated the live document's row; its COMMIT checks
    the log's reference to the page (Django's foreign keys are deferred), a key-share lock on the page row. B (the
    tail of deriving the blocks) holds the page for its history, then updates the live document's row, which waits
    for A. Had B locked the page FOR UPDATE, A's check would wait for B: a deadlock (the fresh-clone test run's)."""
    live.load(tree.page)
    page_id = tree.page.pk
    a_wrote, b_locked, a_committing, errors = threading.Event(), threading.Event(), threading.Event(), []

    def writer_a():
        with transaction.atomic():
            live.append_updates(page_id, [(tree.admin, _an_update())])
            a_wrote.set()
            assert b_locked.wait(60)
            a_committing.set()

    def writer_b():
        assert a_wrote.wait(60)
        with transaction.atomic():
            core.record_version(tree.admin, tree.page, separate=True)  # holds the page: version numbers, one at a time
            b_locked.set()
            assert a_committing.wait(60)
            threading.Event().wait(0.5)  # A is committing now: checking its reference to the page
            LiveDocument.objects.filter(page_id=page_id).update(derived=F("appended"))

    threads = [in_thread(writer_a, errors, "a"), in_thread(writer_b, errors, "b")]
    for thread in threads:
        thread.join(60)

    assert errors == []
    live_document = LiveDocument.objects.get(page_id=page_id)
    assert LiveUpdate.objects.filter(page_id=page_id).count() == 1
    assert live_document.appended == live_document.derived == 1


def test_an_inline_comment_and_a_block_edit_on_a_live_page_take_turns(skip_unless_postgresql, tree, monkeypatch):
    """A anchors an inline comment on a page open live: it holds the live document (so that no live edit lands
    between reading the text and marking it), then bumps the document version. B edits another block of that page:
    it bumps the document version, then applies its write to the live document. Live document then version against
    version then live document: a cycle, unless both take the page first."""
    services.replace_document(tree.admin, tree.page, [paragraph("Hello world"), paragraph("Second")], base_version=0)
    live.load(tree.page)
    first, second = Block.objects.filter(page=tree.page).order_by("rank")
    a_holds, b_holds, errors = threading.Event(), threading.Event(), []

    up_to_date = live.blocks_up_to_date

    def a_pauses(page):
        if threading.current_thread().name == "a":
            a_holds.set()  # A holds the live document's row (and, with the lock order, the page)
            b_holds.wait(3)  # with the lock order B waits for the page instead: A goes on alone
        return up_to_date(page)

    notify_pages = writes.notify_pages

    def b_pauses(event, ids, actor=None):
        if threading.current_thread().name == "b":
            b_holds.set()  # B holds the document version and is about to reach the live document
            threading.Event().wait(0.5)  # A goes on meanwhile, to the document version
        return notify_pages(event, ids, actor)

    monkeypatch.setattr(live, "blocks_up_to_date", a_pauses)
    monkeypatch.setattr(writes, "notify_pages", b_pauses)

    def writer_a():
        services.anchor_comment(tree.admin, Block.objects.get(pk=first.pk), 0, 5, 1, text="Hello")

    def writer_b():
        assert a_holds.wait(60)
        services.update_block(tree.admin, Block.objects.get(pk=second.pk), content={"text": [{"text": "Second, edited"}]})

    threads = [in_thread(writer_a, errors, "a"), in_thread(writer_b, errors, "b")]
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert Block.objects.get(pk=second.pk).content["text"] == [{"text": "Second, edited"}]
    assert any(span.get("comment") for span in Block.objects.get(pk=first.pk).content["text"])
    live_document = LiveDocument.objects.get(page_id=tree.page.pk)
    assert live_document.appended == live_document.derived  # both writes reached the live document
    assert live_document.derived_version == services.document_version(tree.page)
