"""Markdown export: a page, or a zip with its sub-pages, databases and files, or a whole space as a zip (the
import is in ``imports``).

A zip has Notion's "Markdown & CSV" layout (see ``transfer``): ``Page.md`` beside a folder ``Page/`` of its
sub-pages and attachments, a database as ``Name.csv`` beside a folder ``Name/`` of its row pages (written by
the ``TABLE_EXPORTERS`` entry of the databases module, when installed). Links between pages are either
portable — a page mention of a page inside the zip becomes a relative link to its file (``Sub%20page/Child.md``),
one of a page outside it the live title as plain text, or "No access" — so that other tools (Obsidian, Logseq,
Outline) and any WorkOS read the zip, or instance links (``@[Title](page:ID)``) for a round trip into the same
instance. Only what the exporter may read is written: pages, rows and titles alike.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page, Space
from workos.kernel.errors import InvalidInput

from ..models import Attachment
from ..registry import BLOCK_TYPES, TABLE_EXPORTERS
from .mentions import live_mentions
from .reads import document, documents

LINK_STYLES = ("portable", "instance")
MAX_EXPORT_DEPTH = 64
DOCUMENTS_AT_ONCE = 200  # pages whose blocks are read in one query while a zip is written


def _with_attachment_paths(trees: list[dict], paths: dict[int, str]) -> list[dict]:
    out = []
    for tree in trees:
        content = tree["content"]
        attachment_id = content.get("attachment_id") if isinstance(content, dict) else None
        if attachment_id in paths:
            content = {**content, "url": paths[attachment_id]}
        out.append({**tree, "content": content, "children": _with_attachment_paths(tree.get("children") or [], paths)})
    return out


def _relative_link(files: dict[int, str], page_id: int, here: str) -> str | None:
    """The href of the file of page ``page_id`` in the zip (``files``: page id -> path) from the folder ``here``,
    percent-encoded; None for a page the zip does not hold."""
    from .. import transfer

    target = files.get(page_id)
    return transfer.relative_url(posixpath.relpath(target, here or ".")) if target else None


def portable_links(value, files: dict[int, str], here: str):
    """A copy of block JSON (after ``live_mentions``) without instance-specific links: a page mention of a page in
    ``files`` (page id -> its file in the zip) becomes a link relative to the folder ``here`` (percent-encoded); of
    any other page, its text alone (the live title or "No access"). A user mention becomes "@Name"."""

    def link_to(page_id: int) -> str | None:
        return _relative_link(files, page_id, here)

    if isinstance(value, list):
        return [portable_links(item, files, here) for item in value]
    if not isinstance(value, dict):
        return value
    mention = value.get("mention")
    if isinstance(mention, dict):
        text = value.get("text") or ""
        if mention.get("kind") != "page":
            return {"text": "@" + text}
        href = link_to(mention.get("id"))
        return {"text": text, "href": href} if href else {"text": text}
    return {key: portable_links(item, files, here) for key, item in value.items()}


def _link_style(links: str | None, default: str) -> str:
    links = links or default
    if links not in LINK_STYLES:
        raise InvalidInput(f"links must be one of {', '.join(LINK_STYLES)}", field="links")
    return links


@dataclass
class _PageFile:
    """A page of the zip: its Markdown file and the names used in its folder (sub-pages, databases, files)."""

    page: Page
    path: str
    used: set[str] = field(default_factory=set)


def _names(name: str) -> set[str]:
    return {name.casefold(), f"{name}.md".casefold(), f"{name}.csv".casefold()}


def _free_name(name: str, used: set[str]) -> str:
    """A name for a page or a database in a folder (``used``: the names taken there): free as a folder and as
    its .md and .csv file, since a page's sub-pages, databases and attachments share its folder."""
    candidate, number = name, 1
    while _names(candidate) & used:
        number += 1
        candidate = f"{name} ({number})"
    used.update(_names(candidate))
    return candidate


def _row_name(page: Page, line: int, used: set[str]) -> str:
    """A row page's name: its title, which is how an importer matches it to its CSV line; a title another row
    has already gets 32 hex digits appended the way Notion appends its ids (dropped again on import): the CSV
    line's number, so that rows of equal titles sort in the CSV's order and an importer pairs them in order."""
    from .. import transfer

    name = transfer.safe_file_name(page.title)
    if _names(name) & used:
        name = f"{name[:87]} {line:032x}"
    return _free_name(name, used)


