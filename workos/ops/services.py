"""Service managers: how a deploy stops, starts and checks the WorkOS server on this host.

- ``process``: ``python -m workos serve`` started detached from the checkout, tracked by a pidfile. Used by the
  tests and by single-host installs without systemd.
- ``systemd``: ``systemctl start|stop|is-active <unit>`` (``deploy/workos.service``).
- ``compose``: ``docker compose -f deploy/docker-compose.prod.yml [-f override]``; the web and database
  services are found by name; module commands and (when configured) database tools run in the containers.

Each manager knows how to run a ``workos`` command of the deployed code (``module_command``) and, for
compose, how to run a database tool inside the database container (``database_wrapper``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from .settings import DeploySettings

WEB_SERVICE = re.compile(r"^(odoo|web|workos)")
DATABASE_SERVICE = re.compile(r"^(db|postgres|postgresql)")


class ServiceError(Exception):
    """The service manager could not do what was asked; the message names the manager and the cause."""


@dataclass
class ServiceStatus:
    running: bool
    detail: str
    pid: int | None = None

    def as_dict(self) -> dict:
        return {"running": self.running, "detail": self.detail, "pid": self.pid}


@dataclass
class HealthResult:
    healthy: bool
    status: int | None
    seconds: float
    detail: str

    def as_dict(self) -> dict:
        return {"healthy": self.healthy, "status": self.status, "seconds": round(self.seconds, 3), "detail": self.detail}


class ServiceManager:
    name = "base"

    def __init__(self, settings: DeploySettings):
        self.settings = settings
        self.options = settings.config.section(f"deploy.{self.name}")

    def problems(self) -> list[str]:
        """Reasons this manager cannot work on this host (checked before a deploy changes anything)."""
        return []

    def status(self) -> ServiceStatus:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def startup_failure(self) -> str | None:
        """Why a just-started service is certainly not coming up (it exited), or None while it may still."""
        return None

    def prepare(self) -> list[str]:
        """Work needed before module commands can run the new code (compose builds its image). Returns the
        commands that ran, for the log."""
        return []

    def module_command(self, *args: str) -> list[str]:
        return self.settings.workos_command(*args)

    def database_wrapper(self):
        return None

    def describe(self) -> dict:
        return {"manager": self.name}


# --- process ----------------------------------------------------------------------------------------------


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie child of ours is reaped and counts as gone)."""
    if pid <= 0:
        return False
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True


