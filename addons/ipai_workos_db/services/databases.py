"""Databases: create, change, archive and restore."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.live import events as live_events
from ipai_workos_core.registry import SCOPE_CHANGED, notify_pages
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput

from ..models import Database, Property
from ..scopes import DATABASE
from ._common import UNSET
from .properties import create_property


def _tell_trees(database: Database, event: str) -> None:
    """The sidebars that may show this database hear that it was created or renamed (its id only; each tree
    is fetched again with what its user may read). Trash and restore tell through ``SCOPE_CHANGED``."""
    live_events.publish_about([{"notice": {"kind": "database", "event": event, "id": database.pk},
                                "about": [DATABASE, str(database.pk)], "fingerprint": ""}])


def _clean_title(value, field: str = "title") -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field)
    value = value.strip()
    if len(value) > 512 or any(ord(char) < 32 for char in value):
        raise InvalidInput(f"{field} has at most 512 characters and no control characters", field=field)
    return value


@transaction.atomic
def create_database(actor, *, space=None, parent_page=None, title: str = "", icon: str = "", description: str = "",
                    properties: list[dict] | None = None) -> Database:
    """A database in a space, or inline inside a page (then in the page's space). It starts with a title
    property ("Name") and any ``properties`` given ({name, type, config})."""
    space = core.destination_space(actor, space=space, parent=parent_page, what="database", parent_field="parent_page_id")
    if not isinstance(description, str) or len(description) > 10_000:
        raise InvalidInput("description is text of at most 10000 characters", field="description")
    database = Database.objects.create(space=space, parent_page=parent_page, title=_clean_title(title), icon=(icon or "")[:64],
                                       description=description, created_by=actor)
    Property.objects.create(database=database, name="Name", type="title", config={}, rank=ranks.ZERO)
    record_event(actor=actor, action="database.create", target=database,
                 changes={"title": {"before": None, "after": database.title}, "space_id": space.pk, "parent_page_id": database.parent_page_id})
    for index, spec in enumerate(properties or []):
        if not isinstance(spec, dict):
            raise InvalidInput("a property is {name, type, config}", field=f"properties[{index}]")
        try:
            create_property(actor, database, name=spec.get("name"), type=spec.get("type"), config=spec.get("config"))
        except InvalidInput as error:
            raise InvalidInput(error.message, field=f"properties[{index}].{error.field or ''}".rstrip(".")) from None
    _tell_trees(database, "created")
    return database


@transaction.atomic
def update_database(actor, database: Database, *, title=UNSET, icon=UNSET, description=UNSET) -> Database:
    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    before = {"title": database.title, "icon": database.icon, "description": database.description}
    if title is not UNSET:
        database.title = _clean_title(title)
    if icon is not UNSET:
        database.icon = (icon or "")[:64]
    if description is not UNSET:
        if not isinstance(description, str) or len(description) > 10_000:
            raise InvalidInput("description is text of at most 10000 characters", field="description")
        database.description = description
    database.save()
    record_event(actor=actor, action="database.update", target=database,
                 changes=diff(before, {"title": database.title, "icon": database.icon, "description": database.description}))
    if (database.title, database.icon) != (before["title"], before["icon"]):
        _tell_trees(database, "renamed")
    return database


@transaction.atomic
def set_database_restricted(actor, database: Database, restricted: bool) -> Database:
    """Make a database "only people invited" (or open it again to everyone with access above it), as
    ``ipai_workos_core.services.set_restricted`` does for a page: needs share rights, and whoever restricts it keeps
    full access (their own ``manage`` grant, unless they administer the workspace). Its rows follow it."""
    permissions.require(actor, "share", database)
    if not isinstance(restricted, bool):
        raise InvalidInput("restricted is true or false", field="restricted")
    database = Database.objects.select_for_update(no_key=True).get(pk=database.pk)
    if database.restricted == restricted:
        return database
    if restricted and permissions.role_of(actor, database) != "admin" and not getattr(actor, "is_superuser", False):
        permissions.grant(actor, database, "manage", user_id=actor.pk)
    database.restricted = restricted
    database.save(update_fields=["restricted"])
    permissions.access_changed([database])
    record_event(actor=actor, action="database.restrict" if restricted else "database.unrestrict", target=database,
                 changes={"restricted": {"before": not restricted, "after": restricted}})
    return database


@transaction.atomic
def archive_database(actor, database: Database) -> Database:
    """Move a database to the trash: it and its rows disappear from lists until restored."""
    permissions.require(actor, "delete", database)
    if database.archived_at is None:
        database.archived_at = timezone.now()
        database.save(update_fields=["archived_at"])
        record_event(actor=actor, action="database.archive", target=database, changes={"archived_at": {"before": None, "after": database.archived_at}})
        notify_pages(SCOPE_CHANGED, [(DATABASE, database.pk)], actor)  # its rows go to the trash with it
    return database


@transaction.atomic
def restore_database(actor, database: Database) -> Database:
    permissions.require(actor, "delete", database)
    if database.archived_at is not None:
        before, database.archived_at = database.archived_at, None
        database.save(update_fields=["archived_at"])
        record_event(actor=actor, action="database.restore", target=database, changes={"archived_at": {"before": before, "after": None}})
        notify_pages(SCOPE_CHANGED, [(DATABASE, database.pk)], actor)
    return database
