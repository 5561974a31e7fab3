"""``{% vite_entry "src/editor/main.ts" %}``: the tags that load one TypeScript island built by Vite.

Vite writes hashed file names and a manifest (``workos/web/static/dist/.vite/manifest.json``, built by
``make assets``); this tag reads the manifest and prints the entry's stylesheets, the module preloads of the
chunks it imports and the module script, all through Django's static URLs. Nothing is inlined, so a strict
Content-Security-Policy (``script-src 'self'``) holds.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

log = logging.getLogger("workos.web")
register = template.Library()

DIST_PREFIX = "dist/"
_cache: dict[str, object] = {"mtime": None, "manifest": None}


def manifest_path() -> Path:
    return Path(settings.BASE_DIR) / "web" / "static" / "dist" / ".vite" / "manifest.json"


def load_manifest() -> dict | None:
    """The manifest, re-read when the file changes (a rebuild while the server runs is picked up)."""
    path = manifest_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    if _cache["mtime"] != mtime:
        try:
            _cache["manifest"] = json.loads(path.read_text(encoding="utf-8"))
            _cache["mtime"] = mtime
        except (OSError, ValueError) as error:
            log.error("cannot read the Vite manifest %s: %s", path, error)
            return None
    return _cache["manifest"]  # type: ignore[return-value]


def _collect(manifest: dict, key: str, seen: set[str], css: list[str], preloads: list[str]) -> None:
    if key in seen or key not in manifest:
        return
    seen.add(key)
    chunk = manifest[key]
    for sheet in chunk.get("css", []):
        if sheet not in css:
            css.append(sheet)
    for imported in chunk.get("imports", []):
        if imported in manifest:
            file = manifest[imported]["file"]
            if file not in preloads:
                preloads.append(file)
            _collect(manifest, imported, seen, css, preloads)


@register.simple_tag
def vite_entry(entry: str):
    manifest = load_manifest()
    if manifest is None or entry not in manifest:
        log.error("front-end assets not built (no %s in %s): run `make assets`", entry, manifest_path())
        return format_html(
            '<p class="form-error assets-missing" role="alert">The editor is not built on this server. '
            "Run <code>make assets</code> (Node 20 and npm), then reload.</p>"
        )
    css: list[str] = []
    preloads: list[str] = []
    _collect(manifest, entry, set(), css, preloads)
    parts = [
        format_html_join("", '<link rel="stylesheet" href="{}">', ((static(DIST_PREFIX + sheet),) for sheet in css)),
        format_html_join("", '<link rel="modulepreload" href="{}">', ((static(DIST_PREFIX + file),) for file in preloads)),
        format_html('<script type="module" src="{}"></script>', static(DIST_PREFIX + manifest[entry]["file"])),
    ]
    return mark_safe("".join(parts))
