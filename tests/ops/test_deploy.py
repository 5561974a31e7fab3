"""``workos deploy`` end to end: a bare origin, a production clone, a real database and the real server."""

from __future__ import annotations

import hashlib
import json
import subprocess

import httpx

from workos.ops.deploy import ARTIFACT_COMMIT_MESSAGE

from .conftest import PROBE_TABLE_MIGRATION, add_migration_commit, git

REFUSED = 10


def sourced(snapshot_file) -> dict[str, str]:
    """The variables bash sees after ``source .deploy_snapshot``."""
    script = f"set -eu; source {snapshot_file}; " + "; ".join(
        f'echo "{key}=${key}"' for key in ("PREVIOUS_SHA", "PREVIOUS_BRANCH", "BACKUP_FILE", "BACKUP_MD5", "BACKUP_SHA256", "DATABASE", "TIMESTAMP")
    )
    output = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in output.splitlines())


def test_first_deploy_installs_the_suite_and_leaves_a_sourceable_rollback_point(deployment):
    # given a production clone that was never deployed
    first_sha = deployment.head()

    # when the operator deploys
    result = deployment.deploy("--json")

    # then it succeeds with every phase reported and the suite installed
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert [phase["number"] for phase in report["phases"]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(phase["seconds"] >= 0 for phase in report["phases"])
    assert report["verification"]["failed_count"] == 0
    assert "ipai_workos_affine" in report["modules"]["installed"]
    assert deployment.sql("SELECT state FROM ir_module_module WHERE name = 'ipai_workos_affine'") == [("installed",)]
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
    assert deployment.server_pid() is not None
    # and .deploy_snapshot sources in bash, names the backup and its checksums match the file
    values = sourced(deployment.clone / ".deploy_snapshot")
    assert values["PREVIOUS_SHA"] == first_sha
    assert values["PREVIOUS_BRANCH"] == "main"
    backup = deployment.backup_dir / values["BACKUP_FILE"].rsplit("/", 1)[-1]
    assert values["BACKUP_FILE"] == str(backup)
    content = backup.read_bytes()
    assert hashlib.md5(content).hexdigest() == values["BACKUP_MD5"]
    assert hashlib.sha256(content).hexdigest() == values["BACKUP_SHA256"]
    assert backup.name.startswith("workos_pre_deploy_") and backup.name.endswith(".dump")
    assert subprocess.run(["sha256sum", "-c", backup.name + ".sha256"], cwd=backup.parent, capture_output=True).returncode == 0
    assert subprocess.run(["md5sum", "-c", backup.name + ".md5"], cwd=backup.parent, capture_output=True).returncode == 0
    # and the tree stays clean (the snapshot file is ignored), the install log exists, the run is in the history
    assert git(deployment.clone, "status", "--porcelain") == ""
    assert list(deployment.log_dir.glob("workos_install_*.log"))
    history = json.loads(deployment.workos("deploy", "history", "--json").stdout)
    assert history[-1]["kind"] == "deploy" and history[-1]["result"] == "success" and history[-1]["exit_code"] == 0
    assert history[-1]["from_sha"] == first_sha
    assert set(history[-1]["phases"]) >= {"Snapshot for rollback", "Deploy main", "Install/upgrade modules", "Runtime verification"}
    # and phases 5 to 7 all ran: the artifacts were written, committed [skip ci] and pushed to origin
    assert [(phase["number"], phase["status"]) for phase in report["phases"][4:]] == [(5, "ok"), (6, "ok"), (7, "ok")], report["phases"][4:]
    assert {"docs/runtime/MODULE_STATES.prod.csv", "docs/PROD_SNAPSHOT_MANIFEST.md"} <= {artifact["path"] for artifact in report["artifacts"]}
    assert report["artifact_commit"] == deployment.head() and report["pushed"] is True
    assert git(deployment.origin, "log", "-1", "--format=%H %s", "main") == f"{deployment.head()} {ARTIFACT_COMMIT_MESSAGE}"


def test_second_deploy_upgrades_only_the_module_with_a_new_migration(deployment):
    # given a deployed site, and a new upstream commit that bumps one module with a migration
    assert deployment.deploy("--no-artifacts").returncode == 0
    version_before = deployment.sql("SELECT latest_version FROM ir_module_module WHERE name = 'ipai_workos_canvas'")[0][0]
    lock = deployment.developer_file("requirements.lock")
    deployment.upstream_commit({"requirements.lock": lock + "# re-locked, same versions\n"}, "re-lock dependencies")
    new_sha = add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    (deployment.clone / "var").mkdir()
    (deployment.clone / "var" / "ignored.txt").write_text("git-ignored files do not make the tree dirty\n")

    # when the operator deploys again (pip offline: the locked versions are those already installed)
    result = deployment.deploy("--no-artifacts", "--json", PIP_NO_INDEX="1")

    # then only that module is upgraded, its migration applied, the code is at the new commit
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["modules"]["upgraded"] == ["ipai_workos_canvas"]
    assert report["modules"]["installed"] == []
    assert deployment.head() == new_sha
    assert deployment.sql("SELECT count(*) FROM ipai_workos_deploy_probe") == [(0,)]
    version_after = deployment.sql("SELECT latest_version FROM ir_module_module WHERE name = 'ipai_workos_canvas'")[0][0]
    assert version_after != version_before
    assert len(report["commits"]) == 2
    # and the changed dependency lock was installed before the new code ran
    install_phase = report["phases"][2]
    assert any("requirements.lock changed" in detail for detail in install_phase["details"])


def test_dry_run_lists_commits_modules_and_backup_path_and_changes_nothing(deployment):
    # given a never-deployed clone and one new upstream commit
    sha = deployment.head()
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION, message="canvas: probe table")

    # when the operator asks for a dry run
    result = deployment.deploy("--dry-run", "--json")

    # then the plan is shown and nothing changed: code, backups, database, service
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["commits"]) == 1 and "canvas: probe table" in report["commits"][0]
    assert "ipai_workos_affine" in report["plan"]["to_install"] and len(report["plan"]["to_install"]) == 14
    assert report["backup_path"].startswith(str(deployment.backup_dir / "workos_pre_deploy_"))
    assert "canvas: probe table" in result.stderr and "Modules to install" in result.stderr
    assert deployment.head() == sha
    assert not deployment.backup_dir.exists() or not list(deployment.backup_dir.glob("*.dump"))
    assert not (deployment.clone / ".deploy_snapshot").exists()
    assert deployment.server_pid() is None


