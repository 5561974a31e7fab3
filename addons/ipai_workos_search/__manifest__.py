{
    "name": "WorkOS Search",
    "version": "1.0.0",
    "summary": "Permission-filtered full-text search over titles, blocks, rows and comments; quick find, search page",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_audit", "ipai_platform_permissions", "ipai_workos_core", "ipai_workos_blocks", "ipai_workos_db"],
    "data": [],
    "application": False,
    "installable": True,
}
