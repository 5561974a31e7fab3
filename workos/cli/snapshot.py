"""``workos snapshot``: write, check and compare the runtime snapshot artifacts (docs/SNAPSHOTS.md).

Never sets Django up: the snapshot reads the database with raw SQL, git with git, and the server over HTTP,
so it records what the system really runs, whatever code this process has loaded.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from . import EXIT_FAILED, EXIT_OK, EXIT_USAGE, fail, pass_context

SNAPSHOT_KEYS = {"login", "password_env", "token_env", "tree_depth"}
CRAWL_KEYS = {"max_pages", "max_depth", "budget", "concurrency", "timeout", "exclude"}


def credentials_from(login: str | None, password_env: str | None, token_env: str | None, defaults: dict):
    """Credentials from the options, else from ``[snapshot]``; secrets only ever come from the environment."""
    from workos.ops.crawl import Credentials

    if not (login or password_env or token_env):
        login, password_env, token_env = defaults.get("login"), defaults.get("password_env"), defaults.get("token_env")
    if token_env and (login or password_env):
        fail("give --login USER --password-env VAR, or --token-env VAR, not both", EXIT_USAGE)
    if bool(login) != bool(password_env):
        fail("--login and --password-env go together", EXIT_USAGE)
    password = token = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            fail(f"environment variable {password_env} (the password for {login}) is not set or empty", EXIT_USAGE)
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            fail(f"environment variable {token_env} (the bearer token) is not set or empty", EXIT_USAGE)
    return Credentials(login=login, password=password, token=token)


def free_form(config, section: str, allowed: set[str]) -> dict:
    values = config.section(section)
    unknown = sorted(set(values) - allowed)
    if unknown:
        fail(f"configuration error: unknown setting [{section}] {unknown[0]}; known: {', '.join(sorted(allowed))}", EXIT_USAGE)
    return values


def crawl_limits(config, overrides: dict):
    """Crawl limits: the command's options, then ``[crawl]``, then the defaults."""
    from workos.ops.crawl import CrawlLimits

    values = free_form(config, "crawl", CRAWL_KEYS)
    limits = {key: values[key] for key in ("max_pages", "max_depth", "budget", "concurrency", "timeout") if key in values}
    limits.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return CrawlLimits(**limits)
    except ValueError as error:
        fail(f"crawl limit: {error} (options or [crawl] in the configuration)", EXIT_USAGE)


def crawl_exclude(config, patterns: tuple[str, ...]) -> tuple[str, ...]:
    configured = free_form(config, "crawl", CRAWL_KEYS).get("exclude", [])
    if isinstance(configured, str) or not all(isinstance(p, str) for p in configured):
        fail("configuration error: [crawl] exclude must be a list of patterns", EXIT_USAGE)
    return tuple(configured) + tuple(patterns)


def check_base_url(url: str, origin: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"{origin}: {url!r} is not an http(s) URL", EXIT_USAGE)
    return url.rstrip("/")


def build_settings(context, environment, out, base_url, login, password_env, token_env):
    from workos.ops.snapshot import ENVIRONMENT_NAME, SnapshotSettings

    config = context.config
    environment = environment or config.get("deploy", "environment")
    if not ENVIRONMENT_NAME.match(environment):
        fail(f"environment name {environment!r} must be letters, digits, '-' or '_' (it is part of file names)", EXIT_USAGE)
    repo_root = Path(config.get("deploy", "repo_root"))
    snapshot_settings = free_form(config, "snapshot", SNAPSHOT_KEYS)
    tree_depth = snapshot_settings.get("tree_depth", 2)
    if not isinstance(tree_depth, int) or isinstance(tree_depth, bool) or not 1 <= tree_depth <= 20:
        fail(f"configuration error: [snapshot] tree_depth must be an integer from 1 to 20, got {tree_depth!r}", EXIT_USAGE)
    return SnapshotSettings(
        config=config,
        environment=environment,
        out_dir=Path(out) if out else repo_root / "docs",
        repo_root=repo_root,
        base_url=check_base_url(base_url or config.get("deploy", "base_url"), "--base-url" if base_url else "[deploy] base_url"),
        credentials=credentials_from(login, password_env, token_env, snapshot_settings),
        crawl_limits=crawl_limits(config, {}),
        crawl_exclude=crawl_exclude(config, ()),
        tree_depth=tree_depth,
    )


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KiB"


def report_and_exit(report, as_json: bool) -> None:
    """Print the report (JSON on stdout, or lines for people) and exit 0 when valid, 1 otherwise."""
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True))
    else:
        for result in report.artifacts:
            if result.verdict == "valid":
                note = f"  ({'; '.join(result.findings)})" if result.findings else ""
                click.echo(f"ok      {result.name:<22} {result.relative_path:<44} {_size(result.size):>10}{note}")
            else:
                click.echo(f"FAILED  {result.name:<22} {result.relative_path}")
    errors = report.errors
    if report.command == "snapshot" and not report.ok:
        click.secho(f"error: snapshot failed: {len(errors)} artifact(s) could not be produced or validated; "
                    f"nothing was written to {report.out}", fg="red", err=True)
    elif report.command == "check" and not report.ok:
        click.secho(f"error: check failed: {len(errors)} artifact(s) in {report.out} do not match the live system",
                    fg="red", err=True)
    # One line per failing artifact, last, so that a caller reading the last error line finds an artifact and cause.
    for error in errors:
        click.secho(f"error: {error['artifact']} ({error['path']}): {error['cause']}", fg="red", err=True)
    if report.ok and not as_json:
        if report.command == "snapshot":
            click.echo(f"snapshot of {report.environment} written to {report.out} (manifest {report.manifest})")
        else:
            click.echo(f"all {len(report.artifacts)} artifacts in {report.out} match the live system")
    sys.exit(EXIT_OK if report.ok else EXIT_FAILED)


