"""Collaboration's part of ``workos demo load``: a colleague, Ana, comments on the welcome page mentioning the
demo user (an unread notice in their inbox), and a thread with a reply, through the collaboration services."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_core import services as core
from workos.kernel.demo import Demo
from workos.kernel.users import create_user

from . import services

COLLEAGUE = "ana"


def _mention(user, before: str, after: str = "") -> dict:
    spans = [{"text": before}, {"mention": {"kind": "user", "id": user.pk}, "text": f"@{user.get_username()}"}]
    return {"text": spans + ([{"text": after}] if after else [])}


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "content": {"text": [{"text": text}]}, "children": []}


def _write(user, page, trees: list[dict]) -> None:
    blocks.replace_document(user, page, trees, base_version=blocks.document_version(page))


def load(demo: Demo) -> None:
    welcome, workspace = demo.made["welcome_page"], demo.made["workspace"]
    # Ana logs in only after an administrator sets her a password: the demo never prints or stores one.
    ana = get_user_model().objects.filter(username=COLLEAGUE).first() or create_user(COLLEAGUE, secrets.token_urlsafe(24))
    core.add_member(demo.user, workspace, ana.pk, "member")
    question, _ = services.create_comment(ana, welcome, _mention(demo.user, "", " could you add our release calendar to this page?"))
    services.create_comment(demo.user, welcome, _mention(ana, "Good idea ", ", I will link it from the handbook."), parent_id=question.pk)
    services.create_comment(ana, welcome, {"text": [{"text": "Welcome, everyone! Comments and @mentions land in the Inbox."}]})
    # A group and a page only its members open: sharing with a group, and the "shared with you" notice for ana.
    leadership = core.create_group(demo.user, workspace, "Leadership")
    for member in (demo.user, ana):
        core.add_group_member(demo.user, leadership, member.pk)
    notes = core.create_page(demo.user, space=demo.made["spaces"]["Team"], title="Leadership notes", icon="🔒")
    _write(demo.user, notes, [
        {"type": "callout", "content": {"text": [{"text": "Only the Leadership group opens this page: see Share → General access."}], "icon": "🔒"}, "children": []},
        {"type": "heading_2", "content": {"text": [{"text": "Hiring plan"}]}, "children": []},
        {"type": "bulleted_list", "content": {"text": [{"text": "Two engineers and a designer before the launch"}]}, "children": []},
        {"type": "bulleted_list", "content": {"text": [{"text": "Budget review with finance next month"}]}, "children": []},
    ])
    core.set_restricted(demo.user, notes, True)
    # Ana writes a page of her own: "edited by others lately" on the demo user's home is not empty.
    calendar = core.create_page(ana, space=demo.made["spaces"]["Team"], parent=welcome, title="Release calendar", icon="📅")
    _write(ana, calendar, [
        _paragraph("When each release goes out, as asked in the comments of the welcome page."),
        {"type": "heading_2", "content": {"text": [{"text": "Next releases"}]}, "children": []},
        {"type": "todo", "content": {"text": [{"text": "Beta for the design partners — end of this month"}], "checked": False}, "children": []},
        {"type": "todo", "content": {"text": [{"text": "Public launch — the month after"}], "checked": False}, "children": []},
    ])
    permissions.grant(demo.user, core.get_page(demo.user, notes.pk), "comment", group_id=leadership.group_id)
    demo.made["colleague"] = ana
    demo.report["groups"] = ("group Leadership (admin, ana) and the restricted page Leadership notes shared with it; "
                             f"{COLLEAGUE}'s page Release calendar")
    demo.report["comments"] = (f"comments on Welcome to WorkOS: a thread between {COLLEAGUE} and {demo.user.get_username()} "
                               f"with mentions; {services.unread_count(demo.user)} unread in {demo.user.get_username()}'s inbox")
