"""The addons path: which modules exist, where, and the checksum of their content."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import MANIFEST_FILE, Manifest, ManifestError, read_manifest

IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", "node_modules"}
IGNORED_SUFFIXES = {".pyc", ".pyo"}


@dataclass
class AddonsScan:
    """The result of scanning the addons path, in path order: the first folder that has a module wins."""

    folders: list[Path]
    modules: dict[str, Manifest] = field(default_factory=dict)
    invalid: dict[str, ManifestError] = field(default_factory=dict)
    shadowed: dict[str, list[Path]] = field(default_factory=dict)  # module -> later folders also holding it
    missing_folders: list[Path] = field(default_factory=list)

    def manifest(self, name: str) -> Manifest | None:
        return self.modules.get(name)


def scan_addons(folders: list[Path]) -> AddonsScan:
    scan = AddonsScan(folders=[Path(f) for f in folders])
    for folder in scan.folders:
        if not folder.is_dir():
            scan.missing_folders.append(folder)
            continue
        for module_dir in sorted(folder.iterdir()):
            if not (module_dir / MANIFEST_FILE).is_file():
                continue
            name = module_dir.name
            if name in scan.modules or name in scan.invalid:
                scan.shadowed.setdefault(name, []).append(module_dir.resolve())
                continue
            try:
                scan.modules[name] = read_manifest(module_dir)
            except ManifestError as error:
                scan.invalid[name] = error
    return scan


def make_importable(folders: list[Path]) -> None:
    """Put each addons folder on sys.path so that a module folder imports as its own package."""
    for folder in reversed([str(Path(f).resolve()) for f in folders]):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def module_part(name: str, part: str):
    """Module ``name``'s ``part`` (``cli``, ``demo`` ...) imported, or None when the module has none.

    The file's presence is the declaration, as for ``api.py`` and ``urls.py``: nothing to list in the manifest.
    The module's folder must be importable (``make_importable``); an error inside the file is not hidden.
    """
    if importlib.util.find_spec(f"{name}.{part}") is None:
        return None
    return importlib.import_module(f"{name}.{part}")


def module_files(module_dir: Path) -> list[Path]:
    files = []
    for path in module_dir.rglob("*"):
        relative = path.relative_to(module_dir)
        if path.is_file() and not IGNORED_PARTS.intersection(relative.parts) and path.suffix not in IGNORED_SUFFIXES:
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(module_dir).as_posix())


def content_checksum(module_dir: Path) -> str:
    """sha256 over every file's relative path and bytes: changes exactly when the module's content changes."""
    digest = hashlib.sha256()
    for path in module_files(module_dir):
        digest.update(path.relative_to(module_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
