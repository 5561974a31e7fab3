"""CONTAINER_PATH_CHECK: where the running code lives and whether the server can see every installed module.

A small probe (below) runs where the server runs and answers from the server's own point of view: which
``workos`` package it imports, its Python and dependency versions, the addons path its configuration gives,
and for each module the database records as installed, whether its folder is on that path and which folder
Python would import it from. Only how the probe is started depends on the service manager:

- ``process`` and ``systemd``: this machine's Python, in the repository folder, with the configuration's
  environment (``LocalProbe``);
- ``compose``: ``docker compose -f FILE exec -T SERVICE python -c ...`` inside the running container
  (``ComposeProbe``; settings in ``[deploy.compose]``: ``file``, ``service``, ``project``, ``python``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .base import Artifact, parse_sections, register, render_sections, require_keys
from .sources import SourceError, Sources

PROBE = r"""
import importlib.metadata, importlib.util, json, os, sys
request = json.loads(sys.argv[1])
import workos
from workos.settings.config import load_config
from workos.kernel.addons import make_importable, scan_addons
config = load_config()
scan = scan_addons(config.addons_path)
make_importable(config.addons_path)
def version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
modules = {}
for name in request["modules"]:
    manifest = scan.modules.get(name)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    origin = os.path.dirname(spec.origin) if spec is not None and spec.origin else None
    modules[name] = {"folder": str(manifest.path) if manifest else None, "imports_from": origin}
print(json.dumps({
    "package": os.path.dirname(os.path.abspath(workos.__file__)),
    "version": workos.__version__,
    "python": sys.version.split()[0],
    "executable": sys.executable,
    "configuration": str(config.source) if config.source else None,
    "folders": [[str(f.resolve()), f.is_dir()] for f in scan.folders],
    "distributions": {name: version(name) for name in request["distributions"]},
    "modules": modules,
}))
"""

FALLBACK_DISTRIBUTIONS = ["Django", "django-ninja", "psycopg", "click", "rich", "uvicorn", "httpx", "selectolax",
                          "nh3", "whitenoise"]


@dataclass
class LocalProbe:
    """The server runs on this machine (process or systemd service manager)."""

    root: Path
    environment: dict[str, str]

    @property
    def label(self) -> str:
        return f"local process: {sys.executable} -c PROBE, in {self.root}"

    def command(self, argument: str) -> list[str]:
        return [sys.executable, "-c", PROBE, argument]

    def run(self, argument: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(argument), cwd=self.root, env={**os.environ, **self.environment},
                              capture_output=True, text=True, timeout=120)


@dataclass
class ComposeProbe:
    """The server runs in a compose service: the probe runs inside that container."""

    root: Path
    file: str
    service: str
    project: str | None
    python: str

    @property
    def label(self) -> str:
        return f"docker compose -f {self.file} exec -T {self.service} {self.python} -c PROBE"

    def command(self, argument: str) -> list[str]:
        command = ["docker", "compose", "-f", self.file]
        if self.project:
            command += ["-p", self.project]
        return command + ["exec", "-T", self.service, self.python, "-c", PROBE, argument]

    def run(self, argument: str) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(self.command(argument), cwd=self.root, capture_output=True, text=True, timeout=120)
        except FileNotFoundError:
            raise SourceError("running code: the docker command is not installed, so the compose service "
                              f"{self.service!r} cannot be probed") from None


def probe_for(sources: Sources):
    settings = sources.settings
    if settings.config.get("deploy", "service") == "compose":
        compose = settings.config.section("deploy.compose")
        return ComposeProbe(
            root=settings.repo_root,
            file=str(compose.get("file", "deploy/docker-compose.prod.yml")),
            service=str(compose.get("service", "workos")),
            project=compose.get("project"),
            python=str(compose.get("python", "python")),
        )
    return LocalProbe(root=settings.repo_root, environment=settings.config.as_environment())


def dependency_names(root: Path) -> list[str]:
    """The distributions the code declares (pyproject.toml), so the list is the project's, not guessed."""
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
        names = []
        for requirement in project.get("dependencies", []):
            name = requirement
            for mark in "<>=!~[; ":
                name = name.split(mark, 1)[0]
            names.append(name.strip())
        return sorted(filter(None, names), key=str.lower) or FALLBACK_DISTRIBUTIONS
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return sorted(FALLBACK_DISTRIBUTIONS, key=str.lower)


