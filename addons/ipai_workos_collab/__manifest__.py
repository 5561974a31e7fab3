{
    "name": "WorkOS Collaboration",
    "version": "1.0.0",
    # Planned (issue 13): its menus (Inbox, Comments) come back with the pages that serve them.
    "summary": "Comments and threads, @mentions and the notifications inbox (planned: data models only so far)",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks"],
    "data": [],
    "application": False,
    "installable": True,
}
