"""Demo content (``workos demo load``): each installed module adds its part through its own services.

A module with demo content has a ``demo.py`` (or a ``demo/`` package beside its content files) defining
``load(demo)``. The kernel calls them in dependency order, so a module builds on what the modules it depends
on made, and the demo grows with the installed modules. Everything is made through the modules' services, so
it is permission-checked and audited like anything a user makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .addons import module_part


class DemoExists(Exception):
    """Raised by a module's ``load`` when it finds the demo of an earlier run: the demo is loaded once, and a
    second run changes nothing. The message is what the command prints."""


@dataclass
class Demo:
    """The demo being made, handed from module to module.

    ``made`` holds what a module made for the modules after it, by name (core puts its workspace, spaces and
    welcome page there). ``report`` holds one line per subject; a later module may restate a subject (blocks
    turns core's plain welcome page into pages imported from Markdown), so the report says what the demo
    finally holds rather than every step.
    """

    user: Any
    made: dict[str, Any] = field(default_factory=dict)
    report: dict[str, str] = field(default_factory=dict)


def load_demo(user, module_names: Iterable[str]) -> list[str]:
    """Load the demo parts of ``module_names`` (dependencies first) for ``user``; return what was done."""
    demo = Demo(user=user)
    for name in module_names:
        part = module_part(name, "demo")
        if part is None:
            continue
        try:
            part.load(demo)
        except DemoExists as exists:
            return [str(exists)]
    return list(demo.report.values()) or ["no installed module has demo content"]
