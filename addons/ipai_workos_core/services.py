"""Workspaces, members, spaces and pages: the only write path of this module, and its permission-filtered reads.

Each write checks permission, validates, writes and records its audit event, in one transaction.

The page tree: a page's place is (space, parent, rank), ``rank`` a fractional order key (``workos.kernel.ranks``)
unique among the page's siblings — trashed siblings included, so that a page restored from the trash finds its
place free. Placing a page (create, move, restore to the top of its space) writes that page's row only; a
sibling list is renumbered only when keys grow long from many insertions at one spot. Changes to one space's
tree are serialised by a row lock on the space (a no-op on SQLite, whose writes are serialised anyway), so two
concurrent moves can neither make a cycle nor pick the same key.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import slugify

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge

from .models import CoreSetting, Favorite, Page, PageVersion, PageVisit, Role, Space, Visibility, Workspace, WorkspaceMember
from .registry import PAGE_CONTENT_HANDLERS, PAGE_COPY_HANDLERS

QUERIES = ("destination_space", "workspaces_for", "get_workspace", "members_of", "spaces_for", "get_space", "pages_for", "get_page", "page_ancestors",
           "visible_pages", "space_tree", "visible_ancestors", "trash_for", "trash_retention_days", "favorites_for", "recent_pages",
           "versions_of", "get_version", "subtree_ids")

UNSET = object()

NAME_MAX = 128
TITLE_MAX = 512


def _clean_name(value, field: str = "name", limit: int = NAME_MAX) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must not be empty", field=field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    if any(ord(char) < 32 for char in value):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return value


def _clean_title(value) -> str:
    if not isinstance(value, str):
        raise InvalidInput("title must be text", field="title")
    value = value.strip()
    if len(value) > TITLE_MAX:
        raise InvalidInput(f"title is longer than {TITLE_MAX} characters", field="title")
    if any(ord(char) < 32 for char in value):
        raise InvalidInput("title must not contain control characters", field="title")
    return value


def _require_user(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("log in first")


# --- workspaces ----------------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, number = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def create_workspace(actor, name: str, slug: str = "", icon: str = "") -> Workspace:
    """Create a workspace; its creator becomes its first admin."""
    _require_user(actor)
    name = _clean_name(name)
    if slug:
        if slugify(slug) != slug or len(slug) > 64:
            raise InvalidInput("slug may hold lower-case letters, digits and dashes only (at most 64)", field="slug")
        if Workspace.objects.filter(slug=slug).exists():
            raise Conflict("a workspace with this slug exists", field="slug")
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=name, slug=slug or _unique_slug(name), icon=(icon or "")[:64], created_by=actor)
    except IntegrityError:
        raise Conflict("a workspace with this slug exists", field="slug") from None
    WorkspaceMember.objects.create(workspace=workspace, user=actor, role=Role.ADMIN)
    record_event(actor=actor, action="workspace.create", target=workspace, changes={"name": {"before": None, "after": name}, "slug": {"before": None, "after": workspace.slug}})
    return workspace


@transaction.atomic
def update_workspace(actor, workspace: Workspace, *, name: str | None = None, icon: str | None = None) -> Workspace:
    permissions.require(actor, "edit", workspace)
    before = {"name": workspace.name, "icon": workspace.icon}
    if name is not None:
        workspace.name = _clean_name(name)
    if icon is not None:
        workspace.icon = icon[:64]
    workspace.save()
    changes = diff(before, {"name": workspace.name, "icon": workspace.icon})
    record_event(actor=actor, action="workspace.update", target=workspace, changes=changes)
    return workspace


@transaction.atomic
def delete_workspace(actor, workspace: Workspace) -> None:
    """Delete a workspace with everything in it, for good. Admins only."""
    permissions.require(actor, "delete", workspace)
    spaces = list(workspace.spaces.all())
    pages = list(Page.objects.filter(space__workspace=workspace))
    permissions.forget_objects(actor, [*pages, *spaces, workspace])
    record_event(actor=actor, action="workspace.delete", target=workspace, changes={"spaces": len(spaces), "pages": len(pages)})
    workspace.delete()


def workspaces_for(user):
    return permissions.visible_to(user, Workspace.objects.all())


def get_workspace(user, workspace_id, action: str = "read") -> Workspace:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        raise NotFound("no such workspace")
    permissions.require(user, action, workspace)
    return workspace


# --- members -------------------------------------------------------------------------------------------


def members_of(user, workspace: Workspace):
    permissions.require(user, "read", workspace)
    return workspace.members.select_related("user").order_by("id")


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput(f"role must be one of {', '.join(Role.values)}", field="role")


def _keeps_an_admin(workspace: Workspace, leaving_user_id: int) -> bool:
    return workspace.members.filter(role=Role.ADMIN).exclude(user_id=leaving_user_id).exists()


@transaction.atomic
def add_member(actor, workspace: Workspace, user_id: int, role: str = Role.MEMBER) -> WorkspaceMember:
    permissions.require(actor, "manage", workspace)
    _check_role(role)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidInput("no such user", field="user_id")
    if workspace.members.filter(user=user).exists():
        raise Conflict("this user is already a member", field="user_id")
    member = WorkspaceMember.objects.create(workspace=workspace, user=user, role=role)
    record_event(actor=actor, action="workspace.member_add", target=workspace,
                 changes={"member": user.get_username(), "role": {"before": None, "after": role}})
    return member


def _member(workspace: Workspace, user_id: int) -> WorkspaceMember:
    member = workspace.members.select_related("user").filter(user_id=user_id).first()
    if member is None:
        raise NotFound("no such member")
    return member


@transaction.atomic
def change_member_role(actor, workspace: Workspace, user_id: int, role: str) -> WorkspaceMember:
    permissions.require(actor, "manage", workspace)
    _check_role(role)
    member = _member(workspace, user_id)
    if member.role == Role.ADMIN and role != Role.ADMIN and not _keeps_an_admin(workspace, user_id):
        raise Conflict("a workspace keeps at least one admin", field="role")
    before = member.role
    member.role = role
    member.save(update_fields=["role"])
    record_event(actor=actor, action="workspace.member_role", target=workspace,
                 changes={"member": member.user.get_username(), "role": {"before": before, "after": role}})
    return member


@transaction.atomic
def remove_member(actor, workspace: Workspace, user_id: int) -> None:
    """Remove a member (admins may remove anyone, every member may leave)."""
    member = _member(workspace, user_id) if permissions.can(actor, "read", workspace) else None
    if member is None:
        raise NotFound("no such member")
    if actor.pk != user_id:
        permissions.require(actor, "manage", workspace)
    if member.role == Role.ADMIN and not _keeps_an_admin(workspace, user_id):
        raise Conflict("a workspace keeps at least one admin")
    record_event(actor=actor, action="workspace.member_remove", target=workspace,
                 changes={"member": member.user.get_username(), "role": {"before": member.role, "after": None}})
    member.delete()


# --- spaces --------------------------------------------------------------------------------------------


def _check_visibility(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise InvalidInput(f"visibility must be one of {', '.join(Visibility.values)}", field="visibility")


def _check_color(color: str) -> str:
    if color and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise InvalidInput("color must look like #2f6fed", field="color")
    return color


@transaction.atomic
def create_space(actor, workspace: Workspace, name: str, visibility: str = Visibility.TEAM, icon: str = "", color: str = "") -> Space:
    permissions.require(actor, "create", workspace)
    name = _clean_name(name)
    _check_visibility(visibility)
    last = Space.objects.filter(workspace=workspace).order_by("-rank", "-id").values_list("rank", flat=True).first()
    space = Space.objects.create(workspace=workspace, name=name, visibility=visibility, icon=(icon or "")[:64],
                                 color=_check_color(color or ""), rank=_key_after(last), created_by=actor)
    record_event(actor=actor, action="space.create", target=space,
                 changes={"name": {"before": None, "after": name}, "visibility": {"before": None, "after": visibility}})
    return space


@transaction.atomic
def update_space(actor, space: Space, *, name: str | None = None, visibility: str | None = None, icon: str | None = None,
                 color: str | None = None) -> Space:
    permissions.require(actor, "edit", space)
    before = {"name": space.name, "visibility": space.visibility, "icon": space.icon, "color": space.color}
    if name is not None:
        space.name = _clean_name(name)
    if visibility is not None:
        _check_visibility(visibility)
        space.visibility = visibility
    if icon is not None:
        space.icon = icon[:64]
    if color is not None:
        space.color = _check_color(color)
    space.save()
    after = {"name": space.name, "visibility": space.visibility, "icon": space.icon, "color": space.color}
    record_event(actor=actor, action="space.update", target=space, changes=diff(before, after))
    return space


@transaction.atomic
def delete_space(actor, space: Space) -> None:
    """Delete a space and its pages for good (needs full access to the space)."""
    permissions.require(actor, "delete", space)
    pages = list(space.pages.all())
    permissions.forget_objects(actor, [*pages, space])
    record_event(actor=actor, action="space.delete", target=space, changes={"pages": len(pages)})
    space.delete()


def spaces_for(user, workspace_id: int | None = None):
    spaces = Space.objects.all()
    if workspace_id is not None:
        spaces = spaces.filter(workspace_id=workspace_id)
    return permissions.visible_to(user, spaces)


def get_space(user, space_id, action: str = "read") -> Space:
    space = Space.objects.filter(pk=space_id).first()
    if space is None:
        raise NotFound("no such space")
    permissions.require(user, action, space)
    return space


# --- the page tree: order keys, subtrees, locks ---------------------------------------------------------

TREE_DEPTH = 32  # levels a tree answer nests; deeper pages come with has_children and load through /children
TREE_DEPTH_MAX = 64
LONG_RANK = 48  # keys this long mean many insertions at one spot: the sibling list is renumbered
MAX_DUPLICATE_PAGES = 2000
PAGE_TABLE = Page._meta.db_table


def _key_after(last: str | None) -> str:
    try:
        return ranks.rank_between(last, None)
    except ranks.RankError:
        return ranks.ZERO


def subtree_ids(page_id: int) -> RawSQL:
    """The ids of a page and of every page below it, as a subquery (``pk__in=subtree_ids(pk)``): one recursive
    query however deep the tree. UNION (not UNION ALL) also ends the walk on a cycle, should one ever exist."""
    return RawSQL(
        f"WITH RECURSIVE subtree(id) AS (SELECT id FROM {PAGE_TABLE} WHERE id = %s "
        f"UNION SELECT p.id FROM {PAGE_TABLE} p JOIN subtree s ON p.parent_id = s.id) "
        "SELECT id FROM subtree", (page_id,))


def _ancestor_ids(page_id: int) -> list[int]:
    """The ids above a page, nearest first, in one recursive query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE chain(id, parent_id) AS (SELECT id, parent_id FROM {PAGE_TABLE} WHERE id = %s "
            f"UNION SELECT p.id, p.parent_id FROM {PAGE_TABLE} p JOIN chain c ON p.id = c.parent_id) SELECT id, parent_id FROM chain",
            [page_id])
        parents = dict(cursor.fetchall())
    found, current = [], parents.get(page_id)
    while current is not None and current in parents and current not in found and current != page_id:
        found.append(current)
        current = parents[current]
    return found


