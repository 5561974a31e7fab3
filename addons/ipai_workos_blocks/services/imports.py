"""Imports: a Markdown file, or a zip of pages — Notion's "Markdown & CSV" export or its HTML export — into
a space, with its databases when the databases module is installed (``TABLE_IMPORTERS``).

One transaction per import: any refusal (a bad file, a zip bomb, a table too wide) leaves nothing behind.
The report counts pages, blocks, databases, rows and attachments, and lists what was skipped and why.
"""

from __future__ import annotations

import posixpath

from django.db import transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_core.registry import CONTENT_CHANGED, batched_content_notices, notify_pages
from workos.kernel.errors import InvalidInput
from workos.kernel.errors import TooLarge as TooLargeError

from .. import richtext
from ..registry import TABLE_IMPORTERS, attachment_url, is_media_url
from .attachments import check_file, _store_attachment
from .writes import _fill_new_pages, _validated

SKIPPED_MAX = 200
BLOCKS_PER_WRITE = 2000


def _folder(path: str) -> str:
    return path.rsplit(".", 1)[0]


def _title_key(text: str) -> str:
    from .. import transfer

    return transfer.clean_title(text).casefold()


def _tables(files: dict[str, bytes], plan, source: str, skipped: list[dict]) -> list:
    """The databases of the upload, each with ``location`` (the folder of the page it sits in, "" at the top)."""
    from .. import notion_html, transfer

    if source == "markdown":
        tables, duplicates = transfer.plan_csv_tables(files)
        skipped.extend(duplicates)
        for table in tables:
            table.location = posixpath.dirname(table.path)
        return tables
    tables = []
    for planned in plan:
        if not planned.markdown_path:
            continue
        text = transfer.utf8_text(planned.markdown_path, files[planned.markdown_path])
        if "collection-content" not in text:
            continue  # no database in this page (each is a table.collection-content): no need to parse it here
        page = notion_html.read_page(text)
        base = posixpath.dirname(planned.markdown_path)
        found = []
        if page.table is not None:
            found.append((page.title or planned.title, planned.parent or "", planned.markdown_path, *page.table))
        for index, (title, header, records, links) in enumerate(page.inline_tables):
            found.append((title or planned.title, planned.folder, f"{planned.markdown_path}#database{index}", header, records, links))
        for title, location, path, header, records, links in found:
            row_paths = [transfer.local_target(base, href) if href else None for href in links]
            folders = {posixpath.dirname(row) for row in row_paths if row}
            folder = folders.pop() if len(folders) == 1 else (planned.folder if page.table is not None else f"{path}")
            table = transfer.PlannedTable(path=path, folder=folder, title=transfer.clean_title(title), header=header or ["Name"],
                                          records=records, row_paths=row_paths)
            table.location = location
            tables.append(table)
    return tables


def _relations(tables: list, matches: dict, files: dict[str, bytes], skipped: list[dict]) -> dict[int, dict[int, tuple[int, list[list[int]]]]]:
    """The columns of each table that are relations, as Notion writes one: every filled cell a list of links
    ("Title (Folder/Title%20<id>.md)", relative to the table's file) to row pages of one table of the upload —
    ``{table index: {column: (target table index, per record the target's row indexes)}}``. A column that links
    anything else (a file not in the upload, a page that is not a row, the rows of two tables) or mixes links with
    bare titles (rows the export did not hold) is typed from its text as before (the links dropped), the reason
    listed in ``skipped``."""
    from .. import transfer

    row_of: dict[str, tuple[int, int]] = {}  # a row page's file -> (its table, its row's index in the table)
    for index in range(len(tables)):
        matched, extra = matches[index]
        for position, planned in enumerate([*matched, *extra]):
            if planned is not None and planned.markdown_path:
                row_of[planned.markdown_path] = (index, position)
    found: dict[int, dict[int, tuple[int, list[list[int]]]]] = {}
    for index, table in enumerate(tables):
        base = posixpath.dirname(table.path.split("#", 1)[0])
        for column in range(1, len(table.header)):
            cells = [record[column].strip() if column < len(record) else "" for record in table.records]
            parsed = [transfer.notion_links(cell) for cell in cells]
            if not any(parsed):
                continue
            reason, targets, links = None, set(), []
            for cell, items in zip(cells, parsed):
                if cell and items is None:
                    reason = f"{cell[:60]!r} names rows without linking them (rows the export does not hold)"
                    break
                linked = []
                for _title, href in items or []:
                    target = transfer.local_target(base, href)
                    if target is None or target not in files:
                        reason = f"it links {href[:120]}, a file not in the upload"
                    elif target not in row_of:
                        reason = f"it links {target[:120]}, a page that is not a database row"
                    else:
                        targets.add(row_of[target][0])
                        linked.append(row_of[target][1])
                        continue
                    break
                if reason is not None:
                    break
                links.append(linked)
            if reason is None and len(targets) > 1:
                reason = "it links the rows of more than one database"
            if reason is not None:
                skipped.append({"path": table.path, "reason": f"column {table.header[column][:128]!r} not made a relation: {reason}"})
                continue
            found.setdefault(index, {})[column] = (targets.pop(), links)
    return found


