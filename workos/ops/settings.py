"""The deploy settings: DESIGN.md §5's ``[deploy]`` section plus what the tools derive from it.

The deploy runs the code it deploys in child processes (``python -m workos`` with the checkout first on
PYTHONPATH), so that everything after ``git pull`` — module install, upgrade, the server, the snapshot — is the
new code, never the code of the process that started the deploy.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from workos.settings.config import Config


@dataclass(frozen=True)
class DeploySettings:
    config: Config
    repo_root: Path
    remote: str
    branch: str
    environment: str
    base_url: str
    backup_dir: Path
    log_dir: Path
    service: str
    umbrella: str
    install: tuple[str, ...]
    min_installed: int
    max_log_errors: int
    log_tail: int
    startup_timeout: int
    switch: str = "restart"
    hosts: tuple[str, ...] = ()
    report_dir: Path = Path("var/reports")  # from_config: [deploy] report_dir, default <data_dir>/reports

    @classmethod
    def from_config(cls, config: Config) -> "DeploySettings":
        deploy = config.values["deploy"]
        return cls(
            config=config,
            repo_root=Path(deploy["repo_root"]),
            remote=deploy["remote"],
            branch=deploy["branch"],
            environment=deploy["environment"],
            base_url=deploy["base_url"].rstrip("/"),
            backup_dir=Path(deploy["backup_dir"]),
            log_dir=Path(deploy["log_dir"]),
            service=deploy["service"],
            umbrella=deploy["umbrella"],
            install=tuple(deploy["install"]),
            min_installed=deploy["min_installed"],
            max_log_errors=deploy["max_log_errors"],
            log_tail=deploy["log_tail"],
            startup_timeout=deploy["startup_timeout"],
            switch=deploy["switch"],
            hosts=tuple(deploy["hosts"]),
            report_dir=Path(deploy["report_dir"]),
        )

    @property
    def config_file(self) -> Path | None:
        return self.config.source

    @property
    def required_modules(self) -> list[str]:
        """The umbrella and the explicit modules, each once, umbrella first."""
        names: list[str] = []
        for name in (self.umbrella, *self.install):
            if name not in names:
                names.append(name)
        return names

    @property
    def snapshot_file(self) -> Path:
        return self.repo_root / ".deploy_snapshot"

    @property
    def lock_file(self) -> Path:
        return self.backup_dir / "workos_deploy.lock"

    @property
    def history_file(self) -> Path:
        return self.backup_dir / "deploy_history.jsonl"

    def workos_command(self, *args: str) -> list[str]:
        """``python -m workos [-c CONFIG] ARGS`` for a child process that runs the checkout's code."""
        config = ["-c", str(self.config_file)] if self.config_file else []
        return [sys.executable, "-m", "workos", *config, *args]

    def code_environment(self) -> dict[str, str]:
        """This process's environment with the checkout first on PYTHONPATH (its ``workos`` and ``addons/``)."""
        environment = dict(os.environ)
        existing = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = str(self.repo_root) + (os.pathsep + existing if existing else "")
        environment.pop("WORKOS_LOAD_MODULES", None)
        return environment

    def cli(self, *args: str) -> str:
        """How an operator types a workos command against this same configuration (for printed advice)."""
        config = f" -c {self.config_file}" if self.config_file else ""
        return f"workos{config} {' '.join(args)}".rstrip()
