"""Zip archives built in memory for the import tests."""

from __future__ import annotations

import io
import zipfile


def make_zip(files: dict[str, bytes | str], compression: int = zipfile.ZIP_STORED) -> bytes:
    """The bytes of a zip holding ``files`` (name → content), in their order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