def _heading_title(files: dict[str, bytes], planned) -> str:
    """The title a Markdown page gives itself in its first line ("# Title"), "" when it has none: the title of a
    row page whose file name could not hold it (a "/" in it, or the page id appended to tell equal titles apart)."""
    from .. import transfer

    if not planned.markdown_path or not planned.markdown_path.lower().endswith(transfer.MARKDOWN_EXTENSIONS):
        return ""
    first = files[planned.markdown_path][:4096].decode("utf-8-sig", "replace").split("\n", 1)[0]
    if not first.startswith("# "):
        return ""
    return transfer.clean_title(richtext.plain_text(richtext.parse_inline(first[2:].strip())))


def _match_rows(table, plan, files: dict[str, bytes]) -> tuple[list, list]:
    """(the planned row page of each record or None, planned pages in the table's folder no record names)."""
    candidates = [planned for planned in plan if planned.parent == table.folder]
    by_folder = {planned.folder: planned for planned in candidates}
    matched: list = []
    if any(table.row_paths):
        for path in table.row_paths:
            matched.append(by_folder.pop(_folder(path), None) if path else None)
    else:
        pool: dict[str, list] = {}
        for planned in candidates:
            pool.setdefault(_title_key(planned.title), []).append(planned)
        for record in table.records:
            same = pool.get(_title_key(record[0] if record else ""))
            found = same.pop(0) if same else None
            matched.append(found)
            if found is not None:
                by_folder.pop(found.folder, None)
        # Notion shortens long titles in file names: a record still unmatched takes a page whose name begins its title
        for index, record in enumerate(table.records):
            title = _title_key(record[0] if record else "")
            if matched[index] is None and title:
                found = next((planned for planned in by_folder.values() if len(_title_key(planned.title)) >= 10
                              and title.startswith(_title_key(planned.title))), None)
                if found is not None:
                    matched[index] = by_folder.pop(found.folder)
        # a record still unmatched takes a page whose first heading is its title (a WorkOS export names a row
        # "a-b" for "a/b", "Untitled" for no title, and adds the page id to a title another row has already)
        if None in matched and by_folder:
            headings: dict[str, list] = {}
            for planned in by_folder.values():
                headings.setdefault(_title_key(_heading_title(files, planned)), []).append(planned)
            for index, record in enumerate(table.records):
                same = headings.get(_title_key(record[0] if record else "") or "untitled") if matched[index] is None else None
                if same:
                    matched[index] = by_folder.pop(same.pop(0).folder)
    return matched, list(by_folder.values())


