"""A template as a zip and back: ``template.json`` (the template itself, exact), and beside it what people and
other tools read — each page as Markdown (the blocks module's format) and each database's rows as CSV.

Import takes such a zip back; a zip without ``template.json`` (Markdown pages, as the blocks import reads them,
and CSV files) becomes a page template of those pages, each CSV a database of text columns."""

from __future__ import annotations

import csv
import io
import json
import posixpath

from ipai_workos_blocks import markdown
from ipai_workos_blocks import transfer as files
from workos.kernel.errors import InvalidInput

from ..models import Template
from .content import KINDS, validate_content

MANIFEST = "template.json"
CSV_ROWS_MAX = 2000


def _plain(value) -> str:
    if isinstance(value, dict):
        return " → ".join(str(value[key]) for key in ("start", "end") if value.get(key)) or json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


def _database_csv(spec: dict) -> bytes:
    names = [spec["title_property"]] + [prop["name"] for prop in spec["properties"] if prop["type"] not in ("rollup", "formula")]
    options = {prop["name"]: {option["id"]: option["name"] for option in prop["config"].get("options", [])}
               for prop in spec["properties"] if prop["type"] in ("select", "status", "multi_select")}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    for row in spec["rows"]:
        values = row.get("values") or {}
        cells = []
        for name in names:
            value = values.get(name, row.get("title", "") if name == spec["title_property"] else "")
            if name in options:
                value = [options[name].get(item, item) for item in value] if isinstance(value, list) else options[name].get(value, value)
            cells.append(_plain(value))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def export_template(user, template: Template) -> tuple[str, bytes]:
    """(file name, zip bytes) of a template ``user`` may see."""
    from .templates import get_template

    get_template(user, template.pk)
    return export_template_unchecked(template)


def export_template_unchecked(template: Template) -> tuple[str, bytes]:
    """The export without a permission check: for the operator's ``workos templates export``."""
    content = validate_content(template.kind, template.content)
    meta = {"name": template.name, "description": template.description, "kind": template.kind, "category": template.category,
            "icon": template.icon, "cover_url": template.cover_url}
    entries: list[tuple[str, bytes]] = [(MANIFEST, json.dumps({"format": "workos-template", "version": 1, **meta, "content": content},
                                                               ensure_ascii=False, indent=2).encode("utf-8"))]

    def strip(trees):
        return [{"type": t["type"], "content": t["content"], "children": strip(t.get("children") or [])} for t in trees]

    def database(spec, folder, used):
        entries.append((posixpath.join(folder, files.unique_name(files.safe_file_name(spec["title"] or spec["key"]) + ".csv", used)), _database_csv(spec)))

    def page(spec, folder, used):
        name = files.unique_name(files.safe_file_name(spec["title"] or template.name), used)
        entries.append((posixpath.join(folder, name + ".md"), markdown.page_markdown(spec["title"] or template.name, strip(spec["blocks"])).encode("utf-8")))
        inner, inner_used = posixpath.join(folder, name), set()
        for item in spec["databases"]:
            database(item, inner, inner_used)
        for child in spec["children"]:
            page(child, inner, inner_used)

    if template.kind == Template.Kind.PAGE:
        page(content["page"], "", set())
    elif template.kind == Template.Kind.DATABASE:
        used: set[str] = set()
        for item in content["databases"]:
            database(item, "", used)
    else:
        entries.append(("row.md", markdown.page_markdown(content["row"]["title"] or template.name, strip(content["row"]["blocks"])).encode("utf-8")))
    return files.safe_file_name(template.name) + ".zip", files.zip_bytes(entries)


def _from_markdown_and_csv(found: dict[str, bytes], name: str) -> tuple[dict, dict]:
    planned = files.plan_pages(found)
    if not planned:
        raise InvalidInput("the zip holds no template.json and no Markdown page", field="file")
    specs: dict[str, dict] = {}
    roots = []
    for item in planned:
        trees = []
        if item.markdown_path:
            trees = markdown.from_markdown(files.decode_text(found[item.markdown_path]))
            if trees and trees[0]["type"] == "heading_1":
                trees = trees[1:]
        spec = {"title": item.title, "blocks": trees, "databases": [], "children": []}
        specs[item.folder] = spec
        (specs[item.parent]["children"] if item.parent else roots).append(spec)
    root = roots[0] if len(roots) == 1 else {"title": name, "blocks": [], "databases": [], "children": roots}
    for index, (path, data) in enumerate(sorted((p, d) for p, d in found.items() if p.lower().endswith(".csv"))):
        reader = list(csv.reader(io.StringIO(files.decode_text(data))))
        if not reader or not reader[0]:
            continue
        header = [cell.strip() or f"Column {i + 1}" for i, cell in enumerate(reader[0])]
        body = reader[1:CSV_ROWS_MAX + 1]
        database = {"key": f"csv{index}", "title": files.title_from_name(path.rsplit(".", 1)[0]), "title_property": header[0],
                    "properties": [{"name": column, "type": "text"} for column in header[1:]],
                    "views": [{"name": "Table", "type": "table"}],
                    "rows": [{"values": {column: cell for column, cell in zip(header, cells) if cell}} for cells in body]}
        (specs.get(posixpath.dirname(path)) or root)["databases"].append(database)
    return {"name": root["title"] or name, "kind": "page"}, {"page": root}


def import_template(actor, workspace, name: str, data: bytes) -> Template:
    """A workspace template from an exported zip (or a zip of Markdown pages and CSV files)."""
    from .templates import create_template

    if not data:
        raise InvalidInput("the file is empty", field="file")
    if data[:4] != b"PK\x03\x04":
        raise InvalidInput("upload a template zip (as exported)", field="file")
    found = files.read_upload(name, data)
    if MANIFEST in found:
        try:
            manifest = json.loads(found[MANIFEST].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidInput(f"template.json is not JSON: {error}", field="file") from None
        if not isinstance(manifest, dict) or manifest.get("format") != "workos-template":
            raise InvalidInput("template.json is not a WorkOS template", field="file")
        kind = manifest.get("kind")
        if kind not in KINDS or kind == "row":
            raise InvalidInput("template.json has an unknown kind", field="file")
        meta, content = manifest, manifest.get("content")
    else:
        meta, content = _from_markdown_and_csv(found, files.title_from_name(name.rsplit(".", 1)[0]))
        kind = "page"
    return create_template(actor, workspace, name=str(meta.get("name") or "Imported template")[:128], kind=kind, content=content,
                           description=str(meta.get("description") or ""), category=str(meta.get("category") or ""),
                           icon=str(meta.get("icon") or "")[:64], cover_url=str(meta.get("cover_url") or ""))
