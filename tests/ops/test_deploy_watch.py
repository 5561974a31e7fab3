"""``workos deploy --watch DURATION [--auto-rollback]`` (issue 18 §2): a real deploy, a real server that is made
to fail while the deploy watches it, and what the run does about it — the rollback of this deploy (git HEAD,
module versions, the table its migration created), the deploy history and the report's evidence."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from .conftest import PROBE_TABLE_MIGRATION, add_migration_commit, table_names, wait_until_gone
from .test_report import assert_every_check_is_honest, parse

ROLLED_BACK, WATCH_BREACH = 14, 19
# Checks once a second; the resource thresholds are out of reach so that only what the test breaks can breach.
WATCH_CONFIG = """
[watch]
interval = "1s"
max_response_ms = 30000
max_cpu_percent = 100000
max_rss_mb = 10000000
max_db_connections = 100000
min_disk_free_mb = 0
"""


def start_watched_deploy(deployment, *args: str) -> tuple[subprocess.Popen, Path, Path]:
    out, err = deployment.root / "deploy.out", deployment.root / "deploy.err"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(deployment.command("deploy", *args), cwd=deployment.clone, env=deployment.environment(),
                                   stdout=stdout, stderr=stderr, text=True, start_new_session=True)
    deployment.processes.append(process)
    return process, out, err


def wait_for_first_check(deployment, process: subprocess.Popen, err: Path, timeout: float = 300) -> dict:
    """The first line the deploy's watch appends to the journal (the deploy has then finished its phases)."""
    journal = deployment.root / "var" / "watch.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().strip():
            return json.loads(journal.read_text().splitlines()[0])
        if process.poll() is not None:
            raise AssertionError(f"the deploy ended (exit {process.returncode}) before watching: {err.read_text()[-3000:]}")
        time.sleep(0.1)
    raise AssertionError("the deploy's watch never checked")


def history_runs(deployment) -> dict[str, dict]:
    """The deploy history file read back by hand: each run's records merged, the last word winning."""
    merged: dict[str, dict] = {}
    for line in (deployment.backup_dir / "deploy_history.jsonl").read_text().splitlines():
        record = json.loads(line)
        merged[record["id"]] = {**merged.get(record["id"], {}), **record}
    return merged


def module_versions(deployment) -> dict:
    return {name: (version, state) for name, version, state in deployment.sql("SELECT name, latest_version, state FROM ir_module_module")}


def test_a_server_failing_while_the_deploy_watches_is_rolled_back_to_the_previous_code_and_modules(deployment):
    # given a site deployed once, and an upgrade (a new migration and a module version) pushed upstream
    deployment.extra_config = WATCH_CONFIG
    deployment.write_config()
    assert deployment.deploy("--no-artifacts").returncode == 0
    first_sha, versions_before = deployment.head(), module_versions(deployment)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)

    # when the upgrade is deployed with --watch --auto-rollback, passes its first check, then its server dies
    process, out, err = start_watched_deploy(deployment, "--no-artifacts", "--watch", "10m", "--auto-rollback", "--json")
    first = wait_for_first_check(deployment, process, err)
    deployed_sha = deployment.head()
    assert deployed_sha != first_sha and "ipai_workos_deploy_probe" in table_names(deployment)
    pid = deployment.server_pid()
    os.killpg(pid, signal.SIGTERM)
    assert wait_until_gone(pid, timeout=30)
    process.wait(timeout=400)

    # then the deploy rolled itself back: previous code, previous module versions, the migration's table gone
    assert process.returncode == ROLLED_BACK, err.read_text()[-5000:]
    assert first["ok"] is True
    assert deployment.head() == first_sha
    assert module_versions(deployment) == versions_before
    assert versions_before["ipai_workos_canvas"][0] != json.loads(out.read_text())["database_after"]["modules"]["ipai_workos_canvas"][0]
    assert "ipai_workos_deploy_probe" not in table_names(deployment)
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
    report = json.loads(out.read_text())
    breach = report["watch"]["breach"]
    assert {"GET /web/login", "GET /web/health", "server processes"} <= set(breach["breaches"])
    assert report["watch_rollback"]["ok"] is True and report["watch_rollback"]["restore_db"] is True

    # and the history records the deploy as rolled back by a rollback run that undoes it
    merged = history_runs(deployment)
    deploy_run = merged[report["run_id"]]
    rollback_run = merged[report["watch_rollback"]["run_id"]]
    assert deploy_run["result"] == "rolled back" and deploy_run["exit_code"] == ROLLED_BACK
    assert deploy_run["rolled_back_by"] == rollback_run["id"] and "GET /web/login" in deploy_run["watch"]["breaches"]
    assert rollback_run["kind"] == "rollback" and rollback_run["undoes"] == report["run_id"] and rollback_run["result"] == "success"
    listed = deployment.workos("deploy", "history", "--json")
    assert any(run["id"] == report["run_id"] and run["result"] == "rolled back" for run in json.loads(listed.stdout))

    # and the deploy's Markdown report says so, each line with evidence that matches git and the database
    sections = parse(Path(report["report_file"]).read_text())
    assert_every_check_is_honest(sections)
    summary = {row["field"]: row["value"] for row in sections["summary"]["rows"] if "field" in row}
    assert summary["result"] == "ROLLED BACK" and summary["exit code"] == str(ROLLED_BACK)
    watch_rows = {row["check"]: row for row in sections["Post-deploy watch"]["rows"] if "check" in row}
    assert watch_rows["GET /web/login"]["status"].startswith("✗") and deployment.base_url in watch_rows["GET /web/login"]["evidence"]
    assert watch_rows["server processes"]["status"] == "✗" and watch_rows["server processes"]["measured"] == "0"
    rollback_rows = {row["check"]: row for row in sections["Rollback after the watch"]["rows"] if "check" in row}
    code_row = rollback_rows["code back at the previous SHA"]
    assert code_row["status"] == "✓" and code_row["measured"] == first_sha == deployment.head()
    modules_row = rollback_rows["module versions as before the deploy"]
    assert modules_row["status"] == "✓" and modules_row["measured"] == "0 module(s) differ"
    assert rollback_rows["runtime verification after the rollback"]["status"] == "✓"
    assert report["watch_rollback"]["run_id"] in "\n".join(sections["Rollback after the watch"]["lines"])
    assert Path(report["watch_rollback"]["report_file"]).is_file()


