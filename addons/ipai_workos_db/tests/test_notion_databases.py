"""Notion's "Markdown & CSV" export: each database (a CSV beside a folder of row pages) becomes a database.

The export is built here the way Notion writes one (the real exports in ../shared/fixtures/notion hold no
database): a zip inside the zip, 32-hex ids in names, an inline database inside a page with both its filtered
view (``Tasks <id>.csv``) and every row (``Tasks <id>_all.csv``), row pages that start with their properties,
and a full-page database at the top whose rows have no pages.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from ipai_workos_blocks import services as blocks
from ipai_workos_core.models import Page
from ipai_workos_db import services
from ipai_workos_db.models import Database, Row

PROJECTS = "Projects 0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TASKS = "Tasks 11111111111111111111111111111111"
READING = "Reading list 22222222222222222222222222222222"
TASK_HEADER = "Name,Status,Tags,Due,Points,Done,Link,Contact,Owner\n"
TASK_ROWS = [
    'Write spec,Done,"docs, urgent","May 5, 2023",3,Yes,https://example.com/spec,ann@example.com,Ann Smith\n',
    'Ship it,In progress,urgent,"May 7, 2023 → May 9, 2023",5,No,https://example.com/ship,bob@example.com,Bob Jones\n',
    "Review the whole specification with the team before the launch,Done,docs,\"June 1, 2023\",1.5,No,,,Ann Smith\n",
]


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def notion_export() -> bytes:
    top = "Export-0c0c0c0c-1111-2222-3333-444444444444"
    inner = zipped({
        f"{top}/{PROJECTS}.md": f"# Projects\n\nOur work.\n\n[Tasks]({PROJECTS.replace(' ', '%20')}/{TASKS.replace(' ', '%20')}.csv)\n".encode(),
        f"{top}/{PROJECTS}/{TASKS}.csv": ("\ufeff" + TASK_HEADER + TASK_ROWS[0] + TASK_ROWS[2]).encode(),
        f"{top}/{PROJECTS}/{TASKS}_all.csv": ("\ufeff" + TASK_HEADER + "".join(TASK_ROWS)).encode(),
        f"{top}/{PROJECTS}/{TASKS}/Write spec 33333333333333333333333333333333.md":
            b"# Write spec\n\nStatus: Done\nTags: docs, urgent\n\nThe spec body.\n\n- [ ] outline\n",
        f"{top}/{PROJECTS}/{TASKS}/Ship it 44444444444444444444444444444444.md": b"# Ship it\n\nStatus: In progress\n\nRelease notes.\n",
        # Notion shortens a long title in the file name
        f"{top}/{PROJECTS}/{TASKS}/Review the whole specification with 55555555555555555555555555555555.md": b"# Review the whole specification with the team before the launch\n\nStatus: Done\n",
        f"{top}/{READING}.csv": "Title,Read,Rating\nDune,Yes,5\nEmma,No,4\n".encode(),
    })
    return zipped({f"{top}-Part-1.zip": inner})


def test_notion_databases_become_databases_with_typed_columns_and_row_pages(tree):
    report = blocks.import_file(tree.admin, tree.space, "Export.zip", notion_export())

    assert (report["pages"], report["databases"], report["rows"]) == (1, 2, 5)
    assert [entry["reason"] for entry in report["skipped"]] == ["duplicate of Tasks 11111111111111111111111111111111_all.csv (Notion's filtered view)"]
    projects = Page.objects.get(title="Projects", space=tree.space)
    tasks = Database.objects.get(title="Tasks")
    assert tasks.parent_page_id == projects.pk and tasks.space_id == tree.space.pk  # inline in the page it sat in
    reading = Database.objects.get(title="Reading list")
    assert reading.parent_page_id is None and reading.space_id == tree.space.pk  # full page, at the top
    assert {prop.name: prop.type for prop in tasks.properties.all()} == {
        "Name": "title", "Status": "select", "Tags": "multi_select", "Due": "date", "Points": "number", "Done": "checkbox",
        "Link": "url", "Contact": "email", "Owner": "text"}
    assert {prop.name: prop.type for prop in reading.properties.all()} == {"Title": "title", "Read": "checkbox", "Rating": "number"}
    by_title = {row.page.title: row for row in Row.objects.filter(database=tasks).select_related("page").order_by("rank")}
    review = "Review the whole specification with the team before the launch"
    assert list(by_title) == ["Write spec", "Ship it", review]  # every row, from the _all file, in its order
    props = {prop.name: prop for prop in tasks.properties.all()}
    spec = by_title["Write spec"].values
    assert spec[props["Due"].key] == {"start": "2023-05-05"}
    assert spec[props["Points"].key] == 3 and spec[props["Done"].key] is True
    assert spec[props["Link"].key] == "https://example.com/spec" and spec[props["Contact"].key] == "ann@example.com"
    assert spec[props["Owner"].key] == "Ann Smith"
    option_names = {option["id"]: option["name"] for option in props["Tags"].config["options"]}
    assert sorted(option_names[option] for option in spec[props["Tags"].key]) == ["docs", "urgent"]
    assert {option["name"] for option in props["Status"].config["options"]} == {"Done", "In progress"}
    assert by_title["Ship it"].values[props["Due"].key] == {"start": "2023-05-07", "end": "2023-05-09"}
    assert props["Done"].key not in by_title["Ship it"].values
    # each row's page holds the blocks of its Markdown file, without the property lines the database now holds
    spec_blocks = blocks.document(by_title["Write spec"].page)
    assert [block["type"] for block in spec_blocks] == ["paragraph", "todo"]
    assert blocks.plain_text_of(by_title["Write spec"].page).startswith("The spec body.")
    assert blocks.document(by_title[review].page) == []  # its page matched although its file name is shortened
    assert Row.objects.filter(database=reading).count() == 2


def test_the_import_report_counts_rows_and_names_databases(tree, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_for(tree.admin)

    answer = api.client.post(f"/api/v1/spaces/{tree.space.pk}/import", {"file": SimpleUploadedFile("Export.zip", notion_export())}, **api.headers)

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["format"], body["pages"], body["databases"], body["rows"], body["skipped_count"]) == ("markdown", 1, 2, 5, 1)
    assert sorted(database["title"] for database in body["database_items"]) == ["Reading list", "Tasks"]


def test_a_csv_wider_than_a_database_refuses_the_whole_import(tree):
    header = ",".join(f"c{index}" for index in range(10_000))
    wide = zipped({"Page.md": b"# Page\n\ntext\n", "Wide 66666666666666666666666666666666.csv": (header + "\n" + "," * 9_999 + "\n").encode()})
    pages_before, databases_before = Page.objects.count(), Database.objects.count()

    from workos.kernel.errors import TooLarge

    with pytest.raises(TooLarge, match="at most 200 columns"):
        blocks.import_file(tree.admin, tree.space, "wide.zip", wide)

    assert (Page.objects.count(), Database.objects.count()) == (pages_before, databases_before)


def test_a_csv_that_is_not_utf8_is_refused_naming_it(tree):
    latin = zipped({"Page.md": b"# Page\n", "Liste 77777777777777777777777777777777.csv": "Name\nM\u00fcller\n".encode("latin-1")})

    from workos.kernel.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Liste 77777777777777777777777777777777.csv: is not UTF-8"):
        blocks.import_file(tree.admin, tree.space, "latin.zip", latin)

    assert not Page.objects.filter(title="Page").exists()


def test_column_types_follow_notion_conventions():
    assert services.column_type("Done", ["Yes", "No", "No"]) == "checkbox"
    assert services.column_type("Tags", ["a"]) == "multi_select"
    assert services.column_type("Status", ["Done"]) == "select"
    assert services.column_type("Assignee", ["Ann", "Ann"]) == "text"
    assert services.column_type("Notes", ["one thing", "another thing"]) == "text"
    assert services.column_type("When", ["May 5, 2023 10:00 AM"]) == "date"
