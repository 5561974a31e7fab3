"""Who may do what: ``can``, ``require`` and ``visible_to``, and the only write path of grants and share links.

How a level is found for one user and one object: start at the root of the object's tree (its workspace) with
the level the user's role brings there (admin: manage, member: edit, guest and outsider: none); walk down the
chain of scopes to the object; at each scope the type may adjust what flows in (a private space stops
inheritance), then a grant on that scope — the user's own, else their groups' (where an explicit ``none``
wins) — replaces the inherited level. Workspace admins keep ``manage`` everywhere in their workspace: a deny
cannot lock the administrators out of what they administer. Superusers have ``manage`` on everything.
A share link adds its level to the whole subtree it points at.

Every read and write path asks these functions; an object a user cannot view is reported as not found, so no
answer ever reveals that it exists.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ipai_platform_audit.services import record_event
from workos.kernel.context import current_request, request_changes
from workos.kernel.data import model_for, technical_name_of
from workos.kernel.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from workos.kernel.prepared import by_pk, pk_value
from workos.kernel.registry import RegistryError

from .models import Permission, ShareToken
from .registry import ACCESS_LISTENERS, ACTIONS, ADMIN, GRANT_LISTENERS, LEVELS, MANAGE, NONE, RANK, ROLE_LEVELS, SCOPES, VIEW, Key, ScopeType

SHARE_TOKEN_PREFIX = "wss_"
SHARE_LEVELS = ("view", "comment", "edit")
QUERIES = (
    "readers_among",
    "key_of", "scope_type_of", "object_for", "level_of", "can", "require", "visible_to", "role_of", "members_with_role",
    "allowed_actions", "required_level", "grants_on", "share_tokens_on", "resolve_share_token", "shared_object", "stronger",
    "hash_share_token", "label_of", "root_of", "member_roots", "owner_for", "visible_to_members", "readable_record",
    "memoised_levels", "access_changed",
)


def stronger(first: str, second: str) -> str:
    return first if RANK[first] >= RANK[second] else second


def _model_of(obj) -> type:
    return obj._meta.model  # not type(obj): request.user is a lazy proxy


def key_of(obj) -> Key:
    return (technical_name_of(_model_of(obj)), str(obj.pk))


def scope_type_of(obj_or_model) -> ScopeType | None:
    if isinstance(obj_or_model, type):
        model = obj_or_model
    elif hasattr(obj_or_model, "_meta"):
        model = _model_of(obj_or_model)
    else:
        return None
    name = technical_name_of(model)
    return SCOPES.find(name)


def label_of(obj) -> str:
    scope_type = scope_type_of(obj)
    return (scope_type.label(obj) if scope_type else str(obj))[:512]


def _normalise(key) -> Key | None:
    return None if key is None else (key[0], str(key[1]))


def _active_user(user):
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return user


def _request_memo() -> dict | None:
    """What the permission walks of the request being served share: the user's grants and roles, and the scope
    objects looked up by id — one page's JSON asks for its levels twice, a list once per row, a write checks
    ``read`` before its transaction and ``edit`` inside it. It holds while the request changes nothing: the first
    statement that changes data (``request_changes``: a save, an ``update()``, raw SQL) ends it, and the next
    check works everything out afresh, so a request sees what it changed (a page it restricted, a grant it gave)."""
    request = current_request()
    if request is None:
        return None
    memo = getattr(request, "_workos_permissions_memo", None)
    changes = request_changes()
    if memo is None or memo["changes"] != changes:
        memo = {"grants": {}, "roles": {}, "objects": {}, "changes": changes}
        request._workos_permissions_memo = memo
    return memo


def _loaded_before_any_change() -> bool:
    """Whether the objects in hand were read before the request changed anything (so their cached parents are
    what the database holds, as far as this request knows)."""
    return current_request() is not None and request_changes() == 0


def _grant_rows(user_id: int) -> list[tuple]:
    """(scope model, scope id, user id or None, level) of every grant to the user or to one of their groups. Plain
    SQL on purpose: every request runs it once, and compiling the same queryset cost ~1.1 ms against ~0.05 ms to run
    it (issue 19, benchmarks/README.md)."""
    grants, memberships = (connection.ops.quote_name(model._meta.db_table) for model in (Permission, get_user_model().groups.through))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT scope_model, scope_id, user_id, level FROM {grants} "
                       f"WHERE user_id = %s OR group_id IN (SELECT group_id FROM {memberships} WHERE user_id = %s) ORDER BY id",
                       [user_id, user_id])
        return cursor.fetchall()


@dataclass
class _Node:
    flowing: str  # the level this scope passes down to its children
    effective: str  # the level on this scope itself
    role: str | None
    shared: bool
    root: Key | None


class Access:
    """One user's effective levels, memoised: make one per request or per list, not one per object."""

    def __init__(self, user, share: ShareToken | None = None):
        self.user = _active_user(user)
        self.superuser = bool(self.user and self.user.is_superuser)
        self.share = share
        self.share_key = (share.scope_model, share.scope_id) if share else None
        self._grants: dict[Key, str] | None = None
        self._objects: dict[Key, object] = {}
        self._nodes: dict[Key, _Node] = {}
        self._roles: dict[Key, str | None] = {}  # roles at roots known in advance (``readers_among``)

    # --- grants of this user ------------------------------------------------------------------------

    @property
    def grants(self) -> dict[Key, str]:
        if self._grants is None:
            self._grants = self._load_grants()
        return self._grants

    def _load_grants(self) -> dict[Key, str]:
        if self.user is None:
            return {}
        memo = _request_memo()
        if memo is None:
            return self._query_grants()
        if self.user.pk not in memo["grants"]:
            memo["grants"][self.user.pk] = self._query_grants()
        return memo["grants"][self.user.pk]

    def _query_grants(self) -> dict[Key, str]:
        direct: dict[Key, str] = {}
        by_group: dict[Key, list[str]] = defaultdict(list)
        for scope_model, scope_id, user_id, level in _grant_rows(self.user.pk):
            if user_id is not None:
                direct[(scope_model, scope_id)] = level
            else:
                by_group[(scope_model, scope_id)].append(level)
        combined = {key: (NONE if NONE in levels else max(levels, key=RANK.__getitem__)) for key, levels in by_group.items()}
        combined.update(direct)  # the user's own grant is more specific than any group's
        return combined

    # --- objects and the chain ----------------------------------------------------------------------

    def remember(self, obj) -> None:
        self._objects.setdefault(key_of(obj), obj)
        # Scope objects already loaded with it (select_related, or read through a foreign key): a page's space
        # then costs no query of its own in the walk. Only in a request that has changed nothing yet: after a
        # change, or outside a request, an object's cached parent may be an older copy than the database's (a
        # page restricted since it was read), and a walk through it would answer from before the change.
        # The request's other walks get them too (the memo): the answer's second look at a page's space is free.
        if not _loaded_before_any_change():
            return
        memo = _request_memo()
        loaded, stack, seen = [], [obj], set()
        while stack:  # through the chain loaded with it: a page's space, the space's workspace
            current = stack.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            loaded.append(current)
            stack.extend(related for related in getattr(current._state, "fields_cache", {}).values()
                         if related is not None and hasattr(related, "_meta") and scope_type_of(related) is not None)
        for each in loaded:
            self._objects.setdefault(key_of(each), each)
            memo["objects"].setdefault(key_of(each), each)

    def _object(self, key: Key):
        if key not in self._objects:
            memo = _request_memo()
            if memo is not None and key in memo["objects"]:
                self._objects[key] = memo["objects"][key]
                return self._objects[key]
            scope_type = SCOPES.find(key[0])
            obj = None
            if scope_type is not None:
                try:
                    obj = by_pk(scope_type.model).first(pk_value(key[1]))  # compiled once (workos.kernel.prepared)
                except (ValueError, TypeError, ValidationError):
                    obj = None
            self._objects[key] = obj
            if memo is not None:
                memo["objects"][key] = obj
        return self._objects[key]

    def _role(self, scope_type: ScopeType, key: Key, obj) -> str | None:
        memo = _request_memo()
        if memo is None:
            return scope_type.role(self.user, obj)
        role_key = (self.user.pk, key)
        if role_key not in memo["roles"]:
            memo["roles"][role_key] = scope_type.role(self.user, obj)
        return memo["roles"][role_key]

    def _node(self, key: Key) -> _Node:
        chain: list[tuple[Key, object]] = []
        current: Key | None = key
        seen: set[Key] = set()
        while current is not None and current not in self._nodes:
            obj = self._object(current)
            if obj is None or current in seen:
                self._nodes[current] = _Node(NONE, NONE, None, False, None)
                break
            seen.add(current)
            chain.append((current, obj))
            current = _normalise(SCOPES.get(current[0]).parent(obj))
        for current, obj in reversed(chain):
            scope_type = SCOPES.get(current[0])
            parent_key = _normalise(scope_type.parent(obj))
            if parent_key is None:
                if current in self._roles:
                    role = self._roles[current]
                else:
                    role = self._role(scope_type, current, obj) if (self.user is not None and scope_type.role) else None
                inherited, shared, root = ROLE_LEVELS.get(role, NONE), False, current
            else:
                parent = self._nodes[parent_key]
                inherited, role, shared, root = parent.flowing, parent.role, parent.shared, parent.root
            if scope_type.inherit is not None:
                inherited = scope_type.inherit(obj, inherited, role)
            grant = self.grants.get(current)
            flowing = grant if grant is not None else inherited
            if role == ADMIN:
                flowing = MANAGE
            effective = flowing
            if scope_type.floor is not None and grant != NONE:
                effective = stronger(effective, scope_type.floor(obj, role))
            shared = shared or current == self.share_key
            if shared:
                effective = stronger(effective, self.share.level)
            self._nodes[current] = _Node(flowing, effective, role, shared, root)
        return self._nodes[key]

    # --- answers -------------------------------------------------------------------------------------

    def level(self, obj) -> str:
        if scope_type_of(obj) is None:
            return MANAGE if self.superuser else NONE
        if self.superuser:
            return MANAGE
        self.remember(obj)
        return self._node(key_of(obj)).effective

    def level_of_id(self, model, pk) -> str:
        """The level on the scope object ``model`` ``pk`` (a parent named by its id), read only if the walk has not
        met it yet: ``level(page.parent)`` would load the parent through the foreign key first."""
        if self.superuser:
            return MANAGE
        if pk is None or scope_type_of(model) is None:
            return NONE
        return self._node((technical_name_of(model), str(pk))).effective

    def role(self, obj) -> str | None:
        if scope_type_of(obj) is None or self.user is None:
            return None
        self.remember(obj)
        return self._node(key_of(obj)).role

    def root_key(self, key: Key) -> Key | None:
        return self._node(key).root

    def reachable_roots(self, root_model: str) -> set[str]:
        """Roots where this user has a role, has a grant somewhere, or that the share link points into."""
        roots: set[str] = set()
        root_type = SCOPES.find(root_model)
        if self.user is not None and root_type is not None and root_type.roots_of is not None:
            roots |= {str(pk) for pk in root_type.roots_of(self.user)}
        keys = list(self.grants)
        if self.share_key:
            keys.append(self.share_key)
        for key in keys:
            if key[0] not in SCOPES:
                continue
            root = self.root_key(key)
            if root is not None and root[0] == root_model:
                roots.add(root[1])
        return roots


