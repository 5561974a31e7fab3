"""Hostile or broken uploads to the import: a clear 4xx naming the problem, and nothing half-imported."""

from __future__ import annotations

import zipfile

import pytest

from ipai_workos_blocks.models import Attachment, Block
from ipai_workos_core.models import Page
from workos.testing import archives


def make_zip(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    return archives.make_zip(files, compression)  # deflated: the ratio checks see what an export holds


@pytest.fixture
def nothing_imported():
    before = (Page.objects.count(), Block.objects.count(), Attachment.objects.count())
    yield
    assert (Page.objects.count(), Block.objects.count(), Attachment.objects.count()) == before


def test_a_zip_bomb_by_ratio_is_refused_before_it_is_inflated(tree, upload, nothing_imported):
    bomb = make_zip({"Page.md": b"# Page\n", "Page/zeros.txt": b"\0" * (8 * 1024 * 1024)})  # ~1000:1
    assert len(bomb) < 100_000

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "bomb.zip", bomb, "application/zip")

    assert answer.status_code == 413
    assert "zeros.txt" in answer.json()["error"]["message"] and "zip bomb" in answer.json()["error"]["message"]


def test_a_zip_bomb_by_entry_count_is_refused(tree, upload, settings, nothing_imported):
    settings.WORKOS_IMPORT_MAX_FILES = 50
    many = make_zip({f"Page {index}.md": b"# x\n" for index in range(51)})

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "many.zip", many, "application/zip")

    assert answer.status_code == 413 and "more than 50 files" in answer.json()["error"]["message"]


def test_entries_inside_an_inner_zip_count_toward_the_limits(tree, upload, settings, nothing_imported):
    settings.WORKOS_IMPORT_MAX_FILES = 50
    nested = make_zip({"Export-Part-1.zip": make_zip({f"Page {index}.md": b"# x\n" for index in range(60)})})

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "nested.zip", nested, "application/zip")

    assert answer.status_code == 413


@pytest.mark.parametrize("entry", ["../evil.md", "Page/../../evil.md", "/etc/evil.md", "C:/evil.md", "..\\evil.md"])
def test_path_traversal_names_refuse_the_upload(tree, upload, entry, nothing_imported):
    archive = make_zip({"Good.md": b"# Good\n\nfine\n", entry: b"# Evil\n"})

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "traversal.zip", archive, "application/zip")

    assert answer.status_code == 422 and "leaves the archive" in answer.json()["error"]["message"]


def test_a_non_utf8_markdown_file_is_refused_naming_it(tree, upload, nothing_imported):
    archive = make_zip({"Good.md": b"# Good\n", "Notes.md": "# Caf\u00e9\n".encode("cp1252")})

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "latin.zip", archive, "application/zip")

    assert answer.status_code == 422 and "Notes.md: is not UTF-8" in answer.json()["error"]["message"]


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(tree, upload, settings, nothing_imported):
    settings.WORKOS_IMPORT_MAX_BYTES = 10_000  # the same check refuses a 2 GB upload at the default limit

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "big.zip", make_zip({"a.md": b"# a\n" + bytes(range(256)) * 100}, zipfile.ZIP_STORED))

    assert answer.status_code == 413


def test_a_table_with_ten_thousand_columns_answers_413(tree, upload, nothing_imported):
    header = ",".join(f"c{index}" for index in range(10_000))
    archive = make_zip({"Page.md": b"# Page\n", "Wide 66666666666666666666666666666666.csv": (header + "\n" + "x," * 9_999 + "x\n").encode()})

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "wide.zip", archive, "application/zip")

    assert answer.status_code == 413 and "at most 200 columns" in answer.json()["error"]["message"]
