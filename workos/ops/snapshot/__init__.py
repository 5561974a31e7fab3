"""Runtime snapshot artifacts (DESIGN.md §5): a faithful, diffable record of what a WorkOS system runs.

Each artifact is one entry of the ``ARTIFACTS`` registry (``base.py``), keyed by its contract name
(``GIT_STATE``, ``ODOO_MODEL_SNAPSHOT`` ...), and knows how to collect its data from the live sources
(``sources.py``), render it, parse it back and validate it. ``run.generate`` writes a snapshot only when every
artifact is valid; ``run.check`` re-validates a written one; ``diff.diff_snapshots`` compares two.
"""

from . import container, http, repo, runtime  # noqa: F401  (each module registers its artifacts)
from .base import ARTIFACTS, Artifact, ArtifactInvalid, ordered_artifacts
from .manifest import MANIFEST_NAME
from .run import Report, check, generate
from .sources import ENVIRONMENT_NAME, SnapshotSettings, SourceError, Sources

__all__ = [
    "ARTIFACTS", "Artifact", "ArtifactInvalid", "ENVIRONMENT_NAME", "MANIFEST_NAME", "Report", "SnapshotSettings",
    "SourceError", "Sources", "check", "generate", "ordered_artifacts",
]
