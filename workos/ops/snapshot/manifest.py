"""PROD_SNAPSHOT_MANIFEST.md: the index of a snapshot — path, size, sha256, time, source and verdict of each
artifact — in Markdown a person reads and ``--check`` parses back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import ArtifactInvalid

MANIFEST_NAME = "PROD_SNAPSHOT_MANIFEST.md"
COLUMNS = ["artifact", "path", "size", "sha256", "generated at", "source", "verdict"]
HEADER_FIELDS = ["environment", "generated at", "generator", "repository", "git sha", "database", "base url", "verdict"]
FIELD_LINE = re.compile(r"^- (?P<key>[a-z0-9 ]+): (?P<value>.*)$")


@dataclass
class ManifestEntry:
    artifact: str
    path: str  # relative to the manifest's folder
    size: int
    sha256: str
    generated_at: str
    source: str
    verdict: str


@dataclass
class Manifest:
    fields: dict[str, str]
    entries: list[ManifestEntry] = field(default_factory=list)

    @property
    def environment(self) -> str:
        return self.fields["environment"]

    def entry(self, artifact: str) -> ManifestEntry | None:
        return next((e for e in self.entries if e.artifact == artifact), None)


def _cell(value: object) -> str:
    return str(value).replace("|", "/").replace("\n", " ")


def render_manifest(manifest: Manifest) -> str:
    environment = manifest.fields["environment"]
    lines = [
        "# PROD_SNAPSHOT_MANIFEST",
        "",
        f"WorkOS runtime snapshot of environment **{environment}**, written by `workos snapshot`. Every artifact",
        "below was validated against its live source before anything was written; `workos snapshot --check`",
        "re-validates them against the running system, and `workos snapshot diff` compares two snapshots.",
        "",
    ]
    lines += [f"- {key}: {manifest.fields[key]}" for key in HEADER_FIELDS]
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for entry in manifest.entries:
        cells = [entry.artifact, entry.path, entry.size, entry.sha256, entry.generated_at, entry.source, entry.verdict]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def parse_manifest(text: str) -> Manifest:
    lines = text.splitlines()
    if not lines or lines[0] != "# PROD_SNAPSHOT_MANIFEST":
        raise ArtifactInvalid("line 1: expected '# PROD_SNAPSHOT_MANIFEST'")
    fields: dict[str, str] = {}
    entries: list[ManifestEntry] = []
    header_seen = False
    for number, line in enumerate(lines, start=1):
        match = FIELD_LINE.match(line)
        if match and not header_seen:
            fields[match["key"]] = match["value"]
            continue
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells == COLUMNS:
            header_seen = True
            continue
        if set("".join(cells)) <= {"-", ":"}:
            continue
        if len(cells) != len(COLUMNS) or not cells[2].isdigit():
            raise ArtifactInvalid(f"line {number}: expected {len(COLUMNS)} cells ({', '.join(COLUMNS)})")
        entries.append(ManifestEntry(cells[0], cells[1], int(cells[2]), cells[3], cells[4], cells[5], cells[6]))
    missing = [key for key in HEADER_FIELDS if key not in fields]
    if missing:
        raise ArtifactInvalid(f"missing header fields: {', '.join(missing)}")
    if not entries:
        raise ArtifactInvalid("the artifact table is missing or empty")
    return Manifest(fields=fields, entries=entries)
