"""Relation columns survive a portable export and its import (issue 17): the CSV writes a related row the zip
holds as Notion writes one, "Title (relative/path/Title.md)", and the import makes such a column a relation to
the imported database whose cells link the new rows — databases linking each other in any order, and
themselves. A link the upload cannot resolve keeps the column as text, with the reason in the report; a related
row the exporter cannot read is "No access", never its title."""

from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from urllib.parse import unquote

import pytest

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks import transfer
from ipai_workos_core import services as core
from ipai_workos_db import services as databases
from ipai_workos_db.cells import Cells
from ipai_workos_db.models import Database, Row, RowRelation
from ipai_workos_db.query import Schema
from workos.testing.archives import make_zip

SECRET = "Secret project qz"


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_lines(files: dict[str, bytes], name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[name].decode())))


def row_key(row: Row) -> tuple[str, str]:
    """A row by its title and its page's text: two rows titled alike stay apart."""
    return row.page.title, blocks.plain_text_of(row.page)


def links_of(user, database: Database) -> dict[tuple, dict[str, list[tuple]]]:
    """{row: {relation name: [linked row, in order]}} of every row of ``database``, rows named by ``row_key``."""
    schema = Schema(database)
    rows = list(Row.objects.filter(database=database, archived_at__isnull=True).select_related("page").order_by("rank", "id"))
    cells = Cells(schema, rows, user)
    relations = [prop for prop in schema.properties if prop.type == "relation"]
    linked_ids = {other for row in rows for prop in relations for other in cells.cell(row, prop)}
    by_id = {row.pk: row for row in Row.objects.filter(pk__in=linked_ids).select_related("page")}
    return {row_key(row): {prop.name: [row_key(by_id[other]) for other in cells.cell(row, prop)] for prop in relations} for row in rows}


@pytest.fixture
def related(tree, people):
    """Projects at the top of the team space, Tasks inline in the Handbook page: each task links its projects,
    the tasks blocking it (a self-relation) — two of them titled "Ship" — and each project its tasks."""
    editor = people.editor
    projects = databases.create_database(editor, space=tree.space, title="Projects")
    tasks = databases.create_database(editor, parent_page=tree.page, title="Tasks")
    project = databases.create_property(editor, tasks, name="Project", type="relation", config={"database_id": projects.pk})
    blocked = databases.create_property(editor, tasks, name="Blocked by", type="relation", config={"database_id": tasks.pk})
    members = databases.create_property(editor, projects, name="Tasks", type="relation", config={"database_id": tasks.pk})
    alpha, beta = databases.create_rows(editor, projects, [{"Name": "Alpha"}, {"Name": "Beta"}])
    docs, ship, second = databases.create_rows(editor, tasks, [{"Name": "Write docs"}, {"Name": "Ship"}, {"Name": "Ship"}])
    blocks.replace_document(editor, second.page, [{"type": "paragraph", "content": {"text": [{"text": "second ship"}]}}],
                            base_version=blocks.document_version(second.page))
    databases.update_row(editor, docs, {str(project.pk): [alpha.pk], str(blocked.pk): [second.pk]})
    databases.update_row(editor, ship, {str(project.pk): [alpha.pk, beta.pk], str(blocked.pk): [docs.pk, second.pk]})
    databases.update_row(editor, alpha, {str(members.pk): [second.pk, docs.pk]})
    return projects, tasks


