{
    "name": "Workflow",
    "version": "1.0.0",
    "summary": "State machines with guarded, role-checked, audited transitions",
    "category": "Platform",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_audit", "ipai_platform_permissions"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