def _subtree(page: Page) -> list[Page]:
    """``page`` and every page below it."""
    return [page, *Page.objects.filter(pk__in=subtree_ids(page.pk)).exclude(pk=page.pk)]


def _lock_spaces(*space_ids: int) -> None:
    """Serialise changes to these spaces' trees (in id order, so two transactions never wait on each other)."""
    list(Space.objects.select_for_update().filter(pk__in=sorted(set(space_ids))).order_by("pk").values_list("pk", flat=True))


def _siblings(space_id: int, parent_id: int | None):
    return Page.objects.filter(space_id=space_id, parent_id=parent_id) if parent_id else Page.objects.filter(space_id=space_id, parent__isnull=True)


def _renumber(rows) -> None:
    """Fresh, short keys for a whole list in its present order (the rare fallback: see LONG_RANK)."""
    items = list(rows.order_by("rank", "pk"))
    for item, key in zip(items, ranks.ranks_between(None, None, len(items))):
        item.rank = key
    rows.model.objects.bulk_update(items, ["rank"], batch_size=1000)


def _rank_in(rows, *, after=UNSET, before=UNSET, moving_pk=None, renumbered: bool = False) -> str:
    """A key for an item placed in the list ``rows`` (a queryset of rows with a ``rank``): right after the row
    ``after``, right before the row ``before``, at the start (``after=None``), or at the end (neither given).
    ``moving_pk``: the item itself when it is already in the list (it is no neighbour of itself)."""
    others = rows.exclude(pk=moving_pk) if moving_pk is not None else rows
    if after is not UNSET:
        lower = after.rank if after is not None else None
        following = others.filter(rank__gt=lower) if lower is not None else others
        upper = following.order_by("rank", "pk").values_list("rank", flat=True).first()
    elif before is not UNSET and before is not None:
        upper = before.rank
        lower = others.filter(rank__lt=upper).order_by("-rank", "-pk").values_list("rank", flat=True).first()
    else:
        lower, upper = others.order_by("-rank", "-pk").values_list("rank", flat=True).first(), None
    try:
        key = ranks.rank_between(lower, upper)
    except ranks.RankError:
        key = None  # keys from before this scheme, or two equal keys: renumber
    if key is not None and len(key) <= LONG_RANK:
        return key
    if renumbered:
        raise Conflict("the order of this list could not be updated: try again")
    _renumber(others)
    for anchor in (after, before):
        if anchor is not UNSET and anchor is not None:
            anchor.refresh_from_db(fields=["rank"])
    return _rank_in(rows, after=after, before=before, moving_pk=moving_pk, renumbered=True)