def test_related_databases_export_as_links_and_import_as_relations_between_the_new_rows(tree, people, related):
    editor = people.editor
    projects, tasks = related

    _name, _type, data = blocks.export_space(editor, tree.space)

    files = read_zip(data)
    second = f"Ship%20{3:032x}.md"
    assert csv_lines(files, "Handbook/Tasks.csv") == [
        ["Name", "Project", "Blocked by"],
        ["Write docs", "Alpha (../Projects/Alpha.md)", f"Ship (Tasks/{second})"],
        ["Ship", "Alpha (../Projects/Alpha.md), Beta (../Projects/Beta.md)", f"Write docs (Tasks/Write%20docs.md), Ship (Tasks/{second})"],
        ["Ship", "", ""]]
    assert csv_lines(files, "Projects.csv") == [
        ["Name", "Tasks"], ["Alpha", f"Ship (Handbook/Tasks/{second}), Write docs (Handbook/Tasks/Write%20docs.md)"], ["Beta", ""]]
    for name in ("Handbook/Tasks.csv", "Projects.csv"):  # every link names a row page of the zip
        for line in csv_lines(files, name)[1:]:
            for cell in line[1:]:
                for _title, href in transfer.notion_links(cell) or []:
                    assert posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(href))) in files, (name, href)

    fresh = core.create_space(people.admin, tree.workspace, "Fresh")
    report = blocks.import_file(editor, fresh, "Engineering.zip", data)

    assert (report["databases"], report["rows"], report["skipped_count"]) == (2, 5, 0), report["skipped"]
    new_projects, new_tasks = Database.objects.get(space=fresh, title="Projects"), Database.objects.get(space=fresh, title="Tasks")
    assert [(prop.name, prop.type, prop.config.get("database_id")) for prop in Schema(new_tasks).properties] == [
        ("Name", "title", None), ("Project", "relation", new_projects.pk), ("Blocked by", "relation", new_tasks.pk)]
    assert [(prop.name, prop.type, prop.config.get("database_id")) for prop in Schema(new_projects).properties] == [
        ("Name", "title", None), ("Tasks", "relation", new_tasks.pk)]
    # the report names the relation columns, in the columns' order
    assert {item["title"]: item["properties"] for item in report["database_items"]} == {
        "Projects": {"Name": "title", "Tasks": "relation"}, "Tasks": {"Name": "title", "Project": "relation", "Blocked by": "relation"}}
    # each row links the new rows of the same titles (the two "Ship" rows apart), in order
    assert links_of(editor, new_tasks) == links_of(editor, tasks)
    assert links_of(editor, new_projects) == links_of(editor, projects)
    assert links_of(editor, new_tasks)[("Write docs", "")] == {"Project": [("Alpha", "")], "Blocked by": [("Ship", "second ship")]}
    # nothing points into the old space
    new_rows = set(Row.objects.filter(database__in=[new_projects, new_tasks]).values_list("pk", flat=True))
    new_links = RowRelation.objects.filter(property__database__in=[new_projects, new_tasks])
    assert new_links.count() == 8
    assert set(new_links.values_list("source_id", flat=True)) | set(new_links.values_list("target_id", flat=True)) <= new_rows


def test_a_related_row_the_exporter_cannot_read_is_no_access_and_the_column_stays_text(tree, people, related):
    editor, admin = people.editor, people.admin
    projects, tasks = related
    secret = databases.create_row(admin, projects, {"Name": SECRET})
    permissions.grant(admin, secret.page, "none", user_id=editor.pk)
    docs = Row.objects.get(database=tasks, page__title="Write docs")
    project = Schema(tasks).by_name["project"]
    databases.update_row(admin, docs, {str(project.pk): [Row.objects.get(database=projects, page__title="Alpha").pk, secret.pk]})

    _name, _type, data = blocks.export_space(editor, tree.space)

    files = read_zip(data)
    assert csv_lines(files, "Handbook/Tasks.csv")[1][1] == "Alpha (../Projects/Alpha.md), No access"
    assert not any(SECRET.encode() in name.encode() or SECRET.encode() in content for name, content in files.items())
    fresh = core.create_space(admin, tree.workspace, "Fresh")
    report = blocks.import_file(editor, fresh, "Engineering.zip", data)
    new_tasks = Database.objects.get(space=fresh, title="Tasks")
    # no relation: the column is typed from its titles, as any column of text ("Alpha, Beta": a multi-select)
    assert {prop.name: prop.type for prop in Schema(new_tasks).properties} == {"Name": "title", "Project": "multi_select", "Blocked by": "relation"}
    assert [entry["reason"] for entry in report["skipped"]] == [
        "column 'Project' not made a relation: 'Alpha (../Projects/Alpha.md), No access' names rows without linking them (rows the export does not hold)"]
    project = Schema(new_tasks).by_name["project"]
    names = {option["id"]: option["name"] for option in project.config["options"]}
    row = Row.objects.get(database=new_tasks, page__title="Write docs")
    assert [names[option] for option in row.values[project.key]] == ["Alpha", "No access"]


def test_a_relation_to_rows_outside_a_page_export_is_typed_from_its_titles(tree, people, related):
    editor = people.editor

    # a page's export holds Tasks but not Projects: the related projects are their titles alone
    _name, _type, data = blocks.export_page(editor, tree.page, subpages=True)

    files = read_zip(data)
    assert [line[1] for line in csv_lines(files, "Handbook/Tasks.csv")] == ["Project", "Alpha", "Alpha, Beta", ""]
    fresh = core.create_space(people.admin, tree.workspace, "Fresh")
    report = blocks.import_file(editor, fresh, "Handbook.zip", data)
    new_tasks = Database.objects.get(space=fresh, title="Tasks")
    # nothing says these titles were rows: the column is typed from its text, as before
    assert {prop.name: prop.type for prop in Schema(new_tasks).properties} == {"Name": "title", "Project": "multi_select", "Blocked by": "relation"}
    assert report["skipped_count"] == 0


