"""A user's favourite pages, in the user's own order."""

from __future__ import annotations

from django.db import transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ..models import Favorite, Page
from ._common import UNSET, _require_user, _user_or_none
from .tree import visible_pages, _is_id, _rank_in


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
    list(Favorite.objects.select_for_update(no_key=True).filter(user=actor).values_list("pk", flat=True))  # one list, one writer
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
    list(Favorite.objects.select_for_update(no_key=True).filter(user=actor).values_list("pk", flat=True))
    after = _favorite_anchor(actor, after_id, "after_id")
    before = _favorite_anchor(actor, before_id, "before_id")
    before_rank = favorite.rank
    favorite.rank = _rank_in(Favorite.objects.filter(user=actor), after=after, before=before, moving_pk=favorite.pk)
    favorite.save(update_fields=["rank"])
    record_event(actor=actor, action="favorite.move", target=favorite.page, changes={"rank": {"before": before_rank, "after": favorite.rank}})
    return favorite
