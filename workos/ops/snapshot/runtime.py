"""Runtime artifacts read from the registry tables (Odoo's names) and the addons path.

ODOO_MENU_SITEMAP, ODOO_MODEL_SNAPSHOT, MODULE_STATES, ODOO_ACTIONS, IPAI_MODULE_STATUS come from the database
with raw SQL; ADDONS_PATH from the configured folders. Each validator re-counts with its own SQL, so a
generator that dropped rows (a wrong join, a filter) cannot pass.
"""

from __future__ import annotations

import csv
import io

from workos.settings.config import BUNDLED_ADDONS

from .base import (
    Artifact,
    ArtifactInvalid,
    JsonArtifact,
    parse_sections,
    register,
    render_sections,
    require_keys,
)
from .sources import Sources, action_url, menu_path

INSTALLED_STATES = ("installed", "to upgrade", "to remove")
MODULE_STATES = ("uninstalled", "to install", "installed", "to upgrade", "to remove", "uninstallable")
WORKOS_PREFIX = "ipai_workos_"


def owners(sources: Sources, model: str) -> dict[int, dict]:
    """res_id -> {"module", "xmlid"} for the records of ``model`` that modules loaded as data."""
    rows = sources.db.rows(f"SELECT module, name, res_id FROM ir_model_data WHERE model = '{model}'")
    return {row["res_id"]: {"module": row["module"], "xmlid": f"{row['module']}.{row['name']}"} for row in rows}


def count(sources: Sources, query: str) -> int:
    return int(sources.db.scalar(query) or 0)


# --- ODOO_MENU_SITEMAP ---------------------------------------------------------------------------------


@register
class MenuSitemap(JsonArtifact):
    name = "ODOO_MENU_SITEMAP"
    folder = "runtime"
    source = "database"
    description = "the menu tree of ir_ui_menu (id, name, parent, sequence, action, owning module); WorkOS menus apart"

    def collect(self, sources: Sources) -> dict:
        menus = sources.db.rows("SELECT id, name, parent_id, sequence, action_id, web_icon FROM ir_ui_menu")
        actions = {row["id"]: row for row in sources.db.rows("SELECT id, name, res_model, path FROM ir_act_window")}
        menu_owners = owners(sources, "ir.ui.menu")
        action_owners = owners(sources, "ir.actions.act_window")
        by_id = {row["id"]: row for row in menus}
        entries = []
        for menu in sorted(menus, key=lambda row: row["id"]):
            action = actions.get(menu["action_id"])
            owner = menu_owners.get(menu["id"], {})
            parent = by_id.get(menu["parent_id"])
            entries.append({
                "id": menu["id"],
                "xmlid": owner.get("xmlid"),
                "module": owner.get("module"),
                "name": menu["name"],
                "path": menu_path(menu, by_id),
                "parent_id": menu["parent_id"],
                "parent": menu_owners.get(parent["id"], {}).get("xmlid") if parent else None,
                "sequence": menu["sequence"],
                "icon": menu["web_icon"] or None,
                "action": None if action is None else {
                    "id": action["id"],
                    "xmlid": action_owners.get(action["id"], {}).get("xmlid"),
                    "name": action["name"],
                    "res_model": action["res_model"],
                    "url": action_url(action),
                },
            })
        children: dict[int | None, list[dict]] = {}
        for entry in entries:
            parent_id = entry["parent_id"] if entry["parent_id"] in by_id else None
            children.setdefault(parent_id, []).append(entry)

        def tree(parent_id):
            nodes = sorted(children.get(parent_id, []), key=lambda e: (e["sequence"], e["id"]))
            return [{"id": e["id"], "name": e["name"], "xmlid": e["xmlid"],
                     "url": e["action"]["url"] if e["action"] else None, "children": tree(e["id"])} for e in nodes]

        workos = [entry for entry in entries if (entry["module"] or "").startswith(WORKOS_PREFIX)]
        return {
            "counts": {
                "menus": len(entries),
                "roots": len(children.get(None, [])),
                "with_action": sum(1 for e in entries if e["action"]),
                "workos_menus": len(workos),
            },
            "menus": entries,
            "tree": tree(None),
            "workos_menus": [{key: e[key] for key in ("id", "xmlid", "module", "name", "path", "sequence")}
                             | {"url": e["action"]["url"] if e["action"] else None} for e in workos],
        }

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        total = count(sources, "SELECT count(*) FROM ir_ui_menu")
        if len(parsed["menus"]) != total or parsed["counts"]["menus"] != total:
            problems.append(f"{len(parsed['menus'])} menus listed, ir_ui_menu has {total}")
        ids = {entry["id"] for entry in parsed["menus"]}
        for entry in parsed["menus"]:
            if entry["parent_id"] is not None and entry["parent_id"] not in ids:
                problems.append(f"menu {entry['id']} has parent {entry['parent_id']}, which is not listed")

        def nodes(tree):
            return sum(1 + nodes(node["children"]) for node in tree)

        if nodes(parsed["tree"]) != total:
            problems.append(f"the tree holds {nodes(parsed['tree'])} menus, ir_ui_menu has {total}")
        with_action = count(sources, "SELECT count(*) FROM ir_ui_menu m JOIN ir_act_window a ON a.id = m.action_id")
        if parsed["counts"]["with_action"] != with_action:
            problems.append(f"{parsed['counts']['with_action']} menus with an action, the database has {with_action}")
        workos = count(sources, "SELECT count(*) FROM ir_ui_menu m JOIN ir_model_data d ON d.model = 'ir.ui.menu' "
                                f"AND d.res_id = m.id WHERE substr(d.module, 1, {len(WORKOS_PREFIX)}) = '{WORKOS_PREFIX}'")
        if len(parsed["workos_menus"]) != workos:
            problems.append(f"{len(parsed['workos_menus'])} WorkOS menus listed, the database has {workos}")
        return problems


