"""What the code imports is what the manifests and pyproject.toml declare, so that an install from the
declarations alone (a module with its dependency closure, a virtualenv from the locks) never fails on import.

Imports are read from the syntax tree of every Python file, those inside functions included. A module's own
``tests/`` folder is left out of the module check: the test process loads every module at once (DESIGN.md §4),
and a platform module's tests need a scope tree that only a WorkOS module provides.
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from workos.kernel.addons import scan_addons

ROOT = Path(__file__).resolve().parents[2]
MODULES = scan_addons([ROOT / "addons"]).modules
LOCAL_TOP_LEVEL = {"workos", "conftest"}


def imported_top_levels(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def python_files(folder: Path, *, with_tests: bool):
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).parts
        if "node_modules" in parts or (not with_tests and parts[0] == "tests"):
            continue
        yield path


def is_test_support(path: Path) -> bool:
    relative = path.relative_to(ROOT).parts
    return "tests" in relative or path.name == "conftest.py" or relative[:2] == ("workos", "testing")


def test_modules_were_found():
    assert len(MODULES) >= 14 and "ipai_platform_approvals" in MODULES


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_imported_module_is_a_declared_dependency(name):
    manifest = MODULES[name]
    undeclared = {}
    for path in python_files(manifest.path, with_tests=False):
        for imported in imported_top_levels(path):
            # Declared directly, not merely reached through another module: that one may drop it one day.
            if imported.startswith("ipai_") and imported != name and imported not in manifest.depends:
                undeclared.setdefault(imported, path.relative_to(ROOT).as_posix())

    assert not undeclared, f"{name} imports modules its manifest does not depend on: {undeclared}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("ipai_platform_")))
def test_platform_modules_never_import_workos_modules(name):
    offending = {
        path.relative_to(ROOT).as_posix(): sorted(i for i in imported_top_levels(path) if i.startswith("ipai_workos_"))
        for path in python_files(MODULES[name].path, with_tests=False)
    }

    assert not {path: names for path, names in offending.items() if names}


def declared_distributions() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(spec).name) for spec in project["dependencies"]}
    test = {canonicalize_name(Requirement(spec).name) for spec in project["optional-dependencies"]["test"]}
    return runtime, runtime | test


def test_every_third_party_import_is_declared_in_pyproject():
    distributions_of = importlib.metadata.packages_distributions()
    runtime, with_test = declared_distributions()
    local = LOCAL_TOP_LEVEL | set(MODULES)
    checked, undeclared = set(), {}
    for folder in (ROOT / "workos", ROOT / "addons"):
        for path in python_files(folder, with_tests=True):
            allowed = with_test if is_test_support(path) else runtime
            for imported in imported_top_levels(path) - local - set(sys.stdlib_module_names):
                checked.add(imported)
                distributions = {canonicalize_name(d) for d in distributions_of.get(imported, [])}
                if not distributions & allowed:
                    undeclared.setdefault(imported, path.relative_to(ROOT).as_posix())

    assert {"django", "ninja", "nh3", "markdown_it"} <= checked  # the scan saw the imports it is about
    assert not undeclared, f"imported but not declared in pyproject.toml (runtime code: [project.dependencies]): {undeclared}"