def test_notion_links_to_a_file_not_in_the_upload_or_a_page_that_is_no_row_keep_the_column_text(tree):
    tasks = "Tasks 11111111111111111111111111111111"
    export = make_zip({
        "Notes 44444444444444444444444444444444.md": b"# Notes\n\nplain page\n",
        f"{tasks}.csv": ("Name,Project,See,Parent\n"
                         "Write spec,Alpha (../Projects%2022222222222222222222222222222222/Alpha%2033333333333333333333333333333333.md),"
                         "Notes (Notes%2044444444444444444444444444444444.md),"
                         f"Ship it ({tasks.replace(' ', '%20')}/Ship%20it%2055555555555555555555555555555555.md)\n"
                         "Ship it,,,\n").encode(),
        f"{tasks}/Write spec 66666666666666666666666666666666.md": b"# Write spec\n\nbody\n",
        f"{tasks}/Ship it 55555555555555555555555555555555.md": b"# Ship it\n",
    })

    report = blocks.import_file(tree.admin, tree.space, "Export.zip", export)

    database = Database.objects.get(space=tree.space, title="Tasks")
    assert {prop.name: prop.type for prop in Schema(database).properties} == {"Name": "title", "Project": "text", "See": "text", "Parent": "relation"}
    assert sorted(entry["reason"] for entry in report["skipped"]) == [
        "column 'Project' not made a relation: it links ../Projects%2022222222222222222222222222222222/Alpha%2033333333333333333333333333333333.md, "
        "a file not in the upload",
        "column 'See' not made a relation: it links Notes 44444444444444444444444444444444.md, a page that is not a database row"]
    spec = Row.objects.get(database=database, page__title="Write spec")
    schema = Schema(database)
    assert spec.values[schema.by_name["project"].key] == "Alpha" and spec.values[schema.by_name["see"].key] == "Notes"
    assert links_of(tree.admin, database)[("Write spec", "body")] == {"Parent": [("Ship it", "")]}


def test_a_notion_html_database_cell_of_links_becomes_a_relation(tree):
    books, authors = "Books 66666666666666666666666666666666", "Authors 77777777777777777777777777777777"

    def database_html(title: str, header: list[str], rows: list[str]) -> bytes:
        return (f'<html><head><title>{title}</title></head><body><article class="page sans"><header><h1 class="page-title">{title}</h1>'
                f'</header><table class="collection-content"><thead><tr>{"".join(f"<th>{name}</th>" for name in header)}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></article></body></html>').encode()

    def page(title: str) -> bytes:
        return (f'<html><head><title>{title}</title></head><body><article class="page sans"><header><h1 class="page-title">{title}</h1>'
                f'</header><div class="page-body"></div></article></body></html>').encode()

    def link(folder: str, title: str, ident: str) -> str:
        return f'<a href="{folder.replace(" ", "%20")}/{title.replace(" ", "%20")}%20{ident}.html">{title}</a>'

    export = make_zip({
        f"{books}.html": database_html("Books", ["Title", "Author", "Pages"], [
            f'<tr><td class="cell-title">{link(books, "Dune", "1" * 32)}</td><td>{link(authors, "Herbert", "3" * 32)}</td><td>412</td></tr>',
            f'<tr><td class="cell-title">{link(books, "Emma", "2" * 32)}</td><td></td><td><a href="https://example.com/emma">web</a></td></tr>']),
        f"{books}/Dune {'1' * 32}.html": page("Dune"),
        f"{books}/Emma {'2' * 32}.html": page("Emma"),
        f"{authors}.html": database_html("Authors", ["Name", "Wrote"], [
            f'<tr><td class="cell-title">{link(authors, "Herbert", "3" * 32)}</td><td>{link(books, "Dune", "1" * 32)}, '
            f'{link(books, "Emma", "2" * 32)}</td></tr>']),
        f"{authors}/Herbert {'3' * 32}.html": page("Herbert"),
    })

    report = blocks.import_file(tree.admin, tree.space, "Export.zip", export)

    assert (report["format"], report["databases"], report["rows"], report["skipped_count"]) == ("html", 2, 3, 0), report["skipped"]
    new_books, new_authors = Database.objects.get(title="Books"), Database.objects.get(title="Authors")
    assert [(prop.name, prop.type, prop.config.get("database_id")) for prop in Schema(new_books).properties] == [
        ("Title", "title", None), ("Author", "relation", new_authors.pk), ("Pages", "text", None)]
    assert links_of(tree.admin, new_books) == {("Dune", ""): {"Author": [("Herbert", "")]}, ("Emma", ""): {"Author": []}}
    assert links_of(tree.admin, new_authors) == {("Herbert", ""): {"Wrote": [("Dune", ""), ("Emma", "")]}}
