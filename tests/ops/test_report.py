"""The deployment report (issue 18 §3): the Markdown of real deploys, rollbacks and dry runs, parsed back and
every line's evidence checked against git, the file system and the database."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from workos.ops.backup import PostgresTools
from workos.ops.database import Database
from workos.ops.verify import count_critical_lines

from .conftest import PROBE_TABLE_MIGRATION, add_migration_commit, database_fingerprint, git

STATUS = re.compile(r"^(✓|✗|✗ not measured|not run: .+)$")


def parse(text: str) -> dict[str, dict]:
    """``{section: {"lines": [...], "rows": [{column: value}]}}``; ``# title`` is the section "summary"."""
    sections: dict[str, dict] = {}
    current = sections.setdefault("summary", {"lines": [], "rows": []})
    header = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), {"lines": [], "rows": []})
            header = None
            continue
        current["lines"].append(line)
        if line.startswith("|"):
            cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if header is None:
                header = cells
            elif not all(set(cell) <= {"-"} for cell in cells):
                current["rows"].append(dict(zip(header, cells)))
        else:
            header = None
    return sections


def field(section: dict, name: str) -> str:
    return next(row["value"] for row in section["rows"] if row["field"] == name)


def check_rows(sections: dict) -> list[dict]:
    return [row for section in sections.values() for row in section["rows"] if "status" in row and "evidence" in row]


def assert_every_check_is_honest(sections: dict) -> None:
    rows = check_rows(sections)
    assert rows
    for row in rows:
        assert STATUS.match(row["status"]), row
        if row["status"] == "✓":
            # a ✓ always carries what it rests on
            assert row["evidence"] and row["measured"], row


def backticked(value: str) -> str:
    return value.strip().strip("`")


def history_report(deployment, kind: str) -> Path:
    runs = json.loads(deployment.workos("deploy", "history", "--json").stdout)
    run = [r for r in runs if r["kind"] == kind][-1]
    path = Path(run["report"])
    assert path.is_file() and re.fullmatch(r"DEPLOY_REPORT_prod_\d{8}_\d{6}(_\d+)?\.md", path.name), path
    return path


