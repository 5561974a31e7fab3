"""Database backups a rollback can trust: written aside, proven readable, checksummed, then published.

PostgreSQL is dumped with ``pg_dump -Fc`` and proven readable with ``pg_restore --list``; SQLite is copied
with its online backup API and proven with ``PRAGMA integrity_check``. A dump is written to ``NAME.partial``
and renamed only once it is verified, so a file named ``*.dump`` is always complete; its md5 and sha256 are
written beside it in ``md5sum``/``sha256sum`` format (``cd BACKUP_DIR && sha256sum -c FILE.sha256``).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .children import die_with_parent
from .database import Database, DatabaseError

# Room asked for beyond the estimate: dumps of tiny databases still need a few blocks, and logs grow meanwhile.
ROOM_MARGIN_BYTES = 1024 * 1024
ROOM_MARGIN_RATIO = 1.1


class BackupError(Exception):
    """A backup or restore that failed or was refused; the message names the file and the cause."""


class NoRoomError(BackupError):
    pass


@dataclass
class Backup:
    path: Path
    kind: str
    size: int
    md5: str
    sha256: str
    seconds: float
    check: str = ""  # how it was proven readable, with the measured result

    def as_dict(self) -> dict:
        values = asdict(self)
        values["path"] = str(self.path)
        values["seconds"] = round(self.seconds, 3)
        return values


def timestamp() -> str:
    return time.strftime("%Y%m%d_%H%M%S")


def backup_path(backup_dir: Path, prefix: str, stamp: str) -> Path:
    """``<backup_dir>/<prefix>_<stamp>.dump``, never an existing file (two runs in one second get _2, _3 ...)."""
    path = backup_dir / f"{prefix}_{stamp}.dump"
    counter = 2
    while path.exists() or Path(f"{path}.partial").exists():
        path = backup_dir / f"{prefix}_{stamp}_{counter}.dump"
        counter += 1
    return path


# --- PostgreSQL client programs --------------------------------------------------------------------------

Wrapper = Callable[[list[str], dict[str, str]], list[str]]


class PostgresTools:
    """Builds ``pg_dump``/``pg_restore`` command lines for the configured database.

    Locally the binaries come from WORKOS_PG_BIN, the newest ``/usr/lib/postgresql/*/bin`` (a client at least
    as new as the server, which Debian's wrappers on PATH do not guarantee) or PATH. With ``wrap`` (the compose
    manager's ``exec``) they run inside the database container, over its local socket.
    """

    def __init__(self, database: Database, wrap: Wrapper | None = None):
        self.database = database
        self.wrap = wrap

    def binary(self, tool: str) -> str:
        if self.wrap:
            return tool
        candidates = []
        if os.environ.get("WORKOS_PG_BIN"):
            candidates.append(Path(os.environ["WORKOS_PG_BIN"]) / tool)
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
        candidates += [Path(folder) / tool for folder in reversed(versions)]
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        found = shutil.which(tool)
        if found:
            return found
        raise BackupError(f"{tool} not found: install the PostgreSQL client (postgresql-client) or set WORKOS_PG_BIN")

    def command(self, tool: str, *args: str) -> list[str]:
        settings = self.database.settings
        connection: list[str] = []
        if not self.wrap:
            if settings["HOST"]:
                connection += ["-h", settings["HOST"]]
            if settings["PORT"]:
                connection += ["-p", settings["PORT"]]
        if settings["USER"]:
            connection += ["-U", settings["USER"]]
        argv = [self.binary(tool), *connection, "-d", settings["NAME"], *args]
        environment = {"PGPASSWORD": settings["PASSWORD"]} if settings["PASSWORD"] else {}
        return self.wrap(argv, environment) if self.wrap else argv

    def environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        if self.database.password and not self.wrap:
            environment["PGPASSWORD"] = self.database.password
        return environment

    def run(self, tool: str, *args: str, stdin_file: Path | None = None, stdout_file: Path | None = None) -> subprocess.CompletedProcess:
        """Run a tool; a file argument goes through stdin when the tool runs in a container."""
        argv = self.command(tool, *args)
        stdin = open(stdin_file, "rb") if stdin_file else subprocess.DEVNULL
        stdout = open(stdout_file, "wb") if stdout_file else subprocess.PIPE
        try:
            return subprocess.run(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=self.environment(),
                                  preexec_fn=die_with_parent)
        except OSError as error:
            raise BackupError(f"cannot run {argv[0]}: {error.strerror}") from None
        finally:
            if stdin_file:
                stdin.close()
            if stdout_file:
                stdout.close()

    def table_of_contents(self, path: Path) -> str:
        """``pg_restore --list`` of a dump: proves it is a complete custom-format archive."""
        if self.wrap:
            result = self.run("pg_restore", "--list", stdin_file=path)
        else:
            result = subprocess.run([self.binary("pg_restore"), "--list", str(path)], capture_output=True, preexec_fn=die_with_parent)
        if result.returncode != 0:
            raise BackupError(f"{path} is not a readable PostgreSQL dump: pg_restore --list: {_stderr(result)}")
        return result.stdout.decode(errors="replace")


def _stderr(result: subprocess.CompletedProcess) -> str:
    text = (result.stderr or b"").decode(errors="replace").strip()
    return text.splitlines()[-1] if text else f"exit code {result.returncode}"


# --- room, checksums --------------------------------------------------------------------------------------


def _existing_ancestor(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_room(backup_dir: Path, database: Database) -> tuple[int, int]:
    """Refuse, before anything is written, when ``backup_dir``'s file system cannot hold a dump.

    The estimate is the database's own size (PostgreSQL's ``pg_database_size``, or the SQLite file and its
    WAL) — more than a compressed dump needs, which is the side to err on at 2 a.m. Returns (free, needed).
    """
    try:
        estimate = database.size_bytes()
    except DatabaseError as error:
        raise BackupError(f"cannot size the database for its backup: {error}") from None
    needed = int(estimate * ROOM_MARGIN_RATIO) + ROOM_MARGIN_BYTES
    free = shutil.disk_usage(_existing_ancestor(backup_dir)).free
    if free < needed:
        raise NoRoomError(
            f"not enough room in {backup_dir} for the backup: {_size(free)} free, {_size(needed)} needed "
            f"(database {_size(estimate)} plus margin); free some space or point [deploy] backup_dir elsewhere"
        )
    return free, needed


def file_checksums(path: Path) -> tuple[str, str]:
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            md5.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha256.hexdigest()


def write_checksum_files(path: Path, md5: str, sha256: str) -> None:
    Path(f"{path}.md5").write_text(f"{md5}  {path.name}\n")
    Path(f"{path}.sha256").write_text(f"{sha256}  {path.name}\n")


def read_checksum_files(path: Path) -> tuple[str, str]:
    values = []
    for suffix in (".md5", ".sha256"):
        side = Path(f"{path}{suffix}")
        if not side.is_file():
            raise BackupError(f"checksum file {side} is missing: cannot prove {path.name} is intact")
        values.append(side.read_text().split()[0] if side.read_text().split() else "")
    return values[0], values[1]


def check_checksums(path: Path, md5: str | None = None, sha256: str | None = None) -> tuple[str, str]:
    """Refuse a missing or altered backup. Expected sums come from the caller or the side files."""
    if not path.is_file():
        raise BackupError(f"backup file {path} does not exist")
    if md5 is None or sha256 is None:
        md5, sha256 = read_checksum_files(path)
    actual_md5, actual_sha256 = file_checksums(path)
    if actual_md5 != md5 or actual_sha256 != sha256:
        raise BackupError(
            f"backup {path} does not match its checksums (md5 expected {md5}, found {actual_md5}; sha256 expected "
            f"{sha256}, found {actual_sha256}): it was altered or truncated, refusing to use it"
        )
    return actual_md5, actual_sha256


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return str(count)


human_size = _size


# --- backup -----------------------------------------------------------------------------------------------


def create_backup(database: Database, path: Path, tools: PostgresTools | None = None) -> Backup:
    """Dump ``database`` to ``path`` (via ``path.partial``), verify it, write its checksum files."""
    started = time.monotonic()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(f"{path}.partial")
    try:
        if database.kind == "sqlite":
            _sqlite_backup(database, partial)
            verify_backup(database, partial)
            check = "PRAGMA integrity_check: ok"
        else:
            tools = tools or PostgresTools(database)
            result = tools.run("pg_dump", "-Fc", "--no-password", stdout_file=partial)
            if result.returncode != 0:
                raise BackupError(f"pg_dump of {database.display()} failed: {_stderr(result)}")
            contents = tools.table_of_contents(partial)
            entries = sum(1 for line in contents.splitlines() if line.strip() and not line.startswith(";"))
            check = f"pg_restore --list: exit 0, {entries} TOC entries"
        partial.rename(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    md5, sha256 = file_checksums(path)
    write_checksum_files(path, md5, sha256)
    return Backup(path=path, kind=database.kind, size=path.stat().st_size, md5=md5, sha256=sha256, seconds=time.monotonic() - started,
                  check=check)


def remove_partial_dumps(backup_dir: Path, prefix: str) -> list[Path]:
    """Delete ``<prefix>_*.dump.partial`` left by a run that was killed mid-dump. Call it only under the lock
    of the runs that write that prefix, so no live dump is removed. Returns what was deleted."""
    removed = []
    for path in sorted(backup_dir.glob(f"{prefix}_*.dump.partial")):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _sqlite_backup(database: Database, target: Path) -> None:
    source_path = database.sqlite_path
    if not source_path.exists():
        # A first deploy on a new host: "before" is an empty database, and that is what a rollback restores.
        try:
            empty = sqlite3.connect(str(target))
            empty.execute("VACUUM")
            empty.close()
        except sqlite3.Error as error:
            raise BackupError(f"cannot write {target}: {error}") from None
        return
    try:
        source = sqlite3.connect(str(source_path), timeout=30)
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination)
            # A plain rollback-journal file: readable on its own, with no -wal/-shm companions to lose.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup of {source_path} failed: {error}") from None


def verify_backup(database: Database, path: Path, tools: PostgresTools | None = None) -> None:
    """Prove a backup is readable: ``pg_restore --list`` or SQLite's ``integrity_check``."""
    if database.kind == "postgresql":
        (tools or PostgresTools(database)).table_of_contents(path)
        return
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {verdict}")


# --- restore ----------------------------------------------------------------------------------------------

TOC_RELATION = re.compile(r"^\d+; \d+ \d+ (TABLE|SEQUENCE|VIEW|MATERIALIZED VIEW) (\S+) (\S+) ")


def restore_backup(database: Database, path: Path, tools: PostgresTools | None = None) -> float:
    """Replace the database's contents with the backup's. The service must be stopped. Returns seconds.

    PostgreSQL, all or nothing: one transaction first drops the tables, views and sequences the backup does not
    contain (a half-applied upgrade's: ``pg_restore --clean`` only drops what the dump contains, and a new
    table referencing an old one would block that), then runs ``pg_restore --clean --if-exists --no-owner``'s
    script; it commits only when pg_restore wrote its whole script and every statement succeeded, so a failed
    restore leaves the database exactly as it was before it.
    SQLite: the online backup API copies the file back page by page.
    """
    started = time.monotonic()
    if database.kind == "sqlite":
        verify_backup(database, path)
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            destination = sqlite3.connect(str(database.sqlite_path), timeout=30)
            try:
                source.backup(destination)
                verdict = destination.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                destination.close()
                source.close()
        except sqlite3.Error as error:
            raise BackupError(f"restoring {path} into {database.sqlite_path} failed: {error}") from None
        if verdict != "ok":
            raise BackupError(f"{database.sqlite_path} failed its integrity check after the restore: {verdict}")
        return time.monotonic() - started
    tools = tools or PostgresTools(database)
    contents = tools.table_of_contents(path)
    drops = _relations_missing_from(database, contents)
    _restore_in_one_transaction(database, path, tools, drops)
    return time.monotonic() - started


def _restore_in_one_transaction(database: Database, path: Path, tools: PostgresTools, drops: str) -> None:
    """Stream pg_restore's SQL script into psql inside BEGIN ... COMMIT; COMMIT is sent only after pg_restore
    ended well, and psql stops at the first error, so anything less than success rolls the whole run back."""
    options = ["--clean", "--if-exists", "--no-owner", "-f", "-"]
    if tools.wrap:
        script_command, script_input = tools.wrap(["pg_restore", *options], {}), open(path, "rb")
    else:
        script_command, script_input = [tools.binary("pg_restore"), *options, str(path)], subprocess.DEVNULL
    apply_command = tools.command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1")
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as apply_errors:
        try:
            script = subprocess.Popen(script_command, stdin=script_input, stdout=subprocess.PIPE, stderr=script_errors,
                                      env=tools.environment(), preexec_fn=die_with_parent)
            apply = subprocess.Popen(apply_command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=apply_errors,
                                     env=tools.environment(), preexec_fn=die_with_parent)
        except OSError as error:
            raise BackupError(f"cannot run the restore: {error.strerror}") from None
        finally:
            if script_input is not subprocess.DEVNULL:
                script_input.close()
        committed = False
        try:
            apply.stdin.write(b"BEGIN;\n" + drops.encode() + b"\n")
            for chunk in iter(lambda: script.stdout.read(1024 * 1024), b""):
                apply.stdin.write(chunk)
            if script.wait() == 0:
                apply.stdin.write(b"\nCOMMIT;\n")
                committed = True
            apply.stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error: its transaction is rolled back
        finally:
            script.stdout.close()
            if script.poll() is None:
                script.kill()
            script.wait()
            apply.wait()
        failure = None
        if script.returncode != 0:
            script_errors.seek(0)
            failure = f"pg_restore: {_last_line(script_errors.read(), script.returncode)}"
        elif apply.returncode != 0 or not committed:
            apply_errors.seek(0)
            failure = f"psql: {_last_line(apply_errors.read(), apply.returncode)}"
    if failure:
        raise BackupError(f"restoring {path} into {database.display()} failed, and its transaction was rolled back: "
                          f"the database is as it was before the restore ({failure})")


def _last_line(stderr: bytes, code: int) -> str:
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "error" in line]
    return (errors or lines or [f"exit code {code}"])[0 if errors else -1]


def _relations_missing_from(database: Database, contents: str) -> str:
    """DROP statements for the relations of the dump's schemas that the dump does not contain."""
    in_dump: set[tuple[str, str]] = set()
    schemas: set[str] = set()
    for line in contents.splitlines():
        match = TOC_RELATION.match(line)
        if match:
            in_dump.add((match.group(2), match.group(3)))
            schemas.add(match.group(2))
    if not schemas:
        schemas = {"public"}
    rows = database.query(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))",
        (sorted(schemas),),
    )
    kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
    extra = [(schema, name, kinds[kind]) for schema, name, kind in rows if (schema, name) not in in_dump]
    return "".join(f'DROP {kind} IF EXISTS "{schema}"."{name}" CASCADE;\n' for schema, name, kind in extra)