def required_level(action: str, obj) -> str:
    scope_type = scope_type_of(obj)
    if scope_type is not None and action in scope_type.required:
        return scope_type.required[action]
    try:
        return ACTIONS.get(action)
    except RegistryError:
        raise ValueError(f"unknown permission action {action!r}; known: {', '.join(ACTIONS)}") from None


_memoised: ContextVar[Access | None] = ContextVar("workos_memoised_access", default=None)


@contextmanager
def memoised_levels(user):
    """Within this block, ``user``'s levels are worked out once per object (one ``Access``), instead of afresh at
    every check — for one write that makes many objects at once (a template applied) and changes no grant, role
    or place of an existing object meanwhile. Checks for other users, or with a share link, are not affected."""
    if _memoised.get() is not None:
        yield
        return
    token = _memoised.set(Access(user))
    try:
        yield
    finally:
        _memoised.reset(token)


def _access(user, share: ShareToken | None = None) -> Access:
    """The memoised ``Access`` when inside ``memoised_levels`` for this user (and no share link), else a new one."""
    memo = _memoised.get()
    if memo is not None and share is None and memo.user is not None and getattr(user, "pk", None) == memo.user.pk:
        return memo
    return Access(user, share)


def level_of(user, obj, *, share: ShareToken | None = None) -> str:
    """The user's effective level on ``obj``: none, view, comment, edit or manage."""
    return _access(user, share).level(obj)


