{
    "name": "WorkOS Canvas",
    "version": "1.0.0",
    "summary": "Edgeless canvas: elements, connectors, embedded page cards, viewport",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_core"],
    "data": ["data/menus.toml"],
    "application": False,
    "installable": True,
}
