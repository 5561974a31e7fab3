"""The modules of the code about to be deployed, read from git *before* HEAD moves.

Phase 2 must refuse a missing or invalid required module with nothing changed, so the new tree's addons are
extracted from the fetched revision into a temporary folder and scanned there, with the kernel's own manifest
parser and dependency resolver. The same scan tells ``--dry-run`` which modules would be installed or
upgraded: the kernel upgrades a module when its version or content checksum differs from the recorded one.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from workos.kernel.addons import AddonsScan, content_checksum, scan_addons
from workos.kernel.graph import DependencyError, dependency_closure

from .database import Database, DatabaseError
from .gitrepo import GitRepo
from .migration_risk import MigrationRisk, assess
from .settings import DeploySettings


@dataclass
class ModulePlan:
    problems: list[str] = field(default_factory=list)
    to_install: list[str] = field(default_factory=list)
    to_upgrade: list[str] = field(default_factory=list)
    closure: list[str] = field(default_factory=list)
    risk: MigrationRisk = field(default_factory=MigrationRisk)

    def as_dict(self) -> dict:
        return {"problems": self.problems, "to_install": self.to_install, "to_upgrade": self.to_upgrade,
                "migrations": self.risk.as_dict()}


def addons_folders(settings: DeploySettings) -> list[Path]:
    """The addons path the deployed code will use: the configured folders, then the checkout's ``addons``."""
    folders = [Path(p) for p in settings.config.values["addons"]["path"]]
    bundled = settings.repo_root / "addons"
    if bundled.resolve() not in {folder.resolve() for folder in folders}:
        folders.append(bundled)
    return folders


@contextmanager
def scan_at_revision(settings: DeploySettings, repo: GitRepo, revision: str) -> Iterator[AddonsScan]:
    """Scan the addons path as it will be at ``revision``: folders inside the repository are taken from git,
    folders outside it (extra addons) as they are on disk."""
    root = settings.repo_root.resolve()
    with tempfile.TemporaryDirectory(prefix="workos-deploy-tree-") as temporary:
        tree = Path(temporary)
        folders: list[Path] = []
        inside: list[str] = []
        for folder in addons_folders(settings):
            resolved = folder.resolve()
            if resolved == root or root in resolved.parents:
                relative = resolved.relative_to(root).as_posix()
                inside.append(relative)
                folders.append(tree / relative)
            else:
                folders.append(folder)
        repo.extract(revision, inside, tree)
        yield scan_addons(folders)


def check_required(scan: AddonsScan, required: list[str]) -> tuple[list[str], list[str]]:
    """Problems with the required modules and their dependencies; and the closure when there are none."""
    problems = []
    for name in required:
        if name in scan.invalid:
            problems.append(f"required module {name} has an invalid manifest: {scan.invalid[name]}")
        elif name not in scan.modules:
            problems.append(f"required module {name} is missing from the addons path of the new code")
    if problems:
        return problems, []
    try:
        return [], dependency_closure(required, scan.modules, scan.invalid)
    except DependencyError as error:
        return [f"the required modules cannot be installed from the new code: {error}"], []


def plan_modules(settings: DeploySettings, repo: GitRepo, revision: str) -> ModulePlan:
    with scan_at_revision(settings, repo, revision) as scan:
        plan = ModulePlan()
        plan.problems, plan.closure = check_required(scan, settings.required_modules)
        if plan.problems:
            return plan
        recorded = _recorded_modules(Database(settings.config.database_url))
        installed = {name for name, (state, _, _) in recorded.items() if state in ("installed", "to upgrade", "to remove")}
        plan.to_install = [name for name in plan.closure if name not in installed]
        for name in sorted(installed):
            manifest = scan.manifest(name)
            if manifest is None:
                continue
            _, version, checksum = recorded[name]
            if manifest.version != version or content_checksum(manifest.path) != checksum:
                plan.to_upgrade.append(name)
        changing = plan.to_install + plan.to_upgrade
        folders = {name: scan.manifest(name).path for name in changing if scan.manifest(name) is not None}
        plan.risk = assess(Database(settings.config.database_url), folders, changing)
        return plan


def _recorded_modules(database: Database) -> dict[str, tuple[str, str, str]]:
    try:
        if not database.has_table("ir_module_module"):
            return {}
        rows = database.query("SELECT name, state, latest_version, checksum FROM ir_module_module")
    except DatabaseError:
        return {}
    return {name: (state, version, checksum) for name, state, version, checksum in rows}
