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

from ._common import NAME_MAX, TITLE_MAX, UNSET
from .favorites import add_favorite, favorites_for, move_favorite, remove_favorite
from .groups import add_group_member, create_group, delete_group, get_group, group_members, groups_of, remove_group_member, rename_group
from .invitations import (
    INVITATION_DAYS, InvitationUnusable, accept_invitation, create_invitation, invitation_for_token, invitation_link, invitations_of,
    resend_invitation, revoke_invitation, sign_up_with_invitation,
)
from .history import COALESCE_SECONDS, MAX_VERSION_BYTES, MAX_VERSIONS, get_version, record_version, restore_version, versions_of
from .members import add_member, change_member_role, members_of, remove_member
from .pages import (
    archive_page, archive_pages, create_contained_pages, create_page, create_page_tree, delete_page, destination_space, duplicate_page,
    get_page, move_page, page_ancestors, pages_for, page_titles, restore_page, restore_pages, set_restricted, space_tree, update_page,
    visible_ancestors,
)
from .recent import RECENT_KEPT, recent_pages, record_visit
from .spaces import create_space, delete_space, get_space, spaces_for, update_space
from .trash import purge_trash, set_trash_retention, trash_for, trash_retention_days
from .tree import (
    LONG_RANK, MAX_DUPLICATE_PAGES, PAGE_TABLE, TREE_DEPTH, TREE_DEPTH_MAX, lock_pages, subtree_ids, subtrees, visible_pages, _ancestor_ids,
)
from .workspaces import create_workspace, delete_workspace, get_workspace, update_workspace, workspaces_for

QUERIES = ("destination_space", "workspaces_for", "get_workspace", "members_of", "spaces_for", "get_space", "pages_for", "get_page", "page_ancestors",
           "visible_pages", "space_tree", "visible_ancestors", "trash_for", "trash_retention_days", "favorites_for", "recent_pages",
           "versions_of", "get_version", "subtree_ids", "subtrees", "groups_of", "get_group", "group_members", "page_titles", "invitations_of", "invitation_for_token", "invitation_link",
           "lock_pages")  # lock_pages writes nothing: it holds pages for the caller's write, which records the event
