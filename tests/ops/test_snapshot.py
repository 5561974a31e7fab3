"""``workos snapshot`` end to end: a real site (suite installed), a live server, a real git repository.

Every artifact is compared field by field with direct SQL (``site.sql``) and git queries, never with
WorkOS's own reading of them.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workos.kernel.addons import content_checksum, module_files
from workos.ops.snapshot.sources import strip_credentials
from workos.settings.config import PROJECT_ROOT

PASSWORD = "snapshot-Pass-2025"
PASSWORD_ENV = {"WORKOS_TEST_PASSWORD": PASSWORD}
ENVIRONMENT = "prod"
REMOTE_WITH_SECRET = "https://deploy-bot:s3cr3t-token@git.example.org/acme/workos.git"
ARTIFACT_FILES = {
    "GIT_STATE": "repo/GIT_STATE.prod.txt",
    "REPO_TREE": "repo/REPO_TREE.prod.md",
    "REPO_SNAPSHOT": "repo/REPO_SNAPSHOT.prod.json",
    "ODOO_MENU_SITEMAP": "runtime/ODOO_MENU_SITEMAP.prod.json",
    "ODOO_MODEL_SNAPSHOT": "runtime/ODOO_MODEL_SNAPSHOT.prod.json",
    "MODULE_STATES": "runtime/MODULE_STATES.prod.csv",
    "ADDONS_PATH": "runtime/ADDONS_PATH.prod.txt",
    "CONTAINER_PATH_CHECK": "runtime/CONTAINER_PATH_CHECK.prod.txt",
    "HTTP_SITEMAP": "runtime/HTTP_SITEMAP.prod.json",
    "ODOO_ACTIONS": "runtime/ODOO_ACTIONS.prod.json",
    "IPAI_MODULE_STATUS": "runtime/IPAI_MODULE_STATUS.prod.txt",
}
GIT_IDENTITY = ["-c", "user.name=Snapshot Test", "-c", "user.email=snapshot@workos.invalid"]


# --- helpers shared with test_crawl.py ---------------------------------------------------------------------


def run(site, *args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """``python -m workos ARGS`` for ``site``, with extra environment variables (site.workos cannot add any)."""
    return subprocess.run([sys.executable, "-m", "workos", *args], cwd=site.root, env={**site.environment(), **(env or {})},
                          capture_output=True, text=True, timeout=timeout)


def requests_in_log(site) -> list[tuple[str, str]]:
    """(method, path) of every request the server logged (one line per request)."""
    text = site.log_file.read_text() if site.log_file.exists() else ""
    return re.findall(r"workos\.http: ([A-Z]+) (\S+) \d{3} ", text)


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def make_repository(folder: Path) -> Path:
    """A git repository holding this project's committed files, with a remote whose URL holds a secret."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "WorkOS as deployed")
    git(folder, "tag", "v0.1.0")
    git(folder, "remote", "add", "origin", REMOTE_WITH_SECRET)
    return folder


def use_repository(site, repository: Path, extra: str = "") -> None:
    site.extra_config = f'\n[deploy]\nrepo_root = "{repository}"\nenvironment = "{ENVIRONMENT}"\n{extra}'
    site.write_config()


@pytest.fixture
def suite_site(site):
    """A site with the whole suite installed and an administrator ``admin``."""
    site.install("ipai_workos_affine")
    created = run(site, "user", "create", "admin", "--admin", "--password-env", "WORKOS_TEST_PASSWORD", env=PASSWORD_ENV)
    assert created.returncode == 0, created.stderr
    return site


@pytest.fixture
def snapshot_site(suite_site, tmp_path):
    use_repository(suite_site, make_repository(tmp_path / "repository"))
    return suite_site


def execute(site, statement: str) -> None:
    """Change the database behind WorkOS's back, as an operator with psql would."""
    if site.database_kind == "sqlite":
        import sqlite3

        with sqlite3.connect(site.database_url[len("sqlite:///"):]) as connection:
            connection.execute(statement)
        return
    import psycopg

    with psycopg.connect(site.database_url, autocommit=True) as connection:
        connection.execute(statement)


def repository_of(site) -> Path:
    return Path(re.search(r'repo_root = "([^"]+)"', site.extra_config).group(1))