# --- ODOO_MODEL_SNAPSHOT -------------------------------------------------------------------------------


@register
class ModelSnapshot(JsonArtifact):
    name = "ODOO_MODEL_SNAPSHOT"
    folder = "runtime"
    source = "database"
    description = "every registered model (ir_model) with its fields (ir_model_fields); counts"

    def collect(self, sources: Sources) -> dict:
        models = sources.db.rows("SELECT id, model, name, modules, table_name FROM ir_model")
        fields = sources.db.rows(
            "SELECT model_id, name, field_description, ttype, relation, required, column_name FROM ir_model_fields"
        )
        tables = sources.db.tables()
        by_model: dict[int, list[dict]] = {}
        for field in fields:
            by_model.setdefault(field["model_id"], []).append({
                "name": field["name"],
                "label": field["field_description"],
                "type": field["ttype"],
                "relation": field["relation"] or None,
                "required": bool(field["required"]),
                "column": field["column_name"] or None,
            })
        entries = []
        for model in sorted(models, key=lambda row: row["model"]):
            entries.append({
                "model": model["model"],
                "name": model["name"],
                "modules": sorted(m for m in (model["modules"] or "").split(",") if m),
                "table": model["table_name"],
                "table_exists": model["table_name"] in tables,
                "fields": sorted(by_model.get(model["id"], []), key=lambda f: f["name"]),
            })
        return {
            "counts": {
                "models": len(entries),
                "ipai": sum(1 for e in entries if e["model"].startswith("ipai.")),
                "ipai_workos": sum(1 for e in entries if e["model"].startswith("ipai.workos.")),
                "fields": sum(len(e["fields"]) for e in entries),
            },
            "models": entries,
        }

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        expected = {
            "models": count(sources, "SELECT count(*) FROM ir_model"),
            "ipai": count(sources, "SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.%'"),
            "ipai_workos": count(sources, "SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%'"),
            "fields": count(sources, "SELECT count(*) FROM ir_model_fields"),
        }
        for key, value in expected.items():
            if parsed["counts"].get(key) != value:
                problems.append(f"counts.{key} is {parsed['counts'].get(key)}, the database has {value}")
        if len(parsed["models"]) != expected["models"]:
            problems.append(f"{len(parsed['models'])} models listed, ir_model has {expected['models']}")
        per_model = {row["model"]: int(row["n"]) for row in sources.db.rows(
            "SELECT m.model AS model, count(f.id) AS n FROM ir_model m LEFT JOIN ir_model_fields f ON f.model_id = m.id "
            "GROUP BY m.model")}
        for entry in parsed["models"]:
            if len(entry["fields"]) != per_model.get(entry["model"], -1):
                problems.append(f"{entry['model']}: {len(entry['fields'])} fields listed, the database has "
                                f"{per_model.get(entry['model'], 'no such model')}")
        return problems[:20]

    def findings(self, parsed: dict) -> list[str]:
        missing = [e["model"] for e in parsed["models"] if not e["table_exists"]]
        return [f"models without a table: {', '.join(missing)}"] if missing else []


