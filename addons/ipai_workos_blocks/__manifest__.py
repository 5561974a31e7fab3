{
    "name": "WorkOS Blocks",
    "version": "1.0.0",
    "summary": "Blocks: 14 types, nesting, order, attachments, sanitised rendering",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_core", "ipai_platform_permissions", "ipai_platform_audit"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