def snapshot(site, server, *args: str, login: bool = True) -> subprocess.CompletedProcess:
    credentials = ("--login", "admin", "--password-env", "WORKOS_TEST_PASSWORD") if login else ()
    return run(site, "snapshot", "--base-url", server.base_url, *credentials, *args, env=PASSWORD_ENV)


def assert_nothing_written(out: Path) -> None:
    leftovers = [relative for relative in [*ARTIFACT_FILES.values(), "PROD_SNAPSHOT_MANIFEST.md"] if (out / relative).exists()]
    assert leftovers == [], leftovers
    assert not list(out.rglob("*.tmp")), "temporary files left behind"


def read_artifacts(out: Path) -> dict[str, str]:
    return {name: (out / relative).read_text() for name, relative in ARTIFACT_FILES.items()}


def sections(text: str) -> dict:
    """The ``key: value`` / ``key (N):`` layout of the text artifacts, read independently of WorkOS."""
    values, current = {}, None
    for line in text.splitlines()[1:]:
        if line.startswith("  ") and current is not None:
            current.append(line[2:])
        elif re.match(r"^.+ \(\d+\):$", line):
            current = values[line.rsplit(" (", 1)[0]] = []
        elif ": " in line:
            key, value = line.split(": ", 1)
            values[key], current = value, None
    return values


# --- the artifacts, field by field -------------------------------------------------------------------------


