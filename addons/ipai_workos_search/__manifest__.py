{
    "name": "WorkOS Search",
    "version": "1.0.0",
    "summary": "Permission-filtered full-text search over titles, blocks and rows",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks", "ipai_workos_db"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
