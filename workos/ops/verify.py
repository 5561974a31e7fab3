"""Runtime verification: what ``workos verify`` and deploy phase 4 check (docs/DEPLOYMENT_VERIFICATION_MATRIX.md).

The checks talk to the live system — HTTP on ``[deploy] base_url``, the tail of ``[server] log_file``, and the
registry tables read straight from the database — and one compares it with the checkout: the code the server
says it runs (``/web/health``), the code checked out in ``[deploy] repo_root`` and the module versions the
database records must agree. The number of failed checks is the exit code.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from .database import Database, DatabaseError
from .settings import DeploySettings

CRITICAL_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback \(most recent call last\)")
STUCK_STATES = ("to install", "to upgrade", "to remove")


@dataclass
class Check:
    name: str
    description: str
    passed: bool
    value: object
    expected: str
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    @property
    def failed_count(self) -> int:
        return len(self.failed)

    def value(self, name: str):
        return next((check.value for check in self.checks if check.name == name), None)

    def as_dict(self) -> dict:
        return {
            "passed": self.failed_count == 0,
            "failed_count": self.failed_count,
            "seconds": round(self.seconds, 3),
            "checks": [check.as_dict() for check in self.checks],
        }


def count_critical_lines(log_file: Path, tail: int) -> tuple[int, list[str]]:
    """Critical lines (ERROR, CRITICAL, Traceback) among the last ``tail`` lines; and up to 3 of them."""
    with open(log_file, "r", encoding="utf-8", errors="replace") as stream:
        last = deque(stream, maxlen=tail)
    found = [line.rstrip() for line in last if CRITICAL_LINE.search(line)]
    return len(found), found[-3:]


def check_login(base_url: str) -> Check:
    expected = "200 or 303"
    try:
        response = httpx.get(base_url + "/web/login", timeout=10, follow_redirects=False, trust_env=False)
    except httpx.HTTPError as error:
        return Check("http_login", "GET /web/login answers", False, None, expected, f"{base_url}/web/login: {type(error).__name__}: {error}")
    passed = response.status_code in (200, 303)
    return Check("http_login", "GET /web/login answers", passed, response.status_code, expected, f"{base_url}/web/login")


def check_log(settings: DeploySettings) -> Check:
    log_file = settings.config.log_file
    expected = f"< {settings.max_log_errors} in the last {settings.log_tail} lines"
    if not log_file.is_file():
        return Check("log_errors", "critical lines in the server log", False, None, expected, f"{log_file} does not exist")
    count, samples = count_critical_lines(log_file, settings.log_tail)
    detail = str(log_file) + ("; last: " + " | ".join(sample[:200] for sample in samples) if samples else "")
    return Check("log_errors", "critical lines in the server log", count < settings.max_log_errors, count, expected, detail)


def check_database(settings: DeploySettings, database: Database) -> list[Check]:
    names = [
        ("modules_installed", "ipai_% modules installed", f">= {settings.min_installed}"),
        ("umbrella_installed", f"umbrella {settings.umbrella} installed", "installed"),
        ("models_registered", "ipai.workos.% models in ir_model", "> 0"),
        ("no_module_stuck", "no module left in to install / to upgrade / to remove", "0"),
    ]
    try:
        if not database.has_table("ir_module_module"):
            raise DatabaseError(f"{database.display()} has no ir_module_module table: WorkOS was never installed there")
        installed = database.query("SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name LIKE 'ipai\\_%%' ESCAPE '\\'")[0][0]
        umbrella = database.query("SELECT state FROM ir_module_module WHERE name = %s", (settings.umbrella,))
        models = database.query("SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%%'")[0][0]
        stuck = database.query("SELECT name, state FROM ir_module_module WHERE state IN ('to install', 'to upgrade', 'to remove') ORDER BY name")
    except DatabaseError as error:
        return [Check(name, description, False, None, expected, str(error)) for name, description, expected in names]
    umbrella_state = umbrella[0][0] if umbrella else "absent"
    return [
        Check("modules_installed", names[0][1], installed >= settings.min_installed, installed, names[0][2]),
        Check("umbrella_installed", names[1][1], umbrella_state == "installed", umbrella_state, names[1][2]),
        Check("models_registered", names[2][1], models > 0, models, names[2][2]),
        Check("no_module_stuck", names[3][1], not stuck, len(stuck), names[3][2], ", ".join(f"{n} ({s})" for n, s in stuck)),
    ]


def check_code_consistent(settings: DeploySettings, database: Database) -> Check:
    """Running server vs checked-out code vs the database's module versions (e.g. a deploy that died between
    its pull and its restart leaves the old server running over new code)."""
    from workos.kernel.addons import scan_addons

    from .gitrepo import GitError, GitRepo

    name, description, expected = "code_consistent", "running server, checkout and database agree", "same code and module versions"
    try:
        response = httpx.get(settings.base_url + "/web/health", timeout=10, trust_env=False)
        running = response.json()["code"]
        revision, server_modules = running["revision"], running["modules"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        return Check(name, description, False, None, expected, f"{settings.base_url}/web/health did not say which code it runs: {type(error).__name__}")
    problems = []
    repo = GitRepo(settings.repo_root)
    try:
        checkout = repo.head_sha()
    except GitError as error:
        checkout = None
        problems.append(f"cannot read the checkout: {error}")
    if revision and checkout and revision != checkout:
        if not repo.has_commit(revision):
            problems.append(f"the server runs {revision[:12]}, unknown to the checkout at {checkout[:12]}")
        else:
            changed = repo.run("diff", "--name-only", revision, checkout).stdout.split()
            code = [path for path in changed if not path.startswith("docs/")]  # the deploy's own artifact commits
            if code:
                problems.append(f"the server runs {revision[:12]} but the checkout is at {checkout[:12]} ({len(code)} code file(s) "
                                "differ): restart the service, or finish the deploy")
    try:
        recorded = dict(database.query("SELECT name, latest_version FROM ir_module_module WHERE state = 'installed'"))
    except DatabaseError as error:
        return Check(name, description, False, (revision or "?")[:12], expected, f"cannot read module versions: {error}")
    configured = [Path(folder) for folder in settings.config.values["addons"]["path"]]
    folders = [folder if folder.is_absolute() else settings.repo_root / folder for folder in configured]
    checked_out = scan_addons([*folders, settings.repo_root / "addons"]).modules
    for module, version in sorted(recorded.items()):
        served = server_modules.get(module)
        on_disk = checked_out[module].version if module in checked_out else None
        if served != version:
            problems.append(f"{module}: database {version}, server {served or 'not loaded'}")
        if on_disk != version:
            problems.append(f"{module}: database {version}, checkout {on_disk or 'absent'}")
    detail = "; ".join(problems[:6]) + (f" and {len(problems) - 6} more" if len(problems) > 6 else "")
    if not problems and not revision:
        detail = "module versions agree; the server's revision is unknown (no .git: set WORKOS_CODE_REVISION in the image)"
    return Check(name, description, not problems, (revision or "unknown")[:12], expected, detail or f"checkout {checkout[:12] if checkout else '?'}")


def check_upstream_servers(settings: DeploySettings) -> Check:
    """Behind nginx ([deploy] switch = "nginx"): every server in the upstream file is in rotation and answers
    /web/health on its own address with the checked-out revision (base_url reaches only one of them)."""
    from .gitrepo import GitError, GitRepo
    from .traffic import Nginx

    name, description = "upstream_servers", "every server behind nginx serves the checkout"
    expected = "all in rotation, healthy, at the checkout's SHA"
    upstream = Nginx(settings).read()
    if not upstream.servers:
        return Check(name, description, False, 0, expected, "the upstream file lists no server")
    repo = GitRepo(settings.repo_root)
    try:
        checkout = repo.head_sha()
    except GitError:
        checkout = None

    def same_code(revision: str) -> bool:
        if revision == checkout or not repo.has_commit(revision):
            return revision == checkout
        changed = repo.run("diff", "--name-only", revision, checkout).stdout.split()
        return all(path.startswith("docs/") for path in changed)  # the deploy's own artifact commits

    problems = []
    if upstream.maintenance:
        problems.append("the maintenance page is on")
    good = 0
    for address, down in upstream.servers.items():
        if down:
            problems.append(f"{address} is out of the upstream (down)")
            continue
        try:
            response = httpx.get(f"http://{address}/web/health", timeout=10, trust_env=False)
            revision = response.json()["code"]["revision"] if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{address}: {type(error).__name__}")
            continue
        if response.status_code != 200:
            problems.append(f"{address}: /web/health answered {response.status_code}")
        elif checkout and revision and not same_code(revision):
            problems.append(f"{address} runs {revision[:12]}, the checkout is at {checkout[:12]}")
        else:
            good += 1
    value = f"{good} of {len(upstream.servers)}"
    return Check(name, description, not problems, value, expected, "; ".join(problems) or ", ".join(upstream.servers))


def run_verification(settings: DeploySettings) -> Verification:
    started = time.monotonic()
    verification = Verification()
    verification.checks.append(check_login(settings.base_url))
    verification.checks.append(check_log(settings))
    database = Database(settings.config.database_url)
    verification.checks.extend(check_database(settings, database))
    verification.checks.append(check_code_consistent(settings, database))
    if settings.switch == "nginx":
        verification.checks.append(check_upstream_servers(settings))
    verification.seconds = time.monotonic() - started
    return verification


def render(verification: Verification, console) -> None:
    """The human table (rich)."""
    from rich.table import Table

    table = Table(title="Runtime verification", title_justify="left")
    for column in ("check", "result", "value", "expected", "detail"):
        table.add_column(column, overflow="fold")
    for check in verification.checks:
        result = "[green]pass[/green]" if check.passed else "[red]FAIL[/red]"
        table.add_row(check.description, result, "" if check.value is None else str(check.value), check.expected, check.detail)
    console.print(table)
    summary = "all checks passed" if not verification.failed_count else f"{verification.failed_count} check(s) failed"
    console.print(f"{summary} in {verification.seconds:.2f}s")
