"""Which code a process runs: the git revision of the checkout it was started from, read once at start-up.

``/web/health`` reports it (with the versions of the modules the server loaded) so that ``workos verify`` can
tell whether the running server, the checked-out code and the database agree — after a deploy that died
between its pull and its restart, nothing else says which code is serving. Git's files are read directly
(HEAD, the loose ref, packed-refs) rather than by running ``git``, which a production image may lack; an
image built without ``.git`` can set ``WORKOS_CODE_REVISION`` instead.
"""

from __future__ import annotations

import os
from pathlib import Path


def _git_dir(root: Path) -> Path | None:
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
        text = dot_git.read_text().strip()
        if text.startswith("gitdir:"):
            path = Path(text.split(":", 1)[1].strip())
            return path if path.is_absolute() else (root / path).resolve()
    return None


def git_revision(root: Path) -> str | None:
    """The commit checked out at ``root``, or None when that is not a git checkout."""
    try:
        git_dir = _git_dir(root)
        if git_dir is None:
            return None
        head = (git_dir / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head.split(":", 1)[1].strip()
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
        for folder in (git_dir, common):
            if (folder / ref).is_file():
                return (folder / ref).read_text().strip() or None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(" " + ref):
                    return line.split(" ", 1)[0]
    except OSError:
        return None
    return None


def code_revision() -> str | None:
    from workos.settings.config import PROJECT_ROOT

    return os.environ.get("WORKOS_CODE_REVISION") or git_revision(PROJECT_ROOT)
