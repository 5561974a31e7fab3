{
    "name": "WorkOS Blocks",
    "version": "1.0.0",
    "summary": "Blocks: 16 types (tables and equations among them), nesting, order, attachments, sanitised rendering",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_core", "ipai_platform_permissions", "ipai_platform_audit"],
    "data": ["data/menus.toml"],
    "external_dependencies": {"python": ["markdown_it", "mdit_py_plugins", "nh3", "selectolax"]},
    "application": False,
    "installable": True,
}
