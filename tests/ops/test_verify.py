"""``workos verify``: each check against a real installation and server; exit code = failed checks."""

from __future__ import annotations

import json
import subprocess
import time

import httpx

USAGE = 18


def serve(deployment) -> subprocess.Popen:
    process = subprocess.Popen(deployment.command("serve"), cwd=deployment.clone, env=deployment.environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deployment.processes.append(process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(deployment.base_url + "/web/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("workos serve did not answer")


def failed_checks(result) -> set[str]:
    return {check["name"] for check in json.loads(result.stdout)["checks"] if not check["passed"]}


def test_verify_passes_on_a_healthy_installation(deployment):
    # given the suite installed and served
    assert deployment.workos("module", "install", "ipai_workos_affine").returncode == 0
    serve(deployment)

    # when the operator verifies, then every check passes, with a table for humans
    result = deployment.workos("verify", "--json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert {check["name"] for check in report["checks"]} == {
        "http_login", "log_errors", "modules_installed", "umbrella_installed", "models_registered", "no_module_stuck", "code_consistent"}
    assert all(check["passed"] for check in report["checks"])
    table = deployment.workos("verify")
    assert table.returncode == 0 and "ipai_% modules installed" in table.stdout and "all checks passed" in table.stdout


def test_verify_exit_code_counts_the_failed_checks(deployment):
    # given an installation with no server, an error-laden log and a stricter threshold
    assert deployment.workos("module", "install", "ipai_workos_affine").returncode == 0
    deployment.server_log.parent.mkdir(parents=True, exist_ok=True)
    with open(deployment.server_log, "a") as log:
        log.write("".join(f"2026-01-01 00:00:0{n} ERROR 1 workos.web: boom {n}\n" for n in range(5)))
    deployment.write_config(min_installed=99)

    # when the operator verifies
    result = deployment.workos("verify", "--json")

    # then exactly those checks fail (with no server, nothing says which code runs), and the exit code counts them
    assert failed_checks(result) == {"http_login", "log_errors", "modules_installed", "code_consistent"}
    assert result.returncode == 4


def test_verify_on_an_empty_database_fails_every_check_without_a_traceback(deployment):
    result = deployment.workos("verify", "--json")
    assert result.returncode == 7
    assert "Traceback" not in result.stderr
    assert "never installed" in result.stdout or "does not exist" in result.stdout


def test_operations_commands_report_usage_and_configuration_errors_as_18(deployment):
    assert deployment.workos("verify", "--no-such-option").returncode == USAGE
    assert deployment.workos("deploy", "--no-such-option").returncode == USAGE
    deployment.config_file.write_text("[deploy]\nservice = \"kubernetes\"\n")
    result = deployment.workos("deploy")
    assert result.returncode == USAGE and "service" in result.stderr and "Traceback" not in result.stderr


def test_verify_says_when_the_server_runs_other_code_than_the_checkout_and_the_database(deployment):
    # given the suite installed and served, the health answer naming the code it runs
    from .conftest import PROBE_TABLE_MIGRATION, add_migration_commit, git

    assert deployment.workos("module", "install", "ipai_workos_affine").returncode == 0
    serve(deployment)
    started_at = deployment.head()
    health = httpx.get(deployment.base_url + "/web/health").json()
    assert health["code"]["revision"] == started_at
    assert health["code"]["modules"]["ipai_workos_canvas"] == deployment.sql(
        "SELECT latest_version FROM ir_module_module WHERE name = 'ipai_workos_canvas'")[0][0]
    assert deployment.workos("verify").returncode == 0

    # when new code is pulled but neither installed nor served (a deploy that died between pull and restart)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    git(deployment.clone, "pull", "-q", "--ff-only")

    # then verify fails that check, naming the server's SHA, the checkout's and the module whose versions differ
    result = deployment.workos("verify", "--json")
    assert result.returncode == 1, result.stdout
    check = next(check for check in json.loads(result.stdout)["checks"] if check["name"] == "code_consistent")
    assert check["passed"] is False
    assert started_at[:12] in check["detail"] and deployment.head()[:12] in check["detail"]
    assert "ipai_workos_canvas: database" in check["detail"] and "checkout" in check["detail"]
