"""The production checkout, driven through the ``git`` command line (what an operator would type).

Every command runs non-interactively (no credential prompt can hang a deploy at 2 a.m.) and with a C locale
so messages can be quoted back verbatim.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import tarfile
from pathlib import Path

from .children import die_with_parent

DETACHED = "HEAD"


class GitError(Exception):
    """A git command that failed; the message quotes the command and git's own words."""


class GitRepo:
    def __init__(self, root: Path):
        self.root = Path(root)

    def run(self, *args: str, check: bool = True, timeout: float | None = 600, text: bool = True) -> subprocess.CompletedProcess:
        environment = dict(os.environ, LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="true")
        environment.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        try:
            result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=text, env=environment, timeout=timeout,
                                    preexec_fn=die_with_parent)
        except FileNotFoundError:
            raise GitError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {' '.join(args)} did not finish within {timeout}s") from None
        if check and result.returncode != 0:
            message = (result.stderr or result.stdout or "").strip() if text else result.stderr.decode(errors="replace").strip()
            raise GitError(f"git {' '.join(args)} failed: {message or f'exit code {result.returncode}'}")
        return result

    # --- reading ----------------------------------------------------------------------------------------

    def is_repository(self) -> bool:
        if not self.root.is_dir():
            return False
        result = self.run("rev-parse", "--show-toplevel", check=False)
        return result.returncode == 0 and Path(result.stdout.strip()).resolve() == self.root.resolve()

    def head_sha(self) -> str:
        return self.run("rev-parse", "HEAD").stdout.strip()

    def current_branch(self) -> str:
        """The checked-out branch, or ``HEAD`` when detached."""
        result = self.run("symbolic-ref", "--short", "-q", "HEAD", check=False)
        return result.stdout.strip() or DETACHED

    def rev_parse(self, ref: str) -> str | None:
        result = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return result.stdout.strip() or None

    def has_commit(self, sha: str) -> bool:
        return self.rev_parse(sha) is not None

    def dirty_paths(self) -> list[str]:
        """Changed tracked files and untracked files that are not ignored (``git status --porcelain``)."""
        output = self.run("status", "--porcelain=v1", "--untracked-files=all").stdout
        return [line[3:] for line in output.splitlines() if line.strip()]

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.run("merge-base", "--is-ancestor", older, newer, check=False).returncode == 0

    def commits_between(self, older: str, newer: str) -> list[str]:
        output = self.run("log", "--oneline", "--no-decorate", f"{older}..{newer}").stdout
        return [line for line in output.splitlines() if line.strip()]

    def path_changed(self, older: str, newer: str, path: str) -> bool:
        return self.run("diff", "--quiet", older, newer, "--", path, check=False).returncode == 1

    def path_exists_at(self, revision: str, path: str) -> bool:
        return self.run("cat-file", "-e", f"{revision}:{path}", check=False).returncode == 0

    def extract(self, revision: str, paths: list[str], destination: Path) -> list[str]:
        """Write the files under ``paths`` as they are at ``revision`` into ``destination``; returns the
        paths that exist at that revision (a missing one is not an error: the caller decides)."""
        present = [path for path in paths if self.path_exists_at(revision, path)]
        if not present:
            return []
        archive = self.run("archive", "--format=tar", revision, "--", *present, text=False).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(destination, filter="data")
        return present

    def remote_url(self, remote: str) -> str | None:
        result = self.run("remote", "get-url", remote, check=False)
        return result.stdout.strip() or None

    # --- changing ---------------------------------------------------------------------------------------

    def fetch(self, remote: str, branch: str) -> None:
        self.run("fetch", "--quiet", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")

    def checkout_branch(self, branch: str, remote: str) -> None:
        if self.rev_parse(f"refs/heads/{branch}"):
            self.run("checkout", "--quiet", branch)
        else:
            self.run("checkout", "--quiet", "-b", branch, "--track", f"{remote}/{branch}")

    def pull_fast_forward(self, remote: str, branch: str) -> None:
        self.run("pull", "--ff-only", "--quiet", remote, branch)

    def return_to(self, sha: str, branch: str) -> None:
        """Put the checkout back at ``sha``: on ``branch`` (moved back to it) when one was recorded, else
        detached. Keeping the branch means the next deploy's ``pull --ff-only`` simply goes forward again."""
        if branch and branch != DETACHED:
            self.run("checkout", "--quiet", "-B", branch, sha)
        else:
            self.run("checkout", "--quiet", "--detach", sha)

    def commit(self, paths: list[str], message: str) -> str | None:
        """Commit exactly ``paths``; None when they hold no change. A checkout without an identity commits
        as "WorkOS deploy" so a production host needs no git configuration."""
        if not paths:
            return None
        self.run("add", "--", *paths)
        if self.run("diff", "--cached", "--quiet", "--", *paths, check=False).returncode == 0:
            return None
        self.run(*self._identity(), "commit", "--quiet", "-m", message, "--", *paths)
        return self.head_sha()

    def _identity(self) -> list[str]:
        if self.run("config", "user.email", check=False).stdout.strip():
            return []
        return ["-c", "user.name=WorkOS deploy", "-c", f"user.email=workos-deploy@{socket.gethostname()}"]

    def rebase(self, onto: str) -> None:
        """Replay the branch's own commits onto ``onto``; on a conflict, abort (the branch is as before) and raise."""
        try:
            self.run(*self._identity(), "rebase", "--quiet", onto)
        except GitError:
            self.run("rebase", "--abort", check=False)
            raise

    def push(self, remote: str, branch: str) -> None:
        self.run("push", "--quiet", remote, f"HEAD:refs/heads/{branch}")
