"""CSV import in batches: the same rows, values, errors and counts whatever the batch size; one
``database.import`` audit event (and the row pages' ``page.create`` events); all or nothing when a later batch
fails; a file on disk with progress; ``workos db import-csv``."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ipai_platform_audit.models import AuditEvent
from ipai_workos_core.models import Page
from ipai_workos_db import cli, services
from ipai_workos_db.models import Property, Row
from ipai_workos_search.models import SearchDocument
from workos.cli import Context
from workos.kernel.errors import InvalidInput, PermissionDenied, TooLarge

from .test_counts import _maintained, _truth

CSV = "Name,Stage,Points\n" + "".join(f"task {i},{['todo', 'doing', 'done'][i % 3]},{'x' if i == 5 else i}\n" for i in range(11))


@pytest.fixture
def target(tree, people):
    return services.create_database(people.editor, space=tree.space, title="Tasks", properties=[{"name": "Points", "type": "number"}])


def _rows(database) -> list[tuple]:
    return list(Row.objects.filter(database=database).order_by("rank", "id").values_list("page__title", "number"))


def test_an_import_in_batches_gives_what_one_batch_gives(tree, people, target):
    other = services.create_database(people.editor, space=tree.space, title="Other", properties=[{"name": "Points", "type": "number"}])
    seen = []

    report = services.import_csv(people.editor, target, CSV.encode(), batch=4, progress=seen.append)
    whole = services.import_csv(people.editor, other, CSV.encode())

    assert seen == [4, 8, 11]
    assert report["rows"] == whole["rows"] == 11 and len(report["row_ids"]) == 11
    assert _rows(target) == [(f"task {i}", i + 1) for i in range(11)]
    assert report["errors"] == whole["errors"] == [{"line": 7, "column": "Points", "message": report["errors"][0]["message"]}]
    assert report["error_count"] == 1
    stage = Property.objects.get(database=target, name="Stage")
    assert stage.type == "select" and [o["name"] for o in stage.config["options"]] == ["todo", "doing", "done"]
    values = [row.values.get(stage.key) for row in Row.objects.filter(database=target).order_by("rank", "id")]
    assert [next(o["name"] for o in stage.config["options"] if o["id"] == value) for value in values] == [["todo", "doing", "done"][i % 3] for i in range(11)]
    assert _maintained(target) == _truth(target)
    assert AuditEvent.objects.filter(action="database.import", target_id=str(target.pk)).get().changes["rows"] == 11
    assert not AuditEvent.objects.filter(action="database.row_create").exists()  # the import is the event, as before
    pages = list(Row.objects.filter(database=target).values_list("page_id", flat=True))
    assert AuditEvent.objects.filter(action="page.create", target_id__in=[str(pk) for pk in pages]).count() == 11
    assert SearchDocument.objects.filter(page_id__in=pages, trashed=False).count() == 11


def test_a_later_batch_over_the_limit_leaves_the_database_as_it_was(tree, people, target):
    before = (Page.objects.count(), AuditEvent.objects.count())

    with pytest.raises(TooLarge):
        services.import_csv(people.editor, target, CSV.encode(), batch=4, max_rows=10)

    assert _rows(target) == [] and _maintained(target) == _truth(target)
    assert not Property.objects.filter(database=target, name="Stage").exists()  # the new property went too
    assert (Page.objects.count(), AuditEvent.objects.count()) == before


def test_bad_csv_after_the_first_batch_is_a_422_and_nothing_is_written(tree, people, target, tmp_path):
    long = "Name,Points\n" + "".join(f"row number {i},{i}\n" for i in range(400))  # past the 4 KiB read first
    for tail, message in ((b"bad \xff,1\n", "not UTF-8"), (b"bad \x00,1\n", "not CSV")):
        bad = tmp_path / "bad.csv"
        bad.write_bytes(long.encode() + tail)

        with pytest.raises(InvalidInput) as refused:
            services.import_csv(people.editor, target, bad, batch=100)

        assert refused.value.field == "file" and message in refused.value.message
        assert _rows(target) == [] and _maintained(target) == _truth(target)


def test_a_file_on_disk_is_read_as_it_is_imported(tree, people, target, tmp_path):
    path = tmp_path / "tasks.csv"
    path.write_text("\ufeff" + CSV.replace("\n", "\r\n"), encoding="utf-8")

    report = services.import_csv(people.editor, target, path, batch=5)

    assert report["rows"] == 11 and _rows(target)[0] == ("task 0", 1)


def test_a_viewer_cannot_import(tree, people, target):
    with pytest.raises(PermissionDenied):
        services.import_csv(people.viewer, target, CSV.encode())
    assert _rows(target) == []


def _run(*args):
    context = Context(None)
    context.django_load = "all"  # the test process has Django set up already
    return CliRunner().invoke(cli.db, ["import-csv", *map(str, args)], obj=context)


def test_the_command_imports_with_progress_lines_and_refuses_with_exit_1(tree, people, target, tmp_path):
    path = tmp_path / "tasks.csv"
    path.write_text(CSV, encoding="utf-8")

    result = _run(path, "--database", target.pk, "--user", people.editor.username, "--batch", 5)

    assert result.exit_code == 0, result.output + result.stderr
    assert [line.split(" rows")[0] for line in result.stderr.splitlines()] == ["5", "10", "11"]
    # a progress bar towards the file's line count (11 rows, none spanning lines)
    assert [line.split("] ")[1].split(" of")[0] for line in result.stderr.splitlines()] == ["45%", "91%", "100%"]
    assert "of about 11" in result.stderr and "s left" in result.stderr.splitlines()[0]
    assert "imported 11 rows" in result.stdout and "1 cells left empty" in result.stdout
    assert len(_rows(target)) == 11

    refused = _run(path, "--database", target.pk, "--user", people.viewer.username)
    assert refused.exit_code == 1 and len(_rows(target)) == 11
    as_json = _run(path, "--database", target.pk, "--user", people.editor.username, "--max-rows", 5, "--json")
    assert as_json.exit_code == 1 and "at most 5 rows" in as_json.stderr and len(_rows(target)) == 11
    report = _run(path, "--database", target.pk, "--user", people.editor.username, "--json", "--mapping", json.dumps({"Stage": None}))
    assert report.exit_code == 0 and json.loads(report.stdout)["rows"] == 11 and len(_rows(target)) == 22
