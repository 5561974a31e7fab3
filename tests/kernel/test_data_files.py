"""Modules' data files hold only what their modules accept, and an upgrade takes away what they no longer hold."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from workos.kernel.addons import scan_addons
from workos.kernel.data import RECORD_VALIDATORS, DataContext, DataError, load_record

ROOT = Path(__file__).resolve().parents[2]
MODULES = scan_addons([ROOT / "addons"]).modules


def seed_records(manifest) -> list[tuple[str, dict]]:
    records = []
    for relative in (*manifest.data, *manifest.demo):
        content = tomllib.loads((manifest.path / relative).read_text(encoding="utf-8"))
        records += [(relative, entry) for entry in content.get("record", [])]
    return records


@pytest.mark.parametrize("name", sorted(name for name in MODULES if seed_records(MODULES[name])))
def test_every_seed_record_passes_its_modules_validation(name):
    for relative, entry in seed_records(MODULES[name]):
        assert entry["model"] in RECORD_VALIDATORS, f"{name}/{relative}: no module validates seed records of {entry['model']}"
        RECORD_VALIDATORS.get(entry["model"])(dict(entry.get("values", {})))  # raises what the services would refuse


def test_the_seed_records_checked_include_the_system_template_and_theme():
    models = {entry["model"] for manifest in MODULES.values() for _relative, entry in seed_records(manifest)}

    assert {"ipai.workos.template", "ipai.theme"} <= models


def test_loading_a_template_the_blocks_module_refuses_fails_naming_the_entry(tmp_path):
    entry = {"id": "template_bad", "model": "ipai.workos.template", "values": {
        "name": "Bad", "content": {"page": {"blocks": [{"type": "paragraph", "content": {"text": "plain text is not rich text"}}]}}}}

    with pytest.raises(DataError, match=r"template_bad.*content\.page\.blocks\[0\]\.content\.text"):
        load_record(DataContext("ipai_workos_templates", tmp_path / "records.toml"), entry)


OLD_INBOX_MENU = """
[[action]]
id = "action_notifications"
name = "Inbox"
res_model = "ipai.workos.notification"

[[menu]]
id = "menu_inbox"
name = "Inbox"
parent = "ipai_workos_core.menu_root"
action = "action_notifications"
"""


def test_upgrade_removes_the_menus_of_features_not_built_yet(site, tmp_path):
    # An installation made when ipai_workos_collab still declared an Inbox menu (which answered 403).
    old = tmp_path / "old_addons"
    shutil.copytree(ROOT / "addons" / "ipai_workos_collab", old / "ipai_workos_collab", ignore=shutil.ignore_patterns("__pycache__"))
    (old / "ipai_workos_collab" / "data").mkdir(exist_ok=True)
    (old / "ipai_workos_collab" / "data" / "menus.toml").write_text(OLD_INBOX_MENU)
    manifest = old / "ipai_workos_collab" / "__manifest__.py"
    # (the module now ships its own Inbox menu; the old one is the stale entry an upgrade must replace)
    manifest.write_text(manifest.read_text().replace('"data": ["data/menus.toml"]', '"data": ["data/stale_menus.toml"]'))
    (old / "ipai_workos_collab" / "data" / "stale_menus.toml").write_text(OLD_INBOX_MENU)
    site.addons_path = [str(old)]
    site.write_config()
    site.workos("module", "install", "ipai_workos_collab", check=True)
    assert site.sql("SELECT count(*) FROM ir_ui_menu WHERE name = 'Inbox'") == [(1,)]

    site.addons_path = []
    site.write_config()
    site.workos("module", "upgrade", "ipai_workos_collab", check=True)

    # the stale entries are gone; the Inbox the module serves now (/web/inbox) is the one left
    assert site.sql("SELECT count(*) FROM ir_ui_menu WHERE name = 'Inbox'") == [(1,)]
    assert site.sql("SELECT name FROM ir_model_data WHERE module = 'ipai_workos_collab' ORDER BY name") == [("action_inbox",), ("menu_inbox",)]
    assert site.sql("SELECT groups FROM ir_ui_menu WHERE name = 'Records'") == [("admin",)]