def readers_among(users, action: str, obj) -> set[int]:
    """The ids of those among ``users`` who may do ``action`` on ``obj`` — the same answer as ``can`` for each,
    in a fixed number of queries however many users (the scope chain once, their grants and group grants at
    once, the roles at the root by role): for notices to many people, who must each be able to read what they
    are told about."""
    users = [user for user in (_active_user(user) for user in users) if user is not None]
    if not users:
        return set()
    needed = required_level(action, obj)
    probe = Access(None)
    probe.remember(obj)
    chain: list[Key] = []
    current: Key | None = key_of(obj)
    while current is not None and current not in chain:
        chain.append(current)
        found = probe._object(current)
        current = _normalise(SCOPES.get(current[0]).parent(found)) if found is not None else None
    root = chain[-1]
    root_type = SCOPES.get(root[0])
    roles: dict[int, str] = {}
    root_object = probe._object(root)
    if root_object is not None and root_type.members is not None:
        for role in ROLE_LEVELS:
            members = root_type.members(root_object, role)
            for user_id in (members.values_list("pk", flat=True) if hasattr(members, "values_list") else [member.pk for member in members]):
                roles[user_id] = role
    group_links = get_user_model().groups.through.objects.filter(user_id__in=[user.pk for user in users]).values_list("user_id", "group_id")
    groups_of: dict[int, list[int]] = defaultdict(list)
    for user_id, group_id in group_links:
        groups_of[user_id].append(group_id)
    all_groups = {group_id for ids in groups_of.values() for group_id in ids}
    rows = Permission.objects.filter(Q(user__in=users) | Q(group_id__in=all_groups), scope_model__in={key[0] for key in chain},
                                     scope_id__in={key[1] for key in chain}).values_list("scope_model", "scope_id", "user_id", "group_id", "level")
    rows = list(rows)
    readers: set[int] = set()
    for user in users:
        access = Access(user)
        access._objects = probe._objects
        access._roles = {root: roles.get(user.pk)} if root_type.members is not None else {}
        direct: dict[Key, str] = {}
        by_group: dict[Key, list[str]] = defaultdict(list)
        mine = set(groups_of.get(user.pk, ()))
        for scope_model, scope_id, user_id, group_id, level in rows:
            if user_id == user.pk:
                direct[(scope_model, scope_id)] = level
            elif group_id in mine:
                by_group[(scope_model, scope_id)].append(level)
        combined = {key: (NONE if NONE in levels else max(levels, key=RANK.__getitem__)) for key, levels in by_group.items()}
        combined.update(direct)
        access._grants = combined
        if RANK[access.level(obj)] >= RANK[needed]:
            readers.add(user.pk)
    return readers


