"""Live notices: ``/ws/events``, one WebSocket per signed-in browser tab (or API client), that tells its user
that something they can see changed, so the sidebar page tree, open database views, the inbox and a page's
comments update without a reload.

A notice says only what changed, never its content — the client refetches through the permission-checked API:

``{"kind": "page", "event": "changed"|"moved"|"trashed", "id": 12, "container": null}``
    a page (``container``: ``{"model": "ipai.workos.database", "id": "3"}`` for a database row) was created,
    renamed, edited, moved, trashed or restored. ``"id": null`` with a container: many of its rows at once (more
    than ``events.MANY_ROWS`` in one write: an import, a bulk edit), heard by readers of the container.
``{"kind": "scope", "model": "ipai.workos.database", "id": "3"}``
    something that holds pages (a database) moved or went to the trash.
``{"kind": "comments", "page_id": 12}``
    a comment on this page was written, edited, resolved, reacted to or deleted.
``{"kind": "notification"}``
    the user's inbox changed (a new notice).
``{"kind": "hello"}``
    sent once connected: a client that reconnects refetches what it shows, as it may have missed notices.

Nobody hears about something they may not read: a notice about an object goes to every connection of every
process (through the channel layer, like live pages) and each connection checks its own user's read access
before sending it; inbox notices go only to the recipient's connections. Authenticated like live pages: the
session cookie (same-site pages only) or ``?token=API_TOKEN``; revoking the token closes the socket (4403).
Close codes: 4401 not logged in, 4403 token revoked or user deactivated.

Modules publish with ``publish_about`` / ``publish_to_users`` (``events.py``); page changes are heard through
the page listeners of ``ipai_workos_core.registry``.
"""
