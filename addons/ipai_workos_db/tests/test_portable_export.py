"""A space (or a page with its sub-pages) exports as a portable zip — Notion's "Markdown & CSV" layout, links
between pages as relative file links, databases as CSV plus a folder of row pages — and that zip imported into a
fresh space recreates the pages, databases, rows and attachments with every link pointing at the new pages."""

from __future__ import annotations

import csv
import hashlib
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

import pytest

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Attachment, Block
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from ipai_workos_db import services as databases
from ipai_workos_db.models import Database, Row

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
SECRETS = ("Secret plans qz", "Hidden row qz", "Vault item qz")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")


def mention(page: Page) -> dict:
    return {"mention": {"kind": "page", "id": page.pk}, "text": page.title}


def paragraph(*spans) -> dict:
    return {"type": "paragraph", "content": {"text": [span if isinstance(span, dict) else {"text": span} for span in spans]}}


def write(actor, page: Page, trees: list[dict]) -> None:
    blocks.replace_document(actor, page, trees, base_version=blocks.document_version(page))


@dataclass
class World:
    handbook: Page
    onboarding: Page
    setup: Page
    tasks: Database
    roadmap: Database
    attachments: dict  # file name -> bytes


def build(tree, people) -> World:
    """The team space as the editor sees it: pages linking to each other and out of the export, a restricted
    page and row, an inline database in a sub-page, a database at the top of the space, attachments."""
    admin, editor = people.admin, people.editor
    handbook, onboarding = tree.page, tree.subpage
    setup = core.create_page(editor, parent=onboarding, title="Day 1 / setup")
    secret = core.create_page(admin, parent=handbook, title=SECRETS[0])
    permissions.grant(admin, secret, "none", user_id=editor.pk)
    opened = core.create_page(admin, parent=secret, title="Open child")  # readable under a page that is not
    permissions.grant(admin, opened, "view", user_id=editor.pk)
    elsewhere_space = core.create_space(admin, tree.workspace, "Elsewhere")
    elsewhere = core.create_page(admin, space=elsewhere_space, title="Outside page")
    vault = core.create_space(admin, tree.workspace, "Vault", visibility="private")
    vault_db = databases.create_database(admin, space=vault, title="Vault")
    vault_row = databases.create_row(admin, vault_db, {"Name": SECRETS[2]})

    shot = blocks.upload_attachment(editor, handbook, "shot one.png", PNG)
    notes = b"meeting notes\n" * 50
    attached = blocks.upload_attachment(editor, onboarding, "notes.txt", notes)
    write(editor, handbook, [
        paragraph("See ", mention(onboarding), ", ", mention(secret), ", ", mention(elsewhere), " and ",
                  mention(setup)),
        {"type": "image", "content": {"attachment_id": shot.pk, "caption": [{"text": "Shot"}]}},
    ])
    write(editor, onboarding, [paragraph("Back to ", mention(handbook)), {"type": "file", "content": {"attachment_id": attached.pk, "name": "notes.txt"}}])
    write(editor, setup, [paragraph("Up: ", mention(onboarding))])

    tasks = databases.create_database(editor, parent_page=onboarding, title="Tasks", properties=[
        {"name": "Points", "type": "number"}, {"name": "Stage", "type": "select", "config": {"options": ["todo", "done"]}},
        {"name": "Done", "type": "checkbox"}, {"name": "Due", "type": "date"}, {"name": "Link", "type": "url"}])
    secret_link = databases.create_property(admin, tasks, name="Vault", type="relation", config={"database_id": vault_db.pk})
    rows = [databases.create_row(editor, tasks, values) for values in (
        {"Name": "Write docs", "Points": 3, "Stage": "todo", "Due": "2026-01-05", "Link": "https://example.com/a"},
        {"Name": "Ship", "Points": 5, "Stage": "done", "Done": True},
        {"Name": "Ship", "Points": 8, "Stage": "todo"},
        {"Name": "a/b", "Stage": "done", "Done": True},
        {"Name": SECRETS[1], "Points": 99},
        {"Name": "Ship", "Points": 13},
    )]
    databases.update_row(editor, rows[5], {}, after_id=None)  # the third "Ship" is now the first line
    databases.update_row(admin, rows[0], {str(secret_link.pk): [vault_row.pk]})
    permissions.grant(admin, rows[4].page, "none", user_id=editor.pk)
    row_image = blocks.upload_attachment(editor, rows[1].page, "diagram.png", PNG + b"row")
    write(editor, rows[1].page, [paragraph("Docs first: ", mention(rows[0].page), " in ", mention(handbook)),
                                 {"type": "image", "content": {"attachment_id": row_image.pk}}])
    write(editor, rows[2].page, [paragraph("Stage: after review"), paragraph("second ship")])  # text, not a property line
    write(editor, rows[3].page, [paragraph("slashed ", mention(secret))])
    write(editor, rows[5].page, [paragraph("third ship")])

    roadmap = databases.create_database(editor, space=tree.space, title="Roadmap", properties=[{"name": "Quarter", "type": "text"}])
    goal = databases.create_row(editor, roadmap, {"Name": "Launch", "Quarter": "Q1"})
    write(editor, goal.page, [paragraph("Plan in ", mention(setup))])
    return World(handbook, onboarding, setup, tasks, roadmap, {"shot one.png": PNG, "notes.txt": notes, "diagram.png": PNG + b"row"})


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def tree_shape(user, space_id: int) -> set[tuple]:
    """(path of titles) of every page ``user`` may view in the space, row pages under their database's title, a
    page under one ``user`` may not view at the top (as the sidebar shows it)."""
    pages = {page.pk: page for page in Page.objects.filter(space_id=space_id, archived_at__isnull=True)
             if permissions.can(user, "read", page)}
    rows = {row.page_id: row.database for row in Row.objects.filter(page_id__in=pages).select_related("database")}

    def path(page: Page) -> tuple:
        if page.pk in rows:
            database = rows[page.pk]
            above = path(pages[database.parent_page_id]) if database.parent_page_id else ()
            return (*above, f"[{database.title}]", page.title)
        return (*(path(pages[page.parent_id]) if page.parent_id in pages else ()), page.title)

    return {path(page) for page in pages.values()}


