{
    "name": "WorkOS Templates",
    "version": "1.0.0",
    "summary": "Page and database templates, apply, system templates",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks", "ipai_workos_db", "ipai_workos_views"],
    "data": ["data/menus.toml", "data/records.toml"],
    "application": False,
    "installable": True,
}
