"""Notices about being given something: a page (or database) shared with you or with a group you are in, and
being added to a person property of a row ("Assignee"). The collaboration module's entries in the permissions
module's ``GRANT_LISTENERS`` and the databases module's ``ROW_LISTENERS``; like every notice, each goes only to
those who can read what it points at."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import NONE, RANK, VIEW
from ipai_workos_core.models import Page

from ._common import user_label
from .notifications import notify

SHAREABLE = {"ipai.workos.page": "/web/pages/{}", "ipai.workos.database": "/web/databases/{}"}


def shared_notice(actor, obj, grant, before_level) -> None:
    """Someone was given access to a page or a database (a grant from nothing, or from "none", to view or more)."""
    model = permissions.key_of(obj)[0]
    if model not in SHAREABLE or RANK[grant.level] < RANK[VIEW] or (before_level is not None and before_level != NONE):
        return
    recipients = [grant.user_id] if grant.user_id else list(grant.group.user_set.values_list("pk", flat=True))
    label = permissions.label_of(obj)
    notify(recipients, kind="shared", title=f"{user_label(actor)} shared {label} with you", actor=actor,
           target_model=model, target_id=obj.pk, url=SHAREABLE[model].format(obj.pk),
           may_read=lambda user: permissions.can(user, "read", obj))


def assigned_notice(actor, row, schema, changes: dict) -> None:
    """People added to a person property of a row hear about it, when they can read the row."""
    people = {prop.key: prop for prop in schema.properties if prop.type == "person"}
    if not people.keys() & changes.keys():
        return
    page = Page.objects.get(pk=row.page_id)
    for key, change in changes.items():
        prop = people.get(key)
        if prop is None:
            continue
        added = set(change["after"] or []) - set(change["before"] or [])
        if not added:
            continue
        notify(added, kind="assigned", title=f"{user_label(actor)} added you to {prop.name} on {page.title or 'Untitled'}",
               actor=actor, target_model="ipai.workos.page", target_id=page.pk, url=f"/web/pages/{page.pk}",
               may_read=lambda user: permissions.can(user, "read", page))
