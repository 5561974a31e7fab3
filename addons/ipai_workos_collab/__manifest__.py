{
    "name": "WorkOS Collaboration",
    "version": "1.0.0",
    "summary": "Comments and threads, @mentions and the notifications inbox",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
