"""Commands contributed by modules, found like Odoo finds its ``Command`` subclasses.

A module offers commands with a ``cli.py`` beside its ``services.py`` whose ``commands`` lists its click
commands (usually one group named after what it manages: ``db``, ``pages``, ``audit``). The file's presence
is the declaration. Only the modules the database records as installed are looked at — the kernel's one raw
query, before Django starts — so an uninstalled module's commands neither show in ``workos --help`` nor run.
A ``cli.py`` is imported before Django is set up: it imports its module's services inside its commands.

When the installed modules cannot be read (no database server, a wrong URL), module commands are simply
absent and the core commands work as ever.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click

from workos.kernel.addons import AddonsScan, make_importable, module_part, scan_addons
from workos.kernel.bootstrap import active_module_names
from workos.settings.config import Config

CLI_PART = "cli"


@dataclass
class ModuleCommands:
    """The commands of the installed modules, by name, with the module that offers each."""

    commands: dict[str, click.Command] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # a module's cli.py that is broken, or a name taken twice
    unavailable: str = ""  # why the installed modules could not be read; empty when they were
    config_error: str = ""  # the configuration itself is wrong (then it is also the reason above)
    addons: AddonsScan | None = None
    installed: list[str] = field(default_factory=list)


def commands_of(module: str) -> list[click.Command]:
    """The commands module ``module``'s ``cli.py`` offers; none when it has no ``cli.py``."""
    part = module_part(module, CLI_PART)
    if part is None:
        return []
    commands = getattr(part, "commands", None)
    if not isinstance(commands, list) or not all(isinstance(command, click.Command) for command in commands):
        raise TypeError(f"{module}.cli.commands must be a list of click commands")
    return commands


def installed_module_commands(config: Config, taken: set[str]) -> ModuleCommands:
    """The commands of the modules installed in ``config``'s database, in dependency order. A name in ``taken``
    (a core command) or offered by an earlier module is refused and reported, never silently replaced."""
    found = ModuleCommands(addons=scan_addons(config.addons_path))
    make_importable(config.addons_path)
    try:
        found.installed = active_module_names(found.addons, config.database_url, "installed")
    except Exception as error:  # any database error: unreachable server, wrong credentials, unreadable file
        found.unavailable = f"cannot read the installed modules: {type(error).__name__}: {error}".strip()
        return found
    for module in found.installed:
        try:
            commands = commands_of(module)
        except Exception as error:  # one broken module must not take the core commands down with it
            found.problems.append(f"module {module}: its commands are not available: {type(error).__name__}: {error}")
            continue
        for command in commands:
            owner = found.owners.get(command.name) or ("workos" if command.name in taken else None)
            if owner:
                found.problems.append(f"module {module}: command {command.name!r} is ignored: {owner} already has it")
                continue
            found.commands[command.name] = command
            found.owners[command.name] = module
    return found


def uninstalled_module_offering(found: ModuleCommands, name: str) -> str | None:
    """The module on the addons path, not installed, whose ``cli.py`` offers command ``name`` (for the hint)."""
    if found.addons is None or found.unavailable:
        return None
    for module in sorted(set(found.addons.modules) - set(found.installed)):
        try:
            if any(command.name == name for command in commands_of(module)):
                return module
        except Exception:  # a broken module that is not even installed is no reason to fail here
            continue
    return None