# --- MODULE_STATES -------------------------------------------------------------------------------------

MODULE_COLUMNS = ["name", "state", "latest_version", "shortdesc"]


@register
class ModuleStates(Artifact):
    name = "MODULE_STATES"
    folder = "runtime"
    suffix = "csv"
    source = "database"
    description = "name,state,latest_version,shortdesc of every row of ir_module_module, CSV"

    QUERY = "SELECT name, state, latest_version, shortdesc FROM ir_module_module"

    def collect(self, sources: Sources) -> list[dict]:
        rows = sources.db.rows(self.QUERY)
        return sorted(({key: row[key] or "" for key in MODULE_COLUMNS} for row in rows), key=lambda r: r["name"])

    def render(self, data: list[dict], environment: str) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=MODULE_COLUMNS, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        writer.writerows(data)
        return buffer.getvalue()

    def parse(self, text: str) -> list[dict]:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames != MODULE_COLUMNS:
            raise ArtifactInvalid(f"header is {reader.fieldnames}, expected {MODULE_COLUMNS}")
        rows = []
        for number, row in enumerate(reader, start=2):
            if None in row or any(value is None for value in row.values()):
                raise ArtifactInvalid(f"line {number}: expected {len(MODULE_COLUMNS)} columns")
            rows.append(dict(row))
        return rows

    def validate(self, parsed: list[dict], sources: Sources) -> list[str]:
        problems = []
        live = self.collect(sources)
        if len(parsed) != len(live):
            problems.append(f"{len(parsed)} rows, ir_module_module has {len(live)}")
        for row in parsed:
            if row["state"] not in MODULE_STATES:
                problems.append(f"{row['name']}: unknown state {row['state']!r}")
        if parsed != live and len(parsed) == len(live):
            problems.append("rows differ from ir_module_module")
        return problems


# --- IPAI_MODULE_STATUS --------------------------------------------------------------------------------


