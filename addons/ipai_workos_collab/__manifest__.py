{
    "name": "WorkOS Collaboration",
    "version": "1.0.0",
    # Inline comments anchored in the editor and live updates are planned (issue 13).
    "summary": "Comments and threads on pages and rows, @mentions, follows, the notifications inbox and e-mail",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
