"""The inbox page (``/web/inbox``) and the comments panel under each page.

The inbox is plain server-rendered HTML with forms, so it works without any script: opening an item marks it
read and goes to the exact place (the comment on its page, the block that mentions you, the approvals page).
The comments panel is a TypeScript island (``frontend/src/collab``) that talks to ``/api/v1/comments``.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ipai_platform_permissions import services as permissions
from workos.kernel.errors import ServiceError
from workos.web.menus import menu_tree

from . import services

BOX_LABELS = {"unread": "Unread", "all": "All", "archived": "Archived"}


class SeeOther(HttpResponseRedirect):
    status_code = 303


def _local(url: str) -> str:
    """Only links inside this site are followed (a notice's URL is ours, but never trust a stored redirect)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/web/inbox"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def inbox_view(request):
    box = request.GET.get("box", "unread")
    if box not in BOX_LABELS:
        box = "unread"
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "read-all":
                services.mark_all_read(request.user)
                return SeeOther(f"/web/inbox?box={box}")
            notification_id = int(request.POST.get("notification_id", "0") or 0)
            if action == "open":
                notice = services.mark_read(request.user, notification_id)
                return SeeOther(_local(notice.url))
            if action in ("read", "unread"):
                services.mark_read(request.user, notification_id, read=action == "read")
            elif action in ("archive", "unarchive"):
                services.archive(request.user, notification_id, archived=action == "archive")
            else:
                raise services.notifications.InvalidInput("unknown action")
            return SeeOther(f"/web/inbox?box={box}")
        except ServiceError as exc:
            error = exc.message
        except ValueError:
            error = "choose a notification"
    try:
        page = services.inbox(request.user, box, limit=50, cursor=request.GET.get("cursor") or None)
    except ServiceError as exc:
        page, error = services.inbox(request.user, box, limit=50), exc.message
    context = {
        "menus": menu_tree(request.user), "box": box, "boxes": BOX_LABELS, "items": page["items"],
        "next_cursor": page["next_cursor"], "unread": page["unread"], "error": error, "shell_section": "inbox",
    }
    return render(request, "ipai_workos_collab/inbox.html", context, status=422 if error else 200)


def inbox_nav_item(request, context) -> str:
    """The sidebar's Inbox entry with the number of unread notices (registered in SIDEBAR_NAV_ITEMS)."""
    return render_to_string("ipai_workos_collab/_inbox_nav_item.html", {
        "unread": services.unread_count(request.user), "current": context.get("shell_section") == "inbox",
    })


EMAIL_MODES = (("immediately", "Right away"), ("daily", "A daily digest"), ("never", "Never"))


def email_settings(request) -> str:
    """The settings page's "Notifications" section (registered in SETTINGS_SECTIONS): how notices reach you by
    e-mail, changed through PUT /api/v1/notifications/email-preference by the collab island."""
    return render_to_string("ipai_workos_collab/_email_settings.html", {
        "mode": services.preference_of(request.user), "modes": EMAIL_MODES, "address": request.user.email,
    }, request=request)


def comments_panel(request, page) -> str:
    """The blocks module's page panel: the comments of ``page`` for whoever may read them."""
    if not permissions.can(request.user, "read", page):
        return ""
    context = {
        "page": page, "me": request.user.pk,
        "can_comment": page.archived_at is None and permissions.can(request.user, "comment", page),
        "following": services.is_following(request.user, page),
    }
    return render_to_string("ipai_workos_collab/comments_panel.html", context, request=request)
