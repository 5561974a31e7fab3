"""What a ``kill -9`` of a deploy leaves behind: its children die with it (a git command, pg_dump, the module
run), and the deploy lock is the kernel's, released with the process, so a dead run's lock is known stale
whatever pid or host its record names."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from workos.ops.lock import DeployLock, LockHeld

from .conftest import arm_git_hook, install_git_hooks, wait_for_marker, wait_until_gone

HOLD_THE_LOCK = """
import sys, time
from pathlib import Path
from workos.ops.lock import DeployLock
DeployLock(Path(sys.argv[1]), "workos deploy").acquire()
print("held", flush=True)
time.sleep(120)
"""


def test_the_lock_of_a_live_run_is_held_and_of_a_killed_run_is_stale(tmp_path):
    # given a deploy process holding the lock
    path = tmp_path / "deploy.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(path)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        assert holder.stdout.readline().strip() == "held"

        # when another run asks for it, even offering to break a stale lock, then it is refused as running
        with pytest.raises(LockHeld) as refused:
            DeployLock(path, "workos rollback", break_stale=True).acquire()
        assert refused.value.stale is False and f"pid {holder.pid}" in str(refused.value)
    finally:
        holder.kill()
        holder.wait()

    # when the holder was killed, then its lock is stale: refused without --break-stale-lock, taken with it
    with pytest.raises(LockHeld) as stale:
        DeployLock(path, "workos rollback").acquire()
    assert stale.value.stale is True and "--break-stale-lock" in str(stale.value)
    lock = DeployLock(path, "workos rollback", break_stale=True).acquire()
    assert lock.broken.pid == holder.pid
    lock.release()
    assert not path.exists()


def test_a_dead_run_recorded_from_another_container_is_stale_not_held_forever(tmp_path):
    # given the record of a deploy that ran in a container that is gone (another host name; its pid 1 here is
    # a live process of this host), and nobody holding the OS lock
    path = tmp_path / "deploy.lock"
    path.write_text(json.dumps({"user": "root", "host": "workos-deploy-7f3a", "pid": 1, "started_at": "2026-12-01T02:00:00+0000",
                                "command": "workos deploy"}))

    # when the operator breaks the stale lock, then the lock is taken (not "another deploy is running")
    lock = DeployLock(path, "workos deploy", break_stale=True).acquire()
    assert lock.broken.host == "workos-deploy-7f3a"
    lock.release()


def test_a_killed_deploy_takes_its_git_command_with_it(deployment):
    # given a deploy held inside phase 2's `git pull` (by a post-merge hook), with something to pull
    hooks = install_git_hooks(deployment, "post-merge")
    deployment.upstream_commit({"docs/NOTE.md": "pulled by the deploy\n"}, "a note")
    marker = arm_git_hook(hooks, "post-merge")
    deploy = deployment.start_deploy("--no-artifacts", WORKOS_TEST_HOOKS=str(hooks))
    merge, pull = (int(pid) for pid in wait_for_marker(marker, deploy).split())

    # when the deploy process alone is killed (not its process group)
    os.kill(deploy.pid, signal.SIGKILL)
    deploy.wait(timeout=30)

    # then its git child dies with it instead of finishing unobserved
    assert wait_until_gone(pull), f"git pull (pid {pull}) outlived the killed deploy"
    assert wait_until_gone(merge)
