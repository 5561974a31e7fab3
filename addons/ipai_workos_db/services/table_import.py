"""A table another module imports (a Notion database exported as CSV or as an HTML table) becomes a database.

Registered as the blocks module's ``"database"`` table importer (see ``ipai_workos_blocks.registry.TABLE_IMPORTERS``):
the Notion importer hands over the table's title, where it sat, its header and its records (text cells); this
module types the columns the way Notion writes them and adds the rows through ``create_rows``, in the import's
transaction. The columns the importer found to link the rows of the upload's tables (Notion's relations) are left
out until every table exists; ``ImportedTable.relate`` then makes each one a relation and links the new rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from workos.kernel.errors import InvalidInput, TooLarge

from ..properties import OPTION_NAME_MAX, OPTIONS_MAX, PropertyError, property_type
from ..query import Schema
from ._common import BULK_MAX, IMPORT_ROWS_MAX, PROPERTIES_MAX
from .csv_transfer import detect_type
from .databases import create_database
from .properties import create_property, update_property
from .validation import context_for

# Notion writes a relation cell as "Title (Folder/Title%20<id>.md), Other (...)" and a file cell as its paths
_NOTION_LINK = re.compile(r"\s*\((?:[^()]*%20|[^()\s]*/)[^()]*\.(?:md|html|csv)\)")
_CHECKBOX_WORDS = {"yes", "no", "true", "false", "checked", "unchecked", "ja", "nein", "__yes__", "__no__"}
_SELECT_NAMES = {"status", "select", "type", "category", "priority", "stage", "state", "kategorie", "priorität", "typ"}
# people columns hold names this instance may not know: kept as text
_PEOPLE_NAMES = {"person", "people", "owner", "assignee", "assigned to", "created by", "last edited by", "author", "zuständig", "person(en)"}
_MULTI_NAMES = {"tags", "multi-select", "multi select", "labels", "schlagwörter"}


@dataclass
class ImportedTable:
    """What the importer made: the database, its address, the row pages in record order and what was skipped;
    ``relate`` adds the relation columns left out (``import_table``'s ``relations``) once every table exists."""

    database_id: int
    url: str
    row_pages: list = field(default_factory=list)
    properties: dict = field(default_factory=dict)  # column name -> property type
    skipped: list = field(default_factory=list)
    database: object = field(default=None, repr=False)
    rows: list = field(default_factory=list, repr=False)
    header: list = field(default_factory=list, repr=False)
    column_properties: dict = field(default_factory=dict, repr=False)  # column index -> Property

    @transaction.atomic
    def relate(self, actor, column: int, target: "ImportedTable", links: list[list[int]]) -> None:
        """Make column ``column`` (one of ``relations``) a relation to ``target``'s database, placed after the
        column before it, whose row ``i`` links ``target``'s rows ``links[i]`` (indexes in its record order),
        through ``create_property`` and ``link_rows`` (the service write path, audited)."""
        from .bulk import link_rows

        before = max((index for index in self.column_properties if index < column), default=0)
        prop = create_property(actor, self.database, name=self.header[column], type="relation",
                               config={"database_id": target.database_id}, after_id=self.column_properties[before].pk)
        self.column_properties[column] = prop
        self.properties[self.header[column]] = "relation"
        wanted = {self.rows[index].pk: list(dict.fromkeys(target.rows[other].pk for other in linked))
                  for index, linked in enumerate(links) if linked and index < len(self.rows)}
        if wanted:
            link_rows(actor, prop, wanted)


def notion_cell_text(text: str) -> str:
    """A cell's text without Notion's link targets (relations, files): "Task (Tasks/Task%20<id>.md)" -> "Task"."""
    return _NOTION_LINK.sub("", text or "").strip()


def column_type(name: str, values: list[str]) -> str:
    """The property type of a Notion column from its header and cells: checkboxes ("Yes"/"No"), numbers, dates
    (also "May 5, 2023 10:00 AM" and ranges with "→"), URLs, emails, multi-selects (comma lists), selects (short
    repeated words, or a column Notion names like one); people and everything else as text."""
    filled = [value.strip() for value in values if value and value.strip()]
    if not filled:
        return "checkbox" if name.strip().casefold() in ("done", "erledigt", "checkbox") else "text"
    if {value.casefold() for value in filled} <= _CHECKBOX_WORDS:
        return "checkbox"
    detected = detect_type(filled)
    if detected in ("number", "date", "url", "email", "checkbox"):
        return detected
    if any("\n" in value or len(value) > OPTION_NAME_MAX for value in filled):
        return "text"
    folded_name = name.strip().casefold()
    if folded_name in _PEOPLE_NAMES:
        return "text"
    if any("," in value for value in filled):
        items = [item.strip() for value in filled for item in value.split(",") if item.strip()]
        if folded_name in _MULTI_NAMES or detected == "multi_select" or len(set(items)) < len(items):
            return "multi_select" if len(set(items)) <= OPTIONS_MAX else "text"
        return "text"
    distinct = set(filled)
    if folded_name in _MULTI_NAMES:
        return "multi_select"
    if folded_name in _SELECT_NAMES or detected == "select" or (len(distinct) < len(filled) and all(len(value) <= 40 for value in distinct)):
        return "select" if len(distinct) <= OPTIONS_MAX else "text"
    return "text"


def _options(type_name: str, values: list[str]) -> list[dict]:
    names: dict[str, str] = {}
    for value in values:
        parts = value.split(",") if type_name == "multi_select" else [value]
        for part in parts:
            part = " ".join(part.split())
            if part:
                names.setdefault(part.casefold(), part)
    return [{"name": name} for name in list(names.values())[:OPTIONS_MAX]]


@transaction.atomic
def import_table(actor, *, space=None, parent_page=None, title: str, header: list[str], records: list[list[str]],
                 relations: frozenset[int] | set[int] = frozenset()) -> ImportedTable:
    """A database named ``title`` in ``space`` (or inline in ``parent_page``) whose first column is the title
    and whose other columns are typed from their cells (``column_type``); one row per record, in order. A cell
    its column cannot take stays empty and is listed in ``skipped``. The columns of ``relations`` (indexes) are
    left out: the caller adds them with ``relate`` once the tables they link exist. Too many columns or rows
    answer 413 and nothing is written."""
    if len(header) > PROPERTIES_MAX:
        raise TooLarge(f"{title or 'a table'}: a database has at most {PROPERTIES_MAX} columns; this one has {len(header)}", field="file")
    if len(records) > IMPORT_ROWS_MAX:
        raise TooLarge(f"{title or 'a table'}: an import holds at most {IMPORT_ROWS_MAX} rows per database", field="file")
    header = [" ".join((name or "").split())[:128] for name in header] or ["Name"]
    seen: set[str] = set()
    for index, name in enumerate(header):
        name = name or f"Column {index + 1}"
        while name.casefold() in seen:
            name = f"{name} ({index + 1})"
        seen.add(name.casefold())
        header[index] = name
    cells = [[notion_cell_text(record[index]) if index < len(record) else "" for index in range(len(header))] for record in records]
    database = create_database(actor, space=space, parent_page=parent_page, title=(title or "")[:512])
    schema = Schema(database)
    title_prop = schema.title()
    if header[0] != title_prop.name:
        update_property(actor, title_prop, name=header[0])
    props = {0: title_prop}
    types = {header[0]: "title"}
    for index, name in enumerate(header[1:], start=1):
        if index in relations:
            types[name] = "relation"  # made by ``relate``; named here to keep the columns' order in the report
            continue
        column = [row[index] for row in cells]
        type_name = column_type(name, column)
        config = {"options": _options(type_name, column)} if type_name in ("select", "multi_select") else None
        props[index] = create_property(actor, database, name=name, type=type_name, config=config)
        types[name] = type_name
    schema = Schema(database)
    props = {index: schema.by_id[prop.pk] for index, prop in props.items()}
    context = context_for(actor, database)
    skipped: list[str] = []
    values: list[dict] = []
    for line, row in enumerate(cells, start=1):
        stored = {}
        for index, prop in props.items():
            text = row[index]
            if not text:
                continue
            if prop.type == "title":
                stored[str(prop.pk)] = " ".join(text.split())[:512]
                continue
            try:
                stored[str(prop.pk)] = property_type(prop.type).from_text(text, prop.config, context)
            except PropertyError as error:
                skipped.append(f"{title or 'table'}, row {line}, {prop.name}: {error.message}")
        values.append(stored)
    from .rows import create_rows

    rows = []
    try:
        for start in range(0, len(values), BULK_MAX):
            rows.extend(create_rows(actor, database, values[start:start + BULK_MAX]))
    except InvalidInput as error:
        raise InvalidInput(f"{title or 'table'}: {error.message}", field="file") from None
    return ImportedTable(database_id=database.pk, url=f"/web/databases/{database.pk}", row_pages=[row.page for row in rows], properties=types,
                         skipped=skipped, database=database, rows=rows, header=header, column_properties=props)
