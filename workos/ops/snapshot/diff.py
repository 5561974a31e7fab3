"""``workos snapshot diff``: what changed between two snapshots, in the terms an operator thinks in.

Either side is a snapshot folder (what ``--out`` points at) or a git revision whose tree holds one (read with
``git show REV:docs/...``, so old deploys' snapshots can be compared without checking anything out). Each
artifact is parsed by its own registry entry, so a malformed file is reported, not misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import ARTIFACTS, ArtifactInvalid
from .sources import Git, SourceError

INSTALLED_STATES = {"installed", "to upgrade", "to remove"}


class SnapshotReader:
    label: str

    def read(self, relative: str) -> str | None:
        raise NotImplementedError

    def environments(self) -> list[str]:
        raise NotImplementedError


@dataclass
class DirectoryReader(SnapshotReader):
    folder: Path

    @property
    def label(self) -> str:
        return str(self.folder)

    def read(self, relative: str) -> str | None:
        path = self.folder / relative
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def environments(self) -> list[str]:
        return sorted({_environment_of(p.name) for p in (self.folder / "runtime").glob("MODULE_STATES.*.csv")})


@dataclass
class GitReader(SnapshotReader):
    git: Git
    revision: str
    prefix: str  # the snapshot folder inside the repository, e.g. "docs"

    @property
    def label(self) -> str:
        return f"{self.revision}:{self.prefix}"

    def _path(self, relative: str) -> str:
        return relative if self.prefix in ("", ".") else f"{self.prefix}/{relative}"

    def read(self, relative: str) -> str | None:
        if not self.git.ok("cat-file", "-e", f"{self.revision}:{self._path(relative)}"):
            return None
        return self.git.run("show", f"{self.revision}:{self._path(relative)}")

    def environments(self) -> list[str]:
        listing = self.git.run("ls-tree", "--name-only", self.revision, self._path("runtime") + "/", check=False)
        names = [line.rsplit("/", 1)[-1] for line in listing.splitlines()]
        return sorted({_environment_of(n) for n in names if n.startswith("MODULE_STATES.") and n.endswith(".csv")})


def _environment_of(file_name: str) -> str:
    return file_name[len("MODULE_STATES.") : -len(".csv")]


def git_reader(git: Git, revision: str, prefix: str) -> GitReader:
    if not git.ok("rev-parse", "--verify", "-q", f"{revision}^{{commit}}"):
        raise SourceError(f"git: {revision!r} is not a commit in {git.root}")
    return GitReader(git, revision, prefix)


def load(reader: SnapshotReader, environment: str) -> tuple[dict[str, Any], list[str]]:
    """Parsed artifacts by name, and notes about the ones missing or unreadable."""
    parsed, notes = {}, []
    for name, artifact in ARTIFACTS.items():
        relative = artifact.relative_path(environment)
        text = reader.read(relative)
        if text is None:
            notes.append(f"{reader.label}: {relative} is missing")
            continue
        try:
            parsed[name] = artifact.parse(text)
        except ArtifactInvalid as error:
            notes.append(f"{reader.label}: {relative} cannot be read: {error}")
    return parsed, notes


def _keyed(items: list[dict], *keys: str) -> dict[str, dict]:
    result = {}
    for item in items:
        key = next((str(item[k]) for k in keys if item.get(k)), None)
        if key is not None:
            result[key] = item
    return result


def _added_removed(old: dict, new: dict, describe) -> dict:
    return {
        "added": [describe(new[key]) for key in sorted(set(new) - set(old))],
        "removed": [describe(old[key]) for key in sorted(set(old) - set(new))],
    }


def diff_snapshots(old: SnapshotReader, new: SnapshotReader, environment: str) -> dict:
    old_parsed, old_notes = load(old, environment)
    new_parsed, new_notes = load(new, environment)
    result: dict[str, Any] = {"environment": environment, "old": old.label, "new": new.label,
                              "notes": old_notes + new_notes}

    def both(name):
        return (old_parsed[name], new_parsed[name]) if name in old_parsed and name in new_parsed else (None, None)

    a, b = both("GIT_STATE")
    if a:
        result["code"] = {"old": a["sha"], "new": b["sha"], "changed": a["sha"] != b["sha"],
                          "old_describe": a["describe"], "new_describe": b["describe"]}

    a, b = both("MODULE_STATES")
    if a is not None:
        result["modules"] = _module_changes({r["name"]: r for r in a}, {r["name"]: r for r in b})

    a, b = both("ODOO_MODEL_SNAPSHOT")
    if a:
        result["models"], result["fields"] = _model_changes(a["models"], b["models"])

    a, b = both("ODOO_MENU_SITEMAP")
    if a:
        result["menus"] = _added_removed(_keyed(a["menus"], "xmlid", "path"), _keyed(b["menus"], "xmlid", "path"),
                                         lambda m: {"path": m["path"], "xmlid": m["xmlid"],
                                                    "url": m["action"]["url"] if m["action"] else None})

    a, b = both("ODOO_ACTIONS")
    if a:
        def action_key(items):
            return {(e["xmlid"] or f"{e['name']} ({e['res_model']})"): e for e in items}

        result["actions"] = _added_removed(action_key(a["actions"]), action_key(b["actions"]),
                                           lambda e: {"name": e["name"], "xmlid": e["xmlid"], "res_model": e["res_model"]})

    a, b = both("HTTP_SITEMAP")
    if a:
        old_pages, new_pages = _keyed(a["pages"], "url"), _keyed(b["pages"], "url")
        routes = _added_removed(old_pages, new_pages, lambda p: {"url": p["url"], "status": p["status"]})
        old_api = {f"{r['method']} {r['path']}": r for r in a["api_routes"]}
        new_api = {f"{r['method']} {r['path']}": r for r in b["api_routes"]}
        api = _added_removed(old_api, new_api, lambda r: {"route": f"{r['method']} {r['path']}"})
        result["http_routes"] = {"added": routes["added"] + [{"url": r["route"], "status": None} for r in api["added"]],
                                 "removed": routes["removed"] + [{"url": r["route"], "status": None} for r in api["removed"]]}
        result["http_status_changes"] = [
            {"url": url, "old": old_pages[url]["status"], "new": new_pages[url]["status"],
             "old_redirect": old_pages[url]["redirect"], "new_redirect": new_pages[url]["redirect"]}
            for url in sorted(set(old_pages) & set(new_pages))
            if (old_pages[url]["status"], old_pages[url]["redirect"]) != (new_pages[url]["status"], new_pages[url]["redirect"])
        ]
    return result


def _module_changes(old: dict[str, dict], new: dict[str, dict]) -> dict:
    changes: dict[str, list] = {"installed": [], "upgraded": [], "removed": [], "state_changes": []}
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        was = before is not None and before["state"] in INSTALLED_STATES
        now = after is not None and after["state"] in INSTALLED_STATES
        if now and not was:
            changes["installed"].append({"name": name, "version": after["latest_version"]})
        elif was and not now:
            changes["removed"].append({"name": name, "version": before["latest_version"],
                                       "state": after["state"] if after else "gone from the module list"})
        elif was and now and before["latest_version"] != after["latest_version"]:
            changes["upgraded"].append({"name": name, "old": before["latest_version"], "new": after["latest_version"]})
        elif before is not None and after is not None and before["state"] != after["state"]:
            changes["state_changes"].append({"name": name, "old": before["state"], "new": after["state"]})
    return changes


def _model_changes(old_models: list[dict], new_models: list[dict]) -> tuple[dict, dict]:
    old, new = _keyed(old_models, "model"), _keyed(new_models, "model")
    models = _added_removed(old, new, lambda m: {"model": m["model"], "modules": m["modules"], "fields": len(m["fields"])})
    fields: dict[str, list] = {"added": [], "removed": [], "changed": []}
    for model in sorted(set(old) & set(new)):
        before = _keyed(old[model]["fields"], "name")
        after = _keyed(new[model]["fields"], "name")
        for name in sorted(set(after) - set(before)):
            fields["added"].append({"model": model, "field": name, "type": after[name]["type"]})
        for name in sorted(set(before) - set(after)):
            fields["removed"].append({"model": model, "field": name, "type": before[name]["type"]})
        for name in sorted(set(before) & set(after)):
            x, y = before[name], after[name]
            changed = {key: [x.get(key), y.get(key)] for key in ("type", "relation", "required") if x.get(key) != y.get(key)}
            if changed:
                fields["changed"].append({"model": model, "field": name, "changes": changed})
    return models, fields


def has_changes(result: dict) -> bool:
    for key, value in result.items():
        if key == "code" and value["changed"]:
            return True
        if isinstance(value, dict) and key != "code" and any(value.values()):
            return True
        if key == "http_status_changes" and value:
            return True
    return False


def render_diff(result: dict) -> str:
    lines = [f"Snapshot diff, environment {result['environment']}: {result['old']} -> {result['new']}"]
    code = result.get("code")
    if code and code["changed"]:
        lines.append(f"code: {code['old'][:12]} ({code['old_describe']}) -> {code['new'][:12]} ({code['new_describe']})")
    modules = result.get("modules", {})
    for label, key, fmt in (
        ("modules installed", "installed", lambda m: f"{m['name']} {m['version']}"),
        ("modules upgraded", "upgraded", lambda m: f"{m['name']} {m['old']} -> {m['new']}"),
        ("modules removed", "removed", lambda m: f"{m['name']} {m['version']} (now {m['state']})"),
        ("module state changes", "state_changes", lambda m: f"{m['name']} {m['old']} -> {m['new']}"),
    ):
        _section(lines, label, modules.get(key, []), fmt)
    models = result.get("models", {})
    _section(lines, "models added", models.get("added", []), lambda m: f"{m['model']} ({', '.join(m['modules'])}; {m['fields']} fields)")
    _section(lines, "models removed", models.get("removed", []), lambda m: f"{m['model']} ({', '.join(m['modules'])})")
    fields = result.get("fields", {})
    _section(lines, "fields added", fields.get("added", []), lambda f: f"{f['model']}.{f['field']} ({f['type']})")
    _section(lines, "fields removed", fields.get("removed", []), lambda f: f"{f['model']}.{f['field']} ({f['type']})")
    _section(lines, "fields changed", fields.get("changed", []),
             lambda f: f"{f['model']}.{f['field']}: " + ", ".join(f"{k} {v[0]} -> {v[1]}" for k, v in f["changes"].items()))
    for label, key in (("menus", "menus"), ("actions", "actions")):
        section = result.get(key, {})
        describe = (lambda m: f"{m['path']}" + (f" [{m['xmlid']}]" if m.get("xmlid") else "")) if key == "menus" else \
                   (lambda e: f"{e['name']} -> {e['res_model']}" + (f" [{e['xmlid']}]" if e.get("xmlid") else ""))
        _section(lines, f"{label} added", section.get("added", []), describe)
        _section(lines, f"{label} removed", section.get("removed", []), describe)
    routes = result.get("http_routes", {})
    _section(lines, "HTTP routes added", routes.get("added", []), lambda r: f"{r['url']}" + (f" ({r['status']})" if r["status"] else ""))
    _section(lines, "HTTP routes removed", routes.get("removed", []), lambda r: f"{r['url']}" + (f" ({r['status']})" if r["status"] else ""))
    _section(lines, "HTTP status changes", result.get("http_status_changes", []),
             lambda c: f"{c['url']}: {c['old']} -> {c['new']}" + (f" (now redirects to {c['new_redirect']})" if c["new_redirect"] else ""))
    if not has_changes(result):
        lines.append("no differences")
    for note in result.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"


def _section(lines: list[str], label: str, items: list, describe) -> None:
    if items:
        lines.append(f"{label} ({len(items)}):")
        lines.extend(f"  {describe(item)}" for item in items)

