"""Repository artifacts, read from git and the working tree: GIT_STATE, REPO_TREE, REPO_SNAPSHOT.

The snapshot's own output files are left out of all three: they describe the repository, they are not part
of what was deployed, and leaving them out keeps ``--check`` valid after the deploy commits them.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from workos.kernel.addons import content_checksum, module_files
from workos.kernel.manifest import MANIFEST_FILE, ManifestError, read_manifest

from .base import (
    Artifact,
    ArtifactInvalid,
    JsonArtifact,
    parse_sections,
    register,
    render_sections,
    require_keys,
)
from .sources import SourceError, Sources, strip_credentials

SHA = re.compile(r"^[0-9a-f]{40}$")


def tracked_module_folders(sources: Sources, files: list[str]) -> list[str]:
    """The repository's modules: tracked ``__manifest__.py`` files directly inside an addons folder — the
    repository's ``addons/`` or a configured addons folder inside the repository. Test fixture modules
    elsewhere in the tree are not deployable modules and are not listed."""
    root = sources.settings.repo_root.resolve()
    addons_folders = {"addons"}
    for folder in sources.settings.config.addons_path:
        try:
            addons_folders.add(folder.resolve().relative_to(root).as_posix())
        except ValueError:
            continue  # outside the repository
    manifests = (PurePosixPath(name) for name in files if PurePosixPath(name).name == MANIFEST_FILE)
    return sorted(str(path.parent) for path in manifests if str(path.parent.parent) in addons_folders)


# --- GIT_STATE -----------------------------------------------------------------------------------------


@register
class GitState(Artifact):
    name = "GIT_STATE"
    folder = "repo"
    suffix = "txt"
    source = "git"
    description = "commit, branch, describe, clean/dirty with changed paths, remote (no credentials), last commit"

    def collect(self, sources: Sources) -> dict:
        git = sources.git
        if not sources.settings.repo_root.is_dir():
            raise SourceError(f"git: repository folder {sources.settings.repo_root} does not exist")
        git.run("rev-parse", "--git-dir")
        if not git.ok("rev-parse", "--verify", "-q", "HEAD"):
            raise SourceError(f"git: {sources.settings.repo_root} has no commit yet")
        sha = git.run("rev-parse", "HEAD").strip()
        branch = git.run("symbolic-ref", "--short", "-q", "HEAD", check=False).strip() or "(detached HEAD)"
        describe = git.run("describe", "--tags", "--always", "--abbrev=12").strip()
        remote_name = sources.settings.config.get("deploy", "remote")
        if git.ok("remote", "get-url", remote_name):
            remote_url = strip_credentials(git.run("remote", "get-url", remote_name).strip())
        else:
            remote_url = f"none (the repository has no remote named {remote_name})"
        author, date, subject = git.run("log", "-1", "--format=%an <%ae>%x00%aI%x00%s").rstrip("\n").split("\0")
        return {
            "repository": str(sources.settings.repo_root),
            "sha": sha,
            "branch": branch,
            "describe": describe,
            "changed": self.changed_paths(sources),
            "remote": remote_name,
            "remote url": remote_url,
            "last commit author": author,
            "last commit date": date,
            "last commit subject": subject,
        }

    @staticmethod
    def changed_paths(sources: Sources) -> list[str]:
        output = sources.git.run("status", "--porcelain=v1", "-z", "--untracked-files=all")
        entries, parts, index = [], output.split("\0"), 0
        while index < len(parts):
            entry = parts[index]
            index += 1
            if not entry:
                continue
            code, path = entry[:2], entry[3:]
            if code[0] in "RC":  # a rename's source path follows in the next field
                index += 1
            if path not in sources.output_paths:
                entries.append(f"{code.replace(' ', '.')} {path}")
        return sorted(entries, key=lambda line: line[3:])

    def render(self, data: dict, environment: str) -> str:
        changed = data["changed"]
        entries = [
            ("repository", data["repository"]),
            ("sha", data["sha"]),
            ("branch", data["branch"]),
            ("describe", data["describe"]),
            ("state", "dirty" if changed else "clean"),
            ("changed paths", changed),
            ("remote", data["remote"]),
            ("remote url", data["remote url"]),
            ("last commit author", data["last commit author"]),
            ("last commit date", data["last commit date"]),
            ("last commit subject", data["last commit subject"]),
        ]
        return render_sections(f"Git state — {environment}", entries)

    def parse(self, text: str) -> dict:
        _, values = parse_sections(text)
        require_keys(values, "repository", "sha", "branch", "describe", "state", "changed paths", "remote",
                     "remote url", "last commit author", "last commit date", "last commit subject")
        return values

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        if not SHA.match(parsed["sha"]):
            problems.append(f"sha {parsed['sha']!r} is not a full commit id")
        elif not sources.git.ok("cat-file", "-e", f"{parsed['sha']}^{{commit}}"):
            problems.append(f"commit {parsed['sha']} does not exist in {sources.settings.repo_root}")
        if parsed["state"] not in ("clean", "dirty") or (parsed["state"] == "clean") != (not parsed["changed paths"]):
            problems.append(f"state {parsed['state']!r} disagrees with {len(parsed['changed paths'])} changed paths")
        if strip_credentials(parsed["remote url"]) != parsed["remote url"]:
            problems.append("the remote URL still holds credentials")
        for key in ("describe", "last commit author", "last commit date"):
            if not parsed[key].strip():
                problems.append(f"{key} is empty")
        return problems

    def findings(self, parsed: dict) -> list[str]:
        if parsed["changed paths"]:
            return [f"working tree dirty: {len(parsed['changed paths'])} changed paths"]
        return []

    def compare(self, recorded: dict, live: dict, sources: Sources) -> list[str]:
        """The commit may have moved on only by commits touching snapshot artifacts (the deploy commits them)."""
        problems = []
        if recorded["sha"] != live["sha"]:
            git = sources.git
            if not git.ok("merge-base", "--is-ancestor", recorded["sha"], live["sha"]):
                return [f"HEAD is {live['sha']}, not the recorded {recorded['sha']} nor a descendant of it"]
            changed = [name for name in git.run("diff", "--name-only", recorded["sha"], live["sha"]).splitlines() if name]
            code = [name for name in changed if name not in sources.output_paths]
            if code:
                return [f"HEAD {live['sha'][:12]} differs from the recorded {recorded['sha'][:12]} in {len(code)} "
                        f"files besides the snapshot artifacts, e.g. {code[0]}"]
        for key in ("branch", "remote url", "changed paths"):
            if recorded[key] != live[key]:
                problems.append(f"{key}: recorded {recorded[key]!r}, live {live[key]!r}")
        return problems


# --- REPO_TREE -----------------------------------------------------------------------------------------

TREE_LINE = re.compile(r"^(?P<indent>(?:  )*)- `(?P<name>[^`]+)/` — (?P<count>\d+) files?(?P<module> · module)?$")
SUMMARY_LINE = re.compile(r"^- (?P<key>[a-z -]+): (?P<value>.*)$")


@register
class RepoTree(Artifact):
    name = "REPO_TREE"
    folder = "repo"
    suffix = "md"
    source = "git"
    description = "tree of tracked files: folders with file counts, depth-limited, module folders always listed"

    def collect(self, sources: Sources) -> dict:
        files = sources.repository_files()
        if not files:
            raise SourceError(f"git: {sources.settings.repo_root} tracks no files")
        counts: dict[str, int] = {}
        for name in files:
            for parent in list(PurePosixPath(name).parents)[:-1]:
                counts[str(parent)] = counts.get(str(parent), 0) + 1
        modules = tracked_module_folders(sources, files)
        depth = sources.settings.tree_depth
        shown = {folder for folder in counts if len(PurePosixPath(folder).parts) <= depth}
        for module in modules:
            shown.update(str(p) for p in list(PurePosixPath(module).parents)[:-1])
            shown.add(module)
        return {
            "depth": depth,
            "files": len(files),
            "folders": len(counts),
            "top_level_files": sorted(name for name in files if "/" not in name),
            "modules": modules,
            "tree": {folder: counts[folder] for folder in sorted(shown)},
        }

    def render(self, data: dict, environment: str) -> str:
        modules = set(data["modules"])
        lines = [
            f"# Repository tree — {environment}",
            "",
            "Files tracked by git (`git ls-files`), without the snapshot's own artifacts. Folders are shown to "
            f"depth {data['depth']}; module folders (those with a `__manifest__.py`) are always shown.",
            "",
            f"- files: {data['files']}",
            f"- folders: {data['folders']}",
            f"- modules: {len(data['modules'])}",
            f"- depth: {data['depth']}",
            "- top-level files: " + ", ".join(f"`{name}`" for name in data["top_level_files"]),
            "",
            "## Tree",
            "",
        ]
        for folder in sorted(data["tree"], key=lambda f: PurePosixPath(f).parts):
            path = PurePosixPath(folder)
            count = data["tree"][folder]
            mark = " · module" if folder in modules else ""
            lines.append(f"{'  ' * (len(path.parts) - 1)}- `{path.name}/` — {count} file{'s' if count != 1 else ''}{mark}")
        return "\n".join(lines) + "\n"

    def parse(self, text: str) -> dict:
        lines = text.splitlines()
        if not lines or not lines[0].startswith("# Repository tree — "):
            raise ArtifactInvalid("line 1: expected '# Repository tree — <env>'")
        summary: dict[str, str] = {}
        tree: dict[str, int] = {}
        modules: list[str] = []
        stack: list[str] = []
        in_tree = False
        for number, line in enumerate(lines, start=1):
            if line == "## Tree":
                in_tree = True
                continue
            if not in_tree:
                match = SUMMARY_LINE.match(line)
                if match:
                    summary[match["key"]] = match["value"]
                continue
            if not line:
                continue
            match = TREE_LINE.match(line)
            if not match:
                raise ArtifactInvalid(f"line {number}: not a tree entry: {line!r}")
            level = len(match["indent"]) // 2
            if level > len(stack):
                raise ArtifactInvalid(f"line {number}: indented deeper than its parent")
            stack[level:] = [match["name"]]
            folder = "/".join(stack)
            tree[folder] = int(match["count"])
            if match["module"]:
                modules.append(folder)
        for key in ("files", "folders", "modules", "depth"):
            if not summary.get(key, "").isdigit():
                raise ArtifactInvalid(f"summary line '- {key}: N' is missing")
        top_level = re.findall(r"`([^`]+)`", summary.get("top-level files", ""))
        return {
            "depth": int(summary["depth"]),
            "files": int(summary["files"]),
            "folders": int(summary["folders"]),
            "top_level_files": top_level,
            "modules": sorted(modules),
            "tree": tree,
            "module_count": int(summary["modules"]),
        }

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        files = sources.repository_files()
        if parsed["files"] != len(files):
            problems.append(f"{parsed['files']} files listed, git tracks {len(files)}")
        modules = tracked_module_folders(sources, files)
        missing = sorted(set(modules) - set(parsed["modules"]))
        if missing:
            problems.append(f"module folders not listed: {', '.join(missing)}")
        if parsed["module_count"] != len(parsed["modules"]):
            problems.append(f"summary says {parsed['module_count']} modules, the tree marks {len(parsed['modules'])}")
        top = sum(count for folder, count in parsed["tree"].items() if "/" not in folder)
        if top + len(parsed["top_level_files"]) != parsed["files"]:
            problems.append(f"top-level folders ({top}) and files ({len(parsed['top_level_files'])}) do not add up "
                            f"to {parsed['files']}")
        return problems

    def stable(self, parsed: dict) -> dict:
        return {key: value for key, value in parsed.items() if key != "module_count"}


# --- REPO_SNAPSHOT -------------------------------------------------------------------------------------

FILE_KINDS = ("python", "migrations", "templates", "static", "tests", "other")


def file_kind(relative: PurePosixPath) -> str:
    first = relative.parts[0] if len(relative.parts) > 1 else ""
    if first == "migrations":
        return "migrations"
    if first == "tests" or relative.name.startswith("test_"):
        return "tests"
    if first in ("templates", "static"):
        return first
    return "python" if relative.suffix == ".py" else "other"


@register
class RepoSnapshot(JsonArtifact):
    name = "REPO_SNAPSHOT"
    folder = "repo"
    source = "git"
    description = "per module: manifest version, depends, file counts by kind, content checksum; totals"

    def collect(self, sources: Sources) -> dict:
        root = sources.settings.repo_root
        folders = tracked_module_folders(sources, sources.repository_files())
        if not folders:
            raise SourceError(f"git: {root} tracks no module (no __manifest__.py)")
        modules = {}
        totals = {kind: 0 for kind in FILE_KINDS} | {"total": 0}
        for folder in folders:
            module_dir = root / folder
            entry: dict = {"path": folder}
            try:
                manifest = read_manifest(module_dir)
                entry.update(version=manifest.version, depends=list(manifest.depends), title=manifest.name)
            except ManifestError as error:
                entry["error"] = str(error).replace(str(root) + "/", "")
            counts = {kind: 0 for kind in FILE_KINDS}
            for path in module_files(module_dir):
                counts[file_kind(PurePosixPath(path.relative_to(module_dir).as_posix()))] += 1
            counts["total"] = sum(counts.values())
            entry["files"] = counts
            entry["checksum"] = content_checksum(module_dir)
            for kind, count in counts.items():
                totals[kind] += count
            modules[module_dir.name] = entry
        return {"modules": modules, "totals": {"modules": len(modules), "files": totals}}

    def validate(self, parsed: dict, sources: Sources) -> list[str]:
        problems = []
        root = sources.settings.repo_root
        folders = tracked_module_folders(sources, sources.repository_files())
        recorded = {entry.get("path") for entry in parsed.get("modules", {}).values()}
        if recorded != set(folders):
            problems.append(f"modules listed {sorted(recorded)} differ from the tracked module folders {folders}")
        for name, entry in sorted(parsed.get("modules", {}).items()):
            module_dir = root / entry.get("path", name)
            if module_dir.is_dir() and content_checksum(module_dir) != entry.get("checksum"):
                problems.append(f"{name}: checksum differs from the module's content")
            if "error" not in entry and not entry.get("version"):
                problems.append(f"{name}: no version")
        totals = parsed.get("totals", {})
        if totals.get("modules") != len(parsed.get("modules", {})):
            problems.append("totals.modules does not match the modules listed")
        files_total = sum(entry["files"]["total"] for entry in parsed.get("modules", {}).values())
        if totals.get("files", {}).get("total") != files_total:
            problems.append("totals.files.total does not add up")
        return problems

    def findings(self, parsed: dict) -> list[str]:
        broken = sorted(name for name, entry in parsed["modules"].items() if "error" in entry)
        return [f"invalid manifests: {', '.join(broken)}"] if broken else []
