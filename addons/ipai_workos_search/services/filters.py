"""The filters of a search: scope, object type, editor and edit dates, checked into one value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.utils import timezone


from ..models import SearchDocument
from ..query import BadSearch
from .access import _int_id


def _moment(value, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise BadSearch(f"{field} is a date or date-time like 2026-01-31 or 2026-01-31T09:00:00Z", field=field) from None
    if not isinstance(value, datetime):
        raise BadSearch(f"{field} is a date-time", field=field)
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt_timezone.utc)


@dataclass
class Filters:
    object: str | None = None
    edited_by: int | None = None
    after: datetime | None = None
    before: datetime | None = None

    def sql(self) -> tuple[str, list]:
        parts, params = ["d.trashed = %s"], [False]
        if self.object:
            parts.append("d.object = %s")
            params.append(self.object)
        if self.edited_by is not None:
            parts.append("d.edited_by_id = %s")
            params.append(self.edited_by)
        if self.after is not None:
            parts.append("d.edited_at >= %s")
            params.append(self.after)
        if self.before is not None:
            parts.append("d.edited_at < %s")
            params.append(self.before)
        return " AND ".join(parts), params


def _check_filters(object, edited_by, after, before) -> Filters:
    objects = [choice.value for choice in SearchDocument.Object]
    if object not in (None, "") and object not in objects:
        raise BadSearch(f"type must be one of {', '.join(objects)}", field="type")
    filters = Filters(object=object or None, after=_moment(after, "after"), before=_moment(before, "before"))
    if edited_by not in (None, ""):
        filters.edited_by = _int_id(edited_by, "edited_by")
    if filters.after and filters.before and filters.after >= filters.before:
        raise BadSearch("after must come before before", field="after")
    return filters
