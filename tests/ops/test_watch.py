"""``workos watch`` (issue 18 §2) against a real deployed server that then starts failing."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

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


def test_watch_prints_plain_lines_when_not_on_a_terminal_and_a_live_table_on_one(deployment):
    # given a site with no server (every check breaches)
    # when the output is a pipe (a timer's journal, a file)
    piped = deployment.workos("watch", "--once")

    # then one plain line per measure, no table drawing
    assert piped.returncode == 1
    lines = piped.stdout.splitlines()
    assert any(" BREACH GET /web/login: - (threshold 200/303 in < 2000 ms) " in line and "/web/login: ConnectError" in line
               for line in lines), piped.stdout
    assert any(" ok     disk free data_dir: " in line for line in lines), piped.stdout
    assert not any(character in piped.stdout for character in "┃│━┏")

    # when it is a terminal, then the check is drawn as a rich table (the live display)
    import pty
    import subprocess

    controller, terminal = pty.openpty()
    process = subprocess.Popen(deployment.command("watch", "--once"), cwd=deployment.clone,
                               env=deployment.environment(TERM="xterm", COLUMNS="200"), stdin=terminal, stdout=terminal,
                               stderr=subprocess.PIPE)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 1
    import re

    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", errors="replace"))  # colours, cursor moves
    assert "workos watch — check 1 at" in drawn and "1 with a breach" in drawn
    assert "┃ measure" in drawn and "│ GET /web/login" in drawn, drawn


def wait_for_memory_and_child(pid: int, rss: int, timeout: float = 30) -> None:
    """Until ``pid`` holds ``rss`` bytes and has started a child (a test's stand-in for a server and its worker)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [entry for entry in Path("/proc").iterdir() if entry.name.isdigit() and _parent(entry) == pid]
        status = Path(f"/proc/{pid}/status").read_text()
        held = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) * 1024
        if children and held >= rss:
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} did not reach {rss} bytes with a child")


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_watch_reads_cpu_and_rss_of_the_systemd_unit_main_pid_and_says_compose_is_not_measured(deployment, tmp_path):
    import subprocess
    import sys

    # given a systemd host whose unit's main process (a real process holding ~64 MiB, with one worker child) runs;
    # no systemd runs in the test environment, so `systemctl` is a small script answering `show` for the unit
    service = subprocess.Popen([sys.executable, "-c",
                                "import subprocess, sys, time; held = bytearray(64 * 1024 * 1024); "
                                "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); time.sleep(120)"],
                               start_new_session=True)
    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f"#!{sys.executable}\nimport sys\n"
                         f"if sys.argv[1:] == ['show', '-p', 'MainPID', '--value', 'workos-test.service']:\n"
                         f"    print(open({str(tmp_path / 'main-pid')!r}).read().strip())\n"
                         "else:\n    sys.exit(f'unexpected: {sys.argv[1:]}')\n")
    systemctl.chmod(0o755)
    (tmp_path / "main-pid").write_text(str(service.pid))
    try:
        deployment.write_config(service='"systemd"')
        with open(deployment.config_file, "a") as config:
            config.write(f'\n[deploy.systemd]\nunit = "workos-test.service"\nsystemctl = ["{systemctl}"]\n')
        wait_for_memory_and_child(service.pid, 60 * 1024 * 1024)

        # when watch checks once
        check = json.loads(deployment.workos("watch", "--once", "--json").stdout)

        # then CPU and RSS are those of the unit's main pid and its child, read from /proc
        measures = {m["name"]: m for m in check["measures"]}
        assert "server processes" not in measures
        assert f"pids {service.pid}, " in measures["server CPU"]["detail"] and "systemctl show -p MainPID" in measures["server CPU"]["detail"]
        assert int(measures["server RSS"]["value"].split()[0]) >= 64

        # when the unit is stopped (MainPID 0), then no server process is a breach
        (tmp_path / "main-pid").write_text("0")
        stopped = deployment.workos("watch", "--once", "--json")
        assert stopped.returncode == 1
        measures = {m["name"]: m for m in json.loads(stopped.stdout)["measures"]}
        assert measures["server processes"]["breached"] is True and measures["server processes"]["value"] == 0
    finally:
        os.killpg(service.pid, signal.SIGKILL)
        service.wait(timeout=30)

    # when systemctl cannot answer (the real one, on a host not booted with systemd), the check says why
    deployment.write_config(service='"systemd"')
    failing = json.loads(deployment.workos("watch", "--once", "--json").stdout)
    processes = next(m for m in failing["measures"] if m["name"] == "server processes")
    assert processes["breached"] is True and "show -p MainPID --value workos.service" in processes["detail"]

    # and under compose, CPU and RSS are "not measured", never a number, and no breach
    deployment.write_config(service='"compose"')
    compose = json.loads(deployment.workos("watch", "--once", "--json").stdout)
    measures = {m["name"]: m for m in compose["measures"]}
    for name in ("server CPU", "server RSS"):
        assert measures[name]["value"] == "not measured" and measures[name]["breached"] is False
        assert measures[name]["detail"].startswith('not measured: [deploy] service = "compose"')


def test_watch_for_a_duration_journals_every_check_and_ends_with_a_markdown_summary(deployment):
    # given a site with no server, and a log holding one error repeated 3 times
    deployment.server_log.parent.mkdir(parents=True, exist_ok=True)
    deployment.server_log.write_text("".join(f"2026-12-05 02:00:0{n},000 ERROR workos.request: lost after {n} ms\n" for n in range(3)))

    # when watch runs for a few seconds, a check every second
    result = deployment.workos("watch", "--duration", "3s", "--interval", "1s")

    # then every check is a journal line, and the summary lists each one with its breaches and the errors grouped
    assert result.returncode == 1, result.stdout + result.stderr
    journal = [json.loads(line) for line in (deployment.root / "var" / "watch.jsonl").read_text().splitlines()]
    assert len(journal) >= 2 and all(not check["ok"] for check in journal)
    [summary] = (deployment.root / "var" / "reports").glob("WATCH_REPORT_prod_*.md")
    assert f"summary {summary}" in result.stderr
    text = summary.read_text()
    assert f"{len(journal)} check(s) over " in text and f"; {len(journal)} with a breach." in text
    rows = [line for line in text.splitlines() if line.startswith("| 20")]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [check["at"] for check in journal]
    assert all("GET /web/login" in row for row in rows)
    assert text.count("× 3: `2026-12-05 02:00:00,000 ERROR workos.request: lost after 0 ms`") == 1
