"""A registry of things that vary by type (block types, property types, data loaders ...).

Entries are registered while apps start (``AppConfig.ready``); once the process has started, the registry
is frozen and refuses new keys, so that what a type means cannot change under a running server.
"""

from __future__ import annotations

from typing import Generic, Iterator, TypeVar

T = TypeVar("T")

_all_registries: list["Registry"] = []


class RegistryError(Exception):
    pass


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._frozen = False
        _all_registries.append(self)

    def register(self, key: str, entry: T) -> T:
        if self._frozen:
            raise RegistryError(f"{self.kind} registry is frozen after start-up; cannot add {key!r}")
        if key in self._entries:
            raise RegistryError(f"{self.kind} {key!r} is already registered")
        self._entries[key] = entry
        return entry

    def get(self, key: str) -> T:
        try:
            return self._entries[key]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise RegistryError(f"unknown {self.kind} {key!r}; known: {known}") from None

    def find(self, key: str) -> T | None:
        """The entry under ``key``, or None (a stored type whose module is gone): one dictionary lookup."""
        return self._entries.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._entries.items())

    def freeze(self) -> None:
        self._frozen = True


def freeze_all() -> None:
    """Called once every app is ready."""
    for registry in _all_registries:
        registry.freeze()