def can(user, action: str, obj, *, share: ShareToken | None = None) -> bool:
    """Whether ``user`` may do ``action`` (read, list, search, comment, edit, delete, share, manage) on ``obj``."""
    return RANK[level_of(user, obj, share=share)] >= RANK[required_level(action, obj)]


def allowed_actions(user, obj, *, share: ShareToken | None = None) -> dict[str, bool]:
    level = level_of(user, obj, share=share)
    return {action: RANK[level] >= RANK[required_level(action, obj)] for action in ACTIONS}


def _not_found(obj) -> NotFound:
    return NotFound(f"no such {obj._meta.verbose_name}")


def require(user, action: str, obj, *, share: ShareToken | None = None) -> str:
    """Raise unless ``user`` may do ``action`` on ``obj``; return the user's level.

    NotFound when the user may not even view it (never reveal that it exists), PermissionDenied otherwise.
    """
    level = level_of(user, obj, share=share)
    if RANK[level] < RANK[VIEW]:
        raise _not_found(obj)
    needed = required_level(action, obj)
    if RANK[level] < RANK[needed]:
        raise PermissionDenied(f"you cannot {action} this {obj._meta.verbose_name}: it needs {needed} access, you have {level}")
    return level


def visible_to(user, queryset, *, share: ShareToken | None = None):
    """``queryset`` narrowed to the objects ``user`` may view. Use it for every list, count, search and export."""
    model_name = technical_name_of(queryset.model)
    access = _access(user, share)
    if model_name not in SCOPES:
        return queryset if access.superuser else queryset.none()
    if access.superuser:
        return queryset
    if access.user is None and share is None:
        return queryset.none()
    scope_type = SCOPES.get(model_name)
    roots = access.reachable_roots(scope_type.root_model)
    if not roots:
        return queryset.none()
    candidates = list(queryset.filter(**{f"{scope_type.root_path}__in": list(roots)}))
    visible = []
    for obj in candidates:  # seed the memo first: parents are often among the candidates themselves
        access.remember(obj)
    for obj in candidates:
        if RANK[access.level(obj)] >= RANK[VIEW]:
            visible.append(obj.pk)
    return queryset.filter(pk__in=visible)