def mentioned_pages(space_id: int) -> list[int]:
    found = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("mention"), dict) and value["mention"].get("kind") == "page":
                found.append(value["mention"]["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for block in Block.objects.filter(page__space_id=space_id):
        walk(block.content)
    return found


def table_csv(user, database: Database) -> list[list[str]]:
    [table] = [table for table in databases.export_tables(user, space=database.space) if table.database.pk == database.pk]
    return list(csv.reader(io.StringIO(table.csv)))


@pytest.fixture
def world(tree, people, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "filestore")
    return build(tree, people)


def test_a_space_exports_as_a_portable_zip_that_imports_into_a_fresh_space(tree, people, world, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    editor = people.editor
    api = api_for(editor)

    answer = api.get(f"/spaces/{tree.space.pk}/export")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert 'filename="Engineering.zip"' in answer["Content-Disposition"]
    files = read_zip(answer.content)
    assert {"Handbook.md", "Handbook/Onboarding.md", "Handbook/Onboarding/Day 1 - setup.md", "Handbook/shot one.png",
            "Handbook/Onboarding/notes.txt", "Handbook/Onboarding/Tasks.csv", "Handbook/Onboarding/Tasks/Write docs.md",
            "Handbook/Onboarding/Tasks/Ship.md", "Handbook/Onboarding/Tasks/a-b.md",
            f"Handbook/Onboarding/Tasks/Ship {3:032x}/diagram.png",
            "Roadmap.csv", "Roadmap/Launch.md", "Open child.md"} <= set(files)
    handbook = files["Handbook.md"].decode()
    assert "[Onboarding](Handbook/Onboarding.md)" in handbook
    assert "[Day 1 / setup](Handbook/Onboarding/Day%201%20-%20setup.md)" in handbook
    assert ", No access, Outside page and " in handbook and "page:" not in handbook
    assert "[Handbook](../Handbook.md)" in files["Handbook/Onboarding.md"].decode()
    # what the editor cannot read is nowhere: not as a file, not as a title, not as a related row
    for secret in SECRETS:
        assert not any(secret.encode() in name.encode() or secret.encode() in content for name, content in files.items()), secret
    tasks_csv = list(csv.reader(io.StringIO(files["Handbook/Onboarding/Tasks.csv"].decode())))
    assert tasks_csv[0] == ["Name", "Points", "Stage", "Done", "Due", "Link", "Vault"]
    assert [line[0] for line in tasks_csv[1:]] == ["Ship", "Write docs", "Ship", "Ship", "a/b"] and tasks_csv[2][6] == "No access"
    # every relative link names a file of the zip
    links = 0
    for name, content in files.items():
        if name.endswith(".md"):
            for href in MARKDOWN_LINK.findall(content.decode()):
                if not href.startswith(("http:", "https:")):
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(href)))
                    assert target in files, (name, href)
                    links += 1
    assert links >= 10

    fresh = core.create_space(people.admin, tree.workspace, "Fresh")
    imported = api.client.post(f"/api/v1/spaces/{fresh.pk}/import",
                               {"file": SimpleUploadedFile("Engineering.zip", answer.content, content_type="application/zip")}, **api.headers)

    assert imported.status_code == 201, imported.json()
    report = imported.json()
    assert report["databases"] == 2 and report["rows"] == 6 and report["skipped_count"] == 0, report
    assert tree_shape(editor, fresh.pk) == tree_shape(editor, tree.space.pk)
    new_pages = set(Page.objects.filter(space=fresh).values_list("pk", flat=True))
    targets = mentioned_pages(fresh.pk)
    assert len(targets) == 7 and set(targets) <= new_pages, targets
    new_handbook = Page.objects.get(space=fresh, title="Handbook", parent=None)
    new_onboarding = Page.objects.get(space=fresh, title="Onboarding")
    new_setup = Page.objects.get(space=fresh, title="Day 1 / setup")
    text = blocks.document(new_handbook)[0]["content"]["text"]
    assert [span.get("mention", {}).get("id") for span in text if "mention" in span] == [new_onboarding.pk, new_setup.pk]
    assert "".join(span["text"] for span in text) == "See Onboarding, No access, Outside page and Day 1 / setup"
    new_attachments = {attachment.name: attachment.sha256 for attachment in Attachment.objects.filter(page__space=fresh)}
    assert new_attachments == {name: hashlib.sha256(data).hexdigest() for name, data in world.attachments.items()}
    for original in (world.tasks, world.roadmap):
        copy = Database.objects.get(space=fresh, title=original.title)
        assert table_csv(editor, copy) == table_csv(editor, original)
    new_tasks = Database.objects.get(space=fresh, title="Tasks")
    assert new_tasks.parent_page_id == new_onboarding.pk
    assert {prop.name: prop.type for prop in new_tasks.properties.all()} == {
        "Name": "title", "Points": "number", "Stage": "select", "Done": "checkbox", "Due": "date", "Link": "url", "Vault": "text"}
    ships = [row.page for row in Row.objects.filter(database=new_tasks, page__title="Ship").order_by("rank", "id")]
    # rows of equal titles keep their own pages, in the CSV's order
    assert [blocks.plain_text_of(page) for page in ships] == ["third ship", "Docs first: Write docs in Handbook", "Stage: after review\nsecond ship"]


def test_instance_links_keep_page_mentions(tree, people, world, api_for):
    answer = api_for(people.editor).get(f"/pages/{tree.page.pk}/export", subpages="true", links="instance")

    assert answer.status_code == 200
    files = read_zip(answer.content)
    assert f"@[Onboarding](page:{world.onboarding.pk})" in files["Handbook.md"].decode()
    assert "@[No access](page:" in files["Handbook.md"].decode()
    assert f"@[Handbook](page:{world.handbook.pk})" in files["Handbook/Onboarding.md"].decode()
    assert not any(secret.encode() in content for content in files.values() for secret in SECRETS)


def test_a_page_export_links_inside_it_and_writes_pages_outside_it_as_text(tree, people, world, api_for):
    answer = api_for(people.editor).get(f"/pages/{world.onboarding.pk}/export", subpages="true")

    files = read_zip(answer.content)
    assert "Back to Handbook" in files["Onboarding.md"].decode() and "](" not in files["Onboarding.md"].decode().split("\n")[2]
    assert "[Onboarding](../Onboarding.md)" in files["Onboarding/Day 1 - setup.md"].decode()
    assert "Onboarding/Tasks.csv" in files and "Roadmap.csv" not in files


def test_space_export_needs_read_access_and_a_known_link_style(tree, people, world, api_for):
    assert api_for(people.outsider).get(f"/spaces/{tree.space.pk}/export").status_code == 404
    assert api_for(people.editor).get(f"/spaces/{tree.space.pk}/export", links="bogus").status_code == 422
    viewer = read_zip(api_for(people.viewer).get(f"/spaces/{tree.space.pk}/export").content)
    assert "Handbook.md" in viewer and "Roadmap.csv" in viewer


def test_a_space_export_costs_the_same_queries_for_10_rows_as_for_60(tree, people, settings, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.MEDIA_ROOT = str(tmp_path / "filestore")
    costs, sizes = [], []
    for count in (10, 60):
        space = core.create_space(people.admin, tree.workspace, f"Rows {count}")
        table = databases.create_database(people.admin, space=space, title="Big", properties=[{"name": "N", "type": "number"}])
        databases.create_rows(people.admin, table, [{"Name": f"row {number}", "N": number} for number in range(count)])
        for number in range(3):
            core.create_page(people.admin, space=space, title=f"Page {number}")
        with CaptureQueriesContext(connection) as captured:
            _, _, data = blocks.export_space(people.editor, space)
        costs.append(len(captured.captured_queries))
        sizes.append(sum(name.endswith(".md") for name in read_zip(data)))

    assert sizes == [13, 63]
    assert costs[0] == costs[1], costs