def test_dry_run_refuses_an_invalid_manifest_in_the_new_code(deployment):
    # given an upstream commit that breaks a required module's manifest
    deployment.upstream_commit({"addons/ipai_workos_views/__manifest__.py": "{'name': 'Views'"}, "views: broken manifest")

    # when the operator asks for a dry run, then it says the deploy would be refused, naming the module
    result = deployment.deploy("--dry-run")
    assert result.returncode == REFUSED
    assert "ipai_workos_views" in result.stdout and "invalid manifest" in result.stdout


def assert_nothing_changed(deployment, sha, fingerprint, pid):
    from .conftest import database_fingerprint

    assert deployment.head() == sha
    assert database_fingerprint(deployment) == fingerprint
    assert deployment.server_pid() == pid
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200


def deployed(deployment):
    """Deploy once and return (sha, database fingerprint, server pid) of the running site."""
    from .conftest import database_fingerprint, seed_pages

    result = deployment.deploy("--no-artifacts")
    assert result.returncode == 0, result.stdout + result.stderr
    seed_pages(deployment, 5)
    return deployment.head(), database_fingerprint(deployment), deployment.server_pid()


def test_dirty_tree_is_refused_with_nothing_changed(deployment, skip_unless_postgresql):
    # given a deployed site whose checkout has a local edit, and new upstream work
    sha, fingerprint, pid = deployed(deployment)
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    (deployment.clone / "README.md").write_text("edited on the server\n")

    # when the operator deploys
    result = deployment.deploy("--no-artifacts")

    # then it is refused before anything changed, naming the file
    assert result.returncode == REFUSED, result.stdout + result.stderr
    assert "dirty" in result.stdout and "README.md" in result.stdout
    assert "code unchanged" in result.stdout
    assert_nothing_changed(deployment, sha, fingerprint, pid)