def role_of(user, obj) -> str | None:
    """The user's role (admin, member, guest) in the workspace that holds ``obj``, or None."""
    return Access(user).role(obj)


def members_with_role(obj, role: str) -> list:
    """Users with ``role`` in the workspace that holds ``obj``."""
    access = Access(None)
    root = access.root_key(key_of(obj)) if scope_type_of(obj) else None
    if root is None:
        return []
    root_type = SCOPES.get(root[0])
    if root_type.members is None:
        return []
    return list(root_type.members(access._object(root), role))


def object_for(scope_model: str, scope_id) -> object:
    """The object a client names by technical model name and id; NotFound when there is none."""
    if scope_model not in SCOPES:
        raise InvalidInput(f"objects of type {scope_model!r} do not take permissions; known: {', '.join(SCOPES)}", field="scope_model")
    obj = Access(None)._object((scope_model, str(scope_id)))
    if obj is None:
        raise NotFound(f"no such {SCOPES.get(scope_model).model._meta.verbose_name}")
    return obj


# --- records a workspace owns ------------------------------------------------------------------------------
# Platform settings such as themes and workflows are either system-wide (no owner) or owned by one root scope
# (a workspace). Their modules cannot import the module that defines workspaces, so they ask here: the root
# types register who belongs to them (``ScopeType.roots_of``) and every object knows its root.


def root_of(obj) -> Key | None:
    """The root scope (a workspace) that holds ``obj``, or None for an object outside every scope tree."""
    if scope_type_of(obj) is None:
        return None
    access = Access(None)
    access.remember(obj)
    return access.root_key(key_of(obj))


def member_roots(user) -> set[Key]:
    """The roots (workspaces) where ``user`` has a role, whatever it is: the ones the user belongs to."""
    user = _active_user(user)
    if user is None:
        return set()
    roots: set[Key] = set()
    for name, scope_type in SCOPES.items():
        if scope_type.roots_of is not None:
            roots |= {(name, str(pk)) for pk in scope_type.roots_of(user)}
    return roots


def owner_for(owner_model: str | None, owner_id) -> Key:
    """The owner key of a record a workspace owns, checked: ("", "") for a system one, else an existing root."""
    if not owner_model and owner_id in (None, ""):
        return ("", "")
    if not owner_model or owner_id in (None, ""):
        raise InvalidInput("an owner is named by owner_model and owner_id together", field="owner_model")
    obj = object_for(owner_model, owner_id)
    if SCOPES.get(owner_model).parent(obj) is not None:
        raise InvalidInput("only a workspace (the root of a scope tree) owns themes and workflows", field="owner_model")
    return key_of(obj)


def visible_to_members(user, queryset):
    """``queryset`` of records a workspace may own (fields ``owner_model``/``owner_id``, blank for a system
    one) narrowed to the system ones and those of the workspaces ``user`` belongs to; superusers see all."""
    user = _active_user(user)
    if user is None:
        return queryset.filter(owner_model="")
    if user.is_superuser:
        return queryset
    by_model: dict[str, list[str]] = defaultdict(list)
    for model, pk in member_roots(user):
        by_model[model].append(pk)
    condition = Q(owner_model="")
    for model, pks in by_model.items():
        condition |= Q(owner_model=model, owner_id__in=pks)
    return queryset.filter(condition)


def readable_record(user, res_model: str, res_id, *, having: tuple[str, ...] = ()) -> object:
    """The record a client names by technical model name and id, if ``user`` may read it. An unknown model, a
    model without all the fields ``having`` names, an id of the wrong type or no such record: NotFound alike."""
    model = model_for(res_model) if isinstance(res_model, str) else None
    record = None
    if model is not None and all(hasattr(model, field) for field in having):
        try:
            record = model._default_manager.filter(pk=res_id).first()
        except (ValueError, TypeError, OverflowError):
            record = None
    # A record the user may not read gets the very answer a missing one gets, so that no one learns from it
    # which ids exist.
    if record is None or not can(user, "read", record):
        raise NotFound("no such record")
    return record


