"""The page tree: order keys, subtrees, locks (see the package docstring for the rules)."""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import RANK, VIEW
from workos.kernel import ranks
from workos.kernel.errors import Conflict, InvalidInput

from ..models import Page, Space
from ._common import UNSET


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


def subtrees(page_ids) -> dict[int, list[tuple[int, object]]]:
    """``{page id: [(id, archived_at), ...]}``: each of these pages with every page below it (the page first), in
    one recursive query per thousand pages however deep the trees."""
    found: dict[int, list[tuple[int, object]]] = {}
    page_ids = sorted({int(pk) for pk in page_ids})
    for start in range(0, len(page_ids), 1000):
        chunk = page_ids[start:start + 1000]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE subtree(root, id) AS (SELECT id, id FROM {PAGE_TABLE} WHERE id IN ({', '.join(['%s'] * len(chunk))}) "
                f"UNION SELECT s.root, p.id FROM {PAGE_TABLE} p JOIN subtree s ON p.parent_id = s.id) "
                f"SELECT s.root, s.id, p.archived_at FROM subtree s JOIN {PAGE_TABLE} p ON p.id = s.id", chunk)
            rows = cursor.fetchall()
        archived = {page_id: archived_at for _root, page_id, archived_at in rows}
        for root, page_id, _archived_at in rows:
            if page_id != root:
                found.setdefault(root, []).append((page_id, archived[page_id]))
        for root in chunk:
            if root in archived:
                found[root] = [(root, archived[root]), *found.get(root, [])]
    return found


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
    """Serialise changes to these spaces' trees (in id order, so two transactions never wait on each other).
    ``FOR NO KEY UPDATE``: a space is never deleted nor re-keyed under this lock, and the foreign-key checks of
    other writers' new pages (a key-share lock on the space) need not wait for it (see ``lock_pages``)."""
    list(Space.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(space_ids))).order_by("pk").values_list("pk", flat=True))


def lock_pages(*page_ids: int) -> None:
    """Serialise writes to these pages and to what hangs on them (blocks, document version, live document, page
    history), in page id order, until the transaction ends: every writer of a page's dependents takes its page
    first, then the dependents, so two writers never hold one each and wait for the other's.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: PostgreSQL's foreign-key checks take a key-share lock on the
    referenced page (at COMMIT, Django's keys being deferred), which ``FOR UPDATE`` blocks and this does not — a
    writer holding a page while it waits for a live document's row never waits on that row's holder checking its
    reference to the page (a deadlock, each a 409, once the audit chain's lock stopped serialising writers,
    issue 19). A page deleted for good is locked ``FOR UPDATE`` by its deleter. Writes nothing; nothing on
    SQLite, whose writers are serialised anyway."""
    ids = sorted({int(pk) for pk in page_ids if pk is not None})
    if ids and connection.features.has_select_for_update:  # SQLite: no statement at all
        list(Page.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _lock_pages_to_delete(pages: list[Page]) -> None:
    """``FOR UPDATE`` (they go), in id order, before Django's delete removes what hangs on them (their rows go
    first): the pages before their dependents, as every writer takes them (``lock_pages``)."""
    list(Page.objects.select_for_update().filter(pk__in=sorted(page.pk for page in pages)).order_by("pk").values_list("pk", flat=True))


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
