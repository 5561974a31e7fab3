"""CSV export and import, with type detection for new properties."""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path

from django.db import transaction

from ipai_platform_audit.services import record_event
from ipai_platform_permissions import services as permissions
from ipai_workos_core.registry import batched_content_notices
from workos.kernel.errors import Conflict, InvalidInput, TooLarge

from ..cells import Cells, readable_for
from ..models import Database, Property
from ..properties import PROPERTY_TYPES, Context, PropertyError, property_type
from ..query import Schema
from ._common import IMPORT_BATCH, IMPORT_BYTES_MAX, IMPORT_ROWS_MAX
from .properties import create_property
from .shapes import cell_text, names_for
from .validation import context_for


def export_csv(schema: Schema, rows_iterable, props: list, viewer, row_link=None) -> str:
    """CSV text: a header of property names, then one line per row (values as ``to_text`` writes them, so
    that importing the file again gives the same values), as ``viewer`` may read them. ``row_link``: see
    ``cell_text`` (the relation cells of a portable export link the related rows' pages)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([prop.name for prop in props])
    readable = readable_for(viewer)
    for chunk in rows_iterable:
        cells = Cells(schema, chunk, readable)
        names = names_for(cells, chunk, props)
        for row in chunk:
            writer.writerow([_csv_safe(cell_text(prop, cells.cell(row, prop), names, display=False, hidden=cells.hidden(row, prop),
                                                 row_link=row_link))
                             for prop in props])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a leading apostrophe keeps them text.
    Numbers (-12) and ISO dates are left alone so that they read back as what they are."""
    if text and text[0] in "=+-@\t\r" and not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", text):
        return "'" + text
    return text


def _uncsv(text: str) -> str:
    return text[1:] if text.startswith("'") and len(text) > 1 and text[1] in "=+-@\t\r" else text


