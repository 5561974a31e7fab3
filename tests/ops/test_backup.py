"""``workos backup`` and ``workos restore``: checksummed, verified, refused when altered or without room."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from .conftest import page_count, seed_pages

REFUSED = 10
BACKUP_FAILED = 13


def installed_site(deployment):
    result = deployment.workos("module", "install", "ipai_workos_affine")
    assert result.returncode == 0, result.stderr
    seed_pages(deployment, 7)


def test_backup_then_restore_brings_back_deleted_rows(deployment):
    # given an installed site with pages
    installed_site(deployment)

    # when the operator backs up
    result = deployment.workos("backup", "--json")

    # then a verified dump with matching md5 and sha256 files is written
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    path = report["backup"]["path"]
    assert path.startswith(str(deployment.backup_dir / "workos_backup_")) and path.endswith(".dump")
    content = open(path, "rb").read()
    assert open(path + ".md5").read().split()[0] == hashlib.md5(content).hexdigest() == report["backup"]["md5"]
    assert open(path + ".sha256").read().split()[0] == hashlib.sha256(content).hexdigest() == report["backup"]["sha256"]

    # when rows are deleted and the operator restores the file
    deployment.sql("DELETE FROM ipai_workos_page")
    restored = deployment.workos("restore", path, "--json")

    # then the rows are back
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert page_count(deployment) == 7
    history = json.loads(deployment.workos("deploy", "history", "--json").stdout)
    assert history[-1]["kind"] == "restore" and history[-1]["result"] == "success"


def test_restore_refuses_an_altered_file_and_changes_nothing(deployment):
    # given a backup that was altered after it was written
    installed_site(deployment)
    path = json.loads(deployment.workos("backup", "--json").stdout)["backup"]["path"]
    with open(path, "ab") as stream:
        stream.write(b"tampered")
    deployment.sql("DELETE FROM ipai_workos_page")

    # when the operator restores it, then it is refused and the database is untouched
    result = deployment.workos("restore", path)
    assert result.returncode == REFUSED
    assert "does not match its checksums" in result.stderr
    assert page_count(deployment) == 0


@pytest.fixture
def tiny_backup_dir(tmp_path):
    """A 256 KiB file system: too small for any backup of an installed site."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); the no-room refusal is not exercised")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_backup_and_deploy_are_refused_before_writing_when_the_disk_lacks_room(deployment, tiny_backup_dir):
    # given an installed site whose backup folder is on a nearly full disk
    installed_site(deployment)
    deployment.write_config(backup_dir=f'"{tiny_backup_dir}"')
    sha = deployment.head()

    # when the operator backs up, or deploys
    backup = deployment.workos("backup")
    deploy = deployment.deploy("--no-artifacts")

    # then both are refused naming the shortage, and nothing was written or changed
    assert backup.returncode == BACKUP_FAILED and "not enough room" in backup.stderr
    assert deploy.returncode == BACKUP_FAILED and "not enough room" in deploy.stdout
    assert [p.name for p in tiny_backup_dir.iterdir() if p.suffix in (".dump", ".partial")] == []
    assert not (deployment.clone / ".deploy_snapshot").exists()
    assert deployment.head() == sha and deployment.server_pid() is None
