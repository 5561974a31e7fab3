"""Where a block goes: its parent, the sibling it follows, and its order key."""

from __future__ import annotations

from ipai_workos_core.models import Page
from workos.kernel import ranks
from workos.kernel.errors import InvalidInput

from ..models import Block
from ..registry import block_type
from ._common import LONG_RANK, UNSET
from .reads import block_on_page, _order


def _resolve_parent(page: Page, parent_id, after, field: str) -> Block | None:
    if parent_id is UNSET:
        return after.parent if after is not None else None
    if parent_id is None:
        parent = None
    else:
        parent = block_on_page(page, parent_id, field)
        if parent is None:
            raise InvalidInput("no such block on this page", field=field)
    if after is not None and after.parent_id != (parent.pk if parent else None):
        raise InvalidInput("after_id is not a child of parent_id", field="after_id")
    return parent


def _resolve_after(page: Page, after_id, prefix: str) -> Block | None:
    if after_id is UNSET or after_id is None:
        return None
    field = f"{prefix}after_id"
    after = block_on_page(page, after_id, field)
    if after is None:
        raise InvalidInput("no such block on this page", field=field)
    return after


def _check_parent_type(parent: Block | None, field: str) -> None:
    if parent is not None and not block_type(parent.type).accepts_children:
        raise InvalidInput(f"a {parent.type} block cannot hold other blocks", field=field)


def _rank_for(page: Page, parent: Block | None, after_id, after: Block | None, moving: Block | None = None) -> str:
    siblings = list(Block.objects.filter(page=page, parent=parent).only("key", "id", "rank", "created_at"))
    if moving is not None:
        siblings = [sibling for sibling in siblings if sibling.pk != moving.pk]
    siblings.sort(key=_order)
    if after_id is UNSET:
        index = len(siblings)
    elif after is None:
        index = 0
    else:
        index = next(position for position, sibling in enumerate(siblings) if sibling.pk == after.pk) + 1
    before_rank = siblings[index - 1].rank if index > 0 else None
    after_rank = siblings[index].rank if index < len(siblings) else None
    try:
        rank = ranks.rank_between(before_rank, after_rank)
    except ranks.RankError:
        rank = None  # equal or damaged neighbours (e.g. two clients inserted at one spot at once)
    if rank is None or len(rank) > LONG_RANK:
        fresh = ranks.ranks_between(None, None, len(siblings) + 1)
        for sibling, key in zip(siblings, fresh[:index] + fresh[index + 1:]):
            sibling.rank = key
        Block.objects.bulk_update(siblings, ["rank"])
        rank = fresh[index]
    return rank
