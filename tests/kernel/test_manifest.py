"""Manifests are parsed as literals, validated, and refused with their path and the reason."""

from pathlib import Path

import pytest

from workos.kernel.addons import content_checksum, scan_addons
from workos.kernel.graph import DependencyError, dependency_closure, dependents
from workos.kernel.manifest import ManifestError, read_manifest


def module(tmp_path: Path, name: str, manifest: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__manifest__.py").write_text(manifest)
    return folder


def test_a_valid_manifest_is_read_with_defaults(tmp_path):
    folder = module(tmp_path, "sales_extra", '{"name": "Sales extra", "version": "1.2.0", "depends": ["base_x"]}')

    manifest = read_manifest(folder)

    assert manifest.technical_name == "sales_extra"
    assert manifest.version_tuple == (1, 2, 0)
    assert manifest.depends == ("base_x",)
    assert manifest.installable is True


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"name": "x", "version": open("/etc/passwd").read()}', "not a Python literal"),
        ('["name", "version"]', "must be a dict literal"),
        ('{"version": "1.0"}', "missing required key 'name'"),
        ('{"name": "x", "version": "one"}', "version 'one' must look like"),
        ('{"name": "x", "version": "1.0", "depends": "base"}', "'depends' must be a list"),
        ('{"name": "x", "version": "1.0", "depends": ["Bad-Name"]}', "dependency 'Bad-Name' is not a valid module name"),
        ('{"name": "x", "version": "1.0", "data": ["../../etc/passwd"]}', "must be a path inside the module"),
        ('{"name": "x", "version": "1.0", "data": ["data/missing.toml"]}', "data file 'data/missing.toml' does not exist"),
        ('{"name": "x", "version": "1.0"', "syntax error at line 1"),
    ],
)
def test_invalid_manifests_are_refused_with_path_and_reason(tmp_path, text, reason):
    folder = module(tmp_path, "broken", text)

    with pytest.raises(ManifestError) as error:
        read_manifest(folder)

    assert str(error.value).startswith(str(folder / "__manifest__.py"))
    assert reason in str(error.value)


def test_first_folder_on_the_addons_path_wins_and_duplicates_are_reported(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    module(first, "shared", '{"name": "first", "version": "1.0"}')
    module(second, "shared", '{"name": "second", "version": "2.0"}')

    scan = scan_addons([first, second, tmp_path / "absent"])

    assert scan.modules["shared"].name == "first"
    assert scan.shadowed["shared"] == [(second / "shared").resolve()]
    assert scan.missing_folders == [tmp_path / "absent"]


def test_checksum_changes_with_content_but_not_with_bytecode(tmp_path):
    folder = module(tmp_path, "mod", '{"name": "m", "version": "1.0"}')
    before = content_checksum(folder)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"\0")
    unchanged = content_checksum(folder)
    (folder / "models.py").write_text("# new\n")

    assert unchanged == before
    assert content_checksum(folder) != before


def test_closure_orders_dependencies_first_and_finds_dependents(tmp_path):
    for name, depends in {"a": [], "b": ["a"], "c": ["b", "a"], "d": []}.items():
        module(tmp_path, name, f'{{"name": "{name}", "version": "1.0", "depends": {depends!r}}}'.replace("'", '"'))
    modules = scan_addons([tmp_path]).modules

    assert dependency_closure(["c"], modules) == ["a", "b", "c"]
    assert dependents("a", {"a", "b", "c", "d"}, modules) == {"b", "c"}
    with pytest.raises(DependencyError, match="missing dependency zz: c -> zz"):
        dependency_closure(["c"], {**modules, "c": modules["c"].__class__(**{**modules["c"].__dict__, "depends": ("zz",)})})