def _strip_properties(trees: list[dict], header: list[str], cells: dict[str, str] | None = None) -> list[dict]:
    """A Notion row page (Markdown) starts with its properties, "Column: value" lines the database now holds.
    With the row's ``cells`` (column name folded -> its CSV text), a paragraph is one only when it is nothing but
    such pairs holding the row's values (its lines arrive joined by spaces), so that a row page whose text merely
    begins "Note: …" — one a WorkOS export wrote — keeps it."""
    names = sorted({name.casefold() for name in header if name}, key=len, reverse=True)

    def only_properties(text: str) -> bool:
        if cells is None:
            lines = [line for line in text.split("\n") if line.strip()]
            return bool(lines) and all(":" in line and line.split(":", 1)[0].strip().casefold() in names for line in lines)
        rest = text.strip()
        if not rest:
            return False
        while rest:
            for name in names:
                if rest[: len(name) + 1].casefold() != name + ":":
                    continue
                value, cell = rest[len(name) + 1:].lstrip(), cells.get(name, "")
                if not cell or (value.startswith(cell) and value[len(cell): len(cell) + 1] in ("", " ", "\n")):
                    rest = value[len(cell):].lstrip()
                    break
            else:
                return False
        return True

    out = list(trees)
    while out and out[0]["type"] == "paragraph" and only_properties(richtext.plain_text(out[0]["content"].get("text"))):
        out.pop(0)
    return out


@transaction.atomic
def import_file(actor, space, name: str, data: bytes, parent: Page | None = None) -> dict:
    """Create pages in ``space`` (under ``parent`` if given) from a Markdown file or a zip: Notion's "Markdown &
    CSV" export (databases from its CSV files, their row pages as the rows' pages) or its HTML export (pages,
    their blocks, icons and covers, databases from its tables), or any zip of Markdown folders. Links between
    the imported pages become page mentions, local images and files attachments, and a database column of links
    to the rows of a database of the upload (a relation, as Notion and the portable export write it) a relation
    between the new databases. All or nothing; one
    ``blocks.import`` audit event besides those of each page, database and row."""
    # the page listeners (the search index) hear of each new page once, at the end; the actor's levels are
    # worked out once per object (the import changes no grant or place of an existing object)
    with batched_content_notices(), permissions.memoised_levels(actor):
        return _import(actor, space, name, data, parent)


