"""Deploys that go wrong: a failing migration with --auto-rollback, a concurrent deploy, a deploy killed in
phase 3, a server that cannot start. PostgreSQL, like production."""

from __future__ import annotations

import json
import os
import signal
import socket
import time

import httpx

from .conftest import (FAILING_IMPORTS, FAILING_MIGRATION, PROBE_TABLE_MIGRATION, SLOW_IMPORTS, SLOW_MIGRATION,
                       add_migration_commit, arm_git_hook, database_fingerprint, install_git_hooks, install_slow_pg_dump,
                       page_count, seed_pages, wait_for_marker, wait_until_gone)

ROLLED_BACK = 14
LOCKED = 12


def deployed_with_pages(deployment):
    result = deployment.deploy("--no-artifacts")
    assert result.returncode == 0, result.stdout + result.stderr
    seed_pages(deployment, 10)
    return deployment.head(), database_fingerprint(deployment)


def wait_for_file(path, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return
        if process.poll() is not None:
            raise AssertionError(f"the deploy ended before phase 3's migration ran: {process.stdout.read()}")
        time.sleep(0.1)
    raise AssertionError(f"{path} did not appear within {timeout}s")


def test_failing_migration_with_auto_rollback_restores_database_and_sha(deployment, skip_unless_postgresql):
    # given a deployed site with content, and an upstream commit whose migration fails
    sha, fingerprint = deployed_with_pages(deployment)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_fails", FAILING_MIGRATION, FAILING_IMPORTS)

    # when the operator deploys with --auto-rollback
    result = deployment.deploy("--no-artifacts", "--auto-rollback", "--json")

    # then the deploy reports the failure and the automatic rollback, and everything is as before
    assert result.returncode == ROLLED_BACK, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["failure"]["phase"] == 3 and "ipai_workos_canvas" in report["failure"]["message"]
    assert report["auto_rollback"]["ok"] is True
    assert [step["step"] for step in report["auto_rollback"]["steps"]] == ["stop service", "check out previous SHA", "restore database", "start service"]
    assert deployment.head() == sha
    assert database_fingerprint(deployment) == fingerprint
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
    # and the failed run's logs are kept and printed
    install_log = next(path for path in report["logs"] if "workos_install_" in path)
    assert "fails on purpose" in open(install_log).read()
    assert install_log in result.stderr
    # and a second verification agrees
    assert deployment.workos("verify").returncode == 0


def test_a_second_deploy_is_refused_while_one_runs(deployment, skip_unless_postgresql):
    # given a deploy busy in phase 3
    deployed_with_pages(deployment)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_slow", SLOW_MIGRATION, SLOW_IMPORTS)
    marker = deployment.root / "in-phase-3"
    first = deployment.start_deploy("--no-artifacts", WORKOS_TEST_MARKER=str(marker))
    wait_for_file(marker, first)

    # when a second operator deploys
    second = deployment.deploy("--no-artifacts")

    # then it is refused, saying who holds the lock
    assert second.returncode == LOCKED, second.stdout + second.stderr
    message = second.stdout + second.stderr
    assert "another deploy is running" in message and f"pid {first.pid}" in message


def test_deploy_killed_in_phase_3_then_rollback_restore_db_gives_back_the_previous_state(deployment, skip_unless_postgresql):
    # given a deployed site with content, and a deploy killed with SIGKILL during its module upgrade
    sha, fingerprint = deployed_with_pages(deployment)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_slow", SLOW_MIGRATION, SLOW_IMPORTS)
    marker = deployment.root / "in-phase-3"
    killed = deployment.start_deploy("--no-artifacts", WORKOS_TEST_MARKER=str(marker))
    wait_for_file(marker, killed)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    assert deployment.server_pid() is None  # phase 3 had stopped it

    # when the operator rolls back: first refused because of the dead deploy's lock, explained
    refused = deployment.workos("rollback", "--restore-db")
    assert refused.returncode == LOCKED
    assert "stale" in refused.stdout + refused.stderr and "--break-stale-lock" in refused.stdout + refused.stderr
    # then, having read that, with --break-stale-lock
    result = deployment.workos("rollback", "--restore-db", "--break-stale-lock")

    # then code, database and service are back as they were before the deploy
    assert result.returncode == 0, result.stdout + result.stderr
    assert deployment.head() == sha
    assert database_fingerprint(deployment) == fingerprint
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
    history = json.loads(deployment.workos("deploy", "history", "--json").stdout)
    assert [run["result"] for run in history][-2:] == ["interrupted", "success"]
    assert history[-1]["kind"] == "rollback"


def test_a_server_that_cannot_start_fails_verification(deployment, skip_unless_postgresql):
    # given the site's port is already taken by another program
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", deployment.port))
    deployment.write_config(startup_timeout=10)
    try:
        # when the operator deploys
        result = deployment.deploy("--no-artifacts", "--json")
    finally:
        blocker.close()

    # then the verification count is the exit code, and says the login page does not answer
    report = json.loads(result.stdout)
    assert 1 <= result.returncode <= 9, result.stderr
    assert result.returncode == report["verification"]["failed_count"]
    failed = {check["name"] for check in report["verification"]["checks"] if not check["passed"]}
    assert "http_login" in failed
    assert report["health"]["healthy"] is False


def test_deploy_killed_during_its_backup_needs_no_restore_and_rollback_keeps_every_row(deployment, skip_unless_postgresql):
    # given a deployed site, pages written after that deploy's backup, and new upstream work
    sha, _ = deployed_with_pages(deployment)
    seed_pages(deployment, 5)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    # and the next deploy killed in phase 1 while pg_dump writes its backup
    hooks = install_git_hooks(deployment)
    pg_bin = install_slow_pg_dump(deployment, hooks)
    marker = arm_git_hook(hooks, "pg_dump")
    killed = deployment.start_deploy("--no-artifacts", WORKOS_TEST_HOOKS=str(hooks), WORKOS_PG_BIN=str(pg_bin))
    pg_dump, _ = (int(pid) for pid in wait_for_marker(marker, killed).split())
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    assert wait_until_gone(pg_dump), "pg_dump outlived the killed deploy"
    assert list(deployment.backup_dir.glob("workos_pre_deploy_*.dump.partial"))

    # when the operator follows the runbook: rollback --restore-db --break-stale-lock
    result = deployment.workos("rollback", "--restore-db", "--break-stale-lock", "--json")

    # then nothing is restored (the killed run changed nothing), every page is still there, code unchanged
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"].startswith("nothing to roll back") and "steps" not in report
    assert deployment.head() == sha
    assert page_count(deployment) == 15
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200

    # and the next deploy removes the unfinished dump and goes ahead
    result = deployment.deploy("--no-artifacts", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(deployment.backup_dir.glob("*.partial"))
    assert json.loads(result.stdout)["removed_partial_backups"]
    assert page_count(deployment) == 15


def test_rollback_refuses_a_rollback_point_that_is_not_the_last_deploys(deployment, skip_unless_postgresql):
    # given two deploys, and the rollback point of the first one put back in place of the second's
    assert deployment.deploy("--no-artifacts").returncode == 0
    first_point = (deployment.clone / ".deploy_snapshot").read_text()
    seed_pages(deployment, 3)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    assert deployment.deploy("--no-artifacts").returncode == 0
    sha = deployment.head()
    (deployment.clone / ".deploy_snapshot").write_text(first_point)

    # when the operator rolls back, then it is refused before anything changed, saying what to do
    result = deployment.workos("rollback", "--restore-db")
    assert result.returncode == 10, result.stdout + result.stderr
    assert "not of the last deploy" in result.stderr and "--snapshot" in result.stderr
    assert deployment.head() == sha and page_count(deployment) == 3


def test_a_failed_restore_changes_nothing_and_stops_the_rollback(deployment, skip_unless_postgresql):
    # given a backup that grants to a role, an upgrade that added a table, pages deleted since, and the role gone
    assert deployment.deploy("--no-artifacts").returncode == 0
    seed_pages(deployment, 6)
    deployment.sql("CREATE ROLE workos_fault_reader")
    deployment.sql("GRANT SELECT ON ipai_workos_page TO workos_fault_reader")
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    assert deployment.deploy("--no-artifacts").returncode == 0
    deployment.sql("DELETE FROM ipai_workos_page WHERE title = 'Page 0'")
    deployment.sql("REVOKE ALL ON ipai_workos_page FROM workos_fault_reader")
    deployment.sql("DROP ROLE workos_fault_reader")
    fingerprint = database_fingerprint(deployment)

    # when the operator rolls back with --restore-db and the restore fails (its GRANT names a missing role)
    result = deployment.workos("rollback", "--restore-db", "--json")

    # then the rollback stops at that step, says the database is as it was, and it is: the new table included
    assert result.returncode == 15, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["failed_step"] == "restore database"
    assert "transaction was rolled back" in report["error"] and "workos_fault_reader" in report["error"]
    assert database_fingerprint(deployment) == fingerprint
    assert ("ipai_workos_deploy_probe",) in deployment.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


def test_a_rollback_whose_server_does_not_come_up_is_not_reported_as_done(deployment, skip_unless_postgresql):
    # given a deployed site whose server can no longer start (a bad argument in the configuration)
    assert deployment.deploy("--no-artifacts").returncode == 0
    deployment.extra_config = 'args = ["--no-such-option"]'
    deployment.write_config(startup_timeout=15)

    # when the operator rolls back
    result = deployment.workos("rollback", "--json")

    # then the start step failed and the exit code says the rollback stopped there
    assert result.returncode == 15, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["failed_step"] == "start service" and "not healthy" in report["error"]
    assert [step["ok"] for step in report["steps"]] == [True, True, False]