def process_command_line(pid: int) -> list[str]:
    try:
        return [part for part in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0") if part]
    except OSError:
        return []


class ProcessService(ServiceManager):
    """``python -m workos serve`` in its own session, stdout/stderr appended to a file, pid in a pidfile.

    [deploy.process] keys: ``pidfile`` (default ``<data_dir>/workos.pid``), ``output`` (default
    ``<log_dir>/workos_serve.out``), ``stop_timeout`` seconds before SIGKILL (default 20), ``args`` extra
    arguments for ``workos serve`` (e.g. ``["--workers", "2"]``).
    """

    name = "process"

    def __init__(self, settings: DeploySettings, address: tuple[str, int] | None = None):
        super().__init__(settings)
        base = settings.config.source.parent if settings.config.source else Path.cwd()
        self.address = address
        if address is None:
            self.pidfile = self._path(self.options.get("pidfile"), base) or settings.config.data_dir / "workos.pid"
            self.output = self._path(self.options.get("output"), base) or settings.log_dir / "workos_serve.out"
        else:
            # One of several servers behind nginx (traffic.py): each address has its own pidfile and output.
            self.pidfile = settings.config.data_dir / f"workos-{address[1]}.pid"
            self.output = settings.log_dir / f"workos_serve_{address[1]}.out"
        try:
            self.stop_timeout = float(self.options.get("stop_timeout", 20))
        except (TypeError, ValueError):
            self.stop_timeout = 20.0  # problems() reports the bad value before anything runs
        arguments = self.options.get("args", [])
        self.extra_args = [str(arg) for arg in arguments] if isinstance(arguments, list) else []
        if address is not None:
            self.extra_args += ["--host", address[0], "--port", str(address[1])]
        self._started_at_offset = 0

    @staticmethod
    def _path(value, base: Path) -> Path | None:
        if not value:
            return None
        path = Path(str(value)).expanduser()
        return path if path.is_absolute() else (base / path).resolve()

    def problems(self) -> list[str]:
        problems = []
        if not isinstance(self.options.get("args", []), list):
            problems.append("[deploy.process] args must be a list of strings")
        try:
            float(self.options.get("stop_timeout", 20))
        except (TypeError, ValueError):
            problems.append("[deploy.process] stop_timeout must be a number of seconds")
        return problems

    def _recorded_pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _is_our_server(self, pid: int) -> bool:
        # A pidfile can outlive its process and the number be reused: only a `workos ... serve` is ours.
        words = process_command_line(pid)
        return process_alive(pid) and "workos" in " ".join(words) and "serve" in words

    def status(self) -> ServiceStatus:
        pid = self._recorded_pid()
        if pid is None:
            return ServiceStatus(False, f"not running (no pidfile {self.pidfile})")
        if not self._is_our_server(pid):
            return ServiceStatus(False, f"not running (pidfile {self.pidfile} names pid {pid}, which is not a WorkOS server)")
        return ServiceStatus(True, f"running, pid {pid}", pid)

    def start(self) -> None:
        if self.status().running:
            return
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.pidfile.parent.mkdir(parents=True, exist_ok=True)
        self._started_at_offset = self.output.stat().st_size if self.output.exists() else 0
        with open(self.output, "ab") as output:
            output.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting WorkOS from {self.settings.repo_root}\n".encode())
            output.flush()
            try:
                process = subprocess.Popen(
                    self.settings.workos_command("serve", *self.extra_args),
                    cwd=self.settings.repo_root,
                    env=self.settings.code_environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: survives the deploy, stopped as a group
                )
            except OSError as error:
                raise ServiceError(f"cannot start the WorkOS server: {error.strerror}") from None
        self.pidfile.write_text(f"{process.pid}\n")
        self._process = process

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM (the server stops accepting, finishes the requests in flight), SIGKILL after ``timeout``
        (default ``stop_timeout``): the drain of a blue/green switch is bounded by it."""
        pid = self._recorded_pid()
        if pid is None or not self._is_our_server(pid):
            self.pidfile.unlink(missing_ok=True)
            return
        self._signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + (self.stop_timeout if timeout is None else timeout)
        while process_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if process_alive(pid):
            self._signal_group(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while process_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if process_alive(pid):
                raise ServiceError(f"the WorkOS server (pid {pid}) survived SIGKILL")
        self.pidfile.unlink(missing_ok=True)

    @staticmethod
    def _signal_group(pid: int, number: int) -> None:
        try:
            os.killpg(pid, number)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass

    def startup_failure(self) -> str | None:
        pid = self._recorded_pid()
        if pid is not None and process_alive(pid):
            return None
        tail = ""
        if self.output.exists():
            with open(self.output, "rb") as stream:
                stream.seek(self._started_at_offset)
                lines = stream.read().decode(errors="replace").strip().splitlines()
            tail = " | ".join(lines[-5:])
        return f"the server exited during start-up (output {self.output}): {tail or 'no output'}"

    def describe(self) -> dict:
        return {"manager": self.name, "pidfile": str(self.pidfile), "output": str(self.output),
                "command": self.settings.workos_command("serve", *self.extra_args), "cwd": str(self.settings.repo_root)}


# --- systemd ----------------------------------------------------------------------------------------------


class SystemdService(ServiceManager):
    """``systemctl`` on one unit. [deploy.systemd] keys: ``unit`` (default ``workos.service``) and
    ``systemctl`` (the command as a list, default ``["systemctl"]``; e.g. ``["sudo", "systemctl"]``)."""

    name = "systemd"

    def __init__(self, settings: DeploySettings, address: tuple[str, int] | None = None):
        super().__init__(settings)
        self.address = address
        self.unit = str(self.options.get("unit", "workos.service"))
        if address is not None:
            # Behind nginx every address is an instance of a template unit: unit = "workos@{port}.service".
            self.unit = self.unit.format(host=address[0], port=address[1])
        systemctl = self.options.get("systemctl", ["systemctl"])
        self.systemctl = [systemctl] if isinstance(systemctl, str) else [str(part) for part in systemctl]

    def commands(self) -> dict[str, list[str]]:
        return {
            "start": [*self.systemctl, "start", self.unit],
            "stop": [*self.systemctl, "stop", self.unit],
            "status": [*self.systemctl, "is-active", self.unit],
        }

    def problems(self) -> list[str]:
        if not shutil.which(self.systemctl[0]):
            return [f"service = \"systemd\" but {self.systemctl[0]} is not installed on this host"]
        return []

    def _run(self, action: str) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(self.commands()[action], capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ServiceError(f"{' '.join(self.commands()[action])}: {error}") from None

    def status(self) -> ServiceStatus:
        result = self._run("status")
        state = result.stdout.strip() or result.stderr.strip()
        return ServiceStatus(result.returncode == 0, f"{self.unit}: {state}")

    def start(self) -> None:
        result = self._run("start")
        if result.returncode != 0:
            raise ServiceError(f"systemctl start {self.unit} failed: {result.stderr.strip()}")

    def stop(self, timeout: float | None = None) -> None:
        # The unit's TimeoutStopSec bounds the drain (deploy/workos@.service).
        result = self._run("stop")
        if result.returncode != 0:
            raise ServiceError(f"systemctl stop {self.unit} failed: {result.stderr.strip()}")

    def startup_failure(self) -> str | None:
        result = self._run("status")
        if result.stdout.strip() == "failed":
            return f"{self.unit} failed (see journalctl -u {self.unit})"
        return None

    def describe(self) -> dict:
        return {"manager": self.name, "unit": self.unit, "commands": self.commands()}


# --- compose ----------------------------------------------------------------------------------------------


class ComposeService(ServiceManager):
    """Docker Compose. [deploy.compose] keys: ``files`` (relative to repo_root; default
    ``deploy/docker-compose.prod.yml`` plus ``deploy/docker-compose.workos-deploy.yml`` when present),
    ``command`` (default ``["docker", "compose"]``), ``project`` (``-p``), ``web_service`` and ``db_service``
    (default: detected), ``database_exec`` (run pg_dump/pg_restore in the database container, default false),
    ``build`` (build the web image from the new checkout before module commands, default true)."""

    name = "compose"
    DEFAULT_FILES = ("deploy/docker-compose.prod.yml", "deploy/docker-compose.workos-deploy.yml")

    def __init__(self, settings: DeploySettings):
        super().__init__(settings)
        command = self.options.get("command", ["docker", "compose"])
        self.command = [command] if isinstance(command, str) else [str(part) for part in command]
        files = self.options.get("files")
        if files is not None and not isinstance(files, list):
            raise ServiceError("[deploy.compose] files must be a list of compose files relative to repo_root")
        if files is None:
            files = [self.DEFAULT_FILES[0]] + [f for f in self.DEFAULT_FILES[1:] if (settings.repo_root / f).is_file()]
        self.files = [str(f) for f in files]
        self.project = self.options.get("project")
        self.database_exec = bool(self.options.get("database_exec", False))
        self.build = bool(self.options.get("build", True))
        self._services: list[str] | None = None

    def base(self) -> list[str]:
        argv = list(self.command)
        if self.project:
            argv += ["-p", str(self.project)]
        for file in self.files:
            argv += ["-f", file]
        return argv

    def _run(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        argv = [*self.base(), *args]
        try:
            return subprocess.run(argv, cwd=self.settings.repo_root, capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError:
            raise ServiceError(f"{self.command[0]} is not installed on this host") from None
        except subprocess.TimeoutExpired:
            raise ServiceError(f"{' '.join(argv)} did not finish within {timeout}s") from None

    def services(self) -> list[str]:
        if self._services is None:
            result = self._run("config", "--services", timeout=60)
            if result.returncode != 0:
                raise ServiceError(f"{' '.join(self.base())} config --services failed: {result.stderr.strip()}")
            self._services = [line.strip() for line in result.stdout.splitlines() if line.strip()]
            if not self._services:
                # Compose prints interpolation errors (a missing deploy/.env secret) and still exits 0.
                raise ServiceError(f"{' '.join(self.base())} config --services listed no service: {result.stderr.strip() or 'empty output'}")
        return self._services

    def _service(self, key: str, pattern: re.Pattern, kind: str) -> str:
        configured = self.options.get(key)
        services = self.services()
        if configured:
            if configured not in services:
                raise ServiceError(f"[deploy.compose] {key} = {configured!r} is not a service of {', '.join(self.files)} ({', '.join(services)})")
            return str(configured)
        for service in services:
            if pattern.match(service):
                return service
        raise ServiceError(f"no {kind} service in {', '.join(self.files)}: none of {', '.join(services)} matches {pattern.pattern}; set [deploy.compose] {key}")

    @property
    def web_service(self) -> str:
        return self._service("web_service", WEB_SERVICE, "web")

    @property
    def db_service(self) -> str:
        return self._service("db_service", DATABASE_SERVICE, "database")

    def problems(self) -> list[str]:
        missing = [f for f in self.files if not (self.settings.repo_root / f).is_file()]
        if missing:
            return [f"compose file(s) not found in {self.settings.repo_root}: {', '.join(missing)}"]
        try:
            self.web_service
            if self.database_exec:
                self.db_service
        except ServiceError as error:
            return [str(error)]
        return []

    def commands(self) -> dict[str, list[str]]:
        web = self.web_service
        return {
            "build": [*self.base(), "build", web],
            "start": [*self.base(), "up", "-d", "--no-deps", web],
            "stop": [*self.base(), "stop", web],
            "status": [*self.base(), "ps", "--status", "running", "--services"],
            "module": [*self.base(), "run", "--rm", "--no-deps", "-T", web, "workos"],
        }

    def status(self) -> ServiceStatus:
        result = self._run("ps", "--status", "running", "--services", timeout=60)
        running = result.returncode == 0 and self.web_service in result.stdout.split()
        return ServiceStatus(running, f"compose service {self.web_service}: {'running' if running else 'not running'}")

    def start(self) -> None:
        result = self._run(*self.commands()["start"][len(self.base()):])
        if result.returncode != 0:
            raise ServiceError(f"compose up {self.web_service} failed: {result.stderr.strip()}")

    def stop(self) -> None:
        result = self._run(*self.commands()["stop"][len(self.base()):])
        if result.returncode != 0:
            raise ServiceError(f"compose stop {self.web_service} failed: {result.stderr.strip()}")

    def prepare(self) -> list[str]:
        if not self.build:
            return []
        argv = self.commands()["build"]
        result = self._run(*argv[len(self.base()):], timeout=3600)
        if result.returncode != 0:
            raise ServiceError(f"compose build {self.web_service} failed: {result.stderr.strip()[-2000:]}")
        return [" ".join(argv)]

    def module_command(self, *args: str) -> list[str]:
        # The image holds the checkout's code and its own WORKOS_* environment (docker-compose.prod.yml).
        return [*self.commands()["module"], *args]

    def exec_command(self, service: str, argv: list[str], environment: dict[str, str]) -> list[str]:
        options = [part for key, value in environment.items() for part in ("-e", f"{key}={value}")]
        return [*self.base(), "exec", "-T", *options, service, *argv]

    def database_wrapper(self):
        if not self.database_exec:
            return None
        db = self.db_service
        return lambda argv, environment: self.exec_command(db, argv, environment)

    def describe(self) -> dict:
        return {"manager": self.name, "files": self.files, "web_service": self.web_service,
                "db_service": self.db_service if self.database_exec else None, "commands": self.commands()}


MANAGERS = {"process": ProcessService, "systemd": SystemdService, "compose": ComposeService}


def service_manager(settings: DeploySettings) -> ServiceManager:
    if settings.switch == "nginx":
        from .traffic import Fleet  # the servers behind nginx, each one of the managers above

        return Fleet(settings)
    return MANAGERS[settings.service](settings)


# --- health -----------------------------------------------------------------------------------------------


def wait_for_health(base_url: str, timeout: float, service: ServiceManager | None = None) -> HealthResult:
    """Poll ``/web/health`` until it answers 200, the service gives up, or ``timeout`` passes."""
    started = time.monotonic()
    deadline = started + timeout
    last_status: int | None = None
    last_detail = "no answer yet"
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while True:
            try:
                response = client.get(base_url + "/web/health")
                last_status = response.status_code
                if response.status_code == 200:
                    return HealthResult(True, 200, time.monotonic() - started, "healthy")
                last_detail = f"/web/health answered {response.status_code}"
            except httpx.HTTPError as error:
                last_detail = f"/web/health: {type(error).__name__}"
            if service is not None:
                failure = service.startup_failure()
                if failure:
                    return HealthResult(False, last_status, time.monotonic() - started, failure)
            if time.monotonic() >= deadline:
                return HealthResult(False, last_status, time.monotonic() - started, f"not healthy after {timeout:.0f}s: {last_detail}")
            time.sleep(0.2)
