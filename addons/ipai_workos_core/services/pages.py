"""Pages: create, change, move, duplicate, trash and restore, and the pages a user can see."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipai_platform_audit.services import diff, record_event, record_events
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound, TooLarge
from workos.kernel.prepared import Prepared

from ..models import Page, PageVersion, Space
from ..registry import CONTENT_CHANGED, DELETED, MOVED, PAGE_COPY_HANDLERS, TRASHED, notify_pages
from ._common import TITLE_MAX, UNSET, _clean_title, _user_or_none
from .history import _save_version
from .tree import MAX_DUPLICATE_PAGES, TREE_DEPTH, TREE_DEPTH_MAX, subtree_ids, subtrees, visible_pages, _ancestor_ids, _lock_pages_to_delete, _lock_spaces, _place, _siblings, _subtree


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
    notify_pages(CONTENT_CHANGED, [page.pk], actor)
    return page


@transaction.atomic
def create_contained_pages(actor, *, space: Space, titles: list[str], container: tuple[str, str], icons: list[str] | None = None) -> list[Page]:
    """``create_page`` for many pages of one container at once (the rows a database adds in bulk): one
    permission check, one lock, one INSERT of the pages and one of their first versions, one audit event per
    page (recorded together), one notice to the page listeners. The pages are in the order of ``titles``
    (``icons``, if given, alongside)."""
    from workos.kernel import ranks

    permissions.require(actor, "edit", permissions.object_for(container[0], container[1]))
    if not titles:
        return []
    _lock_spaces(space.pk)
    last = Page.objects.filter(space_id=space.pk, parent__isnull=True).order_by("-rank").values_list("rank", flat=True).first()
    keys = ranks.ranks_between(last, None, len(titles))
    icons = list(icons or [])[: len(titles)] + [""] * max(0, len(titles) - len(icons or []))
    pages = _insert_pages(actor, [
        Page(space=space, parent=None, title=_clean_title(title), icon=(icon or "")[:64], rank=key, created_by=actor, updated_by=actor,
             container_model=container[0], container_id=str(container[1]))
        for title, key, icon in zip(titles, keys, icons)])
    notify_pages(CONTENT_CHANGED, [page.pk for page in pages], actor)
    return pages


@transaction.atomic
def create_page_tree(actor, *, space: Space | None = None, nodes: list[tuple[Page | int | None, str]]) -> list[Page]:
    """``create_page`` for many new pages at once (an import): node ``i`` is ``(where, title)``, ``where`` an
    existing page (the new one goes at the end of its sub-pages), the index of an earlier node (a page of this
    call), or None (the end of ``space``'s top level). One permission check per existing page or space added
    to, one lock, one INSERT of pages per tree level and one of their first versions, one audit event per page
    (recorded together), one notice to the page listeners. Returns the pages in the order of ``nodes``."""
    from workos.kernel import ranks

    if not nodes:
        return []
    targets: dict[int | None, Page | None] = {}
    for index, (where, _title) in enumerate(nodes):
        if isinstance(where, int) and not isinstance(where, bool):
            if not 0 <= where < index:
                raise InvalidInput("a page's parent is an earlier page of the list", field="parent_id")
        elif where is None or isinstance(where, Page):
            targets[where.pk if where is not None else None] = where
        else:
            raise InvalidInput("a page's parent is a page", field="parent_id")
    spaces = {destination_space(actor, space=space if where is None else None, parent=where, what="page", parent_field="parent_id").pk
              for where in targets.values()}
    if len(spaces) != 1:
        raise InvalidInput("the pages go into one space", field="parent_id")
    space_id = spaces.pop()
    _lock_spaces(space_id)
    # the keys of each sibling list: after the existing siblings of an existing place, from scratch under a new page
    siblings: dict[tuple[str, int | None], list[int]] = defaultdict(list)
    for index, (where, _title) in enumerate(nodes):
        siblings[("node", where) if isinstance(where, int) and not isinstance(where, bool) else ("page", where.pk if where else None)].append(index)
    keys: dict[int, str] = {}
    for (kind, key), members in siblings.items():
        last = _siblings(space_id, key).order_by("-rank").values_list("rank", flat=True).first() if kind == "page" else None
        keys.update(zip(members, ranks.ranks_between(last, None, len(members))))
    made: list[Page | None] = [None] * len(nodes)
    depth = [0] * len(nodes)
    for index, (where, _title) in enumerate(nodes):
        if isinstance(where, int) and not isinstance(where, bool):
            depth[index] = depth[where] + 1
    for level in range(max(depth) + 1):
        members = [index for index in range(len(nodes)) if depth[index] == level]
        pages = []
        for index in members:
            where, title = nodes[index]
            parent = made[where] if isinstance(where, int) and not isinstance(where, bool) else where
            pages.append(Page(space_id=space_id, parent=parent, title=_clean_title(title), icon="", rank=keys[index], created_by=actor,
                              updated_by=actor))
        for index, page in zip(members, _insert_pages(actor, pages)):
            made[index] = page
    notify_pages(CONTENT_CHANGED, [page.pk for page in made], actor)
    return made


def _insert_pages(actor, pages: list[Page]) -> list[Page]:
    """New pages inserted at once with their first versions and one ``page.create`` audit event each."""
    from ipai_platform_audit.services import record_events

    pages = Page.objects.bulk_create(pages)
    author = _user_or_none(actor)
    PageVersion.objects.bulk_create([PageVersion(page=page, number=1, title=page.title, icon=page.icon, created_by=author) for page in pages])
    record_events(actor=actor, events=[{"action": "page.create", "target": page, "changes": {
        "title": {"before": None, "after": page.title}, "parent_id": {"before": None, "after": page.parent_id}}} for page in pages])
    return pages


@transaction.atomic
def update_page(actor, page: Page, *, title: str | None = None, icon: str | None = None, cover_url: str | None = None,
                full_width: bool | None = None, small_text: bool | None = None) -> Page:
    """Rename a page, change its icon or cover (a save that lands in the page's history), or its layout (full
    width, small text: audited, not a new version)."""
    permissions.require(actor, "edit", page)
    if page.archived_at is not None:
        raise Conflict("this page is in the trash: restore it first")
    for name, value in (("full_width", full_width), ("small_text", small_text)):
        if value is not None and not isinstance(value, bool):
            raise InvalidInput(f"{name} is true or false", field=name)
    before = {"title": page.title, "icon": page.icon, "cover_url": page.cover_url}
    layout_before = {"full_width": page.full_width, "small_text": page.small_text}
    if title is not None:
        page.title = _clean_title(title)
    if icon is not None:
        page.icon = icon[:64]
    if cover_url is not None:
        page.cover_url = _clean_cover(cover_url)
    if full_width is not None:
        page.full_width = full_width
    if small_text is not None:
        page.small_text = small_text
    page.updated_by = actor
    page.save()
    changes = diff(before, {"title": page.title, "icon": page.icon, "cover_url": page.cover_url})
    if changes:
        _save_version(actor, page)
    layout = diff(layout_before, {"full_width": page.full_width, "small_text": page.small_text})
    record_event(actor=actor, action="page.update", target=page, changes={**changes, **layout})
    if changes:
        notify_pages(CONTENT_CHANGED, [page.pk], actor)
    return page


@transaction.atomic
def set_restricted(actor, page: Page, restricted: bool) -> Page:
    """Make a page "only people invited" (or open it again to everyone who has access above it). Needs share
    rights. Whoever restricts it keeps full access: they get their own ``manage`` grant first unless they are an
    administrator of the workspace, who keeps it anyway."""
    permissions.require(actor, "share", page)
    _refuse_contained(page, "restricted")
    if not isinstance(restricted, bool):
        raise InvalidInput("restricted is true or false", field="restricted")
    page = Page.objects.select_for_update(no_key=True).get(pk=page.pk)  # no key change: see tree.lock_pages
    if page.restricted == restricted:
        return page
    if restricted and permissions.role_of(actor, page) != "admin" and not getattr(actor, "is_superuser", False):
        permissions.grant(actor, page, "manage", user_id=actor.pk)
    page.restricted = restricted
    page.save(update_fields=["restricted"])
    permissions.access_changed([page])  # live sessions of those who lost access close
    record_event(actor=actor, action="page.restrict" if restricted else "page.unrestrict", target=page,
                 changes={"restricted": {"before": not restricted, "after": restricted}})
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
    notify_pages(MOVED, [page.pk], actor)
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
    notify_pages(CONTENT_CHANGED, [copy.pk for copy in copies.values()], actor)
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
    notify_pages(TRASHED, [page.pk], actor)
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
    notify_pages(TRASHED, [page.pk], actor)
    return page


def _unique_in_state(pages: list[Page], archived: bool) -> list[Page]:
    return [page for page in {page.pk: page for page in pages}.values() if (page.archived_at is not None) == archived]


def _require_each(actor, action: str, pages: list[Page]) -> None:
    """The check of every page before a bulk write (that changes no grant, role or place meanwhile): the
    actor's levels are worked out once per scope, not afresh per page."""
    with permissions.memoised_levels(actor):
        for page in pages:
            permissions.require(actor, action, page)


@transaction.atomic
def archive_pages(actor, pages: list[Page]) -> list[Page]:
    """``archive_page`` for many pages at once (the rows a database trashes in bulk), all or nothing: every
    page is checked first, then the pages and their sub-pages go to the trash in one UPDATE per thousand, one
    ``page.archive`` audit event per page is recorded (together) and the page listeners hear of them all once.
    Pages already in the trash are left alone. Answers the pages moved."""
    pages = _unique_in_state(pages, archived=False)
    _require_each(actor, "delete", pages)
    if not pages:
        return []
    now = timezone.now()
    trees = subtrees([page.pk for page in pages])
    moved = {page.pk: [pk for pk, archived_at in trees.get(page.pk, []) if archived_at is None] for page in pages}
    ids = sorted({pk for subtree in moved.values() for pk in subtree})
    for start in range(0, len(ids), 1000):
        Page.objects.filter(pk__in=ids[start:start + 1000]).update(archived_at=now, archived_by=actor)
    for page in pages:
        page.archived_at, page.archived_by = now, actor
    record_events(actor=actor, events=[{"action": "page.archive", "target": page, "changes": {
        "archived_at": {"before": None, "after": now}, "pages": len(moved[page.pk])}} for page in pages])
    notify_pages(TRASHED, [page.pk for page in pages], actor)
    return pages


@transaction.atomic
def restore_pages(actor, pages: list[Page]) -> list[Page]:
    """``restore_page`` for many pages at once (the undo of ``archive_pages``), all or nothing: each comes back
    with the sub-pages that went to the trash with it, in one UPDATE per thousand pages, one ``page.restore``
    audit event per page (recorded together), one notice to the page listeners. A page whose parent is still in
    the trash comes back as ``restore_page`` brings it back (at the top of its space). Answers the pages restored."""
    pages = _unique_in_state(pages, archived=True)
    _require_each(actor, "delete", pages)
    trashed_parents = set(Page.objects.filter(pk__in={page.parent_id for page in pages if page.parent_id}, archived_at__isnull=False)
                          .values_list("pk", flat=True))
    orphans = {page.pk for page in pages if page.parent_id in trashed_parents}
    for page in pages:
        if page.pk in orphans:
            restore_page(actor, page)  # moves it: rare, and one at a time
    pages = [page for page in pages if page.pk not in orphans]
    if not pages:
        return []
    trees = subtrees([page.pk for page in pages])
    # a page's own archived_at, as stored, tells which of its sub-pages went to the trash with it
    back = {page.pk: [pk for pk, archived_at in trees.get(page.pk, []) if archived_at is not None and archived_at == trees[page.pk][0][1]]
            for page in pages if page.pk in trees}
    ids = sorted({pk for subtree in back.values() for pk in subtree})
    for start in range(0, len(ids), 1000):
        Page.objects.filter(pk__in=ids[start:start + 1000]).update(archived_at=None, archived_by=None)
    events = []
    for page in pages:
        events.append({"action": "page.restore", "target": page, "changes": {
            "archived_at": {"before": page.archived_at, "after": None}, "pages": len(back.get(page.pk, []))}})
        page.archived_at = page.archived_by = None
    record_events(actor=actor, events=events)
    notify_pages(TRASHED, [page.pk for page in pages], actor)
    return pages


@transaction.atomic
def delete_page(actor, page: Page) -> None:
    """Delete a page from the trash for good, with its sub-pages."""
    permissions.require(actor, "delete", page)
    if page.archived_at is None:
        raise Conflict("move the page to the trash before deleting it for good")
    subtree = _subtree(page)
    _lock_pages_to_delete(subtree)
    permissions.forget_objects(actor, subtree)
    record_event(actor=actor, action="page.delete", target=page, changes={"pages": len(subtree)})
    notify_pages(DELETED, [p.pk for p in subtree], actor)
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


def page_titles(user, page_ids: list[int]) -> dict[str, str | None]:
    """``{id: title}`` of the live pages ``user`` may read among ``page_ids``; None for the others, missing or not."""
    readable = permissions.visible_to(user, Page.objects.filter(pk__in=page_ids, archived_at__isnull=True))
    titles = {str(pk): title or "Untitled" for pk, title in readable.values_list("pk", "title")}
    return {str(pk): titles.get(str(pk)) for pk in page_ids}


# the chain the permission check walks comes with the page; compiled once (workos.kernel.prepared)
PAGE_BY_ID = Prepared(lambda pk: Page.objects.select_related("space__workspace").filter(pk=pk))


def get_page(user, page_id, action: str = "read", share=None) -> Page:
    page = PAGE_BY_ID.first(page_id)
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


# a space's live pages in tree order, with what the tree and the permission walk read ("restricted": deferred, it
# would cost one query per page); compiled once (workos.kernel.prepared)
SPACE_TREE = Prepared(lambda space_id: Page.objects.filter(space_id=space_id, archived_at__isnull=True, container_model="").order_by("rank", "pk").only(
    "id", "space_id", "parent_id", "title", "icon", "rank", "workflow_state", "container_model", "container_id", "restricted"))


def space_tree(user, space: Space, depth: int = TREE_DEPTH) -> list[dict]:
    """The pages of a space that ``user`` may view, nested and in order. A page they may not view is left out
    with everything below it; pages at ``depth`` come without children but say ``has_children``."""
    permissions.require(user, "read", space)
    if not isinstance(depth, int) or not 1 <= depth <= TREE_DEPTH_MAX:
        raise InvalidInput(f"depth must be from 1 to {TREE_DEPTH_MAX}", field="depth")
    children = defaultdict(list)
    for page in visible_pages(user, SPACE_TREE.all(space.pk)):
        children[page.parent_id].append(page)

    def nodes(parent_id, level: int) -> list[dict]:
        return [{
            "id": page.pk, "parent_id": page.parent_id, "title": page.title, "icon": page.icon, "rank": page.rank,
            "has_children": bool(children.get(page.pk)), "children": nodes(page.pk, level + 1) if level < depth else [],
        } for page in children.get(parent_id, [])]

    return nodes(None, 1)
