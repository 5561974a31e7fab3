"""Comments and threads, follows, the notifications inbox and its e-mail: the only write path of this module,
and its permission-checked reads.

Each write checks permission, validates, writes, records its audit event and creates its notices, in one
transaction. Notices go only to people who can read what they are about (see ``notifications``).
"""

from __future__ import annotations

from .approvals import approval_notice, workflow_notice
from .sharing import assigned_notice, shared_notice
from .comments import (
    MAX_BODY, anchors_of, blocks_moved, comment_json, create_comment, delete_comment, get_comment, notify_block_mentions, react, reactions_json,
    set_resolved, threads_of, update_comment,
)
from .email import MODES, preference_of, send_pending, set_preference
from .follows import followers_of, follows_of, is_following, set_following
from .people import mention_candidates
from .notifications import BOXES, DEDUP_SECONDS, KINDS, archive, get_notification, inbox, mark_all_read, mark_read, notify, unread_count

# Besides reads: notify and the notifiers write notices as part of an event that its own service audits, and
# send_pending only records e-mail delivery; neither is a change a user makes.
QUERIES = ("get_comment", "threads_of", "anchors_of", "comment_json", "reactions_json", "followers_of", "follows_of", "is_following",
           "inbox", "unread_count", "get_notification", "preference_of",
           "notify", "approval_notice", "workflow_notice", "notify_block_mentions", "blocks_moved", "send_pending",
           "shared_notice", "assigned_notice", "mention_candidates")
