"""``workos watch`` (issue 18 §2) against a real deployed server that then starts failing."""

from __future__ import annotations

import json
import os
import signal

from .conftest import wait_until_gone


def test_watch_once_passes_on_a_healthy_site_and_names_the_breaches_when_it_fails(deployment):
    # given a deployed, healthy site
    assert deployment.deploy("--no-artifacts").returncode == 0

    # when watch checks once
    healthy = deployment.workos("watch", "--once", "--json")

    # then every measure is within its threshold, with real values
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    check = json.loads(healthy.stdout)
    measures = {m["name"]: m for m in check["measures"]}
    assert check["ok"] is True and check["breaches"] == []
    assert measures["GET /web/login"]["value"].startswith("200 in ") and measures["GET /web/health"]["value"].startswith("200 in ")
    assert measures["server RSS"]["value"].endswith(" MiB") and int(measures["server RSS"]["value"].split()[0]) > 0
    journal = deployment.root / "var" / "watch.jsonl"
    assert [json.loads(line)["at"] for line in journal.read_text().splitlines()] == [check["at"]]

    # when the server stops and the log fills with one error repeated 1,000 times and one traceback
    pid = deployment.server_pid()
    os.killpg(pid, signal.SIGTERM)
    assert wait_until_gone(pid, timeout=30)
    with open(deployment.server_log, "a") as log:
        for number in range(1000):
            log.write(f"2026-12-05 02:00:{number % 60:02d},{number:03d} ERROR workos.request: database timeout after {number} ms\n")
        log.write("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: boom\n")
    failing = deployment.workos("watch", "--once", "--json")

    # then it exits 1 and names each breach; the repeated error is one fingerprint with its count
    assert failing.returncode == 1, failing.stdout + failing.stderr
    check = json.loads(failing.stdout)
    assert {"GET /web/login", "GET /web/health", "new log errors", "server processes"} <= set(check["breaches"])
    assert "BREACH GET /web/login" in failing.stderr and "BREACH new log errors: 1001" in failing.stderr
    counts = sorted(group["count"] for group in check["errors"])
    assert counts == [1, 1000]
    assert len(journal.read_text().splitlines()) == 2

    # and the next check counts only what is new since this one
    again = json.loads(deployment.workos("watch", "--once", "--json").stdout)
    assert next(m for m in again["measures"] if m["name"] == "new log errors")["value"] == 0
