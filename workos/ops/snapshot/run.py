"""One snapshot run (generate everything, validate everything, then write everything) and one check run.

Generation is all-or-nothing: artifacts are collected, rendered, parsed back and validated in memory; if any
fails, nothing is written and the report names each failing artifact with its cause. Only then are the files
written — each first to a temporary file beside its target, then renamed into place, manifest last — so a
reader never sees a half-written file, and a failure never leaves a stub behind.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import workos

from .base import Artifact, ArtifactInvalid, ordered_artifacts, text_problems
from .manifest import MANIFEST_NAME, Manifest, ManifestEntry, parse_manifest, render_manifest
from .sources import SnapshotSettings, SourceError, Sources, strip_credentials, utc_now


@dataclass
class ArtifactResult:
    name: str
    path: str  # absolute
    relative_path: str  # relative to the output folder
    verdict: str = "failed"  # "valid" or "failed"
    size: int | None = None
    sha256: str | None = None
    generated_at: str | None = None
    source: str | None = None
    findings: list[str] = field(default_factory=list)
    cause: str | None = None


@dataclass
class Report:
    command: str  # "snapshot" or "check"
    environment: str
    out: str
    generated_at: str
    sources: dict[str, str | None] = field(default_factory=dict)
    artifacts: list[ArtifactResult] = field(default_factory=list)
    manifest: str | None = None
    written: bool = False
    problem: str | None = None  # a failure that belongs to no single artifact (the manifest, writing)

    @property
    def errors(self) -> list[dict]:
        errors = [{"artifact": r.name, "path": r.path, "cause": r.cause} for r in self.artifacts if r.verdict != "valid"]
        if self.problem:
            errors.append({"artifact": MANIFEST_NAME.removesuffix(".md"), "path": self.manifest, "cause": self.problem})
        return errors

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "verdict": "valid" if self.ok else ("failed" if self.command == "snapshot" else "invalid"),
            "command": self.command,
            "environment": self.environment,
            "out": self.out,
            "manifest": self.manifest,
            "written": self.written,
            "generated_at": self.generated_at,
            "sources": self.sources,
            "artifacts": [asdict(result) for result in self.artifacts],
            "errors": self.errors,
        }


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_label(artifact: Artifact, sources: Sources, sha: str | None) -> str:
    settings = sources.settings
    if artifact.source == "git":
        return f"git {settings.repo_root}" + (f" at {sha[:12]}" if sha else "")
    if artifact.source == "database":
        return f"database {strip_credentials(settings.config.database_url)}"
    if artifact.source == "server":
        who = settings.credentials.login and f" as {settings.credentials.login}"
        token = " with a bearer token" if settings.credentials.token else ""
        return f"server {settings.base_url}{who or ''}{token}"
    if artifact.source == "addons path":
        return f"addons path of {settings.config.source or 'the default configuration'}"
    return f"running code ({settings.config.get('deploy', 'service')} service manager)"


def _output_paths(settings: SnapshotSettings, environment: str) -> set[str]:
    """Repository paths of snapshot artifacts: in the output folder, and in docs/ where deploys commit them."""
    names = [artifact.relative_path(environment) for artifact in ordered_artifacts()] + [MANIFEST_NAME]
    prefixes = {"docs", settings.artifact_prefix} - {None}
    return {f"{prefix}/{name}" if prefix != "." else name for prefix in prefixes for name in names}


def _verdict(findings: list[str]) -> str:
    return "valid" + (f"; findings: {'; '.join(findings)}" if findings else "")


def _produce(artifact: Artifact, sources: Sources, environment: str) -> tuple[str, object]:
    """Collect, render, parse back and validate one artifact; raise ArtifactInvalid/SourceError naming the cause."""
    data = artifact.collect(sources)
    text = artifact.render(data, environment)
    try:
        parsed = artifact.parse(text)
    except ArtifactInvalid as error:
        raise ArtifactInvalid(f"the generated text does not parse back: {error}") from None
    problems = text_problems(text) + artifact.validate(parsed, sources)
    if problems:
        raise ArtifactInvalid("; ".join(problems))
    return text, parsed


def generate(settings: SnapshotSettings) -> Report:
    """Generate, validate and (only if everything is valid) write every artifact and the manifest."""
    environment = settings.environment
    out = settings.out_dir.resolve()
    report = Report(command="snapshot", environment=environment, out=str(out), generated_at=utc_now(),
                    manifest=str(out / MANIFEST_NAME))
    sources = Sources(settings)
    sources.output_paths = _output_paths(settings, environment)
    texts: dict[str, str] = {}
    sha = None
    try:
        for artifact in ordered_artifacts():
            relative = artifact.relative_path(environment)
            result = ArtifactResult(name=artifact.name, path=str(out / relative), relative_path=relative)
            report.artifacts.append(result)
            try:
                text, parsed = _produce(artifact, sources, environment)
            except (SourceError, ArtifactInvalid) as error:
                result.cause = str(error)
                continue
            except Exception as error:  # a bug in a generator still names the artifact, never a traceback
                result.cause = f"internal error: {type(error).__name__}: {error}"
                continue
            if artifact.name == "GIT_STATE":
                sha = parsed["sha"]
            data = text.encode("utf-8")
            texts[relative] = text
            result.size, result.sha256 = len(data), sha256_of(data)
            result.generated_at = utc_now()
            result.findings = artifact.findings(parsed)
            result.verdict = "valid"
        for artifact, result in zip(ordered_artifacts(), report.artifacts):
            if result.verdict == "valid":
                result.source = source_label(artifact, sources, sha)  # after GIT_STATE: it names the commit
    finally:
        sources.close()
    report.sources = {
        "repository": str(settings.repo_root),
        "sha": sha,
        "database": strip_credentials(settings.config.database_url),
        "base_url": settings.base_url,
    }
    if not report.ok:
        return report
    manifest = Manifest(fields={
        "environment": environment,
        "generated at": report.generated_at,
        "generator": f"workos {workos.__version__}",
        "repository": str(settings.repo_root),
        "git sha": sha or "",
        "database": report.sources["database"],
        "base url": settings.base_url,
        "verdict": "valid" + (" with findings" if any(r.findings for r in report.artifacts) else ""),
    }, entries=[ManifestEntry(r.name, r.relative_path, r.size, r.sha256, r.generated_at, r.source, _verdict(r.findings))
                for r in report.artifacts])
    texts[MANIFEST_NAME] = render_manifest(manifest)
    try:
        write_all(out, texts)
    except OSError as error:
        report.problem = f"cannot write into {out}: {error}"
        return report
    report.written = True
    return report


def write_all(out: Path, texts: dict[str, str]) -> None:
    """Write every file to a temporary name first, then rename them all into place, the manifest last."""
    temporary: list[tuple[Path, Path]] = []
    try:
        for relative in sorted(texts, key=lambda name: name == MANIFEST_NAME):
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            with open(scratch, "w", encoding="utf-8", newline="") as handle:
                handle.write(texts[relative])
                handle.flush()
                os.fsync(handle.fileno())
            temporary.append((scratch, target))
    except OSError:
        for scratch, _ in temporary:
            scratch.unlink(missing_ok=True)
        raise
    for scratch, target in temporary:
        os.replace(scratch, target)


# --- --check -------------------------------------------------------------------------------------------


def read_manifest(out: Path) -> Manifest:
    path = out / MANIFEST_NAME
    if not path.is_file():
        raise SourceError(f"{path} does not exist: no snapshot has been written to {out}")
    try:
        return parse_manifest(path.read_text(encoding="utf-8"))
    except ArtifactInvalid as error:
        raise SourceError(f"{path} is not a valid manifest: {error}") from None


def check(settings: SnapshotSettings) -> Report:
    """Re-validate the artifacts in ``settings.out_dir`` against the live system; write nothing."""
    out = settings.out_dir.resolve()
    report = Report(command="check", environment=settings.environment, out=str(out), generated_at=utc_now(),
                    manifest=str(out / MANIFEST_NAME))
    try:
        manifest = read_manifest(out)
    except SourceError as error:
        report.problem = str(error)
        return report
    environment = settings.environment
    if manifest.environment != environment:
        report.problem = f"the manifest is for environment {manifest.environment!r}, not {environment!r}"
        return report
    report.sources = {"repository": manifest.fields["repository"], "sha": manifest.fields["git sha"],
                      "database": manifest.fields["database"], "base_url": manifest.fields["base url"]}
    sources = Sources(settings)
    sources.output_paths = _output_paths(settings, environment)
    try:
        for artifact in ordered_artifacts():
            relative = artifact.relative_path(environment)
            result = ArtifactResult(name=artifact.name, path=str(out / relative), relative_path=relative)
            report.artifacts.append(result)
            result.cause = _check_one(artifact, manifest, out, sources, result)
            if result.cause is None:
                result.verdict = "valid"
    finally:
        sources.close()
    return report


def _check_one(artifact: Artifact, manifest: Manifest, out: Path, sources: Sources, result: ArtifactResult) -> str | None:
    entry = manifest.entry(artifact.name)
    if entry is None:
        return "not listed in the manifest"
    path = out / entry.path
    if entry.path != result.relative_path:
        return f"the manifest lists it as {entry.path}, expected {result.relative_path}"
    if not path.is_file():
        return f"{path} is missing"
    data = path.read_bytes()
    result.size, result.sha256, result.generated_at, result.source = len(data), sha256_of(data), entry.generated_at, entry.source
    if len(data) != entry.size or sha256_of(data) != entry.sha256:
        return f"modified since it was generated: size {len(data)}, sha256 {sha256_of(data)[:12]}; the manifest says " \
               f"size {entry.size}, sha256 {entry.sha256[:12]}"
    try:
        text = data.decode("utf-8")
        recorded = artifact.parse(text)
        problems = text_problems(text) + artifact.validate(recorded, sources)
        if problems:
            return "; ".join(problems)
        live = artifact.parse(artifact.render(artifact.collect(sources), manifest.environment))
        drift = artifact.compare(recorded, live, sources)
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except (SourceError, ArtifactInvalid) as error:
        return str(error)
    except Exception as error:
        return f"internal error: {type(error).__name__}: {error}"
    result.findings = artifact.findings(recorded)
    if drift:
        return "no longer matches the live system: " + "; ".join(drift[:10])
    return None
