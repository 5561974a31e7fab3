"""Module commands come with their modules: a module's ``cli.py`` adds commands to ``workos`` while the module is
installed, and they are gone — from ``workos --help`` and from the command line — when it is not. Core commands
need no database."""

import json
import re

CORE_COMMANDS = {"backup", "config", "crawl", "demo", "deploy", "module", "restore", "rollback", "serve", "snapshot", "user", "verify", "watch"}


def help_sections(site) -> dict[str, set[str]]:
    """The command names ``workos --help`` lists, by section ("Commands", "Module commands")."""
    result = site.workos("--help")
    assert result.returncode == 0, result.stderr
    sections, current = {}, None
    for line in result.stdout.splitlines():
        if re.match(r"^\S.*:$", line):
            current = sections.setdefault(line[:-1], set())
        elif current is not None and (match := re.match(r"^  (\S+)\s{2,}", line)):
            current.add(match.group(1))
    return sections


def test_an_installed_modules_commands_appear_and_run_and_go_when_it_is_uninstalled(site):
    assert help_sections(site).get("Module commands", set()) == set()

    site.workos("module", "install", "ipai_platform_audit", check=True)

    sections = help_sections(site)
    assert sections["Commands"] == CORE_COMMANDS
    assert sections["Module commands"] == {"audit"}
    verified = site.workos("audit", "verify", "--json")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["ok"] is True
    absent = site.workos("db", "reindex")
    assert absent.returncode == 1
    assert "No such command 'db'" in absent.stderr and "ipai_workos_db is not installed" in absent.stderr

    site.workos("module", "uninstall", "ipai_platform_audit", check=True)

    assert help_sections(site).get("Module commands", set()) == set()
    gone = site.workos("audit", "verify")
    assert gone.returncode == 1 and "No such command 'audit'" in gone.stderr
    assert site.workos("audit", "--help").returncode == 1


def test_the_suite_brings_the_db_import_export_pages_and_audit_commands(site):
    site.workos("module", "install", "ipai_workos_db", check=True)

    assert help_sections(site)["Module commands"] == {"audit", "db", "export", "import", "pages"}
    reindex = site.workos("db", "reindex", "--check")
    assert reindex.returncode == 0, reindex.stderr
    purge = site.workos("pages", "purge-trash", "--dry-run", "--json")
    assert purge.returncode == 0 and json.loads(purge.stdout)["trees"] == 0


def test_an_unknown_command_is_still_a_usage_error(site):
    result = site.workos("no-such-thing")

    assert result.returncode == 2 and "No such command 'no-such-thing'" in result.stderr


def test_core_commands_need_no_database(site):
    # Nothing listens on port 1: the installed modules cannot be read.
    site.database_url = "postgresql://workos@127.0.0.1:1/workos"
    site.write_config()

    sections = help_sections(site)
    checked = site.workos("config", "check", "--json")
    reindex = site.workos("db", "reindex")

    assert sections["Commands"] == CORE_COMMANDS and "Module commands" in sections
    assert "unavailable: cannot read the installed modules" in site.workos("--help").stdout
    assert checked.returncode == 0 and json.loads(checked.stdout)["values"]["database"]["url"].endswith(":1/workos")
    assert reindex.returncode == 1 and "module commands are unavailable" in reindex.stderr
    assert not (site.root / "var").exists()  # Django never started: it would have made the data folder


def test_a_module_adds_a_command_with_one_file(addons_site, test_addons):
    (test_addons / "kt_alpha" / "cli.py").write_text(
        "import click\n\n\n"
        "@click.command()\n"
        "def hello():\n"
        '    """Say hello (module kt_alpha)."""\n'
        '    click.echo("hello from kt_alpha")\n\n\n'
        "@click.command()\n"
        "def module():\n"
        '    """A name the core already has."""\n\n\n'
        "commands = [hello, module]\n"
    )
    (test_addons / "kt_beta" / "cli.py").write_text("raise RuntimeError('broken on purpose')\n")
    assert addons_site.workos("hello").returncode == 1  # kt_alpha is on the addons path, not installed

    addons_site.workos("module", "install", "kt_beta", check=True)  # and kt_alpha, its dependency

    result = addons_site.workos("hello")
    assert result.returncode == 0 and result.stdout == "hello from kt_alpha\n"
    assert "module kt_alpha: command 'module' is ignored: workos already has it" in result.stderr
    assert "module kt_beta: its commands are not available: RuntimeError: broken on purpose" in result.stderr
    assert help_sections(addons_site)["Module commands"] == {"hello"}
    assert addons_site.workos("module", "list", "--json").returncode == 0  # the core command stays the core's
