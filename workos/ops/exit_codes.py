"""Exit codes of ``workos deploy``, ``workos verify``, ``workos rollback``, ``workos backup`` and ``workos restore``.

1 to 9 are the number of failed verifications, so the codes that mean "stopped before verifying" start at 10.
Click's own usage errors would exit 2 — the same as "two checks failed" — so these commands map them to
``USAGE`` (18) instead.
"""

from __future__ import annotations

OK = 0
REFUSED = 10
INSTALL_ABORTED = 11
LOCKED = 12
BACKUP_FAILED = 13
ROLLED_BACK = 14
ROLLBACK_FAILED = 15
ARTIFACTS_FAILED = 16
PUBLISH_FAILED = 17
USAGE = 18
WATCH_BREACH = 19

DESCRIPTIONS = {
    OK: "deployed and every verification passed",
    1: "1 to 9: that many verifications failed; the new code stays deployed (see the summary)",
    REFUSED: "refused before phase 3: code, database and service unchanged (dirty tree, diverged history, "
    "missing or invalid module, nothing to restore ...)",
    INSTALL_ABORTED: "aborted in phase 3 (module install/upgrade): code at the new SHA, the failed module run rolled "
    "back, service stopped; run `workos rollback --restore-db`",
    LOCKED: "another deploy or rollback holds the lock, or a stale lock needs --break-stale-lock; nothing changed",
    BACKUP_FAILED: "phase 1 could not write a verified backup (no room, dump or check failed); nothing changed",
    ROLLED_BACK: "failed (or breached a [watch] threshold during --watch), and --auto-rollback restored the previous SHA "
    "and database, restarted and re-verified",
    ROLLBACK_FAILED: "failed, and the automatic rollback failed too: act by hand (the summary says where it stopped)",
    ARTIFACTS_FAILED: "phase 5 (snapshot artifacts) failed; the deployment itself verified",
    PUBLISH_FAILED: "phase 6 or 7 (commit or push of the artifacts) failed; the deployment itself verified; fix the "
    "cause and run `workos deploy` again: it pushes (or rebases) the artifact commit left behind",
    USAGE: "wrong command line or configuration",
    WATCH_BREACH: "deployed and verified, but --watch saw a [watch] threshold breached (named in the report); the new "
    "code stays deployed: run `workos rollback --restore-db`, or add --auto-rollback next time",
}


def describe(code: int) -> str:
    if 1 <= code <= 9:
        return f"{code} verification(s) failed"
    return DESCRIPTIONS.get(code, "unknown")


def help_table() -> str:
    """The exit code table for command help texts (click keeps lines after a \\b marker as they are)."""
    lines = ["\b", "Exit codes:"]
    for code, text in DESCRIPTIONS.items():
        label = "1-9" if code == 1 else str(code)
        lines.append(f"  {label:>3}  {text}")
    return "\n".join(lines)
