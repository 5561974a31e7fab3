"""Install, upgrade and uninstall through the real `workos module` CLI, on the database of this run."""

import json


def installed_ipai_count(site):
    return site.sql("SELECT count(*) FROM ir_module_module WHERE state='installed' AND name LIKE 'ipai_%'")[0][0]


def test_installing_the_umbrella_installs_all_fourteen_modules(site):
    result = site.workos("module", "install", "ipai_workos_affine", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["installed"]) == 14
    assert report["installed"][-1] == "ipai_workos_affine"
    assert installed_ipai_count(site) == 14
    assert site.sql("SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%'")[0][0] > 0
    assert site.sql("SELECT count(*) FROM ir_module_module WHERE state IN ('to install', 'to upgrade')")[0][0] == 0
