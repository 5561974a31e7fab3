"""The deployment report: ``<[deploy] report_dir>/DEPLOY_REPORT_<environment>_<stamp>.md``.

Every deploy, dry run and rollback writes one, built from the JSON report the run already collects (no second
measurement of what the run measured). It is meant to be handed on, so every check is a table row

    | status | check | measured | threshold | evidence |

where status is ``✓`` (passed; the evidence column names the query, checksum, status code or file it rests
on), ``✗`` (failed) or ``not run: <why>`` — a check that did not run is never a ✓. A dry run writes a risk
assessment instead: what would change, the migration classification, the sizes of the tables the pending
migrations touch, the expected downtime, the room for the backup and the blockers found, changing nothing.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from .settings import DeploySettings

PASS, FAIL = "✓", "✗"
FIRST_LOG_LINES = 5

CHECK_EVIDENCE = {
    "http_login": "GET {base_url}/web/login (no redirects followed)",
    "log_errors": "ERROR/CRITICAL/Traceback lines in the last {log_tail} lines of {log_file}",
    "modules_installed": "SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name LIKE 'ipai\\_%'",
    "umbrella_installed": "SELECT state FROM ir_module_module WHERE name = '{umbrella}'",
    "models_registered": "SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%'",
    "no_module_stuck": "SELECT name, state FROM ir_module_module WHERE state IN ('to install', 'to upgrade', 'to remove')",
    "code_consistent": "GET {base_url}/web/health code.revision and modules vs git HEAD vs ir_module_module.latest_version",
    "upstream_servers": "GET http://<server>/web/health for every server of the nginx upstream file",
}


def report_path(settings: DeploySettings, stamp: str, kind: str = "DEPLOY_REPORT") -> Path:
    folder = settings.report_dir
    path = folder / f"{kind}_{settings.environment}_{stamp}.md"
    counter = 2
    while path.exists():
        path = folder / f"{kind}_{settings.environment}_{stamp}_{counter}.md"
        counter += 1
    return path


def write_deploy_report(settings: DeploySettings, report: dict, stamp: str, path: Path | None = None) -> Path:
    """Render and write the report of a deploy (or dry run, or rollback); returns its path. ``path`` rewrites an
    existing report (``workos deploy --watch`` adds the watch to the deploy's own report)."""
    if report.get("command") == "rollback":
        text = render_rollback(settings, report)
    elif report.get("dry_run"):
        text = render_dry_run(settings, report)
    else:
        text = render_deploy(settings, report)
    path = path or report_path(settings, stamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".md.partial")
    partial.write_text(text, encoding="utf-8")
    partial.rename(path)
    return path


# --- pieces ---------------------------------------------------------------------------------------------------


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines


def _check_table(rows: list[list]) -> list[str]:
    return _table(["status", "check", "measured", "threshold", "evidence"], rows)


def _not_run(why: str) -> str:
    return f"not run: {why}"


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "-"


def _why_not(report: dict, default: str) -> str:
    failure = report.get("failure")
    if failure:
        where = f"phase {failure['phase']}" if failure.get("phase") else "pre-checks"
        return f"the run stopped in {where}: {failure['message']}"
    return default


def _phase(report: dict, number: int) -> dict | None:
    return next((phase for phase in report.get("phases") or [] if phase["number"] == number), None)


def _summary(title: str, report: dict, verdict: str) -> list[str]:
    lines = [f"# {title}", ""]
    lines += _table(["field", "value"], [
        ["result", verdict],
        ["exit code", report.get("exit_code")],
        ["outcome", report.get("outcome")],
        ["environment", report.get("environment")],
        ["run id", report.get("run_id")],
        ["started", report.get("started_at")],
        ["finished", report.get("finished_at")],
        ["duration", f"{report.get('seconds', 0):.3f} s"],
    ])
    if report.get("failure"):
        lines += ["", f"Stopped: {_why_not(report, '')}"]
    state = report.get("state")
    if state:
        lines += ["", f"State now: code {state.get('code')}; database {state.get('database')}; service {state.get('service')}"]
    return lines


def _code_section(previous: str | None, new: str | None, commits: list[str]) -> list[str]:
    lines = ["", "## Code", ""]
    lines += _table(["field", "value"], [["previous SHA", previous or "-"], ["new SHA", new or previous or "-"]])
    lines += ["", f"Commits ({len(commits)}, `git log --oneline previous..new`, the deploy's own artifact commit aside):", ""]
    lines += [f"- `{commit}`" for commit in commits] or ["- none (already up to date)"]
    return lines


def _backup_section(report: dict) -> list[str]:
    from .backup import read_checksum_files

    lines = ["", "## Backup", ""]
    backup = report.get("backup")
    if not backup:
        why = _not_run(_why_not(report, "no backup was taken"))
        return lines + _check_table([[why, name, "", "", ""] for name in ("backup file", "size", "md5", "sha256", "restore check")])
    path = Path(backup["path"])
    try:
        recorded_md5, recorded_sha256 = read_checksum_files(path)
    except Exception as error:  # noqa: BLE001 - shown as a failed check
        recorded_md5 = recorded_sha256 = f"unreadable: {error}"
    exists = path.is_file()
    size = path.stat().st_size if exists else None
    tool = "pg_restore --list" if backup.get("kind") == "postgresql" else "PRAGMA integrity_check"
    lines += _check_table([
        [PASS if exists else FAIL, "backup file", f"`{path}`", "exists", f"stat({path.name})"],
        [PASS if size == backup["size"] and size else FAIL, "size", f"{backup['size']} bytes", "> 0, equal to the file", f"stat: {size} bytes"],
        [PASS if recorded_md5 == backup["md5"] else FAIL, "md5", f"`{backup['md5']}`", f"{path.name}.md5",
         f"`md5sum -c {path.name}.md5` file holds {recorded_md5}"],
        [PASS if recorded_sha256 == backup["sha256"] else FAIL, "sha256", f"`{backup['sha256']}`", f"{path.name}.sha256",
         f"`sha256sum -c {path.name}.sha256` file holds {recorded_sha256}"],
        [PASS if backup.get("check") else _not_run("this backup predates the recorded check"), "restore check",
         backup.get("check") or "", "exit 0", f"{tool} run by phase 1 before the file was published"],
    ])
    return lines


def _module_changes(report: dict) -> tuple[list[list], list[str]]:
    before = (report.get("database_before") or {}).get("modules") or {}
    after = (report.get("database_after") or {}).get("modules") or {}
    modules = report.get("modules") or {}
    named = set(modules.get("installed") or []) | set(modules.get("upgraded") or [])
    rows = []
    for name in sorted(set(after) | named):
        old, new = before.get(name), after.get(name)
        if old == new and name not in named:
            continue
        change = "installed" if name in (modules.get("installed") or []) else "upgraded" if name in (modules.get("upgraded") or []) else "changed"
        rows.append([name, change, f"{old[0]} ({old[1]})" if old else "absent", f"{new[0]} ({new[1]})" if new else "absent"])
    applied_before = {tuple(row) for row in (report.get("database_before") or {}).get("migrations") or []}
    applied = [f"{app}.{name}" for app, name in (report.get("database_after") or {}).get("migrations") or []
               if (app, name) not in applied_before]
    return rows, applied


def _modules_section(report: dict) -> list[str]:
    lines = ["", "## Modules", ""]
    if report.get("database_after") is None:
        return lines + [_not_run(_why_not(report, "phase 3 did not run"))]
    if "error" in (report.get("database_after") or {}):
        return lines + [f"{FAIL} cannot read the modules after phase 3: {report['database_after']['error']}"]
    rows, applied = _module_changes(report)
    lines += ["Versions before → after phase 3 (`SELECT name, latest_version, state FROM ir_module_module`):", ""]
    lines += _table(["module", "change", "before", "after"], rows) if rows else ["No module changed."]
    lines += ["", "## Migrations applied", "",
              f"{len(applied)} migration(s) recorded by phase 3 (`SELECT app, name FROM django_migrations`, after minus before):", ""]
    lines += [f"- `{name}`" for name in applied] or ["- none"]
    risk = report.get("migrations")
    if risk and risk.get("migrations"):
        lines += ["", "Classification before the deploy (workos/ops/migration_risk.py):", ""]
        lines += _table(["migration", "compatible with the running code", "reasons"],
                        [[f"{m['module']}.{m['name']}", "yes" if m["compatible"] else "no", "; ".join(m["reasons"])] for m in risk["migrations"]])
    return lines


def _evidence(settings: DeploySettings, check: dict) -> str:
    template = CHECK_EVIDENCE.get(check["name"], check["name"])
    source = template.format(base_url=settings.base_url, log_tail=settings.log_tail, log_file=settings.config.log_file,
                             umbrella=settings.umbrella)
    return source + (f" — {check['detail']}" if check.get("detail") else "")


def _verification_section(settings: DeploySettings, verification: dict | None, why: str) -> list[str]:
    lines = ["", "## Verification", ""]
    if not verification:
        return lines + _check_table([[_not_run(why), "runtime verification", "", "", ""]])
    rows = []
    for check in verification["checks"]:
        if check["passed"]:
            status = PASS
        elif check["value"] is None:
            status = f"{FAIL} not measured"
        else:
            status = FAIL
        rows.append([status, check["description"], "" if check["value"] is None else check["value"], check["expected"],
                     _evidence(settings, check)])
    lines += _check_table(rows)
    lines += ["", f"{verification['failed_count']} failed of {len(verification['checks'])} in {verification['seconds']:.3f} s."]
    return lines


def _http_section(settings: DeploySettings, report: dict, verification: dict | None) -> list[str]:
    lines = ["", "## HTTP status codes", ""]
    rows = []
    login = next((c for c in (verification or {}).get("checks", []) if c["name"] == "http_login"), None)
    if login is None:
        rows.append([_not_run("verification did not run"), "GET /web/login", "", "200 or 303", ""])
    else:
        rows.append([PASS if login["passed"] else FAIL, "GET /web/login", login["value"], "200 or 303", f"{settings.base_url}/web/login"])
    health = report.get("health")
    if not health:
        rows.append([_not_run(_why_not(report, "no server was started")), "GET /web/health", "", "200", ""])
    else:
        rows.append([PASS if health.get("healthy") and health.get("status") == 200 else FAIL, "GET /web/health", health.get("status"), "200",
                     f"{settings.base_url}/web/health after {health.get('seconds', 0)} s: {health.get('detail', '')}"])
    return lines + _check_table(rows)


def critical_lines(log_file: Path, tail: int) -> list[str]:
    from .verify import CRITICAL_LINE
    from collections import deque

    with open(log_file, "r", encoding="utf-8", errors="replace") as stream:
        last = deque(stream, maxlen=tail)
    return [line.rstrip() for line in last if CRITICAL_LINE.search(line)]


def _log_section(settings: DeploySettings, verification: dict | None) -> list[str]:
    lines = ["", "## Server log", ""]
    log_file = settings.config.log_file
    check = next((c for c in (verification or {}).get("checks", []) if c["name"] == "log_errors"), None)
    if check is None:
        return lines + _check_table([[_not_run("verification did not run"), "critical lines in the server log", "", "", str(log_file)]])
    lines += _check_table([[PASS if check["passed"] else FAIL, "critical lines in the server log", check["value"], check["expected"],
                            _evidence(settings, check)]])
    try:
        found = critical_lines(log_file, settings.log_tail)
    except OSError as error:
        return lines + ["", f"First lines: cannot read {log_file}: {error.strerror}"]
    lines += ["", f"First critical lines now in the last {settings.log_tail} lines of `{log_file}` ({len(found)} found):", ""]
    lines += ["```", *[line[:300] for line in found[:FIRST_LOG_LINES]], "```"] if found else ["- none"]
    return lines


def _artifacts_section(settings: DeploySettings, report: dict) -> list[str]:
    import hashlib

    lines = ["", "## Artifacts", ""]
    artifacts = report.get("artifacts") or []
    if not artifacts:
        phase = _phase(report, 5)
        why = "; ".join(phase["details"]) if phase and phase["details"] else _why_not(report, "phase 5 did not run")
        return lines + _check_table([[_not_run(why), "snapshot artifacts", "", "", ""]])
    rows = []
    for artifact in artifacts:
        path = settings.repo_root / artifact["path"]
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            size = path.stat().st_size
            rows.append([PASS if size == artifact["size"] else FAIL, artifact["path"], f"{artifact['size']} bytes", "written by phase 5",
                         f"stat: {size} bytes; sha256 {digest}"])
        else:
            rows.append([FAIL, artifact["path"], f"{artifact['size']} bytes", "written by phase 5", "the file is gone"])
    lines += _check_table(rows)
    commit = report.get("artifact_commit")
    lines += ["", f"Artifact commit: `{commit}`" if commit else "Artifact commit: none", f"Pushed: {'yes' if report.get('pushed') else 'no'}"]
    return lines


def _timings_section(report: dict, phases: list[dict] | None = None) -> list[str]:
    lines = ["", "## Phase timings", ""]
    phases = report.get("phases") if phases is None else phases
    rows = [[phase["number"], phase["name"], phase["status"], f"{phase['seconds']:.3f}", "; ".join(phase["details"])[:400]] for phase in phases or []]
    lines += _table(["#", "phase", "status", "seconds", "details"], rows) if rows else ["No phase ran."]
    lines += ["", f"Total: {report.get('seconds', 0):.3f} s."]
    return lines


def _switch_section(settings: DeploySettings, report: dict, switch: dict | None) -> list[str]:
    lines = ["", "## Unavailability during the switch", ""]
    if report.get("downtime"):
        lines += [f"Announced before the deploy: {report['downtime']}", ""]
    seen = (switch or {}).get("unavailability")
    if not seen:
        if settings.switch != "nginx":
            why = ('[deploy] switch = "restart": no prober runs; the server was down from its stop until /web/health answered '
                   f"({(report.get('health') or {}).get('seconds', '?')} s after the start)")
        else:
            why = _why_not(report, "no switch happened")
        return lines + _check_table([[_not_run(why), "failed requests through nginx during the switch", "", "0", ""]])
    lines += _check_table([
        [PASS if seen["failed"] == 0 else FAIL, "failed requests through nginx during the switch", seen["failed"], "0",
         f"{seen['requests']} GET {seen['url']} sampled by the deploy's prober; {seen['maintenance_503']} maintenance 503"],
        [PASS if seen["failed"] == 0 else FAIL, "longest stretch without a good answer", f"{seen['longest_unavailable_seconds']:.3f} s",
         "no failed request", "first bad answer to the next good one"],
    ])
    return lines


# --- the three kinds ------------------------------------------------------------------------------------------


def render_deploy(settings: DeploySettings, report: dict) -> str:
    code = report.get("exit_code")
    from .exit_codes import WATCH_BREACH

    # "auto_rollback" is the option (True/False) until an automatic rollback ran, then its outcome.
    automatic = report.get("auto_rollback") if isinstance(report.get("auto_rollback"), dict) else None
    rolled_back = (automatic or {}).get("ok") or (report.get("watch_rollback") or {}).get("ok")
    verdict = ("SUCCESS" if code == 0 else "ROLLED BACK" if rolled_back
               else "DEPLOYED, WATCH BREACHED" if code == WATCH_BREACH else "FAILED")
    lines = _summary(f"Deployment report — {report['environment']} — {report.get('finished_at')}", report, verdict)
    lines += _code_section(report.get("previous_sha"), report.get("new_sha"), report.get("commits") or [])
    lines += _backup_section(report)
    lines += _modules_section(report)
    verification = report.get("verification")
    lines += _verification_section(settings, verification, _why_not(report, "phase 4 did not run"))
    lines += _http_section(settings, report, verification)
    lines += _log_section(settings, verification)
    lines += _artifacts_section(settings, report)
    lines += _timings_section(report)
    lines += _switch_section(settings, report, report.get("switch"))
    if automatic:
        rollback = automatic
        lines += ["", "## Automatic rollback", "", f"{'ok' if rollback.get('ok') else 'FAILED: ' + str(rollback.get('error'))}", ""]
        lines += _table(["step", "seconds"], [[s.get("step"), s.get("seconds")] for s in rollback.get("steps") or []])
    if report.get("watch"):
        lines += _watch_section(settings, report["watch"])
    if report.get("watch_rollback"):
        lines += _watch_rollback_section(report)
    lines += ["", "## Rollback command", ""]
    if (report.get("watch_rollback") or {}).get("ok"):
        lines += ["Already run after the watch breach (above); the rollback point is used up."]
    elif report.get("rollback_command"):
        lines += ["```", report["rollback_command"], "```", "",
                  "It returns the code to the previous SHA and restores the backup above (its md5 and sha256 are checked first)."]
    else:
        lines += [_not_run(_why_not(report, "no backup was taken, so there is no rollback point"))]
    lines += ["", "## Logs kept", ""] + ([f"- `{log}`" for log in report.get("logs") or []] or ["- none"])
    return "\n".join(lines) + "\n"


def _watch_section(settings: DeploySettings, watch: dict) -> list[str]:
    """``--watch``: every check, and the measures of the breaching check (or the last one) with their evidence."""
    lines = ["", "## Post-deploy watch", ""]
    checks = watch["checks"]
    lines += [f"{len(checks)} check(s) in {watch['seconds']:.1f} s of the {watch['duration_seconds']:.0f} s asked, one every "
              f"{watch['interval_seconds']:.0f} s against [watch] (the `workos watch` checks); journal `{watch['journal']}`.", ""]
    lines += _table(["at", "result", "breaches", "alerts"],
                    [[c["at"], "ok" if c["ok"] else FAIL, ", ".join(c["breaches"]) or "none",
                      "; ".join(f"{a['channel']} {'sent' if a['ok'] else 'FAILED'}: {a['detail']}" for a in c.get("alerts") or []) or "-"]
                     for c in checks])
    shown = watch["breach"] or checks[-1]
    lines += ["", f"Measures of the {'breaching' if watch['breach'] else 'last'} check ({shown['at']}):", ""]
    rows = []
    for measure in shown["measures"]:
        value = measure["value"]
        if measure["breached"]:
            status = FAIL if value is not None else f"{FAIL} not measured"
        elif value is None or value == "not measured":
            status = _not_run(measure["detail"] or "not measured")
        else:
            status = PASS
        rows.append([status, measure["name"], "" if value is None else value, measure["threshold"], measure["detail"]])
    lines += _check_table(rows)
    if shown.get("errors"):
        lines += ["", "New log errors by fingerprint:", ""]
        lines += [f"- `{g['fingerprint']}` × {g['count']}: `{g['first']}`" for g in shown["errors"][:FIRST_LOG_LINES]]
    return lines


def _watch_rollback_section(report: dict) -> list[str]:
    """The automatic rollback after a watch breach, with what was read after it."""
    rollback = report["watch_rollback"]
    evidence = rollback["evidence"]
    lines = ["", "## Rollback after the watch", ""]
    lines += [f"{'Done' if rollback['ok'] else 'FAILED'}: `workos rollback` run {rollback.get('run_id') or '-'} (exit "
              f"{rollback['exit_code']}: {rollback['outcome']}); its report `{rollback.get('report_file') or '-'}`.",
              f"Database {'restored from the phase 1 backup' if rollback['restore_db'] else 'kept'}: {rollback['restore_reason']}.", ""]
    head_ok = evidence["head"] == evidence["expected_head"]
    modules, expected = evidence.get("modules"), evidence.get("expected_modules")
    differing = sorted(name for name in set(modules or {}) | set(expected or {}) if (modules or {}).get(name) != (expected or {}).get(name))
    verification = rollback.get("verification")
    rows = [
        [PASS if head_ok else FAIL, "code back at the previous SHA", evidence["head"], evidence["expected_head"],
         "`git rev-parse HEAD` in [deploy] repo_root after the rollback"],
    ]
    if modules is None or expected is None:
        rows.append([_not_run("the module table could not be read before phase 3 or after the rollback"),
                     "module versions as before the deploy", "", "", ""])
    elif not rollback["restore_db"]:
        rows.append([_not_run("the database was kept: the deploy changed no module version"), "module versions as before the deploy",
                     f"{len(differing)} module(s) differ", "0", "SELECT name, latest_version, state FROM ir_module_module"])
    else:
        rows.append([PASS if not differing else FAIL, "module versions as before the deploy",
                     f"{len(differing)} module(s) differ" + (f": {', '.join(differing[:10])}" if differing else ""), "0",
                     "SELECT name, latest_version, state FROM ir_module_module after the rollback, compared with the same "
                     f"read before phase 3 ({len(expected)} module(s))"])
    if verification:
        rows.append([PASS if verification["failed_count"] == 0 else FAIL, "runtime verification after the rollback",
                     f"{verification['failed_count']} failed of {len(verification['checks'])}", "0 failed", "the checks of `workos verify`"])
    else:
        rows.append([_not_run(rollback["outcome"]), "runtime verification after the rollback", "", "0 failed", ""])
    lines += _check_table(rows)
    steps = rollback.get("steps") or []
    if steps:
        lines += ["", "Steps:", ""]
        lines += _table(["step", "status", "seconds", "detail"],
                        [[s.get("step"), PASS if s.get("ok") else FAIL, s.get("seconds"), s.get("detail", "")] for s in steps])
    return lines


def render_rollback(settings: DeploySettings, report: dict) -> str:
    code = report.get("exit_code")
    lines = _summary(f"Rollback report — {settings.environment} — {report.get('finished_at')}", report,
                     "SUCCESS" if code == 0 else "REFUSED" if code == 10 else "FAILED")
    commits = []
    if report.get("from_sha") and report.get("to_sha"):
        from .gitrepo import GitRepo

        try:
            commits = GitRepo(settings.repo_root).commits_between(report["to_sha"], report["from_sha"])
        except Exception:  # noqa: BLE001 - an unknown SHA leaves the list empty
            commits = []
    lines += ["", "## Code", ""]
    lines += _table(["field", "value"], [["previous SHA (before the rollback)", report.get("from_sha") or "-"],
                                         ["new SHA (after the rollback)", report.get("to_sha") or "-"]])
    lines += ["", f"Commits undone ({len(commits)}, `git log --oneline new..previous`):", ""]
    lines += [f"- `{commit}`" for commit in commits] or ["- none"]
    lines += ["", "## Database", ""]
    if report.get("backup"):
        from .backup import file_checksums

        path = Path(report["backup"])
        if path.is_file():
            md5, sha256 = file_checksums(path)
            lines += _check_table([[PASS, "restored backup", f"`{path}`", "checksums match .deploy_snapshot",
                                    f"{path.stat().st_size} bytes; md5 {md5}; sha256 {sha256}"]])
        else:
            lines += _check_table([[FAIL, "restored backup", f"`{path}`", "exists", "the file is gone"]])
    else:
        lines += [_not_run("the database was kept as it is (no --restore-db, or the deploy never touched it)")]
    lines += ["", "## Steps", ""]
    steps = report.get("steps") or []
    lines += _table(["step", "status", "seconds", "detail"],
                    [[s.get("step"), PASS if s.get("ok") else FAIL, s.get("seconds"), s.get("detail", "")] for s in steps]) if steps else \
        [_not_run(report.get("outcome") or "nothing was done")]
    verification = report.get("verification")
    lines += _verification_section(settings, verification, report.get("outcome") or "the rollback stopped before it")
    lines += _log_section(settings, verification)
    lines += _switch_section(settings, {"health": None}, report.get("switch"))
    lines += ["", "## Undoes", "", f"Deploy run {report.get('undoes') or '-'}" + (f"; {report['nothing_to_undo']}" if report.get("nothing_to_undo") else "")]
    return "\n".join(lines) + "\n"


def _table_sizes(settings: DeploySettings, modules: list[str]) -> list[list]:
    """Rows and bytes of the tables of the modules whose migrations are pending (tables named after the module)."""
    from .database import Database, DatabaseError

    database = Database(settings.config.database_url)
    rows = []
    try:
        if database.kind == "sqlite":
            tables = [r[0] for r in database.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            sizes = {}
        else:
            found = database.query("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname")
            tables = [name for name, _ in found]
            sizes = dict(found)
        for table in tables:
            if any(table == module or table.startswith(module + "_") for module in modules):
                count = database.query(f'SELECT count(*) FROM "{table}"')[0][0]
                rows.append([table, count, f"{sizes[table]} bytes" if table in sizes else "n/a (SQLite)"])
    except DatabaseError as error:
        return [[f"cannot read the database: {error}", "", ""]]
    return rows


def _expected_downtime(settings: DeploySettings, report: dict) -> str:
    from . import history

    risk = report.get("migrations") or {}
    if settings.switch == "nginx" and risk.get("compatible", True):
        return "none expected: blue/green switch behind nginx (every pending migration is compatible with the running code)"
    past = [run["phases"]["Install/upgrade modules"] for run in history.read(settings.history_file)
            if run.get("kind") == "deploy" and run.get("result") == "success" and "Install/upgrade modules" in (run.get("phases") or {})]
    kind = "maintenance window (nginx 503 page)" if settings.switch == "nginx" else "server stopped during phase 3 ([deploy] switch = \"restart\")"
    if not past:
        return f"{kind}; no successful deploy in {settings.history_file} to estimate its length from"
    return (f"{kind}; phase 3 of the {len(past)} successful deploy(s) in the history took median {statistics.median(past):.1f} s "
            f"(min {min(past):.1f} s, max {max(past):.1f} s)")


def render_dry_run(settings: DeploySettings, report: dict) -> str:
    from .backup import human_size

    code = report.get("exit_code")
    lines = _summary(f"Deployment risk assessment (dry run) — {report['environment']} — {report.get('finished_at')}", report,
                     "WOULD DEPLOY" if code == 0 else "WOULD BE REFUSED")
    lines += ["", "Nothing was changed: no lock, no backup, no checkout, no module run (`git fetch` updates only the remote-tracking branch)."]
    plan = report.get("plan")
    commits = report.get("commits") or []
    if plan is None and report.get("previous_sha") and report.get("target_sha"):
        # the pre-checks stopped before listing them: git lists them read-only
        from .gitrepo import GitError, GitRepo

        try:
            commits = GitRepo(settings.repo_root).commits_between(report["previous_sha"], report["target_sha"])
        except GitError:
            commits = []
    lines += _code_section(report.get("previous_sha"), report.get("target_sha"), commits)
    lines += ["", "## What would change", ""]
    if plan:
        lines += [f"- modules to install: {', '.join(plan['to_install']) or 'none'}",
                  f"- modules to upgrade: {', '.join(plan['to_upgrade']) or 'none'}",
                  f"- backup would be written to: `{report.get('backup_path')}`",
                  f"- service ({settings.service}): {(report.get('service') or {}).get('detail', '?')}"]
    else:
        lines += [_not_run(_why_not(report, "the module plan was not made"))]
    risk = report.get("migrations")
    lines += ["", "## Migrations (classification)", ""]
    if risk is None:
        lines += [_not_run(_why_not(report, "the migrations were not read"))]
    elif not risk["migrations"]:
        lines += ["No pending migration."]
    else:
        lines += _table(["migration", "compatible with the running code", "reasons"],
                        [[f"{m['module']}.{m['name']}", "yes" if m["compatible"] else "no", "; ".join(m["reasons"])] for m in risk["migrations"]])
    lines += ["", "## Tables touched", ""]
    modules = sorted({m["module"] for m in (risk or {}).get("migrations", [])})
    if risk is None:
        lines += [_not_run(_why_not(report, "the migrations were not read"))]
    elif not modules:
        lines += ["No table: no pending migration."]
    else:
        sizes = _table_sizes(settings, modules)
        lines += [f"Tables of {', '.join(modules)} (`SELECT count(*) FROM <table>`; PostgreSQL: `pg_total_relation_size`):", ""]
        lines += _table(["table", "rows", "size"], sizes) if sizes else ["No table yet (the modules are not installed)."]
    lines += ["", "## Expected downtime", "", _expected_downtime(settings, report)]
    lines += ["", "## Room for the backup", ""]
    room = report.get("backup_room")
    if room:
        lines += _check_table([[PASS if room["free"] >= room["needed"] else FAIL, "free disk in backup_dir", f"{room['free']} bytes ({human_size(room['free'])})",
                                f">= {room['needed']} bytes ({human_size(room['needed'])})",
                                f"shutil.disk_usage({room['backup_dir']}); needed = database size x 1.1 + 1 MiB"]])
    else:
        lines += _check_table([[_not_run(_why_not(report, "not checked")), "free disk in backup_dir", "", "", ""]])
    blockers = []
    if report.get("failure"):
        blockers.append(report["failure"]["message"])
    lock = report.get("lock") or ""
    if lock and lock != "free" and lock not in " ".join(blockers):
        blockers.append(f"deploy lock: {lock}")
    lines += ["", "## Blockers", ""]
    lines += [f"- {blocker}" for blocker in blockers] or ["- none found (clean tree, fast-forward possible, required modules present, room for the backup)"]
    return "\n".join(lines) + "\n"

