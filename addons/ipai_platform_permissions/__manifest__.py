{
    "name": "Permissions",
    "version": "1.0.0",
    "summary": "Roles, scope grants, share links and the can()/visible_to() checks",
    "category": "Platform",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_platform_audit"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
