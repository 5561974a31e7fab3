{
    "name": "Audit",
    "version": "1.0.0",
    "summary": "Append-only, hash-chained audit events for every change",
    "category": "Platform",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": [],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
