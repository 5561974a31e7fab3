"""Who can be @mentioned on a page: the members of its workspace, each with whether they may read the page, so
that the writer is told before mentioning someone who would not be notified (and may share the page with them,
through the permissions service, when the writer may share it)."""

from __future__ import annotations

from django.db.models import Q

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from workos.kernel.errors import InvalidInput

from ._common import _require_user, user_label

MAX_PEOPLE = 20


def mention_candidates(user, page: Page, query: str = "", *, limit: int = 8, ids: list[int] | None = None) -> dict:
    """Members of the page's workspace whose name or login contains ``query`` (or whose id is in ``ids``: the
    people a page already mentions), at most ``limit``, each with ``can_read`` (may they read the page?), and
    ``can_share``: may ``user`` share the page with them."""
    _require_user(user)
    permissions.require(user, "read", page)
    if not isinstance(query, str) or len(query) > 150:
        raise InvalidInput("q is at most 150 characters", field="q")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_PEOPLE:
        raise InvalidInput(f"limit is 1 to {MAX_PEOPLE}", field="limit")
    members = core.members_of(user, page.space.workspace).filter(user__is_active=True)
    if ids is not None:
        if len(ids) > MAX_PEOPLE:
            raise InvalidInput(f"at most {MAX_PEOPLE} ids", field="ids")
        members = members.filter(user_id__in=ids)
    words = query.strip()
    if words:
        members = members.filter(Q(user__username__icontains=words) | Q(user__first_name__icontains=words) | Q(user__last_name__icontains=words))
    people = [member.user for member in members[:limit]]
    return {
        "items": [{"id": person.pk, "username": person.get_username(), "name": user_label(person),
                   "can_read": permissions.can(person, "read", page)} for person in people],
        "can_share": permissions.can(user, "share", page),
    }
