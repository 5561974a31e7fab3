"""Can the old code keep serving while this deploy's migrations run?

A blue/green switch (``traffic``) runs the migrations while the old server still serves, and the old server
keeps serving until the new one is healthy. That is safe only for migrations the old code does not notice:
new tables, nullable columns (or columns with a database default), indexes built concurrently, dropped indexes.
Drops, renames, type changes, a NOT NULL column without a database default, a plain index build (it blocks
writes while it runs) or code we cannot read (``RunPython``) are not: the deploy announces them before it
starts and takes a maintenance window, or refuses with ``--no-downtime``.

The migrations are read from the revision being deployed (git, before HEAD moves) with ``ast``, never
imported. A migration the author knows to be safe may say so with ``compatible_with_old_code = True`` on its
``Migration`` class (a data migration that only fills a new nullable column, for instance).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .database import Database, DatabaseError

COMPATIBLE_OPERATIONS = {
    "CreateModel": "adds a table",
    "AddIndexConcurrently": "index built concurrently",
    "RemoveIndex": "drops an index (the old code does not need it)",
    "RemoveIndexConcurrently": "drops an index concurrently",
    "AlterModelOptions": "no schema change",
    "AlterModelManagers": "no schema change",
}
INCOMPATIBLE_OPERATIONS = {
    "DeleteModel": "drops a table the old code uses",
    "RemoveField": "drops a column the old code reads",
    "RenameField": "renames a column the old code reads",
    "RenameModel": "renames a table the old code uses",
    "AlterModelTable": "renames a table the old code uses",
    "AlterField": "changes a column (type, nullability or constraints)",
    "AddIndex": "builds an index that blocks writes while it runs (use AddIndexConcurrently)",
    "AddConstraint": "adds a constraint the old code's writes may break",
    "AlterUniqueTogether": "changes unique constraints",
    "AlterIndexTogether": "changes indexes while blocking writes",
    "RunPython": "runs code that cannot be checked (mark the Migration compatible_with_old_code = True if it is)",
}
SAFE_SQL = [
    (re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b", re.I), "index built concurrently"),
    (re.compile(r"^\s*CREATE\s+(TABLE|SEQUENCE|VIEW|TYPE|EXTENSION)\b", re.I), "adds a table, sequence, view or type"),
    (re.compile(r"^\s*DROP\s+INDEX\b", re.I), "drops an index"),
    (re.compile(r"^\s*ALTER\s+TABLE\s+\S+\s+ADD\s+COLUMN\s+(?!.*\bNOT\s+NULL\b)(?!.*\bPRIMARY\b)", re.I | re.S), "adds a nullable column"),
    (re.compile(r"^\s*ALTER\s+TABLE\s+\S+\s+ADD\s+COLUMN\s+.*\bNOT\s+NULL\b.*\bDEFAULT\b", re.I | re.S), "adds a column with a database default"),
    (re.compile(r"^\s*ALTER\s+TABLE\s+\S+\s+ADD\s+COLUMN\s+.*\bDEFAULT\b.*\bNOT\s+NULL\b", re.I | re.S), "adds a column with a database default"),
]


@dataclass
class MigrationVerdict:
    module: str
    name: str
    compatible: bool
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"module": self.module, "name": self.name, "compatible": self.compatible, "reasons": self.reasons}


@dataclass
class MigrationRisk:
    migrations: list[MigrationVerdict] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return all(m.compatible for m in self.migrations)

    @property
    def incompatible(self) -> list[MigrationVerdict]:
        return [m for m in self.migrations if not m.compatible]

    def as_dict(self) -> dict:
        return {"compatible": self.compatible, "pending": len(self.migrations),
                "incompatible": [f"{m.module}.{m.name}" for m in self.incompatible],
                "migrations": [m.as_dict() for m in self.migrations]}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _sql_statements(node) -> list[str] | None:
    """The forward SQL of a RunSQL as strings, or None when it is not literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [part for part in node.value.split(";") if part.strip()]
    if isinstance(node, (ast.List, ast.Tuple)):
        statements = []
        for element in node.elts:
            parts = _sql_statements(element.elts[0] if isinstance(element, (ast.List, ast.Tuple)) and element.elts else element)
            if parts is None:
                return None
            statements += parts
        return statements
    return None


