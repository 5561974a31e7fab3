"""What a deploy leaves behind when it is killed or stopped in phases 5 to 7, and how the next run recognises
it as its own.

Phase 5 writes the snapshot artifacts, phase 6 stages and commits them (``[skip ci]``), phase 7 pushes. A run
that dies in between leaves artifacts in the tree (staged, perhaps with git's ``index.lock`` of the killed
``git commit``), or an artifact commit that exists only locally. Those are recognised by what they are — files
matching the artifact names of this environment, commits with the artifact message touching only those files
— and by the deploy history (the previous run ended in that phase), never by guessing: anything else in the
tree still refuses the deploy.
"""

from __future__ import annotations

import fnmatch
import glob
from pathlib import Path

from . import history
from .gitrepo import GitRepo

ARTIFACT_COMMIT_MESSAGE = "docs(runtime): add WorkOS production snapshot artifacts [skip ci]"


def artifact_patterns(environment: str) -> list[str]:
    return [f"docs/repo/*.{environment}.*", f"docs/runtime/*.{environment}.*", "docs/PROD_SNAPSHOT_MANIFEST.md"]


def is_artifact_path(path: str, environment: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in artifact_patterns(environment))


def artifact_paths(repo_root: Path, environment: str) -> list[str]:
    """The snapshot artifacts of DESIGN.md §5 present in the checkout, relative to it."""
    found: set[str] = set()
    for pattern in artifact_patterns(environment):
        for path in glob.glob(str(repo_root / pattern)):
            if Path(path).is_file():
                found.add(Path(path).relative_to(repo_root).as_posix())
    return sorted(found)


def own_artifact_commits(repo: GitRepo, base: str, tip: str, environment: str) -> list[str] | None:
    """The commits ``base..tip`` when every one is a deploy's artifact commit (its message, artifact files
    only); None as soon as one is not — someone else's work, which a deploy never rewrites or pushes."""
    shas = repo.run("rev-list", "--reverse", f"{base}..{tip}").stdout.split()
    for sha in shas:
        subject = repo.run("log", "-1", "--format=%s", sha).stdout.strip()
        files = repo.run("diff-tree", "--no-commit-id", "--name-only", "-r", "--root", sha).stdout.split()
        if subject != ARTIFACT_COMMIT_MESSAGE or not files or not all(is_artifact_path(f, environment) for f in files):
            return None
    return shas


def previous_deploy(history_file: Path, own_id: str) -> dict | None:
    """The last deploy before this run that got past its pre-checks."""
    runs = [run for run in history.read(history_file) if run.get("id") != own_id and run.get("kind") == "deploy"]
    runs = [run for run in runs if run.get("result") != "refused"]
    return runs[-1] if runs else None


def clean_own_artifacts(repo: GitRepo, history_file: Path, environment: str, own_id: str, apply: bool = True) -> list[str]:
    """Put back the artifacts a previous deploy left written or staged when it ended in phase 5 or 6 (killed,
    or its commit failed), and remove the ``index.lock`` of its killed ``git commit``. Nothing is touched
    unless every changed path is an artifact of this environment. Returns what was (with ``apply=False``:
    would be) put back."""
    run = previous_deploy(history_file, own_id)
    if run is None or run.get("result") not in ("interrupted", "failed") or int(run.get("phase") or 0) not in (5, 6):
        return []
    index_lock = Path(repo.run("rev-parse", "--git-path", "index.lock").stdout.strip())
    index_lock = index_lock if index_lock.is_absolute() else repo.root / index_lock
    removed_lock = []
    if run.get("result") == "interrupted" and int(run.get("phase")) == 6 and index_lock.exists():
        # That run's `git commit` died with it (it was its child): nobody else holds this index under the deploy lock.
        if apply:
            index_lock.unlink()
        removed_lock = [str(index_lock)]
    dirty = repo.dirty_paths()
    if not dirty or not all(is_artifact_path(path, environment) for path in dirty) or not apply:
        return removed_lock + (dirty if dirty and all(is_artifact_path(path, environment) for path in dirty) else [])
    repo.run("reset", "--quiet", "HEAD", "--", *dirty)
    for path in dirty:
        if repo.path_exists_at("HEAD", path):
            repo.run("checkout", "HEAD", "--", path)
        else:
            (repo.root / path).unlink(missing_ok=True)
    return removed_lock + dirty
