{
    "name": "WorkOS Search",
    "version": "1.0.0",
    # Planned (issue 12): its menu comes back with the search page.
    "summary": "Permission-filtered full-text search over titles, blocks and rows (planned: data model only so far)",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_audit", "ipai_platform_permissions", "ipai_workos_core", "ipai_workos_blocks", "ipai_workos_db"],
    "data": [],
    "application": False,
    "installable": True,
}
