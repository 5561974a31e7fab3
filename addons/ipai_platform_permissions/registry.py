"""Extension points of the permissions module.

``SCOPES``: the object types that carry grants, keyed by technical model name (``ipai.workos.page``). A type
says where its parent scope is (page -> parent page or space -> workspace), so that grants inherit down the
tree; a root type (a workspace) also says which role a user has there. The permissions module never imports
the modules that own those types: they register themselves in their ``AppConfig.ready()``.

``ACCESS_LISTENERS``: told after a change of access commits (live sessions use it to re-check their users).

``ACTIONS``: what each action needs, as a minimum level. Modules add their own actions (``approve`` ...).

``GRANT_LISTENERS``: told of every grant given or changed (``listener(actor, obj, grant, before_level)``, in
the grant's transaction) — the collaboration module tells the people a page was shared with.

``SHARED_VIEWS``: how a share link shows its object to whoever opens it (``/web/shared/<token>``), keyed by
technical model name: ``view(request, obj, share, user)`` -> safe HTML of the object's content, read as the
link (and the signed-in user, if any) may. A type without one shows its name only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from workos.kernel.registry import Registry

# Levels, weakest first. "none" is an explicit deny when granted.
NONE, VIEW, COMMENT, EDIT, MANAGE = "none", "view", "comment", "edit", "manage"
LEVELS = (NONE, VIEW, COMMENT, EDIT, MANAGE)
RANK = {level: index for index, level in enumerate(LEVELS)}

# Workspace roles and the level each one brings to everything in its workspace, before grants.
ADMIN, MEMBER, GUEST = "admin", "member", "guest"
ROLES = (ADMIN, MEMBER, GUEST)
ROLE_LEVELS = {ADMIN: MANAGE, MEMBER: EDIT, GUEST: NONE}

Key = tuple[str, Any]  # (technical model name, primary key)


@dataclass(frozen=True)
class ScopeType:
    """How one model takes part in permission checks.

    ``parent(obj)`` -> the Key of the scope above (from foreign-key ids, no query), or None for a root.
    ``root_model``/``root_path``: the root type of this type's tree and the ORM path from this model to the
    root's primary key (``space__workspace_id``), so ``visible_to`` can narrow a query to the user's roots.
    Roots only: ``role(user, root)`` -> the user's role or None, ``roots_of(user)`` -> pks of the roots where
    the user has a role, ``members(root, role)`` -> users with that role.
    ``inherit(obj, level, role)`` adjusts the level flowing into ``obj`` before its own grants (a private space
    stops inheritance; a public one lets every member view). ``floor(obj, role)`` is a minimum level on this
    object alone, not inherited (every member may see the workspace itself). ``required`` overrides the
    minimum level of an action on this type (deleting a workspace needs ``manage``).
    """

    model: type
    parent: Callable[[Any], Key | None]
    root_model: str
    root_path: str = "pk"
    role: Callable[[Any, Any], str | None] | None = None
    roots_of: Callable[[Any], Iterable[Any]] | None = None
    members: Callable[[Any, str], Iterable[Any]] | None = None
    inherit: Callable[[Any, str, str | None], str] | None = None
    floor: Callable[[Any, str | None], str] | None = None
    required: Mapping[str, str] = field(default_factory=dict)
    label: Callable[[Any], str] = str


SCOPES: Registry[ScopeType] = Registry("permission scope type")
# ``listener(keys)`` hears, after the transaction commits, that who may do what changed on these scopes (a grant,
# a revoked share link, a member's role); keys are (technical model name, id). Live sessions re-check access.
ACCESS_LISTENERS: Registry[Callable[[list], None]] = Registry("access listener")
ACTIONS: Registry[str] = Registry("permission action")
SHARED_VIEWS: Registry[Callable[[Any, Any, Any, Any], str]] = Registry("shared link view")
GRANT_LISTENERS: Registry[Callable[[Any, Any, Any, Any], None]] = Registry("grant listener")

DEFAULT_ACTIONS = {
    "read": VIEW,
    "list": VIEW,
    "search": VIEW,
    "comment": COMMENT,
    "edit": EDIT,
    "delete": EDIT,
    "share": MANAGE,
    "manage": MANAGE,
}


def stronger_level(first: str, second: str) -> str:
    """The more permissive of two levels."""
    return first if RANK[first] >= RANK[second] else second
