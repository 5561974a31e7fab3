"""The suite's part of ``workos demo load``, after every module's own (what needs several modules' demos at once):
the page status workflow switched on for Acme, a page in review (ana asks the admin to review it: the banner shows
Approve / Request changes / Reject), a published page with a sub-page at ``/p/acme/handbook`` (open it logged
out), and an inline comment: ana comments on words of the Meeting notes page (the templates demo's) and the demo
user answers — an anchored, highlighted thread in the editor, through the collaboration services; and a Policies
database whose "Review status" column shows each policy page's status (Draft, In review, Approved)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ipai_workos_blocks import richtext
from ipai_workos_blocks import services as blocks
from ipai_workos_collab import services as collab
from ipai_workos_core import services as core
from ipai_workos_db import services as databases
from workos.kernel.demo import Demo

from . import services


def _paragraphs(*texts: str) -> list[dict]:
    return [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]


def _words(trees: list[dict]) -> tuple[dict, int, int] | None:
    """A text block of the page and the range of its first words (an inline comment's anchor)."""
    for tree in trees:
        text = richtext.plain_text((tree.get("content") or {}).get("text")) if isinstance((tree.get("content") or {}).get("text"), list) else ""
        if tree.get("type") != "code" and len(text.strip()) >= 8 and not any("mention" in span for span in tree["content"]["text"]):
            end = text.find(" ", text.find(" ") + 1)
            return tree, 0, end if end > 0 else len(text)
        found = _words(tree.get("children") or [])
        if found:
            return found
    return None


def load(demo: Demo) -> None:
    workspace, team = demo.made["workspace"], demo.made["spaces"]["Team"]
    services.set_page_workflow(demo.user, workspace, True)
    handbook = core.create_page(demo.user, space=team, title="Handbook", icon="📘")
    blocks.replace_document(demo.user, handbook, [
        {"type": "heading_1", "content": {"text": [{"text": "How we work"}]}},
        *_paragraphs("We write things down, review them, and publish what others need to read.",
                     "This page is published to the web: open the address in the page header while logged out."),
    ], base_version=blocks.document_version(handbook))
    holidays = core.create_page(demo.user, parent=handbook, title="Holidays", icon="🌴")
    blocks.replace_document(demo.user, holidays, _paragraphs("Everyone has 25 days a year, plus public holidays."),
                            base_version=blocks.document_version(holidays))
    services.publish_page(demo.user, handbook, slug="handbook", include_subpages=True, description="How Acme works")
    report = [f"published page Handbook with its sub-page Holidays at /p/{workspace.slug}/handbook"]

    ana = get_user_model().objects.filter(username="ana").first()  # the collaboration demo's colleague
    if ana is not None:
        policy = core.create_page(ana, space=team, title="Travel policy", icon="✈️")
        blocks.replace_document(ana, policy, _paragraphs("Book trains for trips under four hours."), base_version=blocks.document_version(policy))
        services.request_review(ana, policy, approver_ids=[demo.user.pk], note="Could you check the four-hour rule?")
        report.append(f"page Travel policy in review (ana asks {demo.user.get_username()})")
    demo.report["publishing"] = "; ".join(report) + "; page status workflow on for Acme"
    _policies(demo, team, ana)
    _inline_thread(demo)


def _policies(demo: Demo, team, ana) -> None:
    """A database of policy pages with a "Review status" column: one approved, one in review, one a draft."""
    policies = databases.create_database(demo.user, space=team, title="Policies", icon="📜",
                                         properties=[{"name": "Review status", "type": "review_status"}])
    approved, in_review, _draft = databases.create_rows(demo.user, policies, [{"Name": "Expense policy"}, {"Name": "Security policy"},
                                                                              {"Name": "Remote work"}])
    if ana is not None:
        request = services.request_review(demo.user, approved.page, approver_ids=[ana.pk], note="Ready to adopt?")
        services.decide_review(ana, request, "approve", "Looks right")
    services.change_page_status(demo.user, in_review.page, "review")
    demo.report["review status"] = "database Policies in Team with a Review status column (Approved, In review, Draft)"


def _inline_thread(demo: Demo) -> None:
    notes_id = demo.made.get("meeting_notes_page_id")
    ana = get_user_model().objects.filter(username="ana").first()
    if notes_id is None or ana is None:
        return
    notes = core.get_page(demo.user, notes_id)
    found = _words(blocks.document(notes))
    if found is None:
        return
    block, start, end = found
    thread, _ = collab.create_comment(ana, notes, {"text": [{"text": "Can we keep this part under ten minutes?"}]},
                                      block_id=block["id"], anchor={"start": start, "end": end})
    collab.create_comment(demo.user, notes, {"text": [{"text": "Yes — I will time-box it."}]}, parent_id=thread.pk)
    demo.report["inline comments"] = (f"an inline thread on \"{thread.anchor['text']}\" in {notes.title or 'Meeting notes'} "
                                      f"(highlighted in the editor; click it to open the thread)")
