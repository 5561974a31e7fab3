"""Module manifests: ``__manifest__.py`` holds one dict literal, read with ``ast.literal_eval``, never executed."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_FILE = "__manifest__.py"
MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION = re.compile(r"^\d+(\.\d+){1,4}$")

REQUIRED_KEYS = {"name": str, "version": str}
OPTIONAL_KEYS = {
    "summary": str,
    "description": str,
    "category": str,
    "author": str,
    "website": str,
    "license": str,
    "depends": list,
    "data": list,
    "demo": list,
    "application": bool,
    "installable": bool,
    "auto_install": bool,
}


class ManifestError(Exception):
    """An unreadable or invalid manifest; the message starts with the manifest's path."""


@dataclass(frozen=True)
class Manifest:
    """What a module says about itself. ``technical_name`` is its folder name, the Python package name."""

    technical_name: str
    path: Path
    name: str
    version: str
    summary: str = ""
    description: str = ""
    category: str = "Uncategorized"
    author: str = ""
    website: str = ""
    license: str = "LGPL-3"
    depends: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    demo: tuple[str, ...] = ()
    application: bool = False
    installable: bool = True
    auto_install: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split("."))


def read_manifest(module_dir: Path) -> Manifest:
    """Parse ``module_dir/__manifest__.py``; raise ManifestError naming the file and the reason."""
    manifest_path = module_dir / MANIFEST_FILE
    technical_name = module_dir.name
    try:
        source = manifest_path.read_text(encoding="utf-8")
    except OSError as error:
        raise ManifestError(f"{manifest_path}: cannot be read: {error.strerror}") from None
    try:
        values = ast.literal_eval(source)
    except (SyntaxError, ValueError) as error:
        reason = "not a Python literal (a manifest must be one dict literal, nothing executed)"
        if isinstance(error, SyntaxError):
            reason = f"syntax error at line {error.lineno}: {error.msg}"
        raise ManifestError(f"{manifest_path}: {reason}") from None
    if not isinstance(values, dict):
        raise ManifestError(f"{manifest_path}: must be a dict literal, found {type(values).__name__}")
    if not MODULE_NAME.match(technical_name):
        raise ManifestError(f"{manifest_path}: folder name {technical_name!r} is not a valid module name")
    for key, kind in REQUIRED_KEYS.items():
        if key not in values:
            raise ManifestError(f"{manifest_path}: missing required key {key!r}")
    for key, value in values.items():
        kind = REQUIRED_KEYS.get(key) or OPTIONAL_KEYS.get(key)
        if kind is not None and not isinstance(value, kind):
            raise ManifestError(f"{manifest_path}: {key!r} must be a {kind.__name__}, got {type(value).__name__}")
    if not VERSION.match(values["version"]):
        raise ManifestError(f"{manifest_path}: version {values['version']!r} must look like 1.0 or 18.0.1.2.0")
    for key in ("depends", "data", "demo"):
        items = values.get(key, [])
        if not all(isinstance(item, str) and item for item in items):
            raise ManifestError(f"{manifest_path}: every entry of {key!r} must be a non-empty string")
    for dependency in values.get("depends", []):
        if not MODULE_NAME.match(dependency):
            raise ManifestError(f"{manifest_path}: dependency {dependency!r} is not a valid module name")
    for data_file in [*values.get("data", []), *values.get("demo", [])]:
        relative = Path(data_file)
        if relative.is_absolute() or ".." in relative.parts:
            raise ManifestError(f"{manifest_path}: data file {data_file!r} must be a path inside the module")
        if not (module_dir / relative).is_file():
            raise ManifestError(f"{manifest_path}: data file {data_file!r} does not exist")
    known = {key: values[key] for key in values if key in REQUIRED_KEYS or key in OPTIONAL_KEYS}
    return Manifest(
        technical_name=technical_name,
        path=module_dir.resolve(),
        name=known["name"],
        version=known["version"],
        summary=known.get("summary", ""),
        description=known.get("description", ""),
        category=known.get("category", "Uncategorized"),
        author=known.get("author", ""),
        website=known.get("website", ""),
        license=known.get("license", "LGPL-3"),
        depends=tuple(known.get("depends", [])),
        data=tuple(known.get("data", [])),
        demo=tuple(known.get("demo", [])),
        application=known.get("application", False),
        installable=known.get("installable", True),
        auto_install=known.get("auto_install", False),
        extra={key: value for key, value in values.items() if key not in known},
    )
