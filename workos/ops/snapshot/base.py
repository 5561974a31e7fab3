"""What every snapshot artifact is: a registry entry that collects, renders, parses and validates itself.

An artifact never writes a file itself. ``workos.ops.snapshot.run`` asks each one to collect its data from
the live sources, render it, parse the rendered text back and validate it against the same sources; only
when every artifact passes are the files written. ``--check`` uses the same parse and validate steps on the
files already on disk, then compares them with a fresh collection.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from workos.kernel.registry import Registry

from .sources import Sources

# Text a generator must never produce: the marks of a stub or an unfinished template.
PLACEHOLDER_WORDS = re.compile(r"\b(TODO|TBD|FIXME|XXX|PLACEHOLDER|CHANGEME)\b")
PLACEHOLDER_PHRASES = re.compile(r"lorem ipsum|<(unknown|placeholder|fill[ -]?in)>", re.IGNORECASE)


class ArtifactInvalid(Exception):
    """An artifact's text does not parse, or disagrees with its source; the message says where and why."""


class Artifact:
    """One snapshot file. Subclasses set the class attributes and implement collect/render/parse/validate."""

    name: ClassVar[str] = ""
    folder: ClassVar[str] = ""  # "repo" or "runtime", under the output folder
    suffix: ClassVar[str] = ""
    source: ClassVar[str] = ""  # "git", "database", "addons path", "running code", "server"
    description: ClassVar[str] = ""

    def relative_path(self, environment: str) -> str:
        return f"{self.folder}/{self.name}.{environment}.{self.suffix}"

    def collect(self, sources: Sources) -> Any:
        raise NotImplementedError

    def render(self, data: Any, environment: str) -> str:
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def validate(self, parsed: Any, sources: Sources) -> list[str]:
        """Problems with a parsed artifact measured against the live source (counts, required entries)."""
        return []

    def findings(self, parsed: Any) -> list[str]:
        """What the artifact records that an operator should look at; recorded in the manifest, not fatal."""
        return []

    def stable(self, parsed: Any) -> Any:
        """The parsed artifact without what legitimately changes between two runs (timings)."""
        return parsed

    def compare(self, recorded: Any, live: Any, sources: Sources) -> list[str]:
        """Where an artifact on disk no longer matches the live system (``--check``)."""
        return differences(self.stable(recorded), self.stable(live))


ARTIFACTS: Registry[Artifact] = Registry("snapshot artifact")


def register(artifact_class: type[Artifact]) -> type[Artifact]:
    ARTIFACTS.register(artifact_class.name, artifact_class())
    return artifact_class


def ordered_artifacts() -> list[Artifact]:
    """Every artifact, repository ones first, each group by name: the order of the manifest and of a run."""
    return sorted((artifact for _, artifact in ARTIFACTS.items()), key=lambda a: (a.folder, a.name))


def text_problems(text: str) -> list[str]:
    problems = []
    if not text.strip():
        problems.append("the file is empty")
    elif not text.endswith("\n"):
        problems.append("the file does not end with a newline")
    for pattern in (PLACEHOLDER_WORDS, PLACEHOLDER_PHRASES):
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"placeholder text {match.group(0)!r} at line {line}")
    return problems


# --- JSON artifacts ------------------------------------------------------------------------------------


def dump_json(data: Any) -> str:
    """Stable JSON: sorted keys, two-space indent, one trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class JsonArtifact(Artifact):
    suffix = "json"

    def render(self, data: dict, environment: str) -> str:
        return dump_json({"artifact": self.name, "environment": environment, **data})

    def parse(self, text: str) -> dict:
        try:
            document = json.loads(text)
        except ValueError as error:
            raise ArtifactInvalid(f"not valid JSON: {error}") from None
        if not isinstance(document, dict) or document.get("artifact") != self.name:
            raise ArtifactInvalid(f"not a {self.name} document (its \"artifact\" key is missing or different)")
        return document


# --- sectioned text artifacts ----------------------------------------------------------------------------
#
#   # Title
#   key: value
#   list key (2):
#     item
#     item
#
# Counts in list headers let a reader (and the validator) see at once that nothing was cut off.

LIST_HEADER = re.compile(r"^(?P<key>[^:]+) \((?P<count>\d+)\):$")


def render_sections(title: str, entries: list[tuple[str, Any]]) -> str:
    lines = [f"# {title}", ""]
    for key, value in entries:
        if isinstance(value, (list, tuple)):
            lines.append(f"{key} ({len(value)}):")
            lines.extend(f"  {item}" for item in value)
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def parse_sections(text: str) -> tuple[str, dict[str, Any]]:
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ArtifactInvalid("line 1: expected a '# title' line")
    title = lines[0][2:]
    values: dict[str, Any] = {}
    current: list[str] | None = None
    expected = 0
    current_key = ""
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        if line.startswith("  "):
            if current is None:
                raise ArtifactInvalid(f"line {number}: an indented item outside a list")
            current.append(line[2:])
            continue
        if current is not None and len(current) != expected:
            raise ArtifactInvalid(f"{current_key}: the header says {expected} items, the list has {len(current)}")
        current = None
        header = LIST_HEADER.match(line)
        if header:
            current_key, expected = header["key"], int(header["count"])
            current = values[current_key] = []
            continue
        key, separator, value = line.partition(": ")
        if not separator:
            raise ArtifactInvalid(f"line {number}: expected 'key: value', got {line!r}")
        values[key] = value
    if current is not None and len(current) != expected:
        raise ArtifactInvalid(f"{current_key}: the header says {expected} items, the list has {len(current)}")
    return title, values


def require_keys(values: dict, *keys: str) -> None:
    missing = [key for key in keys if key not in values]
    if missing:
        raise ArtifactInvalid(f"missing {', '.join(repr(k) for k in missing)}")


# --- differences, for --check and for diff ----------------------------------------------------------------

IDENTITY_KEYS = ("xmlid", "model", "url", "path", "name", "id")


def _identity(items: list) -> str | None:
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in IDENTITY_KEYS:
        values = [item.get(key) for item in items]
        if all(value is not None for value in values) and len(set(map(str, values))) == len(values):
            return key
    return None


def differences(recorded: Any, live: Any, where: str = "", limit: int = 20) -> list[str]:
    """Human-readable differences between two JSON-like values, at most ``limit`` of them."""
    found: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if len(found) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                sub = f"{path}.{key}" if path else str(key)
                if key not in a:
                    found.append(f"{sub}: not recorded, live has {_short(b[key])}")
                elif key not in b:
                    found.append(f"{sub}: recorded {_short(a[key])}, gone from the live system")
                else:
                    walk(a[key], b[key], sub)
            return
        if isinstance(a, list) and isinstance(b, list):
            key = _identity(a + b)
            if key:
                walk({str(item[key]): item for item in a}, {str(item[key]): item for item in b}, path)
                return
            if len(a) == len(b):
                for index, (x, y) in enumerate(zip(a, b)):
                    walk(x, y, f"{path}[{index}]")
                return
        found.append(f"{path or 'value'}: recorded {_short(a)}, live {_short(b)}")

    walk(recorded, live, where)
    return found[:limit]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
