"""``workos rollback``: refuses a backup that is missing or altered before touching anything; with an intact
one it brings back the previous code and the rows deleted after the deploy. Runs on both databases."""

from __future__ import annotations

import json

import httpx

from .conftest import PROBE_TABLE_MIGRATION, add_migration_commit, page_count, seed_pages

REFUSED = 10


def test_rollback_refuses_a_corrupted_backup_and_restores_deleted_rows_from_an_intact_one(deployment):
    # given a site deployed twice, with pages written before the second deploy and deleted after it
    assert deployment.deploy("--no-artifacts").returncode == 0
    seed_pages(deployment, 12)
    first_sha = deployment.head()
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    result = deployment.deploy("--no-artifacts", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    backup = deployment.backup_dir / json.loads(result.stdout)["backup"]["path"].rsplit("/", 1)[-1]
    second_sha, pid = deployment.head(), deployment.server_pid()
    deployment.sql("DELETE FROM ipai_workos_page")
    intact = backup.read_bytes()

    # when the backup was altered, then rollback refuses before touching anything
    corrupted = bytearray(intact)
    corrupted[len(corrupted) // 2] ^= 0xFF
    backup.write_bytes(bytes(corrupted))
    refused = deployment.workos("rollback", "--restore-db")
    assert refused.returncode == REFUSED, refused.stdout + refused.stderr
    assert "does not match its checksums" in refused.stdout + refused.stderr
    assert deployment.head() == second_sha and deployment.server_pid() == pid and page_count(deployment) == 0

    # when the backup is missing, then too
    backup.unlink()
    refused = deployment.workos("rollback", "--restore-db")
    assert refused.returncode == REFUSED and "does not exist" in refused.stdout + refused.stderr

    # when the backup is intact, then the previous code and the deleted rows come back, and the site answers
    backup.write_bytes(intact)
    result = deployment.workos("rollback", "--restore-db", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert deployment.head() == first_sha
    assert page_count(deployment) == 12
    tables = {row[0] for row in deployment.sql(
        "SELECT name FROM sqlite_master WHERE type = 'table'" if deployment.database_kind == "sqlite"
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert "ipai_workos_deploy_probe" not in tables  # created by the rolled-back upgrade, gone with it
    assert httpx.get(deployment.base_url + "/web/login").status_code == 200
    report = json.loads(result.stdout)
    assert report["verification"]["failed_count"] == 0 and report["seconds"] > 0

    # and the next deploy goes forward again (the branch was moved back, not detached)
    assert deployment.deploy("--no-artifacts").returncode == 0
    assert deployment.head() == second_sha


def test_rollback_without_a_rollback_point_is_refused(deployment):
    result = deployment.workos("rollback")
    assert result.returncode == REFUSED
    assert ".deploy_snapshot does not exist" in result.stdout + result.stderr