def classify_operation(call: ast.Call) -> tuple[bool, str]:
    kind = _name(call.func)
    if kind == "AddField":
        field_call = _keyword(call, "field") or (call.args[2] if len(call.args) > 2 else None)
        if isinstance(field_call, ast.Call):
            if _is_true(_keyword(field_call, "null")):
                return True, "adds a nullable column"
            if _keyword(field_call, "db_default") is not None:
                return True, "adds a column with a database default"
            if _name(field_call.func) in ("ManyToManyField",):
                return True, "adds a join table"
        return False, "adds a NOT NULL column without a database default: the old code's inserts would fail"
    if kind == "RunSQL":
        sql = _keyword(call, "sql") or (call.args[0] if call.args else None)
        statements = _sql_statements(sql)
        if statements is None:
            return False, "RunSQL whose SQL is not a literal"
        for statement in statements:
            reason = next((why for pattern, why in SAFE_SQL if pattern.match(statement)), None)
            if reason is None:
                return False, f"SQL the old code may not survive: {' '.join(statement.split())[:80]}"
        return True, "SQL that only adds (" + ", ".join(sorted({next(w for p, w in SAFE_SQL if p.match(s)) for s in statements})) + ")"
    if kind == "SeparateDatabaseAndState":
        database = _keyword(call, "database_operations")
        if database is None or not isinstance(database, (ast.List, ast.Tuple)) or not database.elts:
            return True, "state-only change"
        verdicts = [classify_operation(op) if isinstance(op, ast.Call) else (False, "unreadable operation") for op in database.elts]
        bad = [why for ok, why in verdicts if not ok]
        return (not bad, bad[0] if bad else "database operations only add")
    if kind in COMPATIBLE_OPERATIONS:
        return True, COMPATIBLE_OPERATIONS[kind]
    if kind in INCOMPATIBLE_OPERATIONS:
        return False, INCOMPATIBLE_OPERATIONS[kind]
    return False, f"{kind or 'an operation'} is not known to be safe while the old code runs"


def classify_source(module: str, name: str, source: str) -> MigrationVerdict:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return MigrationVerdict(module, name, False, [f"cannot be read: {error}"])
    migration = next((node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Migration"), None)
    if migration is None:
        return MigrationVerdict(module, name, False, ["no Migration class"])
    operations = None
    for statement in migration.body:
        if isinstance(statement, ast.Assign) and any(_name(t) == "compatible_with_old_code" for t in statement.targets):
            if _is_true(statement.value):
                return MigrationVerdict(module, name, True, ["marked compatible_with_old_code = True by its author"])
        if isinstance(statement, ast.Assign) and any(_name(t) == "operations" for t in statement.targets):
            operations = statement.value
    if not isinstance(operations, (ast.List, ast.Tuple)):
        return MigrationVerdict(module, name, False, ["operations are not a literal list"])
    verdict = MigrationVerdict(module, name, True)
    for operation in operations.elts:
        ok, why = classify_operation(operation) if isinstance(operation, ast.Call) else (False, "unreadable operation")
        verdict.compatible = verdict.compatible and ok
        if why not in verdict.reasons:
            verdict.reasons.append(why)
    if not verdict.reasons:
        verdict.reasons.append("no operations")
    return verdict


def applied_migrations(database: Database) -> set[tuple[str, str]]:
    try:
        if not database.has_table("django_migrations"):
            return set()
        return {(app, name) for app, name in database.query("SELECT app, name FROM django_migrations")}
    except DatabaseError:
        return set()


def assess(database: Database, module_folders: dict[str, Path], modules: list[str]) -> MigrationRisk:
    """The pending migrations of ``modules`` (their folders in the tree being deployed), classified."""
    applied = applied_migrations(database)
    risk = MigrationRisk()
    for module in modules:
        folder = module_folders.get(module)
        if folder is None or not (folder / "migrations").is_dir():
            continue
        for path in sorted((folder / "migrations").glob("[0-9][0-9][0-9][0-9]_*.py")):
            if (module, path.stem) in applied:
                continue
            risk.migrations.append(classify_source(module, path.stem, path.read_text(errors="replace")))
    return risk
