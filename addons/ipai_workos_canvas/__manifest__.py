{
    "name": "WorkOS Canvas",
    "version": "1.0.0",
    # Planned (issue 16): its menu comes back with the canvas page.
    "summary": "Edgeless canvas: elements, connectors, embedded page cards, viewport (planned: data models only so far)",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_core"],
    "data": [],
    "application": False,
    "installable": True,
}