# --- grants ---------------------------------------------------------------------------------------------


def access_changed(keys) -> None:
    """Tell the access listeners, once the current transaction commits, that access changed on ``keys``
    (scopes as (technical model name, id), or objects). Modules call it when they change who may see what."""
    keys = [key if isinstance(key, tuple) else key_of(key) for key in keys]

    def tell():
        for _name, listener in ACCESS_LISTENERS.items():
            listener(keys)

    transaction.on_commit(tell)


def _grantee(user_id: int | None, group_id: int | None):
    if (user_id is None) == (group_id is None):
        raise InvalidInput("a grant names exactly one user or one group", field="user_id")
    if user_id is not None:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise InvalidInput("no such user", field="user_id")
        return user, None
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise InvalidInput("no such group", field="group_id")
    return None, group


def _grantee_label(grant: Permission) -> str:
    if grant.user_id:
        return f"user:{grant.user_id} ({grant.user.get_username()})"
    return f"group:{grant.group_id} ({grant.group.name})"


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}", field="level")


def grants_on(actor, obj):
    """The grants on ``obj`` itself (not inherited ones); anyone who can view it may see who has access."""
    require(actor, "read", obj)
    scope_model, scope_id = key_of(obj)
    return Permission.objects.filter(scope_model=scope_model, scope_id=scope_id).select_related("user", "group")


@transaction.atomic
def grant(actor, obj, level: str, *, user_id: int | None = None, group_id: int | None = None) -> Permission:
    """Give a user or a group ``level`` on ``obj`` (replacing their grant there, if any). Needs share rights."""
    if scope_type_of(obj) is None:
        raise InvalidInput(f"objects of type {technical_name_of(_model_of(obj))} do not take permissions", field="scope_model")
    require(actor, "share", obj)
    _check_level(level)
    user, group = _grantee(user_id, group_id)
    scope_model, scope_id = key_of(obj)
    existing = Permission.objects.select_for_update(no_key=True).filter(scope_model=scope_model, scope_id=scope_id, user=user, group=group).first()
    before = existing.level if existing else None
    if existing is None:
        existing = Permission(scope_model=scope_model, scope_id=scope_id, user=user, group=group, created_by=_active_user(actor))
    existing.level = level
    existing.save()
    record_event(actor=actor, action="permission.grant", target=obj, target_name=label_of(obj), changes={
        "grant_id": existing.pk, "grantee": _grantee_label(existing), "level": {"before": before, "after": level},
    })
    for _key, listener in GRANT_LISTENERS.items():
        listener(actor, obj, existing, before)
    access_changed([obj])
    return existing


def _grant_for(actor, grant_id: int) -> tuple[Permission, object]:
    existing = Permission.objects.select_related("user", "group").filter(pk=grant_id).first()
    obj = Access(None)._object((existing.scope_model, existing.scope_id)) if existing else None
    if existing is None or obj is None or RANK[level_of(actor, obj)] < RANK[VIEW]:
        raise NotFound("no such grant")
    require(actor, "share", obj)
    return existing, obj


@transaction.atomic
def update_grant(actor, grant_id: int, level: str) -> Permission:
    """Change the level of one grant. Needs share rights on its object."""
    existing, obj = _grant_for(actor, grant_id)
    _check_level(level)
    before = existing.level
    existing.level = level
    existing.save(update_fields=["level", "updated_at"])
    record_event(actor=actor, action="permission.update", target=obj, target_name=label_of(obj), changes={
        "grant_id": existing.pk, "grantee": _grantee_label(existing), "level": {"before": before, "after": level},
    })
    access_changed([obj])
    return existing


@transaction.atomic
def revoke_grant(actor, grant_id: int) -> None:
    """Remove one grant: its grantee falls back to what they inherit. Needs share rights on its object."""
    existing, obj = _grant_for(actor, grant_id)
    changes = {"grant_id": existing.pk, "grantee": _grantee_label(existing), "level": {"before": existing.level, "after": None}}
    existing.delete()
    record_event(actor=actor, action="permission.revoke", target=obj, target_name=label_of(obj), changes=changes)
    access_changed([obj])