def test_diverged_history_is_refused_with_nothing_changed(deployment, skip_unless_postgresql):
    # given a deployed site with a commit made on the server and a different one upstream
    deployment_sha, _, _ = deployed(deployment)
    (deployment.clone / "docs").mkdir(exist_ok=True)
    (deployment.clone / "docs" / "hotfix.md").write_text("a hotfix committed on the server\n")
    git(deployment.clone, "add", "docs/hotfix.md")
    git(deployment.clone, "commit", "-q", "-m", "hotfix on the server")
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    from .conftest import database_fingerprint

    sha, fingerprint, pid = deployment.head(), database_fingerprint(deployment), deployment.server_pid()

    # when the operator deploys
    result = deployment.deploy("--no-artifacts")

    # then it is refused: pull --ff-only is impossible; nothing changed
    assert result.returncode == REFUSED, result.stdout + result.stderr
    assert "diverged" in result.stdout and "hotfix on the server" in result.stdout
    assert_nothing_changed(deployment, sha, fingerprint, pid)


def test_missing_required_module_is_refused_with_nothing_changed(deployment, skip_unless_postgresql):
    # given a deployed site and an upstream commit that deletes a module the umbrella needs
    sha, fingerprint, pid = deployed(deployment)
    deployment.upstream_commit({"addons/ipai_workos_canvas": None}, "remove the canvas module")

    # when the operator deploys
    result = deployment.deploy("--no-artifacts")

    # then it is refused before HEAD moved, naming the module
    assert result.returncode == REFUSED, result.stdout + result.stderr
    assert "ipai_workos_canvas" in result.stdout
    assert_nothing_changed(deployment, sha, fingerprint, pid)
    assert list(deployment.backup_dir.glob("*.dump")) == list(deployment.backup_dir.glob("*.dump"))[:1]  # only the first deploy's


REJECT_ONCE = """#!/bin/sh
# origin refuses the next push once (as a protected branch or a full disk would)
if [ -e "$0.armed" ]; then rm -f "$0.armed"; echo "push refused for the test" >&2; exit 1; fi
"""


def test_an_unpushed_artifact_commit_is_pushed_by_the_next_deploy(deployment, skip_unless_postgresql):
    # given origin rejects the push of phase 7, so the artifact commit exists only in the production clone
    hook = deployment.origin / "hooks" / "pre-receive"
    hook.write_text(REJECT_ONCE)
    hook.chmod(0o755)
    hook.with_name("pre-receive.armed").write_text("")
    rejected = deployment.deploy("--json")
    assert rejected.returncode == 17, rejected.stdout + rejected.stderr
    assert git(deployment.clone, "log", "--format=%s", "origin/main..main") == ARTIFACT_COMMIT_MESSAGE

    # when the operator deploys again (the runbook's step for exit 17)
    result = deployment.deploy("--json")

    # then the deploy recognises its own commit (not "history diverged"), and origin receives it
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert len(report["unpushed_artifact_commits"]) == 1 and report["pushed"] is True
    assert git(deployment.clone, "rev-parse", "main") == git(deployment.origin, "rev-parse", "main")
    assert git(deployment.clone, "status", "--porcelain") == ""


def test_a_commit_of_someone_else_that_origin_lacks_is_still_refused(deployment, skip_unless_postgresql):
    # given a commit on the server that looks like an artifact commit but changes code
    (deployment.clone / "workos" / "hotfix.py").write_text("FIXED = True\n")
    git(deployment.clone, "add", "workos/hotfix.py")
    git(deployment.clone, "commit", "-q", "-m", ARTIFACT_COMMIT_MESSAGE)
    deployment.upstream_commit({"docs/NOTE.md": "upstream\n"}, "upstream work")

    # when the operator deploys, then it is refused as diverged history, nothing changed
    result = deployment.deploy("--no-artifacts")
    assert result.returncode == REFUSED, result.stdout + result.stderr
    assert "diverged" in result.stdout