@register
class IpaiModuleStatus(Artifact):
    name = "IPAI_MODULE_STATUS"
    folder = "runtime"
    suffix = "txt"
    source = "database"
    description = "aligned table of the ipai_% modules: state and installed version"

    HEADER = ("module", "state", "version")

    def collect(self, sources: Sources) -> list[tuple[str, str, str]]:
        rows = sources.db.rows("SELECT name, state, latest_version FROM ir_module_module WHERE substr(name, 1, 5) = 'ipai_'")
        return sorted((row["name"], row["state"], row["latest_version"] or "-") for row in rows)

    def render(self, data: list[tuple[str, str, str]], environment: str) -> str:
        widths = [max([len(self.HEADER[i])] + [len(row[i]) for row in data]) for i in range(3)]

        def line(values):
            return "  ".join(value.ljust(width) for value, width in zip(values, widths)).rstrip()

        installed = sum(1 for row in data if row[1] in INSTALLED_STATES)
        states: dict[str, int] = {}
        for row in data:
            states[row[1]] = states.get(row[1], 0) + 1
        lines = [f"# ipai_% modules — {environment}", "", line(self.HEADER), line(["-" * w for w in widths])]
        lines += [line(row) for row in data]
        lines += ["", f"modules: {len(data)}", f"installed: {installed}"]
        lines += [f"state {state}: {number}" for state, number in sorted(states.items())]
        return "\n".join(lines) + "\n"

    def parse(self, text: str) -> dict:
        lines = text.splitlines()
        if len(lines) < 4 or not lines[0].startswith("# ipai_% modules — ") or lines[2].split() != list(self.HEADER):
            raise ArtifactInvalid("expected a title line, a blank line and the header 'module state version'")
        rows, index = [], 4
        while index < len(lines) and lines[index].strip():
            values = lines[index].split()
            # A state may be two words ("to upgrade"): name first, version last, state in between.
            if len(values) < 3:
                raise ArtifactInvalid(f"line {index + 1}: expected module, state and version")
            rows.append((values[0], " ".join(values[1:-1]), values[-1]))
            index += 1
        summary = {}
        for line in lines[index:]:
            key, separator, value = line.partition(": ")
            if separator:
                summary[key] = value
        require_keys(summary, "modules", "installed")
        if int(summary["modules"]) != len(rows):
            raise ArtifactInvalid(f"summary says {summary['modules']} modules, the table has {len(rows)}")
        return {"rows": rows, "installed": int(summary["installed"])}

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        live = self.collect(sources)
        problems = []
        if [tuple(row) for row in parsed["rows"]] != live:
            problems.append(f"table ({len(parsed['rows'])} rows) differs from the ipai_% rows of ir_module_module ({len(live)})")
        installed = sum(1 for row in live if row[1] in INSTALLED_STATES)
        if parsed["installed"] != installed:
            problems.append(f"says {parsed['installed']} installed, the database has {installed}")
        return problems

    def stable(self, parsed: dict) -> dict:
        return {"rows": [list(row) for row in parsed["rows"]], "installed": parsed["installed"]}


# --- ODOO_ACTIONS --------------------------------------------------------------------------------------


@register
class Actions(JsonArtifact):
    name = "ODOO_ACTIONS"
    folder = "runtime"
    source = "database"
    description = "window actions (ir_act_window) with their models, view modes, URL and the menus opening them"

    def collect(self, sources: Sources) -> dict:
        actions = sources.db.rows("SELECT id, name, res_model, view_mode, path FROM ir_act_window")
        models = {row["model"] for row in sources.db.rows("SELECT model FROM ir_model")}
        menus = sources.db.rows("SELECT id, name, parent_id, action_id FROM ir_ui_menu")
        menus_by_id = {row["id"]: row for row in menus}
        action_owners = owners(sources, "ir.actions.act_window")
        entries = []
        for action in sorted(actions, key=lambda row: row["id"]):
            owner = action_owners.get(action["id"], {})
            entries.append({
                "id": action["id"],
                "xmlid": owner.get("xmlid"),
                "module": owner.get("module"),
                "name": action["name"],
                "res_model": action["res_model"],
                "model_registered": action["res_model"] in models,
                "view_modes": [mode.strip() for mode in (action["view_mode"] or "").split(",") if mode.strip()],
                "path": action["path"] or None,
                "url": action_url(action),
                "menus": sorted(menu_path(menu, menus_by_id) for menu in menus if menu["action_id"] == action["id"]),
            })
        return {"counts": {"actions": len(entries), "without_model": sum(1 for e in entries if not e["model_registered"])},
                "actions": entries}

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        total = count(sources, "SELECT count(*) FROM ir_act_window")
        problems = []
        if len(parsed["actions"]) != total or parsed["counts"]["actions"] != total:
            problems.append(f"{len(parsed['actions'])} actions listed, ir_act_window has {total}")
        for entry in parsed["actions"]:
            if not entry["res_model"] or not entry["view_modes"]:
                problems.append(f"action {entry['id']} has no model or no view mode")
        return problems

    def findings(self, parsed: dict) -> list[str]:
        orphans = [f"{e['name']} ({e['res_model']})" for e in parsed["actions"] if not e["model_registered"]]
        return [f"actions on unregistered models: {', '.join(orphans)}"] if orphans else []


