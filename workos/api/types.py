"""Types shared by every module's API: one definition of what a record id may be, and the base of the response
shapes that services build as dicts (``Shape``).

A record id is a positive 64-bit integer (the primary keys of both databases). Declaring query parameters and
body fields with ``RecordId`` makes ninja refuse any other number with a 422 in the JSON error format before
the handler runs — a database driver never sees an id it cannot bind (SQLite raises OverflowError past
2**63 - 1, which would be a 500)::

    from workos.api.types import RecordId

    @router.get("/pages")
    def list_pages(request, space_id: RecordId | None = None, parent_id: RecordId | None = None): ...

    class PageIn(Schema):
        space_id: RecordId | None = None
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_RECORD_ID = 2**63 - 1

RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID, description="A record id: an integer from 1 to 2**63 - 1.")]


class Shape(BaseModel):
    """The base of a response shape that the services build as a dict — a row, a block, a tree node, the items of
    long lists: pydantic validates it natively. ninja's ``Schema`` reads every field of every item through its
    ``DjangoGetter`` (made for ORM objects: managers, files, callables), which cost a quarter of the time of a
    100-row answer (issue 19); a dict needs none of it. Declared like a ``Schema``; responses only."""

    model_config = ConfigDict(from_attributes=True)
