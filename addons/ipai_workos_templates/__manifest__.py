{
    "name": "WorkOS Templates",
    "version": "1.0.0",
    # Planned (issue 15): no API or page yet, so no menu; the system template is seed data, validated by blocks.
    "summary": "Page and database templates (planned: the template model and one system template so far)",
    "category": "WorkOS",
    "author": "WorkOS",
    "license": "LGPL-3",
    "depends": ["ipai_workos_blocks", "ipai_workos_db", "ipai_workos_views"],
    "data": ["data/records.toml"],
    "application": False,
    "installable": True,
}
