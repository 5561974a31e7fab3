import json

import click

from . import pass_context


@click.group()
def config():
    """Inspect the configuration (no database needed)."""


@config.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved configuration as JSON.")
@pass_context
def check(context, as_json: bool):
    """Load workos.toml and WORKOS_* variables and report the resolved values, or the setting that is wrong."""
    resolved = context.config
    values = {section: dict(keys) for section, keys in resolved.values.items()}
    values["server"]["secret_key"] = "(set)" if values["server"]["secret_key"] else "(generated in data_dir)"
    values["database"]["url"] = _hide_password(values["database"]["url"])
    if as_json:
        click.echo(json.dumps({"source": str(resolved.source) if resolved.source else None, "values": values}, indent=2, sort_keys=True))
        return
    click.echo(f"configuration file: {resolved.source or '(none: defaults and environment)'}")
    for section, keys in values.items():
        click.echo(f"[{section}]")
        for key, value in keys.items():
            click.echo(f"  {key} = {value!r}")


def _hide_password(url: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url
