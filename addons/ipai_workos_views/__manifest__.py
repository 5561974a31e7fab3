{
    "name": "WorkOS Views",
    "version": "1.0.0",
    "summary": "Saved views: table, kanban, calendar, list, gallery; filters, sorts, grouping",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    # search: a view's search box finds rows through the full-text index
    "depends": ["ipai_workos_db", "ipai_workos_blocks", "ipai_workos_core", "ipai_platform_permissions", "ipai_platform_audit",
                "ipai_workos_search"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
