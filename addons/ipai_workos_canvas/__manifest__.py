{
    "name": "WorkOS Canvas",
    "version": "1.1.0",
    "summary": "Edgeless canvas (Excalidraw): shapes, connectors, sticky notes, images and live page and database cards; a canvas is a page kind",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_core", "ipai_workos_blocks", "ipai_workos_db", "ipai_workos_search", "ipai_platform_permissions", "ipai_platform_audit"],
    "data": [],
    "application": False,
    "installable": True,
}
