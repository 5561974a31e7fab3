"""``workos templates``: the module's commands on a real site (installed by ``workos module install``)."""

from __future__ import annotations

import json
import zipfile


def test_templates_commands_list_check_and_export(site, tmp_path):
    site.install("ipai_workos_templates")

    listed = site.workos("templates", "list", "--json")
    checked = site.workos("templates", "check")
    items = json.loads(listed.stdout)
    crm = next(item for item in items if item["name"] == "Simple CRM")
    target = tmp_path / "crm.zip"
    exported = site.workos("templates", "export", str(crm["id"]), str(target))

    assert listed.returncode == 0 and len(items) == 10 and all(item["system"] for item in items)
    assert checked.returncode == 0 and "10 valid, 0 invalid" in checked.stdout
    assert exported.returncode == 0 and "template.json" in zipfile.ZipFile(target).namelist()
    _write(site, "UPDATE ipai_workos_template SET content = '{\"page\": {\"blocks\": [{\"type\": \"nope\"}]}}' WHERE name = 'Meeting notes'")
    broken = site.workos("templates", "check")
    assert broken.returncode == 1 and "Meeting notes" in broken.stderr and "9 valid, 1 invalid" in broken.stdout


def _write(site, statement: str) -> None:
    """A change made behind WorkOS's back (a hand edit in the database), committed."""
    if site.database_kind == "sqlite":
        import sqlite3

        connection = sqlite3.connect(site.database_url[len("sqlite:///"):])
        with connection:
            connection.execute(statement)
        connection.close()
        return
    import psycopg

    with psycopg.connect(site.database_url) as connection:
        connection.execute(statement)
