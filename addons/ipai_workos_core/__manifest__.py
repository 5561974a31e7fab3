{
    "name": "WorkOS Core",
    "version": "1.0.0",
    "summary": "Workspaces, spaces, the page tree, trash, favourites and page history",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_permissions", "ipai_platform_audit", "ipai_platform_theme", "ipai_platform_workflow"],
    "data": ["data/menus.toml"],
    "application": True,
    "installable": True,
}