def detect_type(samples: list[str]) -> str:
    """The property type a column of CSV text most likely holds."""
    values = [value.strip() for value in samples if value and value.strip()]
    if not values:
        return "text"
    context = Context()

    def all_parse(type_name: str) -> bool:
        entry = property_type(type_name)
        for value in values:
            try:
                entry.from_text(value, {"format": "plain"}, context)
            except PropertyError:
                return False
        return True

    folded = {value.casefold() for value in values}
    if folded <= {"true", "false", "yes", "no", "checked", "unchecked"}:
        return "checkbox"
    if all_parse("number"):
        return "number"
    if all(re.match(r"\d{4}-\d{2}-\d{2}", value) or re.match(r"[A-Z][a-z]+ \d{1,2}, \d{4}", value) for value in values) and all_parse("date"):
        return "date"
    if all(re.match(r"https?://", value) for value in values) and all_parse("url"):
        return "url"
    if all_parse("email"):
        return "email"
    distinct = set(values)
    if any("," in value for value in values):
        items = {item.strip() for value in values for item in value.split(",") if item.strip()}
        if len(items) <= max(10, len(values) // 3) and all(len(item) <= 40 for item in items):
            return "multi_select"
        return "text"
    if len(values) >= 4 and len(distinct) <= max(5, len(values) // 4) and all(len(value) <= 40 for value in distinct):
        return "select"
    return "text"


def _decoded(source) -> tuple[str, object]:
    """A CSV source — the file's bytes (an upload: at most ``IMPORT_BYTES_MAX``) or the path of a file on this
    machine (the command line: any size, read as it is imported) — as (its first 4 KiB of text, a text stream)."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > IMPORT_BYTES_MAX:
            raise TooLarge(f"a CSV file has at most {IMPORT_BYTES_MAX} bytes", field="file")
        try:
            text = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("the file is not UTF-8 text", field="file") from None
        return text[:4096], io.StringIO(text, newline="")
    path = Path(source)
    try:
        with path.open(encoding="utf-8-sig", newline="") as sample:
            head = sample.read(4096)
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", field="file") from None
    return head, path.open(encoding="utf-8-sig", newline="")


def _csv_lines(source):
    """The non-blank lines of a CSV source (see ``_decoded``), read as they are asked for; a decoding or CSV
    error while reading is a 422 naming the file."""
    head, stream = _decoded(source)
    try:
        dialect = csv.Sniffer().sniff(head, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    with stream:
        reader = csv.reader(stream, dialect)
        while True:
            try:
                line = next(reader, None)
            except csv.Error as error:
                raise InvalidInput(f"the file is not valid CSV: {error}", field="file") from None
            except UnicodeDecodeError:
                raise InvalidInput("the file is not UTF-8 text", field="file") from None
            if line is None:
                return
            if any("\x00" in cell for cell in line):
                raise InvalidInput("the file is not CSV text", field="file")
            if any(cell.strip() for cell in line):
                yield line


def _batches(lines, size: int):
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def import_csv(actor, database: Database, data, *, mapping: dict | None = None, create_properties: bool = True,
               max_rows: int = IMPORT_ROWS_MAX, batch: int = IMPORT_BATCH, progress=None) -> dict:
    """Add the rows of a CSV file (first line: column names). ``data``: the file's bytes, or the path of a file
    on this machine (the command line), which is read as it is imported.

    ``mapping`` maps a column name to a property (id or name), to ``{"type": ...}`` for a new property of that
    type, or to null to skip it. Columns left out map to the property of the same name, else (the first of
    them) to the title, else to a new property whose type is detected from the column's values (its first 500).
    A cell that its property cannot take is left empty and listed in ``errors``; select options that do not
    exist yet are added. At most ``max_rows`` rows.

    The rows are added ``batch`` lines at a time, as ``create_rows`` adds them (bulk inserts of the pages, their
    first versions, the rows and their links; the maintained counts move once per batch; one ``page.create``
    audit event per row page, recorded together), with one ``database.import`` event for the import;
    ``progress(rows done)`` is called after each batch. One transaction: a failure (a bad file, too many rows)
    leaves the database as it was."""
    from .rows import _create_rows

    permissions.require(actor, "edit", database)
    if database.archived_at is not None:
        raise Conflict("this database is in the trash: restore it first")
    if mapping is not None and not isinstance(mapping, dict):
        raise InvalidInput("mapping is an object: column name -> property id, name, {type} or null", field="mapping")
    mapping = mapping or {}
    lines = _csv_lines(data)
    first = next(lines, None)
    if first is None:
        raise InvalidInput("the file holds no rows", field="file")
    header = [cell.strip() for cell in first]
    sample = list(itertools.islice(lines, 500))  # type detection reads the first 500 lines; then the rest streams
    if len(set(name.casefold() for name in header)) != len(header) or any(not name for name in header):
        raise InvalidInput("column names must be present and distinct", field="file")
    unknown = set(mapping) - set(header)
    if unknown:
        raise InvalidInput(f"the file has no column {sorted(unknown)[0]!r}", field="mapping")
    targets, created = _targets(actor, database, header, sample, mapping, create_properties)
    schema = Schema(database)
    props = {index: schema.by_id[target.pk] for index, target in targets.items() if isinstance(target, Property)}
    context = context_for(actor, database, create_options=True)
    configs = {prop.pk: prop.config for prop in props.values()}
    errors, row_ids, done = [], [], 0
    error_count = 0
    for chunk in _batches(itertools.chain(sample, lines), max(1, batch)):
        if done + len(chunk) > max_rows:
            raise TooLarge(f"an import holds at most {max_rows} rows", field="file")
        cleaned = []
        for line_number, line in enumerate(chunk, start=done + 2):
            stored, relations, title_value = {}, {}, None
            for index, prop in props.items():
                text = _uncsv(line[index]) if index < len(line) else ""
                entry = property_type(prop.type)
                try:
                    value = entry.from_text(text, configs[prop.pk], context)
                except PropertyError as error:
                    error_count += 1
                    if len(errors) < 200:
                        errors.append({"line": line_number, "column": header[index], "message": error.message})
                    continue
                if entry.column == "page__title":
                    title_value = value
                elif entry.relation:
                    relations[prop] = value or []
                else:
                    stored[prop.key] = value
            cleaned.append((stored, relations, title_value))
        with batched_content_notices():  # the search index hears of the batch's pages once
            made = _create_rows(actor, database, schema, cleaned, None, audit_rows=False)
        row_ids.extend(row.pk for row in made[: max(0, 1000 - len(row_ids))])
        done += len(made)
        if progress is not None:
            progress(done)
    for prop in props.values():
        if prop.config != configs[prop.pk] or prop.type in ("select", "multi_select", "status"):
            Property.objects.filter(pk=prop.pk).update(config=configs[prop.pk])
    record_event(actor=actor, action="database.import", target=database,
                 changes={"rows": done, "created_properties": [prop.name for prop in created], "errors": error_count})
    return {"rows": done, "row_ids": row_ids, "created_properties": [prop.pk for prop in created],
            "mapping": {header[index]: (prop.pk if isinstance(prop, Property) else None) for index, prop in targets.items()},
            "errors": errors, "error_count": error_count}


def _targets(actor, database: Database, header: list[str], sample: list[list[str]], mapping: dict, create_properties: bool) -> tuple[dict, list]:
    """Where each column goes: ``{column index: Property or None}`` (new properties made here), and the new
    properties."""
    schema = Schema(database)
    title = schema.title()
    targets: dict[int, Property | None] = {}
    created = []
    title_taken = False
    for index, column in enumerate(header):
        if column in mapping:
            choice = mapping[column]
            if choice is None:
                targets[index] = None
            elif isinstance(choice, dict):
                targets[index] = ("new", choice.get("type"))
            else:
                targets[index] = schema.find(choice, field=f"mapping.{column}")
        elif column.casefold() in schema.by_name:
            targets[index] = schema.by_name[column.casefold()]
        else:
            targets[index] = ("auto", None)
        if isinstance(targets[index], Property) and targets[index].type == "title":
            title_taken = True
    for index, column in enumerate(header):
        target = targets[index]
        if not isinstance(target, tuple):
            continue
        if target[0] == "auto" and not title_taken:
            targets[index], title_taken = title, True
            continue
        if not create_properties and target[0] == "auto":
            targets[index] = None
            continue
        type_name = target[1] or detect_type([line[index] if index < len(line) else "" for line in sample])
        if type_name not in PROPERTY_TYPES or not property_type(type_name).editable or type_name == "title":
            raise InvalidInput(f"column {column!r} cannot become a {str(type_name)[:40]!r} property", field=f"mapping.{column}")
        config = {"database_id": database.pk} if type_name == "relation" else None
        prop = create_property(actor, database, name=column[:128], type=type_name, config=config)
        targets[index] = prop
        created.append(prop)
    return targets, created
