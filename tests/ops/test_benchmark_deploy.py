"""``benchmarks/deploy/run.py`` on a small data set: it runs on the ports it is given and leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workos.settings.config import PROJECT_ROOT
from workos.testing.pgcluster import free_port


@pytest.mark.once
def test_deploy_benchmark_uses_the_given_ports_and_removes_its_folder(tmp_path):
    # given two fixed ports
    port, pg_port = free_port(), free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("WORKOS_", "DJANGO_"))}

    # when the benchmark runs on a small data set
    result = subprocess.run([sys.executable, "benchmarks/deploy/run.py", "--pages", "200", "--no-artifacts", "--port", str(port),
                             "--pg-port", str(pg_port), "--results", str(tmp_path)],
                            cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=900)

    # then it measured deploy and rollback on those ports, with the machine's load, and removed its folder
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    [written] = tmp_path.glob("deploy-*.json")
    report = json.loads(written.read_text())
    assert report["ports"] == {"server": port, "postgresql": pg_port}
    assert report["pages"] == 200 and report["rollback"]["pages_after"] == 200
    assert len(report["load_average"]["before"]) == 3 and len(report["load_average"]["after"]) == 3
    assert report["folder"].startswith("/") and not Path(report["folder"]).exists()
