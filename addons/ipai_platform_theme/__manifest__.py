{
    "name": "Theme",
    "version": "1.0.0",
    "summary": "White-label themes: design tokens, light and dark variants, per workspace",
    "category": "Platform",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_audit", "ipai_platform_permissions"],
    "data": ["data/menus.toml", "data/records.toml"],
    "application": False,
    "installable": True,
}
