"""Install, upgrade and uninstall through the real `workos module` CLI, on the database of this run."""

import json
from pathlib import Path


def installed(site) -> set[str]:
    return {row[0] for row in site.sql("SELECT name FROM ir_module_module WHERE state = 'installed'")}


def tables(site) -> set[str]:
    if site.database_kind == "sqlite":
        return {row[0] for row in site.sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {row[0] for row in site.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_installing_the_umbrella_installs_all_fourteen_modules(site):
    result = site.workos("module", "install", "ipai_workos_affine", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["installed"]) == 14
    assert report["installed"][-1] == "ipai_workos_affine"
    assert site.sql("SELECT count(*) FROM ir_module_module WHERE state='installed' AND name LIKE 'ipai_%'")[0][0] == 14
    assert site.sql("SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%'")[0][0] > 0
    assert site.sql("SELECT count(*) FROM ir_module_module WHERE state IN ('to install', 'to upgrade')")[0][0] == 0
    # every module records its version and content checksum
    assert site.sql("SELECT count(*) FROM ir_module_module WHERE state='installed' AND (latest_version IS NULL OR checksum = '')")[0][0] == 0


def test_install_is_idempotent(site):
    site.workos("module", "install", "ipai_platform_audit", check=True)
    before = site.dump()

    again = site.workos("module", "install", "ipai_platform_audit", "--json")

    assert again.returncode == 0
    assert json.loads(again.stdout)["installed"] == []
    assert site.dump() == before


def test_dependencies_are_installed_first(addons_site):
    result = addons_site.workos("module", "install", "kt_beta", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["installed"] == ["kt_alpha", "kt_beta"]
    assert addons_site.sql("SELECT d.name FROM ir_module_module_dependency d JOIN ir_module_module m ON m.id = d.module_id WHERE m.name = 'kt_beta'") == [("kt_alpha",)]
    # data: action, menu and seed record, each owned through ir_model_data
    assert addons_site.sql("SELECT title FROM ipai_kt_alpha_note") == [("Welcome",)]
    assert addons_site.sql("SELECT m.name, a.res_model FROM ir_ui_menu m JOIN ir_act_window a ON a.id = m.action_id WHERE m.name = 'Alpha notes'") == [("Alpha notes", "ipai.kt.alpha.note")]
    owned = {row[0] for row in addons_site.sql("SELECT name FROM ir_model_data WHERE module = 'kt_alpha'")}
    assert owned == {"action_notes", "menu_notes", "note_welcome"}
    fields = {row[0]: row[1] for row in addons_site.sql("SELECT name, ttype FROM ir_model_fields WHERE model = 'ipai.kt.beta.comment'")}
    assert fields == {"id": "integer", "note": "many2one", "body": "text"}


def test_failing_migration_leaves_the_database_exactly_as_before(addons_site):
    addons_site.workos("module", "install", "ipai_platform_audit", check=True)
    before = addons_site.dump()

    result = addons_site.workos("module", "install", "kt_failing")

    assert result.returncode == 1
    assert "kt_failing" in result.stderr and "deliberate failure" in result.stderr
    assert addons_site.dump() == before
    assert "ipai_kt_failing_thing" not in tables(addons_site)
    assert "ipai_kt_alpha_note" not in tables(addons_site)  # its dependency, installed in the same run, is gone too
    assert installed(addons_site) == {"ipai_platform_audit"}


def test_missing_dependency_is_refused_naming_the_chain(addons_site):
    addons_site.workos("module", "install", "ipai_platform_theme", check=True)
    before = addons_site.dump()

    result = addons_site.workos("module", "install", "kt_missing_dep")

    assert result.returncode == 1
    assert "missing dependency kt_does_not_exist: kt_missing_dep -> kt_does_not_exist" in result.stderr
    assert addons_site.dump() == before


def test_dependency_cycle_is_refused_naming_the_cycle(addons_site):
    addons_site.workos("module", "install", "ipai_platform_theme", check=True)
    before = addons_site.dump()

    result = addons_site.workos("module", "install", "kt_cycle_a")

    assert result.returncode == 1
    assert "dependency cycle: kt_cycle_a -> kt_cycle_b -> kt_cycle_a" in result.stderr
    assert addons_site.dump() == before


def test_invalid_manifest_is_refused_with_its_path_and_never_executed(addons_site, test_addons):
    addons_site.workos("module", "install", "ipai_platform_theme", check=True)
    before = addons_site.dump()
    marker = Path("/tmp/kt_invalid_was_executed")
    marker.unlink(missing_ok=True)

    result = addons_site.workos("module", "install", "kt_invalid")
    listing = json.loads(addons_site.workos("module", "list", "--json", check=True).stdout)

    assert result.returncode == 1
    assert str(test_addons / "kt_invalid" / "__manifest__.py") in result.stderr
    assert "not a Python literal" in result.stderr
    assert not marker.exists()
    assert addons_site.dump() == before
    invalid = next(row for row in listing if row["name"] == "kt_invalid")
    assert "not a Python literal" in invalid["error"]


def test_unknown_module_is_refused(site):
    result = site.workos("module", "install", "no_such_module")

    assert result.returncode == 1
    assert "module no_such_module is not on the addons path" in result.stderr


def test_upgrade_changed_upgrades_exactly_the_modified_module(addons_site, test_addons):
    addons_site.workos("module", "install", "kt_beta", "ipai_platform_audit", check=True)
    alpha = test_addons / "kt_alpha"
    (alpha / "__manifest__.py").write_text((alpha / "__manifest__.py").read_text().replace('"1.0.0"', '"1.1.0"'))
    (alpha / "models.py").write_text((alpha / "models.py").read_text().replace(
        "    title = models.CharField(max_length=100)\n",
        "    title = models.CharField(max_length=100)\n    pinned = models.BooleanField(default=False)\n",
    ))
    (alpha / "migrations" / "0002_note_pinned.py").write_text(
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('kt_alpha', '0001_initial')]\n"
        "    operations = [migrations.AddField('note', 'pinned', models.BooleanField(default=False))]\n"
    )

    result = addons_site.workos("module", "upgrade", "--changed", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["upgraded"] == ["kt_alpha"]
    assert addons_site.sql("SELECT latest_version FROM ir_module_module WHERE name = 'kt_alpha'") == [("1.1.0",)]
    assert addons_site.sql("SELECT title, pinned FROM ipai_kt_alpha_note") in ([("Welcome", 0)], [("Welcome", False)])
    assert ("pinned", "boolean") in addons_site.sql("SELECT name, ttype FROM ir_model_fields WHERE model = 'ipai.kt.alpha.note'")
    again = addons_site.workos("module", "upgrade", "--changed", "--json", check=True)
    assert json.loads(again.stdout)["upgraded"] == []


def test_content_change_without_version_bump_counts_as_changed(addons_site, test_addons):
    addons_site.workos("module", "install", "kt_alpha", check=True)
    data_file = test_addons / "kt_alpha" / "data" / "menus.toml"
    data_file.write_text(data_file.read_text().replace('name = "Alpha notes"', 'name = "Alpha notebook"'))

    result = addons_site.workos("module", "upgrade", "--changed", "--json")

    assert json.loads(result.stdout)["upgraded"] == ["kt_alpha"]
    assert addons_site.sql("SELECT count(*) FROM ir_ui_menu WHERE name = 'Alpha notebook'") == [(1,)]
    assert addons_site.sql("SELECT count(*) FROM ir_ui_menu WHERE name = 'Alpha notes'") == [(0,)]


def test_upgrade_removes_data_records_its_files_no_longer_define(addons_site, test_addons):
    addons_site.workos("module", "install", "kt_alpha", check=True)
    data_file = test_addons / "kt_alpha" / "data" / "menus.toml"
    data_file.write_text(data_file.read_text().split("[[record]]")[0])

    addons_site.workos("module", "upgrade", "kt_alpha", check=True)

    assert addons_site.sql("SELECT count(*) FROM ipai_kt_alpha_note") == [(0,)]
    assert addons_site.sql("SELECT count(*) FROM ir_model_data WHERE module = 'kt_alpha' AND name = 'note_welcome'") == [(0,)]


def test_upgrade_of_a_module_that_is_not_installed_is_refused(site):
    result = site.workos("module", "upgrade", "ipai_platform_theme")

    assert result.returncode == 1
    assert "not installed: ipai_platform_theme" in result.stderr


def test_upgrade_needs_exactly_one_selection(site):
    result = site.workos("module", "upgrade")

    assert result.returncode == 2
    assert "exactly one" in result.stderr


def test_uninstall_is_refused_while_an_installed_module_depends_on_it(addons_site):
    addons_site.workos("module", "install", "kt_beta", check=True)
    before = addons_site.dump()

    result = addons_site.workos("module", "uninstall", "kt_alpha")

    assert result.returncode == 1
    assert "installed modules depend on it: kt_beta" in result.stderr
    assert addons_site.dump() == before


def test_uninstall_cascade_reverses_migrations_and_removes_registry_rows(addons_site):
    addons_site.workos("module", "install", "kt_beta", "ipai_platform_audit", check=True)

    result = addons_site.workos("module", "uninstall", "kt_alpha", "--cascade", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["uninstalled"] == ["kt_beta", "kt_alpha"]
    assert installed(addons_site) == {"ipai_platform_audit"}
    assert not {"ipai_kt_alpha_note", "ipai_kt_beta_comment"} & tables(addons_site)
    assert addons_site.sql("SELECT count(*) FROM ir_model WHERE modules IN ('kt_alpha', 'kt_beta')") == [(0,)]
    assert addons_site.sql("SELECT count(*) FROM ir_model_data WHERE module IN ('kt_alpha', 'kt_beta')") == [(0,)]
    assert addons_site.sql("SELECT count(*) FROM ir_ui_menu WHERE name = 'Alpha notes'") == [(0,)]
    assert addons_site.sql("SELECT state, latest_version FROM ir_module_module WHERE name = 'kt_alpha'") == [("uninstalled", None)]
    # and it can come back
    assert addons_site.workos("module", "install", "kt_beta").returncode == 0
    assert addons_site.sql("SELECT title FROM ipai_kt_alpha_note") == [("Welcome",)]


def test_module_list_shows_states_and_versions(addons_site):
    addons_site.workos("module", "install", "kt_alpha", check=True)

    rows = {row["name"]: row for row in json.loads(addons_site.workos("module", "list", "--json", check=True).stdout)}

    assert rows["kt_alpha"]["state"] == "installed"
    assert rows["kt_alpha"]["installed_version"] == "1.0.0"
    assert rows["kt_beta"]["state"] == "uninstalled"
    assert rows["kt_beta"]["available_version"] == "1.0.0"
    assert rows["ipai_workos_core"]["summary"].startswith("Workspaces")
    human = addons_site.workos("module", "list", check=True).stdout
    assert "kt_alpha" in human and "installed" in human


def test_a_killed_install_leaves_no_module_half_installed(addons_site, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    addons_site.workos("module", "install", "ipai_platform_theme", check=True)
    before = addons_site.dump()
    marker = tmp_path / "inside"
    environment = {**addons_site.environment(), "KT_SLOW_MARKER": str(marker)}
    process = subprocess.Popen([sys.executable, "-m", "workos", "module", "install", "kt_slow"], cwd=addons_site.root, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert marker.exists(), "the install never reached the slow migration"

    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert addons_site.dump() == before
    assert addons_site.sql("SELECT count(*) FROM ir_module_module WHERE state IN ('to install', 'to upgrade')") == [(0,)]
