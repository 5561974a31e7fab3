"""``workos import notion FILE --space ID``: both Notion formats, a report, a clear refusal; ``workos export space``."""

from __future__ import annotations

import json
import zipfile

from click.testing import CliRunner

from ipai_workos_blocks import cli
from ipai_workos_core.models import Page
from workos.cli import Context
from workos.testing.archives import make_zip


def run(*args, group=cli.import_group, command="notion"):
    context = Context(None)
    context.django_load = "all"  # the test process has Django set up already
    return CliRunner().invoke(group, [command, *map(str, args)], obj=context)


def test_cli_imports_a_markdown_and_csv_export_and_reports_counts(tree, tmp_path):
    export = tmp_path / "Export.zip"
    export.write_bytes(make_zip({"Plan 0a1b2c3d4e5f60718293a4b5c6d7e8f9.md": b"# Plan\n\nhello\n",
                                 "Plan 0a1b2c3d4e5f60718293a4b5c6d7e8f9/Tasks 11111111111111111111111111111111.csv": b"Name,Done\nA,Yes\nB,No\n"}))

    result = run(export, "--space", tree.space.pk, "--user", tree.admin.username, "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["format"], report["pages"], report["databases"], report["rows"]) == ("markdown", 1, 1, 2)
    assert report["database_items"][0]["properties"] == {"Name": "title", "Done": "checkbox"}


def test_cli_imports_an_html_export_with_a_readable_report(tree, tmp_path):
    export = tmp_path / "Export.zip"
    export.write_bytes(make_zip({"Notes 0a1b2c3d4e5f60718293a4b5c6d7e8f9.html":
                                 b'<html><body><article class="page"><header><h1 class="page-title">Notes</h1></header>'
                                 b'<div class="page-body"><p>hi</p><hr/></div></article></body></html>'}))

    result = run(export, "--space", tree.space.pk, "--user", tree.admin.username)

    assert result.exit_code == 0, result.output
    assert "(html)" in result.output and "1 pages, 2 blocks, 0 databases, 0 rows, 0 attachments" in result.output
    assert Page.objects.filter(title="Notes", space=tree.space).exists()


def test_cli_refuses_a_bad_file_with_exit_1_and_imports_nothing(tree, tmp_path):
    export = tmp_path / "evil.zip"
    export.write_bytes(make_zip({"Good.md": b"# Good\n", "../evil.md": b"# Evil\n"}))
    before = Page.objects.count()

    result = run(export, "--space", tree.space.pk, "--user", tree.admin.username)

    assert result.exit_code == 1 and "leaves the archive" in result.output
    assert Page.objects.count() == before


def test_cli_applies_the_users_permissions(tree, tmp_path, make_user):
    export = tmp_path / "a.md"
    export.write_bytes(b"# A\n")
    stranger = make_user()

    result = run(export, "--space", tree.space.pk, "--user", stranger.username)

    assert result.exit_code == 1 and not Page.objects.filter(title="A").exists()


def test_cli_exports_a_space_as_a_portable_zip_that_imports_back(tree, tmp_path):
    from ipai_workos_blocks import services as blocks

    mention = {"mention": {"kind": "page", "id": tree.subpage.pk}, "text": "old title"}
    blocks.replace_document(tree.admin, tree.page, [{"type": "paragraph", "content": {"text": [{"text": "see "}, mention]}}],
                            base_version=blocks.document_version(tree.page))
    target = tmp_path / "space.zip"

    result = run(tree.space.pk, target, "--user", tree.admin.username, "--json", group=cli.export_group, command="space")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pages"] == 2
    with zipfile.ZipFile(target) as archive:
        assert archive.read("Handbook.md").decode() == "# Handbook\n\nsee [Onboarding](Handbook/Onboarding.md)\n"
    imported = run(target, "--space", tree.space.pk, "--user", tree.admin.username, "--json")
    assert imported.exit_code == 0, imported.output
    copy = {item["title"]: item["id"] for item in json.loads(imported.output)["items"]}
    text = blocks.document(Page.objects.get(pk=copy["Handbook"]))[0]["content"]["text"]
    assert text[1]["mention"]["id"] == copy["Onboarding"] != tree.subpage.pk


def test_cli_export_refuses_a_user_who_cannot_read_the_space(tree, tmp_path, make_user):
    target = tmp_path / "space.zip"

    result = run(tree.space.pk, target, "--user", make_user().username, group=cli.export_group, command="space")

    assert result.exit_code == 1 and not target.exists()