def module_status(name: str, entry: dict) -> str:
    folder, origin = entry.get("folder"), entry.get("imports_from")
    if not folder:
        return f"{name} missing (not on the server's addons path)"
    if origin != folder:
        return f"{name} shadowed {folder} (Python imports it from {origin or 'nowhere'})"
    return f"{name} visible {folder}"


@register
class ContainerPathCheck(Artifact):
    name = "CONTAINER_PATH_CHECK"
    folder = "runtime"
    suffix = "txt"
    source = "running code"
    description = "where the running code lives, Python and dependency versions, every installed module visible"

    def collect(self, sources: Sources) -> dict:
        installed = sorted(row["name"] for row in sources.db.rows(
            "SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')"))
        probe = probe_for(sources)
        argument = json.dumps({"modules": installed, "distributions": dependency_names(sources.settings.repo_root)})
        try:
            result = probe.run(argument)
        except subprocess.TimeoutExpired:
            raise SourceError(f"running code: the probe ({probe.label}) gave no answer within 120s") from None
        except OSError as error:
            raise SourceError(f"running code: cannot start the probe ({probe.label}): {error}") from None
        if result.returncode != 0:
            lines = [line.strip() for line in result.stderr.strip().splitlines() if line.strip()]
            # A Python traceback ends with the cause; other tools (docker) say what is wrong first.
            cause = (lines[-1] if "Traceback" in result.stderr else lines[0]) if lines else "no output"
            raise SourceError(f"running code: the probe ({probe.label}) failed (exit {result.returncode}): {cause}")
        try:
            answer = json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise SourceError(f"running code: the probe ({probe.label}) printed no JSON report") from None
        return {"service": sources.settings.config.get("deploy", "service"), "probe": probe.label, **answer}

    def render(self, data: dict, environment: str) -> str:
        modules = [module_status(name, data["modules"][name]) for name in sorted(data["modules"])]
        visible = sum(1 for line in modules if line.split(" ", 2)[1] == "visible")
        verdict = (f"all {len(modules)} installed modules are visible to the running code" if visible == len(modules)
                   else f"{len(modules) - visible} of {len(modules)} installed modules are NOT visible to the running code")
        return render_sections(f"Container path check — {environment}", [
            ("service manager", data["service"]),
            ("probe", data["probe"]),
            ("workos package", data["package"]),
            ("workos version", data["version"]),
            ("python", f"{data['python']} ({data['executable']})"),
            ("configuration", data["configuration"] or "none (defaults and environment)"),
            ("dependencies", [f"{name} {version or 'not installed'}" for name, version in
                              sorted(data["distributions"].items(), key=lambda item: item[0].lower())]),
            ("addons folders", [f"{path} {'present' if present else 'missing'}" for path, present in data["folders"]]),
            ("installed modules", modules),
            ("verdict", verdict),
        ])

    def parse(self, text: str) -> dict:
        _, values = parse_sections(text)
        require_keys(values, "service manager", "probe", "workos package", "workos version", "python",
                     "dependencies", "addons folders", "installed modules", "verdict")
        return values

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        installed = sorted(row["name"] for row in sources.db.rows(
            "SELECT name FROM ir_module_module WHERE state IN ('installed', 'to upgrade', 'to remove')"))
        listed = [line.split(" ", 1)[0] for line in parsed["installed modules"]]
        if listed != installed:
            problems.append(f"{len(listed)} modules checked, the database has {len(installed)} installed")
        if not parsed["dependencies"]:
            problems.append("no dependency versions")
        if not parsed["workos package"].strip() or not parsed["workos version"].strip():
            problems.append("the package path or version is empty")
        return problems

    def findings(self, parsed: dict) -> list[str]:
        hidden = [line for line in parsed["installed modules"] if line.split(" ", 2)[1] != "visible"]
        missing = [line for line in parsed["dependencies"] if line.endswith(" not installed")]
        notes = []
        if hidden:
            notes.append(f"modules not visible: {', '.join(line.split(' ', 1)[0] for line in hidden)}")
        if missing:
            notes.append(f"dependencies not installed: {', '.join(line.split(' ', 1)[0] for line in missing)}")
        return notes

