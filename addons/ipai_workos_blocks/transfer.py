"""Files in and out: reading an upload (a Markdown file, a zip of folders, Notion's "Markdown & CSV" export
with its zip inside a zip) into a plan of pages, and writing a page — alone, or with its sub-pages and
attachments as a zip of folders — as Markdown. Pure functions over bytes and block trees; the writes of an
import happen in ``services.import_file``.

Folder layout (the one Notion uses, read and written alike)::

    Page.md                 the page: "# Title", then its blocks
    Page/                   its sub-pages (Child.md, Child/ ...) and its attachments (image.png ...)

Notion appends a 32-hex id to every name (``Page 36ab…26ed.md``); it is dropped from titles. Names are
compared in Unicode NFC (Notion's zips use decomposed forms). A folder holding pages but no ``Folder.md``
becomes an empty page. ``index.html`` files and files at the very top that no page uses are not imported.
Notion's HTML export has the same layout with ``.html`` pages (read by ``notion_html``); the databases of a
"Markdown & CSV" export are its CSV files (``plan_csv_tables``). Zip entries whose names leave the archive,
entries that inflate more than ``MAX_COMPRESSION_RATIO`` times, too many files or bytes, entries that do
not inflate to their checksum (damaged, or a header that understates the size) and page or table files that
are not UTF-8 refuse the whole upload. The names, sizes and checksums are checked when the upload is read,
before the import writes anything; the entries' bytes are read again, one at a time, when the import reaches
them (``ZipEntries``): an import holds the compressed upload, not its inflated content.
"""

from __future__ import annotations

import io
import posixpath
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from workos.kernel.errors import InvalidInput, TooLarge

from . import markdown

MARKDOWN_EXTENSIONS = (".md", ".markdown")
HTML_EXTENSIONS = (".html", ".htm")
NOTION_ID = re.compile(r"\s+[0-9a-f]{32}$")
DEFAULT_IMPORT_MAX_BYTES = 100 * 1024 * 1024  # compressed upload
DEFAULT_IMPORT_MAX_TOTAL = 500 * 1024 * 1024  # uncompressed content
DEFAULT_IMPORT_MAX_FILES = 10_000
# Real exports compress ~3-10x (images hardly at all); a zip entry that claims to inflate more than this
# against its compressed size is a zip bomb, refused before it is inflated.
MAX_COMPRESSION_RATIO = 200
SKIPPED_NAMES = {"index.html", ".ds_store", "thumbs.db"}


