"""How databases take part in permission checks (registered in ``apps.ready``): a database sits under the
page it is inline in, else under its space, so it and its rows inherit that page's or space's access."""

from __future__ import annotations

from ipai_platform_permissions.registry import NONE, ScopeType
from ipai_workos_core.scopes import PAGE, SPACE, WORKSPACE

from .models import Database

DATABASE = "ipai.workos.database"


def database_parent(database):
    return (PAGE, database.parent_page_id) if database.parent_page_id else (SPACE, database.space_id)


def database_inherit(database, level: str, role: str | None) -> str:
    return NONE if database.restricted else level  # admins keep manage; the database's own grants still apply


SCOPE_TYPES = {
    DATABASE: ScopeType(model=Database, parent=database_parent, root_model=WORKSPACE, root_path="space__workspace_id",
                        inherit=database_inherit, label=lambda database: database.title or "Untitled database"),
}
