"""Schemathesis over the whole OpenAPI document, against `workos serve` on the database of this run.

It fails on any 5xx and on any status the document does not declare. The run is bounded (a fixed seed and a
few examples per operation) to stay around a minute per database; the user is an administrator with a
workspace, a space, a page with blocks and a database, so that requests get past 401 and 404 into the code.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

PASSWORD = "correct-horse-battery"
EXAMPLES_PER_OPERATION = 5
SEED = 20260101


def seed_records(client: httpx.Client) -> None:
    workspace = client.post("/api/v1/workspaces", json={"name": "Acme"})
    assert workspace.status_code == 201, workspace.text
    space = client.post("/api/v1/spaces", json={"workspace_id": workspace.json()["id"], "name": "Engineering"})
    assert space.status_code == 201, space.text
    page = client.post("/api/v1/pages", json={"space_id": space.json()["id"], "title": "Plan"})
    assert page.status_code == 201, page.text
    blocks = client.put(f"/api/v1/pages/{page.json()['id']}/blocks",
                        json={"blocks": [{"type": "paragraph", "content": {"text": [{"text": "hello"}]}}], "base_version": 0})
    assert blocks.status_code == 200, blocks.text
    database = client.post("/api/v1/databases", json={"space_id": space.json()["id"], "title": "Tasks"})
    assert database.status_code == 201, database.text


def test_schemathesis_finds_no_server_error_and_no_undeclared_status(site, serve, tmp_path):
    site.install("ipai_workos_affine")
    site.workos("user", "create", "ada", "--admin", "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)
    token = httpx.post(server.base_url + "/api/v1/auth/token", json={"username": "ada", "password": PASSWORD}).json()["token"]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer " + token}, timeout=30) as client:
        seed_records(client)

    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    result = subprocess.run(
        [
            st, "run", server.base_url + "/api/v1/openapi.json",
            "--header", "Authorization: Bearer " + token,
            "--checks", "not_a_server_error,status_code_conformance",
            "--max-examples", str(EXAMPLES_PER_OPERATION),
            "--seed", str(SEED),
            "--workers", "2",
            "--request-timeout", "30",
            # Revoking its own token would log the run out: every later request would only see 401.
            "--exclude-operation-id", "workos_api_endpoints_revoke_token",
            "--no-color",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    tested = re.search(r"Tested: (\d+)", output)
    assert tested and int(tested.group(1)) > 100, output[-3000:]  # the whole document was exercised