@click.group(invoke_without_command=True)
@click.option("--env", "environment", metavar="NAME", help="Environment name in the file names (default: [deploy] environment).")
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default: <[deploy] repo_root>/docs).")
@click.option("--base-url", metavar="URL", help="The running server to crawl (default: [deploy] base_url).")
@click.option("--login", metavar="USER", help="Crawl logged in as USER (with --password-env).")
@click.option("--password-env", metavar="VAR", help="Environment variable holding USER's password.")
@click.option("--token-env", metavar="VAR", help="Environment variable holding a bearer token for /api/ URLs.")
@click.option("--check", "check_only", is_flag=True, help="Re-validate the artifacts in --out against the live system; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report on stdout.")
@click.pass_context
def snapshot(ctx, environment, out, base_url, login, password_env, token_env, check_only, as_json):
    """Write the runtime snapshot artifacts: what the system really runs, from live sources only.

    \b
    docs/repo/GIT_STATE.<env>.txt, REPO_TREE.<env>.md, REPO_SNAPSHOT.<env>.json
    docs/runtime/ODOO_MENU_SITEMAP, ODOO_MODEL_SNAPSHOT, ODOO_ACTIONS, HTTP_SITEMAP (.json),
    MODULE_STATES (.csv), ADDONS_PATH, CONTAINER_PATH_CHECK, IPAI_MODULE_STATUS (.txt)
    docs/PROD_SNAPSHOT_MANIFEST.md: path, size, sha256, time, source and verdict of each

    Every artifact is validated against its source before anything is written; if one cannot be produced
    or does not validate, nothing is written. Crawl limits come from [crawl], credentials may come from
    [snapshot] (login, password_env, token_env). See docs/SNAPSHOTS.md.

    Exit codes: 0 written (or, with --check, all artifacts match the live system); 1 an artifact failed
    (nothing written) or, with --check, does not match; 2 wrong usage or configuration.
    """
    if ctx.invoked_subcommand is not None:
        if any((environment, out, base_url, login, password_env, token_env, check_only, as_json)):
            fail(f"options go after the subcommand: workos snapshot {ctx.invoked_subcommand} ...", EXIT_USAGE)
        return
    from workos.ops.snapshot import check, generate
    from workos.ops.snapshot.run import read_manifest
    from workos.ops.snapshot.sources import SourceError

    context = ctx.obj
    if check_only and environment is None:
        # --check describes the snapshot on disk: its manifest says which environment it is.
        folder = Path(out) if out else Path(context.config.get("deploy", "repo_root")) / "docs"
        try:
            environment = read_manifest(folder).environment
        except SourceError:
            pass  # check() reports the missing or broken manifest
    settings = build_settings(context, environment, out, base_url, login, password_env, token_env)
    report = check(settings) if check_only else generate(settings)
    report_and_exit(report, as_json)


@snapshot.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--git", "from_git", is_flag=True, help="OLD and NEW are git revisions of [deploy] repo_root (default: "
              "folders; revisions are also recognised when no such folder exists).")
@click.option("--path", "prefix", default="docs", show_default=True, help="With --git: the snapshot folder inside the repository.")
@click.option("--env", "environment", metavar="NAME", help="Environment to compare (default: the only one present, "
              "else [deploy] environment).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the snapshots differ (like git diff --exit-code).")
@pass_context
def diff(context, old, new, from_git, prefix, environment, as_json, exit_code):
    """Compare two snapshots: modules installed/upgraded/removed, models and fields, menus, actions, HTTP routes
    and status changes. OLD and NEW are snapshot folders (what --out pointed at) or, with --git, revisions.

    Exit codes: 0 compared (with --exit-code: and no differences), 1 differences with --exit-code, or a
    snapshot could not be read; 2 wrong usage.
    """
    from workos.ops.snapshot.diff import DirectoryReader, diff_snapshots, git_reader, has_changes, render_diff
    from workos.ops.snapshot.sources import Git, SourceError

    readers = []
    git = None
    for argument in (old, new):
        if not from_git and Path(argument).is_dir():
            readers.append(DirectoryReader(Path(argument).resolve()))
            continue
        git = git or Git(Path(context.config.get("deploy", "repo_root")))
        try:
            readers.append(git_reader(git, argument, prefix.strip("/")))
        except SourceError as error:
            what = "is not a folder, and " if not from_git else ""
            fail(f"{argument!r} {what}{error}", EXIT_USAGE)
    try:
        if environment is None:
            found = sorted(set(readers[0].environments()) & set(readers[1].environments()))
            environment = found[0] if len(found) == 1 else context.config.get("deploy", "environment")
        result = diff_snapshots(readers[0], readers[1], environment)
    except SourceError as error:
        fail(str(error), EXIT_FAILED)
    missing_everything = all(name not in result for name in ("modules", "models", "menus"))
    if missing_everything:
        for note in result["notes"]:
            click.secho(f"error: {note}", fg="red", err=True)
        fail(f"no snapshot of environment {environment!r} to compare (see above)", EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        click.echo(render_diff(result), nl=False)
    sys.exit(EXIT_FAILED if exit_code and has_changes(result) else EXIT_OK)
