"""Dependency closure and topological order, refusing missing dependencies and cycles before anything changes."""

from __future__ import annotations

from .manifest import Manifest


class DependencyError(Exception):
    """A dependency that is missing, invalid or part of a cycle; the message names the chain."""


def dependency_closure(
    requested: list[str], modules: dict[str, Manifest], invalid: dict[str, Exception] | None = None
) -> list[str]:
    """Every module ``requested`` needs, itself included, dependencies before dependents (stable, by name)."""
    invalid = invalid or {}
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in chain:
            cycle = " -> ".join([*chain[chain.index(name) :], name])
            raise DependencyError(f"dependency cycle: {cycle}")
        if name in invalid:
            path = " -> ".join([*chain, name])
            raise DependencyError(f"module {name} has an invalid manifest (required by {path}): {invalid[name]}")
        manifest = modules.get(name)
        if manifest is None:
            if chain:
                path = " -> ".join([*chain, name])
                raise DependencyError(f"missing dependency {name}: {path}; {name} is not on the addons path")
            raise DependencyError(f"module {name} is not on the addons path")
        if not manifest.installable:
            raise DependencyError(f"module {name} is not installable (its manifest says installable: False)")
        for dependency in sorted(manifest.depends):
            visit(dependency, (*chain, name))
        done.add(name)
        order.append(name)

    for name in requested:
        visit(name, ())
    return order


def topological_order(names: set[str] | list[str], modules: dict[str, Manifest]) -> list[str]:
    """``names`` ordered dependencies-first; dependencies outside ``names`` are ignored."""
    selected = set(names)
    return [name for name in dependency_closure(sorted(selected), modules) if name in selected]


def dependents(name: str, candidates: set[str], modules: dict[str, Manifest]) -> set[str]:
    """The modules among ``candidates`` that depend on ``name``, directly or through others."""
    found: set[str] = set()
    frontier = {name}
    while frontier:
        frontier = {
            candidate
            for candidate in candidates - found - {name}
            if candidate in modules and frontier.intersection(modules[candidate].depends)
        }
        found |= frontier
    return found