def test_a_deploy_report_whose_every_line_matches_git_the_files_and_the_database(deployment):
    # given a production clone that was never deployed
    first_sha = deployment.head()

    # when the operator deploys (all seven phases)
    result = deployment.deploy("--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)

    # then a report is written, named in the JSON and listed in the history (also in its table)
    path = history_report(deployment, "deploy")
    assert report["report_file"] == str(path)
    assert path.parent == deployment.root / "var" / "reports"  # default: <[server] data_dir>/reports
    assert path.name in deployment.workos("deploy", "history").stdout
    sections = parse(path.read_text())
    assert_every_check_is_honest(sections)
    summary = sections["summary"]
    assert field(summary, "result") == "SUCCESS" and field(summary, "exit code") == "0"

    # code: previous -> new SHA are git's; the new one is the artifact commit at HEAD
    code = sections["Code"]
    assert field(code, "previous SHA") == first_sha
    assert field(code, "new SHA") == deployment.head() == report["new_sha"]

    # backup: size, md5, sha256 of the file itself; the restore check says what pg_restore --list / SQLite says now
    backup = {row["check"]: row for row in sections["Backup"]["rows"]}
    file = Path(backticked(backup["backup file"]["measured"]))
    content = file.read_bytes()
    assert all(backup[name]["status"] == "✓" for name in ("backup file", "size", "md5", "sha256", "restore check"))
    assert backup["size"]["measured"] == f"{len(content)} bytes"
    assert backticked(backup["md5"]["measured"]) == hashlib.md5(content).hexdigest()
    assert backticked(backup["sha256"]["measured"]) == hashlib.sha256(content).hexdigest()
    if deployment.database_kind == "postgresql":
        listing = PostgresTools(Database(deployment.database_url)).table_of_contents(file)
        entries = sum(1 for line in listing.splitlines() if line.strip() and not line.startswith(";"))
        assert backup["restore check"]["measured"] == f"pg_restore --list: exit 0, {entries} TOC entries"
    else:
        import sqlite3

        assert sqlite3.connect(file).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert backup["restore check"]["measured"] == "PRAGMA integrity_check: ok"

    # modules: each "after" is what ir_module_module says now; a first deploy installs from nothing
    states = {name: f"{version} ({state})" for name, version, state in deployment.sql("SELECT name, latest_version, state FROM ir_module_module")}
    modules = sections["Modules"]["rows"]
    assert {row["module"] for row in modules} >= {"ipai_workos_affine", "ipai_platform_audit"}
    for row in modules:
        assert row["after"] == states[row["module"]] and row["before"] == "absent" and row["change"] == "installed", row

    # migrations: every one listed is recorded in django_migrations, and a first deploy applied them all
    listed = [backticked(line[2:]) for line in sections["Migrations applied"]["lines"] if line.startswith("- `")]
    recorded = {f"{app}.{name}" for app, name in deployment.sql("SELECT app, name FROM django_migrations")}
    assert listed and set(listed) == recorded

    # verification: measured values are the database's and the server's
    verification = {row["check"]: row for row in sections["Verification"]["rows"]}
    installed = deployment.sql("SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name LIKE 'ipai%'")[0][0]
    assert verification["ipai_% modules installed"]["measured"] == str(installed)
    assert verification["ipai.workos.% models in ir_model"]["measured"] == str(
        deployment.sql("SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%'")[0][0])
    assert "SELECT count(*) FROM ir_module_module" in verification["ipai_% modules installed"]["evidence"]
    assert all(row["status"] == "✓" for row in verification.values())

    # HTTP status codes and the log count, measured again
    http = {row["check"]: row for row in sections["HTTP status codes"]["rows"]}
    assert http["GET /web/login"]["measured"] == "200" and http["GET /web/health"]["measured"] == "200"
    log = sections["Server log"]["rows"][0]
    assert log["measured"] == str(count_critical_lines(deployment.server_log, 200)[0])

    # artifacts: sizes and sha256 of the committed files
    artifacts = sections["Artifacts"]["rows"]
    assert {row["check"] for row in artifacts} == {a["path"] for a in report["artifacts"]}
    for row in artifacts:
        data = (deployment.clone / row["check"]).read_bytes()
        assert row["status"] == "✓" and row["measured"] == f"{len(data)} bytes"
        assert row["evidence"] == f"stat: {len(data)} bytes; sha256 {hashlib.sha256(data).hexdigest()}"

    # phase timings are the run's
    timings = sections["Phase timings"]["rows"]
    assert [(int(r["#"]), r["status"], float(r["seconds"])) for r in timings] == [
        (p["number"], p["status"], p["seconds"]) for p in report["phases"]]

    # the switch was a restart: no prober ran, so that check says "not run" and why — never ✓
    switch = sections["Unavailability during the switch"]["rows"]
    assert len(switch) == 1 and switch[0]["status"].startswith('not run: [deploy] switch = "restart"')

    # the exact rollback command
    lines = sections["Rollback command"]["lines"]
    command = lines[lines.index("```") + 1]
    assert command == f"workos -c {deployment.config_file} rollback --restore-db" == report["rollback_command"]


def test_an_upgrade_report_and_the_rollback_report(deployment):
    # given a deployed site and an upstream migration for one module
    assert deployment.deploy("--no-artifacts").returncode == 0
    before_version = deployment.sql("SELECT latest_version FROM ir_module_module WHERE name = 'ipai_workos_canvas'")[0][0]
    previous = deployment.head()
    new_sha = add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)

    # when it is deployed without artifacts
    result = deployment.deploy("--no-artifacts", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    sections = parse(Path(json.loads(result.stdout)["report_file"]).read_text())
    assert_every_check_is_honest(sections)

    # then the commit list is git's, the module went from its old version to the database's new one
    assert field(sections["Code"], "previous SHA") == previous and field(sections["Code"], "new SHA") == new_sha
    commits = [backticked(line[2:]) for line in sections["Code"]["lines"] if line.startswith("- `")]
    assert commits == git(deployment.clone, "log", "--oneline", "--no-decorate", f"{previous}..{new_sha}").splitlines()
    canvas = next(row for row in sections["Modules"]["rows"] if row["module"] == "ipai_workos_canvas")
    after_version = deployment.sql("SELECT latest_version FROM ir_module_module WHERE name = 'ipai_workos_canvas'")[0][0]
    assert canvas["change"] == "upgraded" and after_version != before_version
    assert (canvas["before"], canvas["after"]) == (f"{before_version} (installed)", f"{after_version} (installed)")
    listed = [backticked(line[2:]) for line in sections["Migrations applied"]["lines"] if line.startswith("- `")]
    assert listed == ["ipai_workos_canvas.0900_deploy_probe"]
    assert deployment.sql("SELECT count(*) FROM django_migrations WHERE app = 'ipai_workos_canvas' AND name = '0900_deploy_probe'") == [(1,)]
    # and the artifacts that were not made say why, never ✓
    artifacts = sections["Artifacts"]["rows"]
    assert len(artifacts) == 1 and artifacts[0]["status"] == "not run: skipped: --no-artifacts"

    # when the operator rolls back with the database
    rollback = deployment.workos("rollback", "--restore-db", "--json")
    assert rollback.returncode == 0, rollback.stdout + rollback.stderr

    # then the rollback has its own report, listed in the history, matching git and the restored backup
    path = history_report(deployment, "rollback")
    assert json.loads(rollback.stdout)["report_file"] == str(path)
    sections = parse(path.read_text())
    assert_every_check_is_honest(sections)
    assert field(sections["summary"], "exit code") == "0"
    assert field(sections["Code"], "new SHA (after the rollback)") == deployment.head() == previous
    restored = sections["Database"]["rows"][0]
    file = Path(backticked(restored["measured"]))
    content = file.read_bytes()
    assert restored["status"] == "✓"
    assert restored["evidence"] == f"{len(content)} bytes; md5 {hashlib.md5(content).hexdigest()}; sha256 {hashlib.sha256(content).hexdigest()}"
    assert deployment.sql("SELECT count(*) FROM django_migrations WHERE name = '0900_deploy_probe'") == [(0,)]
    steps = {row["step"]: row for row in sections["Steps"]["rows"]}
    assert {"stop service", "check out previous SHA", "restore database", "start service"} <= set(steps)
    assert all(row["status"] == "✓" for row in steps.values())


def module_states(deployment) -> list[tuple]:
    return deployment.sql("SELECT name, state, latest_version FROM ir_module_module ORDER BY name")


def test_a_dry_run_writes_a_risk_assessment_and_changes_nothing(deployment):
    # given a deployed site, an upstream migration pending, and some rows in the database
    assert deployment.deploy("--no-artifacts").returncode == 0
    add_migration_commit(deployment, "ipai_workos_canvas", "0900_deploy_probe", PROBE_TABLE_MIGRATION)
    head, states, fingerprint = deployment.head(), module_states(deployment), database_fingerprint(deployment)
    backups = sorted(p.name for p in deployment.backup_dir.iterdir())

    # when the operator runs a dry run
    result = deployment.deploy("--dry-run", "--json")

    # then nothing changed: HEAD, module states, every row of every table, the backups
    assert result.returncode == 0, result.stdout + result.stderr
    assert deployment.head() == head and module_states(deployment) == states
    assert database_fingerprint(deployment) == fingerprint
    assert sorted(p.name for p in deployment.backup_dir.iterdir() if p.suffix != ".jsonl") == [b for b in backups if not b.endswith(".jsonl")]
    # and its risk assessment is written, listed in the history, with the classification and the tables touched
    path = history_report(deployment, "dry-run")
    sections = parse(path.read_text())
    assert_every_check_is_honest(sections)
    assert field(sections["summary"], "result") == "WOULD DEPLOY"
    migrations = sections["Migrations (classification)"]["rows"]
    assert [(r["migration"], r["compatible with the running code"]) for r in migrations] == [("ipai_workos_canvas.0900_deploy_probe", "yes")]
    tables = {row["table"]: row for row in sections["Tables touched"]["rows"]}
    assert "ipai_workos_canvas" in tables
    for table, row in tables.items():
        assert row["rows"] == str(deployment.sql(f'SELECT count(*) FROM "{table}"')[0][0])
    room = sections["Room for the backup"]["rows"][0]
    assert room["status"] == "✓" and "shutil.disk_usage" in room["evidence"]
    assert "- none found" in "\n".join(sections["Blockers"]["lines"])
    assert "upgrade: ipai_workos_canvas" in "\n".join(sections["What would change"]["lines"])

    # when the tree is dirty, the dry run names that blocker, and still changes nothing
    (deployment.clone / "README.md").write_text("edited on the server\n")
    refused = deployment.deploy("--dry-run")
    assert refused.returncode == 10, refused.stdout + refused.stderr
    assert deployment.head() == head and module_states(deployment) == states and database_fingerprint(deployment) == fingerprint
    sections = parse(history_report(deployment, "dry-run").read_text())
    assert field(sections["summary"], "result") == "WOULD BE REFUSED"
    blockers = "\n".join(sections["Blockers"]["lines"])
    assert "dirty" in blockers and "README.md" in blockers
    # and what the pre-checks did not reach says "not run", while the pending commit is still listed (from git)
    assert "\n".join(sections["Tables touched"]["lines"]).strip().startswith("not run: ")
    commits = [backticked(line[2:]) for line in sections["Code"]["lines"] if line.startswith("- `")]
    assert commits == git(deployment.clone, "log", "--oneline", "--no-decorate", f"{head}..origin/main").splitlines() and commits
    assert_every_check_is_honest(sections)
    assert sections["Room for the backup"]["rows"][0]["status"].startswith("not run: ")