def _zip(user, space: Space, root: Page | None, links: str) -> bytes:
    """The zip of ``root`` (a page ``user`` may read) with its sub-pages, databases and attachments, or with
    ``root`` None of the whole space: its top-level pages and databases, and the pages ``user`` may read under
    a page they may not (at the top, as the sidebar shows them). The pages and databases of the space that
    ``user`` may read are listed once, not asked for page by page."""
    from .. import transfer

    children: dict[int | None, list[Page]] = {}
    for page in core.pages_for(user, space_id=space.pk).order_by("rank", "id"):
        children.setdefault(page.parent_id, []).append(page)
    if root is not None:
        roots = [root]
    else:
        # a parent out of the listing is a page the user cannot read (its children go to the top), or a database
        # row's page (its sub-pages go with the row)
        listed = {page.pk for pages in children.values() for page in pages}
        hidden = set(Page.objects.filter(pk__in=set(children) - listed - {None}, container_model="").values_list("pk", flat=True))
        roots = children.get(None, []) + [page for key in sorted(hidden) for page in children[key]]
    tables: dict[int | None, list] = {}
    if "database" in TABLE_EXPORTERS:
        for table in TABLE_EXPORTERS.get("database")(user, space=space):
            tables.setdefault(table.parent_page_id, []).append(table)
    pages: list[_PageFile] = []
    files: list[tuple[str, bytes]] = []
    csv_files: list[tuple[int, object, str]] = []  # (index in files, table, its folder): written once every row has its file

    def add(page: Page, folder: str, used: set[str], depth: int, name: str | None = None) -> None:
        name = name or _free_name(transfer.safe_file_name(page.title), used)
        entry = _PageFile(page=page, path=f"{folder}{name}.md")
        pages.append(entry)
        if depth >= MAX_EXPORT_DEPTH:
            return
        for child in children.get(page.pk, []):
            add(child, f"{folder}{name}/", entry.used, depth + 1)
        add_tables(tables.get(page.pk, []), f"{folder}{name}/", entry.used, depth)

    def add_tables(found: list, folder: str, used: set[str], depth: int) -> None:
        for table in found:
            name = _free_name(transfer.safe_file_name(table.title), used)
            csv_files.append((len(files), table, folder))
            files.append((f"{folder}{name}.csv", b""))
            row_names: set[str] = set()
            for line, row_page in enumerate(table.row_pages, start=1):
                add(row_page, f"{folder}{name}/", row_names, depth + 1, name=_row_name(row_page, line, row_names))

    used: set[str] = set()
    for page in roots:
        add(page, "", used, 0)
    if root is None:
        add_tables(tables.get(None, []), "", used, 0)
    paths = {entry.page.pk: entry.path for entry in pages}
    for index, table, folder in csv_files:
        # a portable CSV links each related row the zip holds to its page file, as Notion writes a relation (the
        # tables are written after the walk: a relation may point at a table reached later, or at its own rows)
        text = table.linked_csv(lambda page_id, here=folder.rstrip("/"): _relative_link(paths, page_id, here)) if links == "portable" else table.csv
        files[index] = (files[index][0], text.encode())
    for start in range(0, len(pages), DOCUMENTS_AT_ONCE):
        batch = pages[start:start + DOCUMENTS_AT_ONCE]
        trees = documents([entry.page for entry in batch])
        for entry in batch:
            _write_page(user, entry, trees[entry.page.pk], paths if links == "portable" else None, files)
    return transfer.zip_bytes(files)


def _write_page(user, entry: _PageFile, trees: list[dict], paths: dict[int, str] | None, files: list[tuple[str, bytes]]) -> None:
    """Add one page of a zip to ``files``: its Markdown from its block ``trees``, and the attachments its blocks use
    in its folder. ``paths``: the file of each page of the zip by id, for portable links; None keeps instance links."""
    from .. import transfer

    trees = live_mentions(user, trees)
    if paths is not None:
        trees = portable_links(trees, paths, posixpath.dirname(entry.path))
    wanted: set[int] = set()

    def collect(nodes):
        for node in nodes:
            if node["type"] in BLOCK_TYPES:
                wanted.update(BLOCK_TYPES.get(node["type"]).attachment_ids(node["content"]))
            collect(node["children"])

    collect(trees)
    folder = entry.path[: -len(".md")]
    name = posixpath.basename(folder)
    attachment_paths: dict[int, str] = {}
    for attachment in Attachment.objects.filter(pk__in=wanted, page=entry.page).order_by("pk"):
        file_name = transfer.unique_name(attachment.name, entry.used)
        with attachment.file.open("rb") as handle:
            files.append((f"{folder}/{file_name}", handle.read()))
        attachment_paths[attachment.pk] = transfer.relative_url(f"{name}/{file_name}")
    files.append((entry.path, transfer.page_markdown(entry.page.title, _with_attachment_paths(trees, attachment_paths)).encode()))


def export_page(user, page: Page, subpages: bool = False, links: str | None = None) -> tuple[str, str, bytes]:
    """(file name, content type, bytes): the page as Markdown, or with ``subpages`` a zip of folders holding
    its sub-pages (those ``user`` may view), the databases in it (the rows ``user`` may read) and the
    attachments its blocks use. ``links``: "portable" (the default of a zip) or "instance" (the default of a
    single file), see the module's docstring."""
    from .. import transfer

    permissions.require(user, "read", page)
    links = _link_style(links, "portable" if subpages else "instance")
    if not subpages:
        trees = live_mentions(user, document(page))
        if links == "portable":
            trees = portable_links(trees, {}, "")
        text = transfer.page_markdown(page.title, trees)
        return transfer.safe_file_name(page.title) + ".md", "text/markdown; charset=utf-8", text.encode()
    return transfer.safe_file_name(page.title) + ".zip", "application/zip", _zip(user, page.space, page, links)


def export_space(user, space: Space, links: str | None = None) -> tuple[str, str, bytes]:
    """(file name, content type, bytes): a zip of every page and database of ``space`` that ``user`` may view:
    at its top the space's top-level pages and databases (and pages whose parent ``user`` may not view), each
    as ``export_page`` writes a page with its sub-pages."""
    from .. import transfer

    permissions.require(user, "read", space)
    links = _link_style(links, "portable")
    return transfer.safe_file_name(space.name) + ".zip", "application/zip", _zip(user, space, None, links)
