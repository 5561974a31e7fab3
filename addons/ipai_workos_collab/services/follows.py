"""Following pages: whose activity lands in a user's inbox.

A page's creator follows it without a row; commenting adds a row; a row with ``following=False`` is an
explicit unfollow, which commenting again does not undo.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core.models import Page

from ..models import Follow
from ._common import _require_user


def is_following(user, page: Page) -> bool:
    row = Follow.objects.filter(user=user, page=page).values_list("following", flat=True).first()
    return row if row is not None else page.created_by_id == user.pk


def followers_of(page: Page) -> set[int]:
    """Ids of the users following ``page`` (its creator unless they unfollowed, and every follow row). Not
    permission-filtered: whoever notifies them checks that each may still read the page."""
    rows = dict(Follow.objects.filter(page=page).values_list("user_id", "following"))
    followers = {user_id for user_id, following in rows.items() if following}
    if page.created_by_id is not None and rows.get(page.created_by_id, True):
        followers.add(page.created_by_id)
    return followers


def follow_automatically(user, page: Page) -> None:
    """A commenter follows the page, unless they unfollowed it before. No audit event: it is part of the comment's."""
    Follow.objects.get_or_create(user=user, page=page, defaults={"following": True})


@transaction.atomic
def set_following(actor, page: Page, following: bool) -> bool:
    """Follow or unfollow a page the actor can read; returns whether anything changed."""
    _require_user(actor)
    permissions.require(actor, "read", page)
    before = is_following(actor, page)
    Follow.objects.update_or_create(user=actor, page=page, defaults={"following": following})
    if before != following:
        record_event(actor=actor, action="collab.follow" if following else "collab.unfollow", target=page)
    return before != following


def follows_of(user):
    """Pages ``user`` follows (by row or as creator) and can still read, newest first."""
    unfollowed = Follow.objects.filter(user=user, following=False).values("page_id")
    followed = Follow.objects.filter(user=user, following=True).values("page_id")
    pages = Page.objects.filter(Q(pk__in=followed) | Q(created_by=user), archived_at__isnull=True).exclude(pk__in=unfollowed)
    return permissions.visible_to(user, pages).order_by("-pk")