def _is_id(value) -> bool:
    """A value that can be a row id (a foreign-key lookup with a larger integer fails in the database driver)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _sibling_anchor(actor, page_id, space_id: int, parent_id: int | None, field: str):
    """The page a client names as a neighbour at the destination: it must be a sibling there that they can see."""
    if page_id is UNSET or page_id is None:
        return page_id
    anchor = _siblings(space_id, parent_id).filter(pk=page_id).first() if _is_id(page_id) else None
    if anchor is None or not permissions.can(actor, "read", anchor):
        raise InvalidInput("this page is not a sub-page of the destination", field=field)
    return anchor


def _place(actor, space_id: int, parent_id: int | None, *, after_id=UNSET, before_id=UNSET, moving: Page | None = None) -> str:
    """The key for a page placed among the pages of (space, parent), next to the siblings the client names.
    ``after_id`` wins over ``before_id``; both left out: at the end; ``after_id`` null: at the start."""
    if moving is not None and moving.pk in (after_id, before_id):
        raise InvalidInput("a page cannot be placed next to itself", field="after_id" if after_id == moving.pk else "before_id")
    after = _sibling_anchor(actor, after_id, space_id, parent_id, "after_id")
    before = _sibling_anchor(actor, before_id, space_id, parent_id, "before_id")
    if after not in (UNSET, None) and before not in (UNSET, None) and before.rank <= after.rank:
        raise InvalidInput("before_id comes before after_id at the destination", field="before_id")
    return _rank_in(_siblings(space_id, parent_id), after=after, before=before, moving_pk=moving.pk if moving else None)


def visible_pages(user, pages) -> list[Page]:
    """The pages of ``pages`` (any iterable) that ``user`` may view, in the same order; one permission walk."""
    pages = list(pages)
    access = permissions.Access(user)
    for page in pages:
        access.remember(page)
    return [page for page in pages if RANK[access.level(page)] >= RANK[VIEW]]


# --- pages ---------------------------------------------------------------------------------------------


def _clean_cover(value) -> str:
    if not isinstance(value, str):
        raise InvalidInput("cover_url must be text", field="cover_url")
    value = value.strip()
    if len(value) > 1024:
        raise InvalidInput("cover_url is longer than 1024 characters", field="cover_url")
    if value and (any(ord(char) <= 32 for char in value)
                  or not (value.startswith(("https://", "http://")) or (value.startswith("/") and not value.startswith("//")))):
        raise InvalidInput("cover_url is an http(s) address or a path on this site", field="cover_url")
    return value


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def destination_space(actor, *, space: Space | None, parent: Page | None, what: str, parent_field: str) -> Space:
    """Where something new (a page, a database ...) goes: under ``parent`` (in its space) or at the top of
    ``space``. Checks the actor may add there; returns the space. Shared by the modules that add to the tree."""
    if parent is not None:
        permissions.require(actor, "create", parent)
        if parent.archived_at is not None:
            raise Conflict(f"cannot add a {what} under a page in the trash", field=parent_field)
        if space is not None and space.pk != parent.space_id:
            raise InvalidInput("the parent page is in another space", field=parent_field)
        return parent.space
    if space is not None:
        permissions.require(actor, "create", space)
        return space
    raise InvalidInput(f"a {what} needs a space or a parent page", field="space_id")


@transaction.atomic
def create_page(actor, *, space: Space | None = None, parent: Page | None = None, title: str = "", icon: str = "",
                container: tuple[str, str] | None = None) -> Page:
    """Create a page at the end of a space's top level or of ``parent``'s sub-pages (then in the parent's space).

    ``container`` = (scope model, id) makes it a page that belongs to that object instead of the tree (a database
    row's page): the caller has checked the actor may add to the container; the page takes its access from it
    and stays out of the sidebar tree and page lists."""
    if container is not None:
        if space is None or parent is not None:
            raise InvalidInput("a contained page needs a space and no parent page", field="space_id")
        permissions.require(actor, "edit", permissions.object_for(container[0], container[1]))
    else:
        space = destination_space(actor, space=space, parent=parent, what="page", parent_field="parent_id")
    title, icon = _clean_title(title), (icon or "")[:64]
    _lock_spaces(space.pk)
    rank = _place(actor, space.pk, parent.pk if parent else None)
    container_model, container_id = (container[0], str(container[1])) if container else ("", "")
    page = Page.objects.create(space=space, parent=parent, title=title, icon=icon, rank=rank, created_by=actor, updated_by=actor,
                               container_model=container_model, container_id=container_id)
    PageVersion.objects.create(page=page, number=1, title=page.title, icon=page.icon, created_by=_user_or_none(actor))
    record_event(actor=actor, action="page.create", target=page,
                 changes={"title": {"before": None, "after": page.title}, "parent_id": {"before": None, "after": page.parent_id}})
    return page


@transaction.atomic
def update_page(actor, page: Page, *, title: str | None = None, icon: str | None = None, cover_url: str | None = None) -> Page:
    """Rename a page, change its icon or cover. A change is a save: it lands in the page's history."""
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    before = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url}
    if title is not None:
        page.title = _clean_title(title)
    if icon is not None:
        page.icon = icon[:64]
    if cover_url is not None:
        page.cover_url = _clean_cover(cover_url)
    page.updated_by = actor
    page.save()
    changes = diff(before, {"title": page.title, "icon": page.icon, "cover_url": page.cover_url})
    if changes:
        _save_version(actor, page)
    record_event(actor=actor, action="page.update", target=page, changes=changes)
    return page


def _refuse_contained(page: Page, done: str) -> None:
    if page.container_model:
        owner = page.container_model.rsplit(".", 1)[-1]
        raise Conflict(f"this page belongs to a {owner} and is not {done} on its own; use its {owner}")


@transaction.atomic
def move_page(actor, page: Page, *, parent: Page | None = UNSET, space: Space | None = None, after_id=UNSET, before_id=UNSET) -> Page:
    """Move a page (with its sub-pages) under ``parent`` (None: the top level of ``space``, by default its own),
    next to the siblings named by ``after_id``/``before_id`` (see ``_place``). Needs edit access to the page and
    the right to add pages at the destination. A page never moves into itself or one of its sub-pages; moving
    to another space takes the whole subtree along. Within one space a move writes the page's row only."""
    permissions.require(actor, "edit", page)
    _refuse_contained(page, "moved")
    if parent is UNSET:
        parent = page.parent if space is None or space.pk == page.space_id else None
    if parent is not None:
        if space is not None and space.pk != parent.space_id:
            raise InvalidInput("the parent page is in another space", field="space_id")
        space = parent.space
    space = space or page.space
    if space.workspace_id != page.space.workspace_id:
        raise InvalidInput("pages move between spaces of one workspace", field="space_id")
    permissions.require(actor, "create", parent if parent is not None else space)
    _lock_spaces(page.space_id, space.pk)
    # read again under the lock: what was loaded before may have changed meanwhile
    current = Page.objects.filter(pk=page.pk).values("space_id", "parent_id", "rank", "archived_at").first()
    if current is None:
        raise NotFound("no such page")
    if current["space_id"] != page.space_id:
        raise Conflict("the page was moved meanwhile: reload and try again")
    if current["archived_at"] is not None:
        raise Conflict("this page is in the trash: restore it first")
    if parent is not None:
        if parent.pk == page.pk or page.pk in _ancestor_ids(parent.pk):
            raise InvalidInput("a page cannot move into itself or one of its sub-pages", field="parent_id")
        if Page.objects.filter(pk=parent.pk, archived_at__isnull=True).values_list("space_id", flat=True).first() != space.pk:
            raise Conflict("the destination page is in the trash or was moved meanwhile", field="parent_id")
    rank = _place(actor, space.pk, parent.pk if parent else None, after_id=after_id, before_id=before_id, moving=page)
    now = timezone.now()
    Page.objects.filter(pk=page.pk).update(space=space, parent=parent, rank=rank, updated_by=actor, updated_at=now)
    moved_along = 0
    if space.pk != current["space_id"]:
        moved_along = Page.objects.filter(pk__in=subtree_ids(page.pk)).exclude(pk=page.pk).update(space=space)
    before = {"space_id": current["space_id"], "parent_id": current["parent_id"], "rank": current["rank"]}
    page.space, page.parent, page.rank, page.updated_by, page.updated_at = space, parent, rank, actor, now
    changes = diff(before, {"space_id": space.pk, "parent_id": page.parent_id, "rank": rank})
    if moved_along:
        changes["subpages"] = moved_along
    record_event(actor=actor, action="page.move", target=page, changes=changes)
    return page


def _copy_title(title: str) -> str:
    return f"{title[:TITLE_MAX - 7]} (copy)" if title else ""


@transaction.atomic
def duplicate_page(actor, page: Page, *, include_subpages: bool = True, title: str | None = None) -> Page:
    """Copy a page right after itself, with the sub-pages the actor can see (when ``include_subpages``) and, through
    ``PAGE_COPY_HANDLERS``, what other modules keep per page (its blocks ...). Needs view access to the page and
    the right to add pages where it is. Pages in the trash and pages hidden from the actor are not copied."""
    permissions.require(actor, "read", page)
    _refuse_contained(page, "duplicated")
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    permissions.require(actor, "create", page.parent if page.parent_id else page.space)
    root_title = _clean_title(title) if title is not None else _copy_title(page.title)
    sources = [page]
    if include_subpages:
        below = Page.objects.filter(pk__in=subtree_ids(page.pk), archived_at__isnull=True).exclude(pk=page.pk).order_by("rank", "pk")
        candidates = visible_pages(actor, below)
        if len(candidates) + 1 > MAX_DUPLICATE_PAGES:
            raise TooLarge(f"a duplicate copies at most {MAX_DUPLICATE_PAGES} pages: copy a part of this tree")
        by_parent = defaultdict(list)
        for candidate in candidates:
            by_parent[candidate.parent_id].append(candidate)
        frontier = [page.pk]
        while frontier:  # breadth first: a page is copied only when its parent was (a hidden page hides its subtree)
            level = [child for parent_id in frontier for child in by_parent.get(parent_id, [])]
            sources.extend(level)
            frontier = [child.pk for child in level]
    _lock_spaces(page.space_id)
    user = _user_or_none(actor)
    root = Page.objects.create(space_id=page.space_id, parent_id=page.parent_id, title=root_title, icon=page.icon, cover_url=page.cover_url,
                               rank=_place(actor, page.space_id, page.parent_id, after_id=page.pk), created_by=user, updated_by=user)
    copies = {page.pk: root}
    pending = sources[1:]
    while pending:  # one insert per level: a copy's parent must exist first
        level = [source for source in pending if source.parent_id in copies]
        pending = [source for source in pending if source.parent_id not in copies]
        made = Page.objects.bulk_create([
            Page(space_id=page.space_id, parent_id=copies[source.parent_id].pk, title=source.title, icon=source.icon, cover_url=source.cover_url,
                 rank=source.rank, created_by=user, updated_by=user) for source in level])
        copies.update({source.pk: copy for source, copy in zip(level, made)})
    PageVersion.objects.bulk_create([PageVersion(page=copy, number=1, title=copy.title, icon=copy.icon, cover_url=copy.cover_url, created_by=user)
                                     for copy in copies.values()])
    for _name, handler in PAGE_COPY_HANDLERS.items():
        for source in sources:
            handler(actor, source, copies[source.pk])
    record_event(actor=actor, action="page.duplicate", target=root,
                 changes={"source_id": page.pk, "pages": len(copies), "title": {"before": None, "after": root.title}})
    return root


@transaction.atomic
def archive_page(actor, page: Page) -> Page:
    """Move a page and its sub-pages to the trash."""
    permissions.require(actor, "delete", page)
    if page.archived_at is not None:
        return page
    now = timezone.now()
    subtree = [p for p in _subtree(page) if p.archived_at is None]
    Page.objects.filter(pk__in=[p.pk for p in subtree]).update(archived_at=now, archived_by=actor)
    page.archived_at, page.archived_by = now, actor
    record_event(actor=actor, action="page.archive", target=page, changes={"archived_at": {"before": None, "after": now}, "pages": len(subtree)})
    return page


@transaction.atomic
def restore_page(actor, page: Page) -> Page:
    """Bring a page back from the trash with the sub-pages that went there with it. When its parent is still in
    the trash, the page comes back at the end of its space's top level (if the actor may add pages there)."""
    permissions.require(actor, "delete", page)
    if page.archived_at is None:
        return page
    changes = {}
    if page.parent_id and page.parent.archived_at is not None:
        if not permissions.can(actor, "create", page.space):
            raise Conflict("its parent page is in the trash: restore the parent first")
        _lock_spaces(page.space_id)
        rank = _place(actor, page.space_id, None, moving=page)
        changes["parent_id"] = {"before": page.parent_id, "after": None}
        Page.objects.filter(pk=page.pk).update(parent=None, rank=rank)
        page.parent, page.rank = None, rank
    archived_at = page.archived_at
    subtree = [p for p in _subtree(page) if p.archived_at == archived_at]
    Page.objects.filter(pk__in=[p.pk for p in subtree]).update(archived_at=None, archived_by=None)
    page.archived_at = page.archived_by = None
    record_event(actor=actor, action="page.restore", target=page,
                 changes={"archived_at": {"before": archived_at, "after": None}, "pages": len(subtree), **changes})
    return page


@transaction.atomic
def delete_page(actor, page: Page) -> None:
    """Delete a page from the trash for good, with its sub-pages."""
    permissions.require(actor, "delete", page)
    if page.archived_at is None:
        raise Conflict("move the page to the trash before deleting it for good")
    subtree = _subtree(page)
    permissions.forget_objects(actor, subtree)
    record_event(actor=actor, action="page.delete", target=page, changes={"pages": len(subtree)})
    page.delete()


def pages_for(user, *, space_id: int | None = None, parent_id: int | None = None, top_level: bool = False,
              query: str = "", archived: bool = False, share=None):
    """The pages ``user`` may view, narrowed by space, parent, title search and trash state."""
    pages = Page.objects.filter(archived_at__isnull=not archived, container_model="")
    if space_id is not None:
        pages = pages.filter(space_id=space_id)
    if parent_id is not None:
        pages = pages.filter(parent_id=parent_id)
    elif top_level:
        pages = pages.filter(parent__isnull=True)
    if query:
        pages = pages.filter(Q(title__icontains=query.strip()[:200]))
    return permissions.visible_to(user, pages, share=share)


def get_page(user, page_id, action: str = "read", share=None) -> Page:
    page = Page.objects.select_related("space").filter(pk=page_id).first()
    if page is None:
        raise NotFound("no such page")
    permissions.require(user, action, page, share=share)
    return page


def page_ancestors(page: Page) -> list[Page]:
    """Every page above ``page``, the top-most first (no permission filter: see ``visible_ancestors``)."""
    ids = _ancestor_ids(page.pk)
    by_id = Page.objects.in_bulk(ids)
    return [by_id[pk] for pk in reversed(ids) if pk in by_id]


def visible_ancestors(user, page: Page) -> list[Page]:
    """Breadcrumbs: the pages above ``page`` that ``user`` may view, top-most first. The trail stops below the
    first page they may not view, so it never names (nor skips over) a hidden page."""
    trail = []
    above = list(reversed(page_ancestors(page)))
    visible = {p.pk for p in visible_pages(user, above)}
    for ancestor in above:
        if ancestor.pk not in visible:
            break
        trail.append(ancestor)
    return list(reversed(trail))


def space_tree(user, space: Space, depth: int = TREE_DEPTH) -> list[dict]:
    """The pages of a space that ``user`` may view, nested and in order. A page they may not view is left out
    with everything below it; pages at ``depth`` come without children but say ``has_children``."""
    permissions.require(user, "read", space)
    if not isinstance(depth, int) or not 1 <= depth <= TREE_DEPTH_MAX:
        raise InvalidInput(f"depth must be from 1 to {TREE_DEPTH_MAX}", field="depth")
    pages = Page.objects.filter(space=space, archived_at__isnull=True, container_model="").order_by("rank", "pk").only(
        "id", "space_id", "parent_id", "title", "icon", "rank", "workflow_state", "container_model", "container_id")
    children = defaultdict(list)
    for page in visible_pages(user, pages):
        children[page.parent_id].append(page)

    def nodes(parent_id, level: int) -> list[dict]:
        return [{
            "id": page.pk, "parent_id": page.parent_id, "title": page.title, "icon": page.icon, "rank": page.rank,
            "has_children": bool(children.get(page.pk)), "children": nodes(page.pk, level + 1) if level < depth else [],
        } for page in children.get(parent_id, [])]

    return nodes(None, 1)


# --- trash ---------------------------------------------------------------------------------------------


def trash_for(user, workspace_id: int | None = None) -> list[Page]:
    """What ``user`` sees in the trash, newest first: each page in the trash they may view whose parent is not
    itself in the trash and visible to them (the sub-pages that went along are restored with it)."""
    # A contained page (a database row's) goes to the trash with its row: its module lists and restores it.
    pages = Page.objects.filter(archived_at__isnull=False, container_model="").select_related("space", "archived_by")
    if workspace_id is not None:
        pages = pages.filter(space__workspace_id=workspace_id)
    visible = visible_pages(user, pages)
    ids = {page.pk for page in visible}
    entries = [page for page in visible if page.parent_id not in ids]
    return sorted(entries, key=lambda page: (page.archived_at, page.pk), reverse=True)


def trash_retention_days() -> int:
    setting = CoreSetting.objects.order_by("id").first()
    return setting.trash_retention_days if setting else CoreSetting._meta.get_field("trash_retention_days").default


@transaction.atomic
def set_trash_retention(actor, days: int) -> CoreSetting:
    """Set how many days pages stay in the trash before ``purge_trash`` deletes them (0: keep them). Administrators."""
    if actor is None or not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only administrators change the trash retention")
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 36500:
        raise InvalidInput("retention must be a number of days from 0 (keep forever) to 36500", field="trash_retention_days")
    setting = CoreSetting.objects.select_for_update().order_by("id").first() or CoreSetting()
    before = setting.trash_retention_days if setting.pk else trash_retention_days()
    setting.trash_retention_days = days
    setting.save()
    record_event(actor=actor, action="trash.retention", target_model="ipai.workos.core.setting", target_id=str(setting.pk),
                 target_name="trash retention", changes=diff({"trash_retention_days": before}, {"trash_retention_days": days}))
    return setting


def purge_trash(actor=None, days: int | None = None, *, now: datetime | None = None, dry_run: bool = False) -> dict:
    """Delete for good the pages that have been in the trash longer than ``days`` (default: the retention
    setting; with the setting at 0 nothing goes). ``actor`` None is the system (the CLI); anyone else must be an
    administrator. Each trashed tree goes in its own transaction with its own audit event, so a long run that
    stops half-way leaves every tree either whole in the trash or gone."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("only administrators empty the trash")
    explicit = days is not None
    days = trash_retention_days() if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise InvalidInput("days must be zero or more", field="days")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    result = {"days": days, "cutoff": cutoff.isoformat(), "trees": 0, "pages": 0, "dry_run": dry_run}
    if days == 0 and not explicit:
        return result
    old = Page.objects.filter(archived_at__lt=cutoff)
    # the top of each old trashed tree: its parent is not in the trash for as long (sub-pages go with it)
    roots = list(old.filter(Q(parent__isnull=True) | Q(parent__archived_at__isnull=True) | Q(parent__archived_at__gte=cutoff))
                 .order_by("archived_at", "pk").values_list("pk", flat=True))
    for root_id in roots:
        with transaction.atomic():
            page = Page.objects.select_for_update().filter(pk=root_id, archived_at__lt=cutoff).first()
            if page is None:
                continue  # restored or deleted meanwhile
            subtree = _subtree(page)
            result["trees"] += 1
            result["pages"] += len(subtree)
            if dry_run:
                continue
            permissions.forget_objects(actor, subtree)
            record_event(actor=actor, action="page.purge", target=page,
                         changes={"pages": len(subtree), "archived_at": page.archived_at, "retention_days": days})
            page.delete()
    return result


# --- favourites ----------------------------------------------------------------------------------------


def favorites_for(user) -> list[Favorite]:
    """The user's favourites, in their order: pages in the trash or no longer visible to them are left out."""
    if _user_or_none(user) is None:
        return []
    favorites = list(Favorite.objects.filter(user=user, page__archived_at__isnull=True).select_related("page", "page__space").order_by("rank", "pk"))
    visible = {page.pk for page in visible_pages(user, [favorite.page for favorite in favorites])}
    return [favorite for favorite in favorites if favorite.page_id in visible]


def _favorite_of(user, page_id) -> Favorite | None:
    return Favorite.objects.select_related("page").filter(user=user, page_id=page_id).first() if _is_id(page_id) else None


def _favorite_anchor(user, page_id, field: str):
    if page_id is UNSET or page_id is None:
        return page_id
    anchor = _favorite_of(user, page_id)
    if anchor is None:
        raise InvalidInput("this page is not among your favourites", field=field)
    return anchor


@transaction.atomic
def add_favorite(actor, page: Page) -> tuple[Favorite, bool]:
    """Add a page to the actor's favourites, at the end; returns (favourite, added). Adding it again changes nothing."""
    _require_user(actor)
    permissions.require(actor, "read", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    existing = Favorite.objects.filter(user=actor, page=page).first()
    if existing is not None:
        return existing, False
    list(Favorite.objects.select_for_update().filter(user=actor).values_list("pk", flat=True))  # one list, one writer
    favorite = Favorite.objects.create(user=actor, page=page, rank=_rank_in(Favorite.objects.filter(user=actor)))
    record_event(actor=actor, action="favorite.add", target=page, changes={"rank": favorite.rank})
    return favorite, True


@transaction.atomic
def remove_favorite(actor, page_id: int) -> None:
    """Take a page off the actor's favourites (also a page they can no longer see)."""
    _require_user(actor)
    favorite = _favorite_of(actor, page_id)
    if favorite is None:
        raise NotFound("this page is not among your favourites")
    record_event(actor=actor, action="favorite.remove", target=favorite.page, changes={"rank": favorite.rank})
    favorite.delete()


@transaction.atomic
def move_favorite(actor, page_id: int, *, after_id=UNSET, before_id=UNSET) -> Favorite:
    """Reorder the actor's favourites: put one after (or before) another (``after_id`` null: first). One row."""
    _require_user(actor)
    favorite = _favorite_of(actor, page_id)
    if favorite is None:
        raise NotFound("this page is not among your favourites")
    if page_id in (after_id, before_id):
        raise InvalidInput("a favourite cannot be placed next to itself", field="after_id" if after_id == page_id else "before_id")
    list(Favorite.objects.select_for_update().filter(user=actor).values_list("pk", flat=True))
    after = _favorite_anchor(actor, after_id, "after_id")
    before = _favorite_anchor(actor, before_id, "before_id")
    before_rank = favorite.rank
    favorite.rank = _rank_in(Favorite.objects.filter(user=actor), after=after, before=before, moving_pk=favorite.pk)
    favorite.save(update_fields=["rank"])
    record_event(actor=actor, action="favorite.move", target=favorite.page, changes={"rank": {"before": before_rank, "after": favorite.rank}})
    return favorite


# --- recently visited ----------------------------------------------------------------------------------

RECENT_KEPT = 100  # visits kept per user; older ones are dropped as new ones come


@transaction.atomic
def record_visit(actor, page: Page) -> PageVisit:
    """Note that the actor opened ``page`` (for "recently visited"). One row per user and page."""
    _require_user(actor)
    permissions.require(actor, "read", page)
    now = timezone.now()
    if not PageVisit.objects.filter(user=actor, page=page).update(visited_at=now):
        try:
            with transaction.atomic():
                PageVisit.objects.create(user=actor, page=page, visited_at=now)
        except IntegrityError:  # the same user opened it twice at once
            PageVisit.objects.filter(user=actor, page=page).update(visited_at=now)
        stale = list(PageVisit.objects.filter(user=actor).order_by("-visited_at", "-pk").values_list("pk", flat=True)[RECENT_KEPT:RECENT_KEPT + 50])
        if stale:
            PageVisit.objects.filter(pk__in=stale).delete()
    record_event(actor=actor, action="page.visit", target=page)
    return PageVisit.objects.get(user=actor, page=page)


def recent_pages(user, limit: int = 20) -> list[tuple[Page, datetime]]:
    """The pages ``user`` opened last, newest first, with when; pages in the trash or hidden from them left out."""
    if not isinstance(limit, int) or not 1 <= limit <= RECENT_KEPT:
        raise InvalidInput(f"limit must be from 1 to {RECENT_KEPT}", field="limit")
    if _user_or_none(user) is None:
        return []
    visits = list(PageVisit.objects.filter(user=user, page__archived_at__isnull=True).select_related("page", "page__space")
                  .order_by("-visited_at", "-pk")[:RECENT_KEPT])
    visible = {page.pk for page in visible_pages(user, [visit.page for visit in visits])}
    return [(visit.page, visit.visited_at) for visit in visits if visit.page_id in visible][:limit]


# --- page history --------------------------------------------------------------------------------------

COALESCE_SECONDS = 60  # saves by one user within this long of their last one update that version
MAX_VERSIONS = 200  # per page; the oldest go first
MAX_VERSION_BYTES = 8 * 1024 * 1024
_RESTORING: ContextVar[int | None] = ContextVar("ipai_workos_core_restoring", default=None)


def _snapshot(page: Page) -> dict:
    content = {}
    for _name, handler in PAGE_CONTENT_HANDLERS.items():
        content.update(handler.snapshot(page) or {})
    return content


def _save_version(actor, page: Page, content: dict | None = None, *, restored_from: int | None = None) -> tuple[PageVersion, bool]:
    """Record the page's present state; returns (version, whether a new one was made)."""
    content = _snapshot(page) if content is None else content
    size = len(json.dumps(content, cls=DjangoJSONEncoder))
    if size > MAX_VERSION_BYTES:
        raise TooLarge(f"a page version holds at most {MAX_VERSION_BYTES // (1024 * 1024)} MB of content", field="content")
    user, now = _user_or_none(actor), timezone.now()
    list(Page.objects.select_for_update().filter(pk=page.pk).values_list("pk", flat=True))  # numbers are handed out one at a time
    latest = PageVersion.objects.filter(page=page).order_by("-number").first()
    state = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url, "content": content}
    if (restored_from is None and latest is not None and latest.restored_from is None and user is not None
            and latest.created_by_id == user.pk and now - latest.updated_at < timedelta(seconds=COALESCE_SECONDS)):
        for name, value in state.items():
            setattr(latest, name, value)
        latest.updated_at = now
        latest.save(update_fields=[*state, "updated_at"])
        return latest, False
    number = latest.number + 1 if latest else 1
    version = PageVersion.objects.create(page=page, number=number, created_by=user, updated_at=now, restored_from=restored_from, **state)
    PageVersion.objects.filter(page=page, number__lte=number - MAX_VERSIONS).delete()
    return version, True


@transaction.atomic
def record_version(actor, page: Page, content: dict | None = None) -> PageVersion | None:
    """Record a save of ``page`` in its history — for modules that keep a page's body, after each save of it
    (the blocks document). ``content``: what to keep (e.g. ``{"blocks": [...]}``); None takes it from every
    ``PAGE_CONTENT_HANDLERS`` snapshot. Saves by the same user within a minute update their latest version.
    While a version is being restored, the restore records the result itself: calls for that page return None."""
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    if content is not None and not isinstance(content, dict):
        raise InvalidInput("content is an object", field="content")
    if _RESTORING.get() == page.pk:
        return None
    version, created = _save_version(actor, page, content)
    if created:
        record_event(actor=actor, action="page.version", target=page, changes={"number": version.number})
    return version


def versions_of(user, page: Page):
    """The page's versions, newest first (content deferred: read one with ``get_version``)."""
    permissions.require(user, "read", page)
    return PageVersion.objects.filter(page=page).select_related("created_by").defer("content").order_by("-number")


def get_version(user, page: Page, number) -> PageVersion:
    permissions.require(user, "read", page)
    version = PageVersion.objects.select_related("created_by").filter(page=page, number=number).first() if isinstance(number, int) else None
    if version is None:
        raise NotFound("no such version of this page")
    return version


@transaction.atomic
def restore_version(actor, page: Page, number: int) -> PageVersion:
    """Make the page what version ``number`` was: title, icon, cover and, through ``PAGE_CONTENT_HANDLERS``, its
    body. The result is a new version (marked as restored from ``number``); nothing in the history is lost."""
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    version = get_version(actor, page, number)
    before = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url}
    page.title, page.icon, page.cover_url, page.updated_by = version.title, version.icon, version.cover_url, actor
    page.save()
    token = _RESTORING.set(page.pk)
    try:
        for _name, handler in PAGE_CONTENT_HANDLERS.items():
            handler.restore(actor, page, version.content or {})
    finally:
        _RESTORING.reset(token)
    restored, _ = _save_version(actor, page, restored_from=version.number)
    record_event(actor=actor, action="page.version_restore", target=page,
                 changes={"restored": number, "number": restored.number, **diff(before, {"title": page.title, "icon": page.icon, "cover_url": page.cover_url})})
    return restored