# --- ADDONS_PATH ---------------------------------------------------------------------------------------


@register
class AddonsPath(Artifact):
    name = "ADDONS_PATH"
    folder = "runtime"
    suffix = "txt"
    source = "addons path"
    description = "configured addons path, resolved folders, where each module was found, modules found twice"

    def collect(self, sources: Sources) -> dict:
        config = sources.settings.config
        scan = sources.scan
        installed = {row["name"]: row for row in sources.db.rows(
            "SELECT name, latest_version, path FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')")}
        per_folder: dict[str, int] = {}
        for manifest in scan.modules.values():
            folder = str(manifest.path.parent)
            per_folder[folder] = per_folder.get(folder, 0) + 1
        folders = []
        for folder in scan.folders:
            resolved = folder.resolve()
            note = " (bundled with the code)" if resolved == BUNDLED_ADDONS.resolve() else ""
            if folder in scan.missing_folders:
                folders.append(f"{resolved} missing{note}")
            else:
                folders.append(f"{resolved} {per_folder.get(str(resolved), 0)} modules{note}")
        modules = []
        for name, manifest in sorted(scan.modules.items()):
            line = f"{name} {manifest.version} {manifest.path}"
            row = installed.get(name)
            if row and row["path"] and row["path"] != str(manifest.path):
                line += f" (installed from {row['path']})"
            modules.append(line)
        return {
            "configured": [str(p) for p in config.values["addons"]["path"]],
            "source": str(config.source) if config.source else "defaults and environment",
            "folders": folders,
            "modules": modules,
            "found twice": [f"{name} also in {', '.join(str(p) for p in paths)}" for name, paths in sorted(scan.shadowed.items())],
            "invalid manifests": [f"{name}: {error}" for name, error in sorted(scan.invalid.items())],
            "installed but not found": sorted(name for name in installed if name not in scan.modules),
        }

    def render(self, data: dict, environment: str) -> str:
        return render_sections(f"Addons path — {environment}", [
            ("configuration", data["source"]),
            ("configured ([addons] path)", data["configured"]),
            ("resolved folders, in search order", data["folders"]),
            ("modules, first folder wins", data["modules"]),
            ("found twice", data["found twice"]),
            ("invalid manifests", data["invalid manifests"]),
            ("installed but not found", data["installed but not found"]),
        ])

    def parse(self, text: str) -> dict:
        _, values = parse_sections(text)
        require_keys(values, "configuration", "configured ([addons] path)", "resolved folders, in search order",
                     "modules, first folder wins", "found twice", "invalid manifests", "installed but not found")
        return values

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        scan = sources.scan
        names = [line.split(" ", 1)[0] for line in parsed["modules, first folder wins"]]
        if sorted(names) != sorted(scan.modules):
            problems.append(f"{len(names)} modules listed, the addons path holds {len(scan.modules)}")
        if len(parsed["resolved folders, in search order"]) != len(scan.folders):
            problems.append("resolved folders differ from the configured addons path")
        if len(parsed["found twice"]) != len(scan.shadowed):
            problems.append(f"{len(parsed['found twice'])} modules listed as found twice, the scan finds {len(scan.shadowed)}")
        installed = count(sources, "SELECT count(*) FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')")
        found = sum(1 for name in names if name in {row["name"] for row in sources.db.rows(
            "SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')")})
        if found + len(parsed["installed but not found"]) != installed:
            problems.append(f"{found} installed modules found plus {len(parsed['installed but not found'])} missing "
                            f"is not the {installed} the database has installed")
        return problems

    def findings(self, parsed: dict) -> list[str]:
        notes = []
        for key in ("found twice", "invalid manifests", "installed but not found"):
            if parsed[key]:
                notes.append(f"{key}: {len(parsed[key])}")
        return notes
