"""Request and answer schemas of ``/api/v1/workspaces``, ``/spaces``, ``/pages`` and their sub-resources."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from workos.api.types import RecordId, Shape


RoleName = Literal["admin", "member", "guest"]
VisibilityName = Literal["private", "team", "public"]


class Paged(Schema):
    count: int
    next_cursor: str | None


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    icon: str
    created_at: datetime
    role: str | None = None


class WorkspacePage(Paged):
    items: list[WorkspaceOut]


class WorkspaceIn(Schema):
    name: str
    slug: str = ""
    icon: str = ""


class WorkspacePatch(Schema):
    name: str | None = None
    icon: str | None = None


class MemberOut(Schema):
    user_id: int
    username: str
    role: str
    joined_at: datetime


class MemberIn(Schema):
    """Who to add: ``user_id``, or their login as ``username`` (exactly one)."""

    user_id: RecordId | None = None
    username: str | None = None
    role: RoleName = "member"


class MemberPatch(Schema):
    role: RoleName


class GroupMemberOut(Schema):
    user_id: int
    username: str


class GroupOut(Schema):
    id: int
    workspace_id: int
    name: str
    group_id: int = Field(description="The id to share with: `group_id` of POST /permissions.")
    members: list[GroupMemberOut]


class GroupIn(Schema):
    name: str


class GroupMemberIn(Schema):
    user_id: RecordId


class SpaceOut(Schema):
    id: int
    workspace_id: int
    name: str
    icon: str
    color: str
    visibility: str
    created_at: datetime


class SpacePage(Paged):
    items: list[SpaceOut]


class SpaceIn(Schema):
    workspace_id: RecordId
    name: str
    visibility: VisibilityName = "team"
    icon: str = ""
    color: str = ""


class SpacePatch(Schema):
    name: str | None = None
    visibility: VisibilityName | None = None
    icon: str | None = None
    color: str | None = None


class PageOut(Schema):
    id: int
    space_id: int | None
    parent_id: int | None
    title: str
    icon: str
    cover_url: str
    full_width: bool
    small_text: bool
    restricted: bool
    rank: str
    archived_at: datetime | None
    workflow_state: str
    created_at: datetime
    updated_at: datetime


class PagePage(Paged):
    items: list[PageOut]


class PageIn(Schema):
    space_id: RecordId | None = None
    parent_id: RecordId | None = None
    title: str = ""
    icon: str = ""


class PagePatch(Schema):
    title: str | None = None
    icon: str | None = None
    cover_url: str | None = None
    full_width: bool | None = Field(None, description="Show the page across the whole window (for everyone).")
    small_text: bool | None = Field(None, description="Show the page in a smaller font (for everyone).")


class RestrictIn(Schema):
    restricted: bool = Field(description="true: only administrators and those invited on this page (users, groups) open it; "
                                         "false: everyone with access above it does again.")


class MoveIn(Schema):
    """Where to put the page. ``parent_id`` null: the top level of ``space_id`` (default: the page's space); left
    out: keep the parent (or the top level of ``space_id`` when that names another space). ``after_id``: after
    this sibling (null: first); ``before_id``: before this sibling; neither: last."""

    parent_id: RecordId | None = None
    space_id: RecordId | None = None
    after_id: RecordId | None = None
    before_id: RecordId | None = None


class DuplicateIn(Schema):
    include_subpages: bool = True
    title: str | None = None


class TreeNode(Shape):
    id: int
    parent_id: int | None
    title: str
    icon: str
    rank: str
    has_children: bool
    children: list["TreeNode"]


TreeNode.model_rebuild()


class TreeOut(Schema):
    space: SpaceOut
    pages: list[TreeNode]


class TrashItemOut(PageOut):
    archived_by_id: int | None
    archived_by: str | None


class TrashPage(Paged):
    items: list[TrashItemOut]


class RetentionIn(Schema):
    trash_retention_days: int


class RetentionOut(Schema):
    trash_retention_days: int


class FavoriteIn(Schema):
    page_id: RecordId


class FavoriteMoveIn(Schema):
    after_id: RecordId | None = None
    before_id: RecordId | None = None


class FavoriteOut(Schema):
    page: PageOut
    rank: str


class RecentOut(Schema):
    page: PageOut
    visited_at: datetime


class VersionOut(Schema):
    number: int
    title: str
    icon: str
    cover_url: str
    restored_from: int | None
    label: str = ""
    created_by_id: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class VersionPage(Paged):
    items: list[VersionOut]


class VersionDetailOut(VersionOut):
    content: dict


class RestoreOut(Schema):
    page: PageOut
    version: VersionOut


class InvitationIn(Schema):
    """Who to invite (an e-mail address), with which role in the workspace; with ``scope_model`` and ``scope_id``
    (``ipai.workos.page`` or ``ipai.workos.database`` and its id) also to that object with ``level``."""

    email: str = Field(..., max_length=254)
    role: RoleName = "member"
    scope_model: str = ""
    scope_id: int | str | None = None
    level: Literal["view", "comment", "edit", "manage"] = "view"


class InvitationOut(Schema):
    id: int
    workspace_id: int
    email: str
    role: str
    scope_model: str
    scope_id: str
    level: str
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    status: str = Field(..., description="pending or expired (accepted and revoked invitations are not listed)")