@transaction.atomic
def forget_objects(actor, objects: list) -> int:
    """Remove the grants and share links of objects that are being deleted for good (called by their module)."""
    removed = 0
    for obj in objects:
        scope_model, scope_id = key_of(obj)
        grants, _ = Permission.objects.filter(scope_model=scope_model, scope_id=scope_id).delete()
        tokens, _ = ShareToken.objects.filter(scope_model=scope_model, scope_id=scope_id).delete()
        if grants or tokens:
            removed += grants + tokens
            record_event(actor=actor, action="permission.forget", target=obj, target_name=label_of(obj),
                         changes={"grants": grants, "share_tokens": tokens})
    return removed


# --- share links ----------------------------------------------------------------------------------------


def hash_share_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def share_tokens_on(actor, obj):
    require(actor, "share", obj)
    scope_model, scope_id = key_of(obj)
    return ShareToken.objects.filter(scope_model=scope_model, scope_id=scope_id)


@transaction.atomic
def create_share_token(actor, obj, level: str = "view", audience: str = ShareToken.Audience.MEMBERS,
                       expires_at: datetime | None = None) -> tuple[ShareToken, str]:
    """Create a share link to ``obj`` and its subtree; return it and the secret, shown once."""
    if scope_type_of(obj) is None:
        raise InvalidInput(f"objects of type {technical_name_of(_model_of(obj))} cannot be shared", field="scope_model")
    require(actor, "share", obj)
    if level not in SHARE_LEVELS:
        raise InvalidInput(f"a share link gives {', '.join(SHARE_LEVELS)} access", field="level")
    if audience not in ShareToken.Audience.values:
        raise InvalidInput(f"audience must be one of {', '.join(ShareToken.Audience.values)}", field="audience")
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise InvalidInput("expiry needs a time zone (e.g. 2030-01-01T00:00:00Z)", field="expires_at")
        if expires_at <= timezone.now():
            raise InvalidInput("expiry must be in the future", field="expires_at")
    raw = SHARE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    scope_model, scope_id = key_of(obj)
    token = ShareToken.objects.create(
        prefix=raw[: len(SHARE_TOKEN_PREFIX) + 6], token_hash=hash_share_token(raw), scope_model=scope_model, scope_id=scope_id,
        level=level, audience=audience, expires_at=expires_at, created_by=_active_user(actor),
    )
    record_event(actor=actor, action="share.create", target=obj, target_name=label_of(obj), changes={
        "share_token_id": token.pk, "prefix": token.prefix, "level": level, "audience": audience, "expires_at": expires_at,
    })
    return token, raw


@transaction.atomic
def revoke_share_token(actor, token_id: int) -> ShareToken:
    """Revoke a share link at once: from now on it answers 404. Needs share rights on its object."""
    token = ShareToken.objects.select_for_update(no_key=True).filter(pk=token_id).first()
    obj = Access(None)._object((token.scope_model, token.scope_id)) if token else None
    if token is None or obj is None or RANK[level_of(actor, obj)] < RANK[VIEW]:
        raise NotFound("no such share link")
    require(actor, "share", obj)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="share.revoke", target=obj, target_name=label_of(obj),
                     changes={"share_token_id": token.pk, "prefix": token.prefix})
        access_changed([obj])
    return token


def resolve_share_token(raw: str, user=None) -> ShareToken:
    """The live share link behind ``raw``. Unknown, expired, revoked or pointing at a deleted object: NotFound,
    all alike, so a link never tells more than that it does not work."""
    not_found = NotFound("this link does not exist or no longer works")
    if not raw or not raw.startswith(SHARE_TOKEN_PREFIX) or len(raw) > 128:
        raise not_found
    token = ShareToken.objects.filter(token_hash=hash_share_token(raw), revoked_at__isnull=True).first()
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        raise not_found
    obj = Access(None)._object((token.scope_model, token.scope_id))
    if obj is None:
        raise not_found
    if token.audience == ShareToken.Audience.MEMBERS:
        if _active_user(user) is None:
            raise NotAuthenticated("log in to open this link: it is for members of the workspace")
        if not user.is_superuser and role_of(user, obj) is None:
            raise not_found
    return token


def shared_object(token: ShareToken):
    obj = Access(None)._object((token.scope_model, token.scope_id))
    if obj is None:
        raise NotFound("this link does not exist or no longer works")
    return obj
