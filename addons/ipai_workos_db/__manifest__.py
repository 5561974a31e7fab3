{
    "name": "WorkOS Databases",
    "version": "1.0.0",
    "summary": "Databases with typed properties; every row is also a page",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks", "ipai_workos_core", "ipai_platform_permissions", "ipai_platform_audit"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
