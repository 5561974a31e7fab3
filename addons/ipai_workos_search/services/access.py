"""Who may read what, as SQL: the permission filter that searching puts before ranking and limits."""

from __future__ import annotations


from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import ADMIN, NONE, RANK, SCOPES, VIEW
from ipai_workos_core.models import Page, Space, Workspace
from ipai_workos_core.scopes import PAGE, SPACE, WORKSPACE
from workos.kernel.errors import NotFound

from ..indexing import scope_key
from ..query import BadSearch
from ._common import DATABASE, SCOPE_KINDS


# --- who may read what, as SQL --------------------------------------------------------------------------


def _in(column: str, values: list) -> tuple[str, list]:
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def readable_filter(user, share=None, access: permissions.Access | None = None) -> tuple[str, list]:
    """An SQL condition on documents ``d`` that holds exactly for those ``user`` may read (see the module
    docstring). Trash is filtered apart. ``access``: the caller's ``Access`` of ``user`` (no share), reused."""
    if share is not None:
        scope = (share.scope_model, str(share.scope_id))
        if scope[0] == WORKSPACE:
            return "d.workspace_id = %s", [int(scope[1])]
        if scope[0] == SPACE:
            return "d.space_id = %s", [int(scope[1])]
        return ("EXISTS (SELECT 1 FROM ipai_workos_search_scope s WHERE s.document_id = d.id AND s.scope_key = %s)",
                [scope_key(*scope)])
    access = access or permissions.Access(user)
    if access.user is None:
        return "1 = 0", []
    if access.superuser:
        return "1 = 1", []
    workspace_ids = [int(pk) for pk in access.reachable_roots(WORKSPACE)]
    workspaces = list(Workspace.objects.filter(pk__in=workspace_ids))
    admin_of = [w.pk for w in workspaces if access.role(w) == ADMIN]
    others = [w.pk for w in workspaces if w.pk not in admin_of]
    spaces = list(Space.objects.filter(workspace_id__in=others))
    for space in spaces:
        access.remember(space)
    readable_spaces = [space.pk for space in spaces if RANK[access.level(space)] >= RANK[VIEW]]
    allowed, denied = [], []
    for (model, pk), level in access.grants.items():
        if model in (WORKSPACE, SPACE):
            continue  # already in the level each space passes down
        (denied if level == NONE else allowed).append(scope_key(model, pk))
    # A restricted page passes nothing down: for whoever has no grant on it, it stands like a "none" grant.
    granted = set(allowed) | set(denied)
    restricted = Page.objects.filter(restricted=True, space__workspace_id__in=others).values_list("pk", flat=True)
    denied += [key for key in (scope_key(PAGE, pk) for pk in restricted) if key not in granted]
    admin_sql, admin_params = _in("d.workspace_id", admin_of)
    others_sql, others_params = _in("d.workspace_id", others)
    spaces_sql, spaces_params = _in("d.space_id", readable_spaces)
    conditions, params = [spaces_sql], list(spaces_params)
    if allowed or denied:
        granted_sql, granted_params = _in("g.scope_key", allowed + denied)
        conditions = [f"({spaces_sql} AND NOT EXISTS (SELECT 1 FROM ipai_workos_search_scope g WHERE g.document_id = d.id AND {granted_sql}))"]
        params = spaces_params + granted_params
    if allowed:
        allowed_sql, allowed_params = _in("a.scope_key", allowed)
        nearer = ""
        nearer_params: list = []
        if denied:
            denied_sql, nearer_params = _in("b.scope_key", denied)
            nearer = (f" AND NOT EXISTS (SELECT 1 FROM ipai_workos_search_scope b WHERE b.document_id = d.id AND {denied_sql} "
                      "AND b.depth < a.depth)")
        conditions.append(f"EXISTS (SELECT 1 FROM ipai_workos_search_scope a WHERE a.document_id = d.id AND {allowed_sql}{nearer})")
        params += allowed_params + nearer_params
    sql = f"({admin_sql} OR ({others_sql} AND ({' OR '.join(conditions)})))"
    return sql, admin_params + others_params + params


# --- searching ------------------------------------------------------------------------------------------


def _int_id(value, field: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise BadSearch(f"{field} must be a positive whole number", field=field)
    return value


def _scope_filter(user, scope: str, scope_id, share) -> tuple[str, list]:
    """The documents inside the scope; NotFound when the user cannot see the scope itself."""
    if scope not in SCOPE_KINDS:
        raise BadSearch(f"scope must be one of {', '.join(SCOPE_KINDS)}", field="scope")
    if scope == "workspace" and scope_id in (None, ""):
        return "1 = 1", []
    if scope_id in (None, ""):
        raise BadSearch(f"a {scope} search needs scope_id", field="scope_id")
    pk = _int_id(scope_id, "scope_id")
    model = {"workspace": WORKSPACE, "space": SPACE, "page": PAGE, "database": DATABASE}[scope]
    if model not in SCOPES:
        raise NotFound(f"no such {scope}")
    obj = SCOPES.get(model).model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"no such {scope}")
    permissions.require(user, "read", obj, share=share)  # NotFound when hidden: the same answer as missing
    if scope == "workspace":
        return "d.workspace_id = %s", [pk]
    if scope == "space":
        return "d.space_id = %s", [pk]
    return "EXISTS (SELECT 1 FROM ipai_workos_search_scope z WHERE z.document_id = d.id AND z.scope_key = %s)", [scope_key(model, pk)]
