"""The suite's part of ``workos demo load``: the page status workflow switched on for Acme, a page in review
(ana asks the admin to review it: the banner shows Approve / Request changes / Reject) and a published page
with a sub-page at ``/p/acme/handbook`` (open it logged out)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ipai_workos_blocks import services as blocks
from ipai_workos_core import services as core
from workos.kernel.demo import Demo

from . import services


def _paragraphs(*texts: str) -> list[dict]:
    return [{"type": "paragraph", "content": {"text": [{"text": text}]}} for text in texts]


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
