"""``workos deploy --watch DURATION [--auto-rollback]``: keep watching a deploy that succeeded.

After the seven phases pass, the site is checked with ``workos watch``'s checks (``watch.Watcher``: the same
measures, thresholds of ``[watch]``, journal and alerts) every ``[watch] interval`` for DURATION. Log lines
written before the watch starts are not counted again: the deploy's own verification judged them.

The first check with a breach ends the watch. With ``--auto-rollback`` the deploy is undone through the same
code path as ``workos rollback`` (``rollback.run_rollback``: lock, rollback point proven from the deploy history,
checksums, stop, checkout, restore, start, verify, its own history record and report), told which deploy it
must undo, so it refuses a rollback point or a history whose last deploy is another run. The database is
restored only when the deploy changed it (module versions or migrations differ before and after phase 3):
otherwise rows written since the deploy would be lost for nothing. Without ``--auto-rollback`` the run exits
``WATCH_BREACH`` and the new code stays. Either way the deploy's history record and its Markdown report are
updated with the watch, the breach and its evidence, and the rollback with its evidence (git HEAD and the
module versions read after it).
"""

from __future__ import annotations

import time
from pathlib import Path

from . import exit_codes, history
from .database import Database
from .gitrepo import GitRepo
from .narration import Narrator
from .settings import DeploySettings
from .watch import Watcher, parse_duration


def database_changed(report: dict) -> bool:
    """Whether phase 3 changed module versions/states or applied migrations (what a restore would undo)."""
    before, after = report.get("database_before") or {}, report.get("database_after") or {}
    if "error" in before or "error" in after or not after:
        return True  # unknown: restoring the verified backup is the safe way back
    return before.get("modules") != after.get("modules") or before.get("migrations") != after.get("migrations")


def watch_after_deploy(settings: DeploySettings, report: dict, seconds: float, auto_rollback: bool, narrator: Narrator) -> dict:
    """Watch, then roll back or report; updates ``report`` (and its history record and Markdown file) in place."""
    from .deploy import database_state

    watcher = Watcher(settings)
    every = parse_duration(settings.config.values["watch"]["interval"])
    watcher.skip_log_to_end()
    narrator.line("")
    narrator.heading(f"Watching {settings.base_url} for {seconds:.0f}s after the deploy: a check every {every:.0f}s "
                     f"against [watch] ({watcher.journal})")
    started = time.monotonic()
    results = []
    while True:
        result = watcher.check()
        results.append(result)
        breached = ", ".join(f"{m.name} {m.value} (threshold {m.threshold})" for m in result.breaches)
        narrator.note(f"check {len(results)} at {result.at}: {'BREACH ' + breached if result.breaches else 'ok'}")
        for alert in result.alerts:
            narrator.note(f"alert {alert['channel']} {'sent' if alert['ok'] else 'FAILED'}: {alert['detail']}")
        if result.breaches or time.monotonic() - started + every > seconds:
            break
        time.sleep(every)
    breach = results[-1] if results[-1].breaches else None
    report["watch"] = {
        "duration_seconds": seconds, "interval_seconds": every, "seconds": round(time.monotonic() - started, 3),
        "checks": [r.as_dict() for r in results], "journal": str(watcher.journal),
        "breach": breach.as_dict() if breach else None, "auto_rollback": auto_rollback,
    }
    if breach is None:
        narrator.note(f"watch: {len(results)} check(s), no breach")
        _record(settings, report, report["exit_code"], "success")
        return report
    narrator.error(f"watch: threshold breached after the deploy: {', '.join(m.name for m in breach.breaches)}")
    if not auto_rollback:
        report["state"] = {"code": f"at {report['new_sha']}", "database": "upgraded",
                           "service": f"running, breached: {', '.join(m.name for m in breach.breaches)}"}
        _record(settings, report, exit_codes.WATCH_BREACH, "watch breach")
        return report

    from .rollback import run_rollback

    restore = database_changed(report)
    narrator.line("")
    narrator.heading(f"Automatic rollback of deploy {report['run_id']} (watch breach: {', '.join(m.name for m in breach.breaches)})")
    rollback = run_rollback(settings, None, restore, False, narrator, expected_deploy=report["run_id"])
    state = database_state(Database(settings.config.database_url)) or {}
    head = GitRepo(settings.repo_root).head_sha()
    before_modules = (report.get("database_before") or {}).get("modules")
    report["watch_rollback"] = {
        "ok": rollback["exit_code"] == 0, "exit_code": rollback["exit_code"], "outcome": rollback["outcome"],
        "run_id": rollback.get("run_id"), "report_file": rollback.get("report_file"), "restore_db": rollback.get("restore_db", restore),
        "restore_reason": ("phase 3 changed module versions or migrations" if restore
                           else "phase 3 changed no module version and applied no migration: the database is kept"),
        "steps": rollback.get("steps") or [], "verification": rollback.get("verification"),
        "evidence": {"head": head, "expected_head": report["previous_sha"],
                     "modules": state.get("modules"), "expected_modules": before_modules},
    }
    if rollback["exit_code"] == 0:
        code, result = exit_codes.ROLLED_BACK, "rolled back"
        report["state"] = {"code": f"back at {report['previous_sha']}",
                           "database": "restored from the phase 1 backup" if report["watch_rollback"]["restore_db"] else "kept (the deploy did not change it)",
                           "service": "running the previous code, verified"}
    else:
        code, result = exit_codes.ROLLBACK_FAILED, "failed"
        report["state"] = {"code": f"at {head}", "database": "uncertain: check it",
                           "service": f"uncertain: the rollback ended with exit {rollback['exit_code']}: {rollback['outcome']}"}
    _record(settings, report, code, result)
    return report


def _record(settings: DeploySettings, report: dict, code: int, result: str) -> None:
    """The watch in the deploy's history record and Markdown report (rewritten in place)."""
    from .report import write_deploy_report

    report["exit_code"] = code
    report["outcome"] = exit_codes.describe(code)
    watch = report["watch"]
    history.append(settings.history_file, {
        "id": report["run_id"], "result": result, "exit_code": code,
        "watch": {"checks": len(watch["checks"]), "seconds": watch["seconds"], "journal": watch["journal"],
                  "breaches": (watch["breach"] or {}).get("breaches") or []},
        "rolled_back_by": (report.get("watch_rollback") or {}).get("run_id"),
    })
    if report.get("report_file"):
        write_deploy_report(settings, report, "", path=Path(report["report_file"]))