def test_without_auto_rollback_a_breach_while_watching_is_reported_and_exits_19_with_the_new_code_kept(deployment):
    # given a first deploy watched without --auto-rollback
    deployment.extra_config = WATCH_CONFIG
    deployment.write_config()
    process, out, err = start_watched_deploy(deployment, "--no-artifacts", "--watch", "10m", "--json")
    first = wait_for_first_check(deployment, process, err)
    deployed_sha, pid = deployment.head(), deployment.server_pid()

    # when the running server's log fills with errors
    with open(deployment.server_log, "a") as log:
        for number in range(50):
            log.write(f"2026-12-05 02:00:00,{number:03d} ERROR workos.request: upstream timeout after {number} ms\n")
    process.wait(timeout=300)

    # then the run exits 19, names the breach with its count, and leaves the new code running
    assert process.returncode == WATCH_BREACH, err.read_text()[-5000:]
    assert first["ok"] is True
    report = json.loads(out.read_text())
    assert report["watch"]["breach"]["breaches"] == ["new log errors"]
    assert [group["count"] for group in report["watch"]["breach"]["errors"]] == [50]
    assert "watch_rollback" not in report
    assert deployment.head() == deployed_sha and deployment.server_pid() == pid
    assert "BREACH new log errors 50" in err.read_text()

    # and the history and the report say so
    merged = history_runs(deployment)
    assert merged[report["run_id"]]["result"] == "watch breach" and merged[report["run_id"]]["exit_code"] == WATCH_BREACH
    assert not any(run.get("kind") == "rollback" for run in merged.values())
    sections = parse(Path(report["report_file"]).read_text())
    assert_every_check_is_honest(sections)
    summary = {row["field"]: row["value"] for row in sections["summary"]["rows"] if "field" in row}
    assert summary["result"] == "DEPLOYED, WATCH BREACHED" and summary["exit code"] == str(WATCH_BREACH)
    log_row = next(row for row in sections["Post-deploy watch"]["rows"] if row.get("check") == "new log errors")
    assert log_row["status"] == "✗" and log_row["measured"] == "50" and str(deployment.server_log) in log_row["evidence"]
    assert "Rollback after the watch" not in sections


def test_a_watch_duration_that_is_not_one_is_a_usage_error_and_a_dry_run_watches_nothing(deployment):
    refused = deployment.deploy("--watch", "soon")
    assert refused.returncode == 18 and "expected a duration such as 30s, 5m, 24h, got 'soon'" in refused.stderr
    assert not deployment.backup_dir.exists() or not list(deployment.backup_dir.glob("*.dump"))

    dry = deployment.deploy("--dry-run", "--watch", "5m")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "--watch 5m: a dry run deploys nothing, so nothing is watched" in dry.stdout
    assert not (deployment.root / "var" / "watch.jsonl").exists()


def test_the_rollback_of_a_watched_deploy_refuses_when_another_deploy_came_after_it(deployment):
    from workos.ops.narration import Narrator
    from workos.ops.rollback import run_rollback
    from workos.ops.settings import DeploySettings
    from workos.settings.config import load_config

    # given a watched deploy, then another deploy (of an upgrade) that ran while it was being watched
    watched = deployment.deploy("--no-artifacts", "--json")
    assert watched.returncode == 0, watched.stdout + watched.stderr
    watched_id = json.loads(watched.stdout)["run_id"]
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    later = deployment.deploy("--no-artifacts", "--json")
    assert later.returncode == 0, later.stdout + later.stderr
    later_id = json.loads(later.stdout)["run_id"]
    head, versions = deployment.head(), module_versions(deployment)

    # when the watched deploy's automatic rollback runs (the `workos rollback` path, told which deploy to undo)
    settings = DeploySettings.from_config(load_config(deployment.config_file, environ={}))
    report = run_rollback(settings, None, True, False, Narrator(to_stderr=True), expected_deploy=watched_id)

    # then it refuses with nothing changed, instead of undoing the later deploy (whose rollback point is current)
    assert report["exit_code"] == 10, report["outcome"]
    assert f".deploy_snapshot is the rollback point of deploy {later_id}, not of deploy {watched_id}" in report["outcome"]
    assert deployment.head() == head and module_versions(deployment) == versions
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