def test_snapshot_writes_every_artifact_from_the_live_database_git_and_server(snapshot_site, serve):
    site = snapshot_site
    server = serve(site)
    repository = repository_of(site)
    out = repository / "docs"

    result = snapshot(site, server, "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["verdict"] == "valid" and report["written"] is True
    assert sorted(a["name"] for a in report["artifacts"]) == sorted(ARTIFACT_FILES)
    texts = read_artifacts(out)
    for entry in report["artifacts"]:
        data = (out / ARTIFACT_FILES[entry["name"]]).read_bytes()
        assert entry["path"] == str(out / ARTIFACT_FILES[entry["name"]])
        assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()

    # GIT_STATE
    state = sections(texts["GIT_STATE"])
    assert state["sha"] == git(repository, "rev-parse", "HEAD")
    assert state["branch"] == "main"
    assert state["describe"] == git(repository, "describe", "--tags", "--always", "--abbrev=12") == "v0.1.0"
    assert state["state"] == "clean" and state["changed paths"] == []
    assert state["remote url"] == "https://git.example.org/acme/workos.git"
    assert "s3cr3t" not in texts["GIT_STATE"] and "deploy-bot" not in texts["GIT_STATE"]
    assert state["last commit author"] == git(repository, "log", "-1", "--format=%an <%ae>")
    assert state["last commit date"] == git(repository, "log", "-1", "--format=%aI")
    assert state["last commit subject"] == "WorkOS as deployed"

    # REPO_TREE
    tracked = git(repository, "ls-files").splitlines()
    modules = sorted(p.parent.name for p in (repository / "addons").glob("*/__manifest__.py"))
    tree = texts["REPO_TREE"]
    assert f"- files: {len(tracked)}\n" in tree
    assert f"- modules: {len(modules)}\n" in tree
    for name in modules:
        count = sum(1 for path in tracked if path.startswith(f"addons/{name}/"))
        assert f"  - `{name}/` — {count} files · module\n" in tree
    assert f"- `workos/` — {sum(1 for p in tracked if p.startswith('workos/'))} files\n" in tree

    # REPO_SNAPSHOT
    repo_snapshot = json.loads(texts["REPO_SNAPSHOT"])
    assert sorted(repo_snapshot["modules"]) == modules
    for name in modules:
        entry = repo_snapshot["modules"][name]
        manifest = ast.literal_eval((repository / "addons" / name / "__manifest__.py").read_text())
        assert entry["version"] == manifest["version"] and entry["depends"] == manifest.get("depends", [])
        assert entry["checksum"] == content_checksum(repository / "addons" / name)
        assert entry["files"]["total"] == len(module_files(repository / "addons" / name))
        migrations = [p for p in (repository / "addons" / name / "migrations").glob("*") if p.is_file()]
        assert entry["files"]["migrations"] == len(migrations)
    assert repo_snapshot["totals"]["modules"] == len(modules)

    # MODULE_STATES
    rows = list(csv.reader(io.StringIO(texts["MODULE_STATES"])))
    assert rows[0] == ["name", "state", "latest_version", "shortdesc"]
    expected = sorted([n, s, v or "", d] for n, s, v, d in site.sql("SELECT name, state, latest_version, shortdesc FROM ir_module_module"))
    assert rows[1:] == expected

    # IPAI_MODULE_STATUS
    status_lines = texts["IPAI_MODULE_STATUS"].splitlines()
    ipai = sorted(site.sql("SELECT name, state, latest_version FROM ir_module_module WHERE name LIKE 'ipai%'"))
    table = [line.split() for line in status_lines[4 : 4 + len(ipai)]]
    assert table == [[n, *s.split(), v] for n, s, v in ipai]
    assert f"installed: {sum(1 for _, s, _ in ipai if s == 'installed')}" in status_lines

    # ODOO_MENU_SITEMAP
    sitemap = json.loads(texts["ODOO_MENU_SITEMAP"])
    owners = {res_id: (module, f"{module}.{name}") for module, name, res_id in
              site.sql("SELECT module, name, res_id FROM ir_model_data WHERE model = 'ir.ui.menu'")}
    menus = site.sql("SELECT id, name, parent_id, sequence, action_id FROM ir_ui_menu ORDER BY id")
    assert len(sitemap["menus"]) == len(menus) == sitemap["counts"]["menus"]
    for (menu_id, name, parent_id, sequence, action_id), entry in zip(menus, sitemap["menus"]):
        assert (entry["id"], entry["name"], entry["parent_id"], entry["sequence"]) == (menu_id, name, parent_id, sequence)
        assert (entry["module"], entry["xmlid"]) == owners[menu_id]
        assert (entry["action"] or {}).get("id") == action_id
    workos_menus = [owner for owner in owners.values() if owner[0].startswith("ipai_workos_")]
    assert len(sitemap["workos_menus"]) == len(workos_menus) > 0
    roots = site.sql("SELECT id FROM ir_ui_menu WHERE parent_id IS NULL ORDER BY sequence, id")
    assert [node["id"] for node in sitemap["tree"]] == [row[0] for row in roots]

    # ODOO_MODEL_SNAPSHOT
    models = json.loads(texts["ODOO_MODEL_SNAPSHOT"])
    registered = site.sql("SELECT model, name, modules, table_name FROM ir_model ORDER BY model")
    assert [(m["model"], m["name"], ",".join(m["modules"]), m["table"]) for m in models["models"]] == registered
    assert models["counts"] == {
        "models": len(registered),
        "ipai": site.sql("SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.%'")[0][0],
        "ipai_workos": site.sql("SELECT count(*) FROM ir_model WHERE model LIKE 'ipai.workos.%'")[0][0],
        "fields": site.sql("SELECT count(*) FROM ir_model_fields")[0][0],
    }
    assert models["counts"]["ipai_workos"] >= 1
    fields = {}
    for model, name, ttype in site.sql("SELECT model, name, ttype FROM ir_model_fields"):
        fields.setdefault(model, []).append((name, ttype))
    for entry in models["models"]:
        assert [(f["name"], f["type"]) for f in entry["fields"]] == sorted(fields.get(entry["model"], []))
        assert entry["table_exists"] is True

    # ODOO_ACTIONS
    actions = json.loads(texts["ODOO_ACTIONS"])
    rows = site.sql("SELECT id, name, res_model, view_mode, path FROM ir_act_window ORDER BY id")
    assert [(a["id"], a["name"], a["res_model"], ",".join(a["view_modes"]), a["path"] or "") for a in actions["actions"]] == \
        [(i, n, r, v, p or "") for i, n, r, v, p in rows]
    assert all(a["url"] == (a["path"] or f"/web/action/{a['id']}") for a in actions["actions"])

    # ADDONS_PATH
    addons = sections(texts["ADDONS_PATH"])
    listed = {line.split(" ")[0]: line.split(" ", 2)[2] for line in addons["modules, first folder wins"]}
    assert sorted(listed) == modules  # the site's addons path holds the bundled modules only
    assert all(path == str((PROJECT_ROOT / "addons" / name).resolve()) for name, path in listed.items())
    assert addons["found twice"] == [] and addons["installed but not found"] == []

    # CONTAINER_PATH_CHECK: the probe runs the repository's code, as the process service manager does
    container = sections(texts["CONTAINER_PATH_CHECK"])
    assert container["workos package"] == str(repository / "workos")
    assert container["python"].startswith(".".join(map(str, sys.version_info[:3])))
    installed = sorted(row[0] for row in site.sql("SELECT name FROM ir_module_module WHERE state = 'installed'"))
    assert [line.split(" ")[:2] for line in container["installed modules"]] == [[name, "visible"] for name in installed]
    from importlib.metadata import version

    assert f"Django {version('Django')}" in container["dependencies"]

    # HTTP_SITEMAP: logged in, every menu entry reached, logout never requested
    http = json.loads(texts["HTTP_SITEMAP"])
    pages = {page["url"]: page for page in http["pages"]}
    assert http["authenticated_as"] == "admin" and pages["/web"]["status"] == 200
    for action_id, path in site.sql("SELECT a.id, a.path FROM ir_ui_menu m JOIN ir_act_window a ON a.id = m.action_id"):
        assert (path or f"/web/action/{action_id}") in pages
    assert not [path for _, path in requests_in_log(site) if "logout" in path]

    # The manifest indexes every file with its real size and hash
    manifest = (out / "PROD_SNAPSHOT_MANIFEST.md").read_text()
    assert "- environment: prod\n" in manifest and f"- git sha: {state['sha']}\n" in manifest
    assert f"- base url: {server.base_url}\n" in manifest
    for name, relative in ARTIFACT_FILES.items():
        data = (out / relative).read_bytes()
        row = next(line for line in manifest.splitlines() if line.startswith(f"| {name} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1:4] == [relative, str(len(data)), hashlib.sha256(data).hexdigest()]
        assert cells[6].startswith("valid")


def test_snapshot_is_deterministic_apart_from_timestamps_and_checks_clean(snapshot_site, serve):
    site = snapshot_site
    server = serve(site)
    out = repository_of(site) / "docs"
    first = snapshot(site, server)
    assert first.returncode == 0, first.stderr
    before = read_artifacts(out)

    second = snapshot(site, server)
    check = snapshot(site, server, "--check", "--json")

    assert second.returncode == 0, second.stderr
    after = read_artifacts(out)
    for name in ARTIFACT_FILES:
        if name != "HTTP_SITEMAP":
            assert after[name] == before[name], name

    def without_timings(text):
        document = json.loads(text)
        return [{k: v for k, v in page.items() if k != "response_ms"} for page in document["pages"]], document["api_routes"]

    assert without_timings(after["HTTP_SITEMAP"]) == without_timings(before["HTTP_SITEMAP"])
    assert check.returncode == 0, check.stderr
    assert json.loads(check.stdout)["verdict"] == "valid"
    assert git(repository_of(site), "status", "--porcelain", "--", ".", ":!docs") == ""


def test_check_names_a_modified_artifact_and_one_that_drifted_from_the_database(snapshot_site, serve):
    site = snapshot_site
    server = serve(site)
    out = repository_of(site) / "docs"
    assert snapshot(site, server).returncode == 0
    states = out / ARTIFACT_FILES["MODULE_STATES"]
    original = states.read_text()

    states.write_text(original.replace("installed", "uninstalled", 1))
    tampered = snapshot(site, server, "--check")
    states.write_text(original)
    menu_id = site.sql("SELECT id FROM ir_ui_menu ORDER BY id LIMIT 1")[0][0]
    execute(site, f"UPDATE ir_ui_menu SET name = 'Renamed by hand' WHERE id = {menu_id}")
    drifted = snapshot(site, server, "--check", "--json")

    assert tampered.returncode == 1
    assert "MODULE_STATES" in tampered.stderr and "modified since it was generated" in tampered.stderr
    assert drifted.returncode == 1
    errors = {error["artifact"]: error["cause"] for error in json.loads(drifted.stdout)["errors"]}
    assert "ODOO_MENU_SITEMAP" in errors and "no longer matches the live system" in errors["ODOO_MENU_SITEMAP"]
    assert "Renamed by hand" in errors["ODOO_MENU_SITEMAP"]
    assert "MODULE_STATES" not in errors and "GIT_STATE" not in errors


# --- failures name the artifact and write nothing ------------------------------------------------------------


def test_a_stopped_server_fails_the_snapshot_naming_http_sitemap_and_writes_nothing(snapshot_site, serve):
    site = snapshot_site
    server = serve(site)
    server.stop()
    out = repository_of(site) / "docs"

    result = snapshot(site, server, "--json")

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["written"] is False
    assert [error["artifact"] for error in report["errors"]] == ["HTTP_SITEMAP"]
    assert f"cannot reach {server.base_url}" in report["errors"][0]["cause"]
    assert f"error: HTTP_SITEMAP ({out / ARTIFACT_FILES['HTTP_SITEMAP']}): server {server.base_url}" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: HTTP_SITEMAP (")
    assert_nothing_written(out)


def test_the_compose_service_manager_is_probed_through_docker_compose(snapshot_site, serve):
    site = snapshot_site
    use_repository(site, repository_of(site), extra='service = "compose"\n\n[deploy.compose]\nservice = "web"\n')
    server = serve(site)

    result = snapshot(site, server, "--json")

    # No Docker engine runs on the test machines (DESIGN.md §1): the probe cannot run, and says so.
    errors = {error["artifact"]: error["cause"] for error in json.loads(result.stdout)["errors"]}
    assert result.returncode == 1 and list(errors) == ["CONTAINER_PATH_CHECK"]
    if shutil.which("docker") is None:
        assert "the docker command is not installed, so the compose service 'web' cannot be probed" in errors["CONTAINER_PATH_CHECK"]
    else:
        assert "the probe (docker compose -f deploy/docker-compose.prod.yml exec -T web python -c PROBE) failed (exit " \
            in errors["CONTAINER_PATH_CHECK"]


def test_a_missing_or_corrupt_sqlite_database_fails_the_database_artifacts(snapshot_site, serve, database_kind):
    if database_kind != "sqlite":
        pytest.skip("SQLite file cases; the PostgreSQL pass stops a server instead")
    site = snapshot_site
    server = serve(site)
    out = repository_of(site) / "docs"
    missing = site.root / "var" / "gone.sqlite3"
    corrupt = site.root / "var" / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database" * 100)

    gone = run(site, "snapshot", "--base-url", server.base_url, "--json", env={"WORKOS_DB_URL": f"sqlite:///{missing}"})
    broken = run(site, "snapshot", "--base-url", server.base_url, "--json", env={"WORKOS_DB_URL": f"sqlite:///{corrupt}"})

    for result, cause in ((gone, "does not exist"), (broken, "file is not a database")):
        assert result.returncode == 1
        errors = {error["artifact"]: error["cause"] for error in json.loads(result.stdout)["errors"]}
        for name in ("ODOO_MENU_SITEMAP", "ODOO_MODEL_SNAPSHOT", "MODULE_STATES", "ODOO_ACTIONS", "IPAI_MODULE_STATUS"):
            assert cause in errors[name], (name, errors.get(name))
            assert f"error: {name} (" in result.stderr
        assert "GIT_STATE" not in errors and "REPO_TREE" not in errors
        assert "Traceback" not in result.stderr
    assert_nothing_written(out)


def test_a_stopped_postgresql_server_fails_the_database_artifacts(suite_site, tmp_path, database_kind):
    if database_kind != "postgresql":
        pytest.skip("needs a PostgreSQL server to stop")
    from workos.testing.pgcluster import start_cluster

    cluster = start_cluster()
    try:
        url = cluster.create_database("stoppable")
        site = suite_site
        use_repository(site, make_repository(tmp_path / "repository"))
        site.database_url = url
        site.write_config()
        assert site.workos("module", "install", "ipai_workos_affine").returncode == 0
        cluster.stop()

        result = run(site, "snapshot", "--base-url", "http://127.0.0.1:9", "--json")
    finally:
        cluster.destroy()

    assert result.returncode == 1
    errors = {error["artifact"]: error["cause"] for error in json.loads(result.stdout)["errors"]}
    for name in ("ODOO_MENU_SITEMAP", "ODOO_MODEL_SNAPSHOT", "MODULE_STATES", "ODOO_ACTIONS", "IPAI_MODULE_STATUS",
                 "HTTP_SITEMAP", "CONTAINER_PATH_CHECK", "ADDONS_PATH"):
        assert f"database postgresql://postgres@127.0.0.1:{cluster.port}/stoppable: cannot connect" in errors[name], name
    assert "Traceback" not in result.stderr
    assert_nothing_written(tmp_path / "repository" / "docs")


def test_snapshot_usage_errors_are_named(snapshot_site):
    site = snapshot_site

    half_login = run(site, "snapshot", "--login", "admin")
    both = run(site, "snapshot", "--login", "admin", "--password-env", "A", "--token-env", "B")
    bad_env = run(site, "snapshot", "--env", "../prod")
    unset = run(site, "snapshot", "--token-env", "NOT_SET_ANYWHERE")
    no_manifest = run(site, "snapshot", "--check", "--out", str(site.root / "nowhere"), "--base-url", "http://127.0.0.1:9")
    no_folders = run(site, "snapshot", "diff", "no-such-folder", "other-missing-folder")

    assert half_login.returncode == 2 and "--login and --password-env go together" in half_login.stderr
    assert both.returncode == 2 and "not both" in both.stderr
    assert bad_env.returncode == 2 and "environment name '../prod'" in bad_env.stderr
    assert unset.returncode == 2 and "NOT_SET_ANYWHERE" in unset.stderr
    assert no_manifest.returncode == 1 and "PROD_SNAPSHOT_MANIFEST.md does not exist" in no_manifest.stderr
    assert no_folders.returncode == 2 and "'no-such-folder' is not a folder" in no_folders.stderr
    for result in (half_login, both, bad_env, unset, no_manifest, no_folders):
        assert "Traceback" not in result.stderr


def test_remote_credentials_are_stripped():
    assert strip_credentials("https://user:token@github.com/a/b.git") == "https://github.com/a/b.git"
    assert strip_credentials("https://ghp_abcdef@github.com/a/b.git") == "https://github.com/a/b.git"
    assert strip_credentials("ssh://git:secret@host:22/a.git") == "ssh://git@host:22/a.git"
    assert strip_credentials("git@github.com:a/b.git") == "git@github.com:a/b.git"
    assert strip_credentials("postgresql://workos:pw@db:5432/workos") == "postgresql://workos@db:5432/workos"
    assert strip_credentials("/srv/git/workos.git") == "/srv/git/workos.git"


# --- two snapshots around a module upgrade --------------------------------------------------------------------

WIDGETS_MANIFEST = """{{
    "name": "Snapshot test widgets",
    "version": "{version}",
    "summary": "A module whose upgrade the snapshot diff must see",
    "depends": [],
    "data": ["data/menus.toml"],
}}
"""
WIDGETS_APPS = """from django.apps import AppConfig


class SnaptestWidgetsConfig(AppConfig):
    name = "snaptest_widgets"
    label = "snaptest_widgets"
    default_auto_field = "django.db.models.BigAutoField"
"""
WIDGET_MODEL = '''

class Widget(models.Model):
    """A widget."""

    name = models.CharField(max_length=64)

    class Meta:
        db_table = "snaptest_widget"
'''
GADGET_MODEL = '''

class Gadget(models.Model):
    """A gadget, added in version 2."""

    label = models.CharField(max_length=64)
    size = models.IntegerField(default=1)

    class Meta:
        db_table = "snaptest_gadget"
'''
MIGRATION = """from django.db import migrations, models


class Migration(migrations.Migration):
    initial = {initial}
    dependencies = {dependencies}
    operations = [
        migrations.CreateModel(
            name="{model}",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    {fields}],
            options={{"db_table": "{table}"}},
        ),
    ]
"""
WIDGET_MENUS = """[[action]]
id = "action_widgets"
name = "Widgets"
res_model = "snaptest.widget"

[[menu]]
id = "menu_widgets"
name = "Widgets"
sequence = 99
action = "action_widgets"
"""
GADGET_MENUS = """
[[action]]
id = "action_gadgets"
name = "Gadgets"
res_model = "snaptest.gadget"

[[menu]]
id = "menu_gadgets"
name = "Gadgets"
sequence = 98
parent = "menu_widgets"
action = "action_gadgets"
"""


def write_widgets_module(folder: Path, version: int) -> None:
    module = folder / "snaptest_widgets"
    (module / "migrations").mkdir(parents=True, exist_ok=True)
    (module / "data").mkdir(exist_ok=True)
    (module / "__init__.py").write_text("")
    (module / "migrations" / "__init__.py").write_text("")
    (module / "apps.py").write_text(WIDGETS_APPS)
    (module / "__manifest__.py").write_text(WIDGETS_MANIFEST.format(version=f"{version}.0.0"))
    (module / "models.py").write_text("from django.db import models\n" + WIDGET_MODEL + (GADGET_MODEL if version >= 2 else ""))
    (module / "migrations" / "0001_initial.py").write_text(MIGRATION.format(
        initial=True, dependencies=[], model="Widget", table="snaptest_widget",
        fields='("name", models.CharField(max_length=64))'))
    (module / "data" / "menus.toml").write_text(WIDGET_MENUS + (GADGET_MENUS if version >= 2 else ""))
    if version >= 2:
        (module / "migrations" / "0002_gadget.py").write_text(MIGRATION.format(
            initial=False, dependencies=[("snaptest_widgets", "0001_initial")], model="Gadget", table="snaptest_gadget",
            fields='("label", models.CharField(max_length=64)), ("size", models.IntegerField(default=1))'))


def test_diff_of_two_snapshots_around_an_upgrade_names_the_module_and_its_new_model(site, serve, tmp_path):
    addons = tmp_path / "test_addons"
    write_widgets_module(addons, version=1)
    site.addons_path = [str(addons)]
    repository = make_repository(tmp_path / "repository")
    use_repository(site, repository)
    assert site.workos("module", "install", "snaptest_widgets").returncode == 0
    server = serve(site)
    old, new = tmp_path / "old", tmp_path / "new"
    first = snapshot(site, server, "--out", str(old), login=False)
    assert first.returncode == 0, first.stderr
    # The snapshot also goes into the repository, committed the way a deploy does.
    assert snapshot(site, server, login=False).returncode == 0
    git(repository, "add", "docs")
    git(repository, "commit", "-q", "-m", "snapshot before [skip ci]")

    write_widgets_module(addons, version=2)
    upgraded = site.workos("module", "upgrade", "snaptest_widgets")
    assert upgraded.returncode == 0, upgraded.stderr
    second = snapshot(site, server, "--out", str(new), login=False)
    assert second.returncode == 0, second.stderr
    assert snapshot(site, server, login=False).returncode == 0
    git(repository, "add", "docs")
    git(repository, "commit", "-q", "-m", "snapshot after [skip ci]")

    text = run(site, "snapshot", "diff", str(old), str(new))
    as_json = run(site, "snapshot", "diff", str(old), str(new), "--json")
    from_git = run(site, "snapshot", "diff", "--git", "HEAD~1", "HEAD", "--json")
    unchanged = run(site, "snapshot", "diff", str(new), str(new), "--exit-code")
    changed = run(site, "snapshot", "diff", str(old), str(new), "--exit-code")

    assert text.returncode == 0, text.stderr
    assert "modules upgraded (1):\n  snaptest_widgets 1.0.0 -> 2.0.0\n" in text.stdout
    assert "models added (1):\n  snaptest.gadget (snaptest_widgets; 3 fields)\n" in text.stdout
    assert "menus added (1):\n  Widgets / Gadgets [snaptest_widgets.menu_gadgets]\n" in text.stdout
    result = json.loads(as_json.stdout)
    assert result["modules"]["upgraded"] == [{"name": "snaptest_widgets", "old": "1.0.0", "new": "2.0.0"}]
    assert result["modules"]["installed"] == result["modules"]["removed"] == []
    assert [m["model"] for m in result["models"]["added"]] == ["snaptest.gadget"]
    assert result["models"]["removed"] == [] and result["fields"]["added"] == []
    assert [a["xmlid"] for a in result["actions"]["added"]] == ["snaptest_widgets.action_gadgets"]
    gadget_action = site.sql("SELECT id FROM ir_act_window WHERE res_model = 'snaptest.gadget'")[0][0]
    assert {"url": f"/web/action/{gadget_action}", "status": 302} in result["http_routes"]["added"]
    assert json.loads(from_git.stdout)["modules"] == result["modules"]
    assert json.loads(from_git.stdout)["models"] == result["models"]
    assert unchanged.returncode == 0 and "no differences" in unchanged.stdout
    assert changed.returncode == 1
    # After the deploy's commit of the artifacts the snapshot still checks clean.
    check = run(site, "snapshot", "--check", "--base-url", server.base_url)
    assert check.returncode == 0, check.stderr + check.stdout