def _import(actor, space, name: str, data: bytes, parent: Page | None) -> dict:
    from .. import markdown, notion_html, transfer

    if parent is not None:
        permissions.require(actor, "create", parent)
    else:
        permissions.require(actor, "create", space)
    files = transfer.read_upload(name, data)
    single_file = name.lower().endswith(transfer.MARKDOWN_EXTENSIONS)
    source = transfer.source_format(files)
    plan = transfer.plan_pages(files, transfer.MARKDOWN_EXTENSIONS if source == "markdown" else transfer.HTML_EXTENSIONS)
    skipped: list[dict] = []
    importer = TABLE_IMPORTERS.find("database")
    tables = _tables(files, plan, source, skipped) if importer is not None else []
    table_folders = {table.folder for table in tables}
    table_paths = {table.path.split("#", 1)[0] for table in tables if source == "markdown"} | \
        {entry["path"] for entry in skipped if entry["reason"].startswith("duplicate of")}
    row_header: dict[str, list[str]] = {}
    row_cells: dict[str, dict[str, str]] = {}
    matches = {}
    for index, table in enumerate(tables):
        matches[index] = _match_rows(table, plan, files)
        for planned in [*filter(None, matches[index][0]), *matches[index][1]]:
            row_header[planned.folder] = table.header
        for planned, record in zip(matches[index][0], table.records):
            if planned is not None:
                row_cells[planned.folder] = {name.casefold(): cell.strip() for name, cell in zip(table.header, record)}
    relations = _relations(tables, matches, files, skipped)
    made_tables: dict[int, object] = {}  # the importer's answer for each table, to relate them once all exist
    totals = {"pages": 0, "blocks": 0, "databases": 0, "rows": 0, "attachments": 0}
    created: dict[str, Page] = {}
    databases: list[dict] = []
    pending_pages = [planned for planned in plan if planned.folder not in table_folders and planned.folder not in row_header]
    pending_tables = list(range(len(tables)))

    def place(folder: str | None) -> Page | None:
        return created[folder] if folder else parent

    def make_table(index: int, where: Page | None) -> None:
        table = tables[index]
        matched, extra = matches[index]
        records = [list(record) for record in table.records] + [[planned.title] for planned in extra]
        result = importer(actor, space=None if where else space, parent_page=where, title=table.title, header=table.header, records=records,
                          relations=frozenset(relations.get(index, ())))
        made_tables[index] = result
        for planned, page in zip([*matched, *extra], result.row_pages):
            if planned is not None:
                created[planned.folder] = page
        skipped.extend({"path": table.path, "reason": reason} for reason in result.skipped)
        totals["databases"] += 1
        totals["rows"] += len(result.row_pages)
        databases.append({"id": result.database_id, "title": table.title, "rows": len(result.row_pages), "properties": result.properties,
                          "parent_page_id": where.pk if where else None})

    def make_pages(batch: list) -> None:
        """The planned pages of ``batch`` (each one's parent made already or earlier in the batch) at once."""
        index_of = {planned.folder: index for index, planned in enumerate(batch)}
        nodes = [(index_of[planned.parent] if planned.parent in index_of else place(planned.parent), planned.title) for planned in batch]
        for planned, page in zip(batch, core.create_page_tree(actor, space=space, nodes=nodes)):
            created[planned.folder] = page

    while pending_pages or pending_tables:
        ready, waiting, ready_folders = [], [], set()
        for planned in pending_pages:  # parents come before their children in the plan
            if planned.parent is None or planned.parent in created or planned.parent in ready_folders:
                ready.append(planned)
                ready_folders.add(planned.folder)
            else:
                waiting.append(planned)
        if ready:
            make_pages(ready)
        pending_pages = waiting
        progress = bool(ready)
        for index in list(pending_tables):
            location = tables[index].location
            if not location or location in created:
                make_table(index, place(location))
                pending_tables.remove(index)
                progress = True
        if not progress:
            # what sits under a folder that never became a page (a database's own page, a folder of CSVs) goes to the top
            if pending_tables:
                index = pending_tables.pop(0)
                make_table(index, parent)
            elif pending_pages:
                planned = pending_pages.pop(0)
                created[planned.folder] = core.create_page(actor, space=None if parent else space, parent=parent, title=planned.title)
    # every table and row exists now: the relation columns link the new rows (tables link each other in any order)
    for index, columns in relations.items():
        for column, (target, links) in sorted(columns.items()):
            made_tables[index].relate(actor, column, made_tables[target], links)
    for planned in plan:
        if planned.folder in table_folders and planned.markdown_path and planned.folder not in created:
            if source == "markdown":
                skipped.append({"path": planned.markdown_path, "reason": "the page of a database: its rows became the database"})
    page_by_source = {planned.markdown_path: created[planned.folder] for planned in plan if planned.markdown_path and planned.folder in created}
    folders = {planned.folder for planned in plan}
    # the files of each folder that are neither pages nor tables nor page folders: kept as file blocks of its page
    loose: dict[str, list[str]] = {}
    for other in sorted(files):
        if not other.lower().endswith(transfer.MARKDOWN_EXTENSIONS + transfer.HTML_EXTENSIONS) and other not in table_paths \
                and other.rsplit("/", 1)[-1].lower() not in transfer.SKIPPED_NAMES and _folder(other) not in folders:
            loose.setdefault(posixpath.dirname(other), []).append(other)
    items = []
    # the blocks of the new pages are checked page by page and written a few thousand at a time
    documents: list[tuple[Page, list[dict]]] = []
    written = 0
    seen_ids: set = set()
    for planned in plan:
        if planned.folder not in created:
            continue
        page = created[planned.folder]
        base = posixpath.dirname(planned.markdown_path or planned.folder + "/x")
        stored: dict[str, tuple[int, str]] = {}
        used: set[str] = set()

        def store(path: str, page=page, stored=stored, used=used) -> tuple[int, str] | None:
            if path in stored:
                return stored[path]
            content = files[path]
            try:
                clean_name, content_type = check_file(path.rsplit("/", 1)[-1], content)
            except (InvalidInput, TooLargeError) as error:
                skipped.append({"path": path, "reason": error.message})
                return None
            attachment = _store_attachment(actor, page, clean_name, content_type, content)
            stored[path] = (attachment.pk, attachment_url(attachment.pk))
            used.add(path)
            totals["attachments"] += 1
            return stored[path]

        def resolve_link(href, spans, base=base):
            target = transfer.local_target(base, href)
            if target is None or (single_file and target not in files):
                return None  # a URL, or a single file's relative link: kept as written
            if target in page_by_source:
                linked = page_by_source[target]
                return [{"mention": {"kind": "page", "id": linked.pk}, "text": richtext.plain_text(spans) or linked.title}]
            if target.lower().endswith(".csv") and target not in files:
                skipped.append({"path": target, "reason": "a database the page links to is not in the export"})
            return [{key: value for key, value in span.items() if key != "href"} for span in spans]

        def resolve_media(href, kind, base=base):
            target = transfer.local_target(base, href)
            if target is None or target not in files or target in page_by_source or target in table_paths:
                # a single file's relative image source is kept as written (a zip's would name a missing file)
                return (None, richtext.link_href(href)) if single_file and is_media_url(richtext.link_href(href), relative=kind == "image") else None
            return store(target)

        def is_local_file(href, base=base):
            target = transfer.local_target(base, href)
            return target is not None and target in files and target not in page_by_source and target not in table_paths

        trees = []
        path = planned.markdown_path
        try:
            if path and source == "markdown":
                trees = markdown.from_markdown(transfer.utf8_text(path, files[path]), resolve_link=resolve_link, resolve_media=resolve_media,
                                               is_local_file=is_local_file)
                if trees and trees[0]["type"] == "heading_1" and all(set(span) == {"text"} for span in trees[0]["content"]["text"]):
                    # the first heading is the page's title, as Notion and the exporter write it (plain text: a
                    # heading with marks, links or mentions stays a heading)
                    title = transfer.clean_title(richtext.plain_text(trees[0]["content"]["text"]))
                    trees = trees[1:]
                    if title and title != page.title:
                        page = core.update_page(actor, page, title=title)
                if planned.folder in row_header:
                    trees = _strip_properties(trees, row_header[planned.folder], row_cells.get(planned.folder))
            elif path:
                read = notion_html.read_page(transfer.utf8_text(path, files[path]), resolve_link=resolve_link, resolve_media=resolve_media)
                trees = read.trees
                title = transfer.clean_title(read.title)
                cover = ""
                if read.cover:
                    if richtext.is_safe_url(read.cover, schemes=("http", "https")):
                        cover = read.cover
                    else:
                        target = transfer.local_target(base, read.cover)
                        found = store(target) if target in files else None
                        cover = found[1] if found else ""
                changes = {key: value for key, value in (("title", title), ("icon", read.icon), ("cover_url", cover))
                           if value and value != getattr(page, key)}
                if changes:
                    page = core.update_page(actor, page, **changes)
            # files in the page's folder that no block used are kept as file blocks at the end
            for other in loose.get(planned.folder, ()):
                if other not in used:
                    result = store(other)
                    if result is not None:
                        trees.append({"type": "file", "content": {"attachment_id": result[0], "url": result[1], "name": other.rsplit("/", 1)[-1]}, "children": []})
            flat = _validated(page, trees, seen_ids)
        except InvalidInput as error:
            error.message = f"{path or planned.folder}: {error.message}"
            raise
        documents.append((page, flat))
        written += len(flat)
        if written >= BLOCKS_PER_WRITE:
            _fill_new_pages(actor, documents)
            documents, written = [], 0
        totals["blocks"] += len(flat)
        if planned.folder not in row_header:
            totals["pages"] += 1
        items.append({"id": page.pk, "title": page.title, "parent_id": page.parent_id, "blocks": len(flat),
                      "row": planned.folder in row_header})
    _fill_new_pages(actor, documents)
    target = parent or space
    record_event(actor=actor, action="blocks.import", target=target,
                 changes={**totals, "format": source, "file": name[:255], "skipped": [entry["path"] for entry in skipped][:50]})
    notify_pages(CONTENT_CHANGED, [item["id"] for item in items], actor)
    return {"format": source, "items": items, "database_items": databases, **totals, "skipped": skipped[:SKIPPED_MAX],
            "skipped_count": len(skipped)}