def import_limits() -> tuple[int, int, int]:
    """(upload bytes, uncompressed bytes, files): settings ``WORKOS_IMPORT_MAX_BYTES``,
    ``WORKOS_IMPORT_MAX_TOTAL_BYTES``, ``WORKOS_IMPORT_MAX_FILES`` or the defaults (100 MiB, 500 MiB, 10,000)."""
    from django.conf import settings

    return (int(getattr(settings, "WORKOS_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)),
            int(getattr(settings, "WORKOS_IMPORT_MAX_TOTAL_BYTES", DEFAULT_IMPORT_MAX_TOTAL)),
            int(getattr(settings, "WORKOS_IMPORT_MAX_FILES", DEFAULT_IMPORT_MAX_FILES)))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _clean_path(name: str) -> str | None:
    name = nfc(name.replace("\\", "/"))
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or any(part == ".." for part in parts) or any(ord(char) < 32 for char in name):
        return None
    return "/".join(parts)


# --- reading uploads -------------------------------------------------------------------------------------


class _Budget:
    def __init__(self):
        _, self.max_total, self.max_files = import_limits()
        self.total = 0
        self.files = 0

    def take(self, size: int) -> None:
        self.total += size
        self.files += 1
        if self.total > self.max_total:
            raise TooLarge(f"the archive holds more than {self.max_total} bytes", field="file")
        if self.files > self.max_files:
            raise TooLarge(f"the archive holds more than {self.max_files} files", field="file")


def read_upload(name: str, data: bytes) -> Mapping[str, bytes]:
    """The files of an upload by path (NFC, ``/``-separated): a zip's entries, Notion's inner zips opened,
    one shared top folder without a page of its own dropped; or a single Markdown file. A zip's entries are
    checked here — every one inflated once, in chunks, against the limits and its checksum — and read again
    from the zip when asked for (``ZipEntries``): the upload is never held uncompressed."""
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(".zip"):
        files = ZipEntries()
        _read_zip(files, data, "", 0, _Budget())
        return _drop_common_top(files)
    clean = _clean_path(posixpath.basename(name.replace("\\", "/"))) or "Imported.md"
    if clean.lower().endswith(HTML_EXTENSIONS) and clean.lower() not in SKIPPED_NAMES:
        return {clean: data}  # one page of Notion's HTML export
    if not clean.lower().endswith(MARKDOWN_EXTENSIONS + (".txt",)):
        raise InvalidInput("upload a Markdown file (.md), an HTML page of Notion's export (.html) or a zip", field="file")
    if not clean.lower().endswith(MARKDOWN_EXTENSIONS):
        clean = clean.rsplit(".", 1)[0] + ".md"
    return {clean: data}


class ZipEntries(Mapping):
    """The files of a zip upload by path, inflated from the (open, in-memory) archive each time one is asked
    for: an import holds one page's or attachment's bytes at a time, not the whole export."""

    def __init__(self):
        self._entries: dict[str, tuple[zipfile.ZipFile, zipfile.ZipInfo]] = {}

    def __getitem__(self, path: str) -> bytes:
        archive, info = self._entries[path]
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
            raise InvalidInput(f"{path}: cannot be read from the zip (damaged or encrypted)", field="file") from None

    def __contains__(self, path) -> bool:
        return path in self._entries

    def __iter__(self):
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def size(self, path: str) -> int:
        return self._entries[path][1].file_size

    def add(self, path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self._entries[path] = (archive, info)

    def renamed(self, rename) -> "ZipEntries":
        """The same entries under the paths ``rename(path)`` gives."""
        out = ZipEntries()
        out._entries = {rename(path): entry for path, entry in self._entries.items()}
        return out


_CHUNK = 1024 * 1024
_SPOOL_MAX = 16 * 1024 * 1024  # an inner zip larger than this is inflated to disk


def _inflate_checked(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, sink=None) -> None:
    """Inflate an entry in chunks, checking its CRC (zipfile stops at the size the header declares: an entry
    whose data runs further fails the check), writing the chunks to ``sink`` if given (an inner zip)."""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                if sink is not None:
                    sink.write(chunk)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error):
        raise InvalidInput(f"{path}: cannot be read from the zip (damaged or encrypted)", field="file") from None


def _read_zip(files: ZipEntries, source, prefix: str, depth: int, budget: _Budget) -> None:
    """Add the entries of the zip ``source`` (bytes, or a file) to ``files``, Notion's inner zips opened."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput("not a readable zip file", field="file") from None
    entries = []
    # every name and size first, from the central directory: a hostile archive is refused before anything is inflated
    for info in archive.infolist():
        if info.is_dir():
            continue
        raw = info.filename.replace("\\", "/")
        if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw) or ".." in raw.split("/"):
            # a name like ../../etc/passwd is written by hand, never by an exporter: refuse the upload
            raise InvalidInput(f"{raw[:200]!r}: a zip entry whose path leaves the archive (absolute, or with ..) is refused",
                               field="file")
        path = _clean_path(info.filename)
        if path is None or path.startswith("__MACOSX/") or posixpath.basename(path).lower() in (".ds_store", "thumbs.db"):
            continue
        budget.take(info.file_size)
        if info.file_size > 1024 * 1024 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise TooLarge(f"{path}: inflates {info.file_size // max(info.compress_size, 1)} times its compressed size "
                           f"(more than {MAX_COMPRESSION_RATIO}): refused as a zip bomb", field="file")
        entries.append((path, info))
    for path, info in entries:
        if path.lower().endswith(".zip") and depth == 0:
            # Notion wraps its export: Export-…-Part-1.zip inside the zip that is downloaded. It is inflated to a
            # temporary file (in memory while small) that its entries are read from.
            inner = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)
            _inflate_checked(archive, info, path, sink=inner)
            inner.seek(0)
            folder = posixpath.dirname(path)
            _read_zip(files, inner, f"{prefix}{folder}/" if folder else prefix, depth + 1, budget)
            continue
        _inflate_checked(archive, info, path)
        files.add(prefix + path, archive, info)


def _drop_common_top(files: ZipEntries) -> ZipEntries:
    while files:
        tops = {path.split("/", 1)[0] for path in files}
        if len(tops) != 1 or any("/" not in path for path in files):
            break
        top = tops.pop()
        if any(path.lower() == f"{top}{extension}".lower() for path in files for extension in MARKDOWN_EXTENSIONS):
            break
        files = files.renamed(lambda path: path.split("/", 1)[1])
    return files


# --- planning an import ----------------------------------------------------------------------------------


@dataclass
class PlannedPage:
    folder: str  # the page's folder path (its Markdown file without extension), the key of the plan
    title: str
    markdown_path: str | None
    parent: str | None
    children: list["PlannedPage"] = field(default_factory=list)


def title_from_name(name: str) -> str:
    stem = posixpath.basename(name)
    for extension in MARKDOWN_EXTENSIONS + HTML_EXTENSIONS + (".csv",):
        if stem.lower().endswith(extension):
            stem = stem[: -len(extension)]
    stem = NOTION_ID.sub("", stem).strip()
    return "".join(char for char in stem if ord(char) >= 32)[:512] or "Untitled"


def clean_title(text: str) -> str:
    """A page title from text (a first heading): one line, no control characters, NFC, at most 512 characters."""
    text = " ".join(nfc(text).split())
    return "".join(char for char in text if ord(char) >= 32)[:512]


def plan_pages(files: dict[str, bytes], extensions: tuple[str, ...] = MARKDOWN_EXTENSIONS) -> list[PlannedPage]:
    """The page tree of an upload (its files with one of ``extensions``), parents before children, siblings by name."""
    pages: dict[str, PlannedPage] = {}

    def ensure(folder: str) -> PlannedPage | None:
        if not folder:
            return None
        if folder not in pages:
            parent = ensure(posixpath.dirname(folder))
            pages[folder] = PlannedPage(folder=folder, title=title_from_name(folder), markdown_path=None, parent=parent.folder if parent else None)
        return pages[folder]

    for path in sorted(files, key=lambda p: (p.count("/"), p.casefold())):
        if not path.lower().endswith(extensions) or posixpath.basename(path).lower() in SKIPPED_NAMES:
            continue
        folder = path.rsplit(".", 1)[0]
        parent = ensure(posixpath.dirname(folder))
        if folder in pages and pages[folder].markdown_path is None:
            pages[folder].markdown_path = path
            pages[folder].title = title_from_name(path)
        elif folder not in pages:
            pages[folder] = PlannedPage(folder=folder, title=title_from_name(path), markdown_path=path, parent=parent.folder if parent else None)
    roots: list[PlannedPage] = []
    for page in sorted(pages.values(), key=lambda p: (p.folder.count("/"), p.title.casefold(), p.folder)):
        (pages[page.parent].children if page.parent else roots).append(page)
    ordered: list[PlannedPage] = []

    def walk(items):
        for item in items:
            ordered.append(item)
            walk(item.children)

    walk(roots)
    return ordered


def local_target(base_folder: str, href: str) -> str | None:
    """The archive path a relative link in a file of ``base_folder`` points at (None for URLs and anchors)."""
    if not href or href.startswith(("#", "/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", href):
        return None
    path = unquote(href.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    joined = posixpath.normpath(posixpath.join(base_folder, path)) if base_folder else posixpath.normpath(path)
    if joined.startswith("../") or joined == "..":
        return None
    return nfc(joined)


def source_format(files: dict[str, bytes]) -> str:
    """"markdown" when the upload holds Markdown pages (Notion's "Markdown & CSV" export), else "html" when it
    holds HTML pages (Notion's HTML export); InvalidInput otherwise."""
    names = [path.lower() for path in files]
    if any(name.endswith(MARKDOWN_EXTENSIONS) for name in names):
        return "markdown"
    if any(name.endswith(HTML_EXTENSIONS) and posixpath.basename(name) not in SKIPPED_NAMES for name in names):
        return "html"
    raise InvalidInput("the upload holds no Markdown (.md) file and no HTML page (Notion's HTML export)", field="file")


def utf8_text(path: str, data: bytes) -> str:
    """A page or table file of an import as text: UTF-8 (with or without a byte order mark, as Notion writes
    it), NFC; anything else is refused naming the file rather than read as mojibake."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path}: is not UTF-8 text (byte {error.start}); export it again as UTF-8", field="file") from None
    if "\x00" in text:
        raise InvalidInput(f"{path}: is not text (it holds NUL characters)", field="file")
    return nfc(text)


@dataclass
class PlannedTable:
    """A Notion database found in an upload: its CSV (or HTML page), the folder of its row pages, its cells
    (``row_paths``: each record's row page when the export names it, as HTML exports do)."""

    path: str
    folder: str
    title: str
    header: list[str]
    records: list[list[str]]
    row_paths: list[str | None] = field(default_factory=list)


def plan_csv_tables(files: dict[str, bytes]) -> tuple[list[PlannedTable], list[dict]]:
    """The databases of a "Markdown & CSV" export: every ``Name <id>.csv`` (Notion adds ``Name <id>_all.csv``
    with every row when the exported view was filtered: that one is read and the other recognised as its
    duplicate), with the folder of row pages beside it. Returns (tables, skipped files with the reason)."""
    import csv

    groups: dict[str, dict[str, str]] = {}
    for path in sorted(files):
        if not path.lower().endswith(".csv"):
            continue
        stem = path[:-4]
        if stem.endswith("_all"):
            groups.setdefault(stem[:-4], {})["all"] = path
        else:
            groups.setdefault(stem, {})["view"] = path
    tables, skipped = [], []
    for base, variants in sorted(groups.items()):
        path = variants.get("all") or variants["view"]
        if "all" in variants and "view" in variants:
            skipped.append({"path": variants["view"], "reason": f"duplicate of {posixpath.basename(variants['all'])} (Notion's filtered view)"})
        text = utf8_text(path, files[path])
        try:
            lines = [line for line in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in line)]
        except csv.Error as error:
            raise InvalidInput(f"{path}: is not valid CSV ({error})", field="file") from None
        if not lines:
            skipped.append({"path": path, "reason": "an empty table"})
            continue
        tables.append(PlannedTable(path=path, folder=base, title=title_from_name(base), header=[cell.strip() for cell in lines[0]],
                                   records=lines[1:], row_paths=[None] * (len(lines) - 1)))
    return tables, skipped


def decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --- export ----------------------------------------------------------------------------------------------


def safe_file_name(title: str) -> str:
    name = "".join("-" if char in '/\\:*?"<>|' or ord(char) < 32 else char for char in nfc(title or "")).strip().strip(".")
    return (name or "Untitled")[:120]


def unique_name(name: str, used: set[str]) -> str:
    stem, dot, extension = name.rpartition(".") if "." in name[1:] else (name, "", "")
    candidate, number = name, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    used.add(candidate.casefold())
    return candidate


# one item of a Notion relation cell: "Title (href)", the href of a page file (percent-encoded: no spaces, and a
# title may hold parentheses of its own), items separated by commas
_LINK_ITEM = re.compile(r"\s*(.*?)\s*\(([^()\s]+\.(?:md|markdown|html?))\)\s*(?:,|$)", re.DOTALL | re.IGNORECASE)


def notion_links(text: str) -> list[tuple[str, str]] | None:
    """The (title, href) items of a database cell that is nothing but links to page files — how Notion writes a
    relation in its CSV, "Task (Tasks/Task%20<id>.md), Other (...)", and the HTML reader a cell of links — else None
    (an empty cell too)."""
    text = (text or "").strip()
    if not text.endswith(")"):
        return None
    items, position = [], 0
    while position < len(text):
        found = _LINK_ITEM.match(text, position)
        if found is None or found.end() == position:
            return None
        items.append((found.group(1).strip(), found.group(2)))
        position = found.end()
    return items or None


def relative_url(path: str) -> str:
    return quote(path, safe="/")


def content_disposition(name: str) -> str:
    ascii_name = "".join(char if 32 <= ord(char) < 127 and char not in '"\\' else "_" for char in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files:
            archive.writestr(path, content)
    return buffer.getvalue()


def page_markdown(title: str, trees: list[dict]) -> str:
    return markdown.page_markdown(title, trees)
