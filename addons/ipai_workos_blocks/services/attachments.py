"""Attachments: limits, file checks, upload and permission-checked reads."""

from __future__ import annotations

import hashlib
import uuid

from django.db import transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core.models import Page
from workos.kernel.errors import InvalidInput, NotFound

from ..models import Attachment
from ..registry import attachment_url
from .block_writes import _target_name, _user
from .reads import _require_edit


DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_ATTACHMENT_TYPES = (
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml",
    "application/pdf", "text/plain", "text/markdown", "text/csv", "application/json", "application/zip",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm", "application/octet-stream",
)
# Served inline (shown in the browser); everything else is a download. All with nosniff and a sandboxing CSP.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/svg+xml", "application/pdf",
                "text/plain", "audio/mpeg", "audio/ogg", "audio/wav", "video/mp4", "video/webm"}
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}
_EXTRA_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv", ".webp": "image/webp",
                ".avif": "image/avif", ".svg": "image/svg+xml", ".jsx": "text/plain", ".log": "text/plain"}


def attachment_limits() -> tuple[int, tuple[str, ...]]:
    """(maximum size in bytes, allowed content types): settings ``WORKOS_ATTACHMENT_MAX_BYTES`` and
    ``WORKOS_ATTACHMENT_CONTENT_TYPES``, or the defaults above (25 MiB; common images, documents, media)."""
    from django.conf import settings

    return (int(getattr(settings, "WORKOS_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES)),
            tuple(getattr(settings, "WORKOS_ATTACHMENT_CONTENT_TYPES", DEFAULT_ATTACHMENT_TYPES)))


def _clean_file_name(name: str) -> str:
    import unicodedata

    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(char for char in name if ord(char) >= 32 and char not in '<>:"|?*').strip().strip(".") or "file"
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 250 - len(extension)] + "." + extension) if dot and len(extension) < 16 else name[:255]
    return name


def content_type_for(name: str, declared: str = "") -> str:
    """The content type WorkOS stores for a file: from its name's extension when known (a client's claim
    is not trusted), else what the client declared, else application/octet-stream."""
    import mimetypes
    import os

    extension = os.path.splitext(name)[1].lower()
    guessed = _EXTRA_TYPES.get(extension) or mimetypes.guess_type(name, strict=False)[0]
    declared = (declared or "").split(";")[0].strip().lower()
    return (guessed or declared or "application/octet-stream").lower()


def _check_svg(data: bytes, field: str) -> None:
    """An SVG is accepted only without script: no <script>, <foreignObject>, event handlers, DTDs or
    links to anything but fragments and http(s). (It is also served with a sandboxing CSP.)"""
    import xml.etree.ElementTree as ElementTree

    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise InvalidInput("SVG files with a DOCTYPE or entities are not accepted", field=field)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise InvalidInput("not a well-formed SVG file", field=field) from None
    if not root.tag.lower().endswith("svg"):
        raise InvalidInput("not an SVG file", field=field)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower() if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignobject", "iframe", "embed", "object", "handler", "listener"):
            raise InvalidInput(f"SVG files with <{tag}> are not accepted", field=field)
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise InvalidInput("SVG files with event handlers are not accepted", field=field)
            compact = "".join(value.split()).lower()
            if local in ("href", "src", "action", "formaction") and compact and not compact.startswith(("#", "http://", "https://")):
                raise InvalidInput("SVG files may link only to #fragments and http(s) URLs", field=field)
            if "javascript:" in compact or "data:" in compact or (local == "attributename" and (compact.startswith("on") or compact.endswith("href"))):
                raise InvalidInput("SVG files with scripts or script URLs are not accepted", field=field)


def check_file(name: str, data: bytes, declared_type: str = "", field: str = "file") -> tuple[str, str]:
    """(clean name, content type) of an upload, or an error: TooLarge above the size limit, InvalidInput
    for a type not allowed or content that does not match its type."""
    from workos.kernel.errors import TooLarge

    max_bytes, allowed = attachment_limits()
    if len(data) > max_bytes:
        raise TooLarge(f"file is larger than {max_bytes} bytes", field=field)
    name = _clean_file_name(name)
    content_type = content_type_for(name, declared_type)
    if content_type not in allowed:
        raise InvalidInput(f"files of type {content_type} are not accepted", field=field)
    magic = _MAGIC.get(content_type)
    if magic and not data.startswith(magic):
        raise InvalidInput(f"the content is not a {content_type} file", field=field)
    if content_type == "image/webp" and not (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        raise InvalidInput("the content is not an image/webp file", field=field)
    if content_type == "image/svg+xml":
        _check_svg(data, field)
    return name, content_type


def _store_attachment(actor, page: Page, name: str, content_type: str, data: bytes) -> Attachment:
    import os

    from django.core.files.base import ContentFile

    attachment = Attachment(page=page, name=name, content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), uploaded_by=_user(actor))
    # The stored name is random: the user's file name is only ever shown, never used as a path.
    extension = os.path.splitext(name)[1].lower()
    extension = extension if len(extension) <= 16 and extension[1:].isalnum() else ""
    attachment.file.save(uuid.uuid4().hex + extension, ContentFile(data), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def upload_attachment(actor, page: Page, name: str, data: bytes, declared_type: str = "") -> Attachment:
    """Store a file for the image and file blocks of ``page`` (Django's storage API; sha256 recorded)."""
    _require_edit(actor, page)
    name, content_type = check_file(name, data, declared_type)
    attachment = _store_attachment(actor, page, name, content_type, data)
    record_event(actor=actor, action="attachment.upload", target=attachment, target_name=f"{_target_name(page)} / {name}",
                 changes={"page_id": page.pk, "name": name, "content_type": content_type, "size": len(data), "sha256": attachment.sha256})
    return attachment


@transaction.atomic
def attach_stored_file(actor, page: Page, *, file: str, name: str, content_type: str, size: int, sha256: str) -> Attachment | None:
    """An attachment of ``page`` for a file the storage already holds (a template's image, copied as core's
    duplicate copies them: the stored file is shared). None when the storage no longer has the file."""
    from django.core.files.storage import default_storage

    _require_edit(actor, page)
    if not isinstance(file, str) or not file or ".." in file or file.startswith("/") or not default_storage.exists(file):
        return None
    attachment = Attachment.objects.create(page=page, file=file, name=_clean_file_name(name), content_type=content_type[:128], size=size,
                                           sha256=sha256[:64], uploaded_by=_user(actor))
    record_event(actor=actor, action="attachment.copy", target=attachment, target_name=f"{_target_name(page)} / {attachment.name}",
                 changes={"page_id": page.pk, "name": attachment.name, "sha256": attachment.sha256})
    return attachment


def get_attachment(user, attachment_id, share=None) -> Attachment:
    """The attachment, if ``user`` may view its page; NotFound otherwise (never revealing it exists)."""
    attachment = Attachment.objects.select_related("page").filter(pk=attachment_id).first() if str(attachment_id).isdigit() else None
    if attachment is None or not permissions.can(user, "read", attachment.page, share=share):
        raise NotFound("no such attachment")
    return attachment


def attachment_json(attachment: Attachment) -> dict:
    return {"id": attachment.pk, "page_id": attachment.page_id, "name": attachment.name, "content_type": attachment.content_type,
            "size": attachment.size, "sha256": attachment.sha256, "url": attachment_url(attachment.pk)}
