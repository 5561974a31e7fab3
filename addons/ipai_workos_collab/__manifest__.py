{
    "name": "WorkOS Collaboration",
    "version": "1.0.0",
    # Inline comments anchored in the editor and live updates are planned (issue 13).
    "summary": "Comments and threads on pages and rows, @mentions, follows, the notifications inbox and e-mail",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    # approvals and workflow: this module fills their notifier registries (they never import it); search: comments
    # are one of its sources, kept fresh by the comment services
    # db: people added to a person property of a row hear about it (its ROW_LISTENERS)
    "depends": ["ipai_workos_blocks", "ipai_workos_core", "ipai_workos_db", "ipai_platform_permissions", "ipai_platform_audit",
                "ipai_platform_approvals", "ipai_platform_workflow", "ipai_workos_search"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
