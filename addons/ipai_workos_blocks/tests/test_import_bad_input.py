"""Hostile or broken uploads to the import: a clear 4xx naming the problem, and nothing half-imported."""

from __future__ import annotations

import io
import zipfile

import pytest

from ipai_workos_blocks import transfer
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


def _pages(count: int) -> dict[str, bytes]:
    return {f"Export/Page {index} {index:032x}.md": f"# Page {index}\n\nsome **text**\n\n- a list item\n".encode() for index in range(count)}


def _understate(archive: bytes, name: str, size: int) -> bytes:
    """``archive`` with the uncompressed size of entry ``name`` written as ``size`` in its local header and in the
    central directory (a hand-made bomb: its header passes every check, its data inflates further)."""
    data = bytearray(archive)
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(encoded)] == encoded:
                data[start + offset:start + offset + 4] = size.to_bytes(4, "little")
            start = data.find(signature, start + 4)
    return bytes(data)


def test_a_bomb_at_the_end_of_a_lazily_read_archive_is_refused_with_nothing_imported(tree, upload, nothing_imported):
    """The entries are read from the zip when the import reaches them; the limits are checked for all of them
    before the first page is made, so a bomb after a hundred good pages leaves nothing behind."""
    files = {**_pages(100), "Export/Page 99 00000000000000000000000000000063/zeros.txt": b"\0" * (8 * 1024 * 1024)}

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "late-bomb.zip", make_zip(files), "application/zip")

    assert answer.status_code == 413 and "zeros.txt" in answer.json()["error"]["message"] and "zip bomb" in answer.json()["error"]["message"]


def test_an_entry_inflating_beyond_its_declared_size_late_in_the_archive_is_refused_with_nothing_imported(tree, upload, nothing_imported):
    name = "Export/Page 99 00000000000000000000000000000063/notes.txt"
    archive = _understate(make_zip({**_pages(100), name: b"\0" * (4 * 1024 * 1024)}), name, 1000)
    assert zipfile.ZipFile(io.BytesIO(archive)).getinfo(name).file_size == 1000  # the limits see 1000 bytes

    answer = upload(tree.admin, f"/spaces/{tree.space.pk}/import", "liar.zip", archive, "application/zip")

    assert answer.status_code == 422 and "notes.txt: cannot be read from the zip" in answer.json()["error"]["message"]


def test_the_entries_of_an_upload_are_read_from_the_zip_when_asked_for():
    files = {**_pages(3), "Export/Page 0 00000000000000000000000000000000/image.png": b"\x89PNG\r\n\x1a\n" + b"\1" * 100}
    found = transfer.read_upload("export.zip", make_zip({"Export-Part-1.zip": make_zip(files)}))

    assert isinstance(found, transfer.ZipEntries)
    assert sorted(found) == sorted(name.split("/", 1)[1] for name in files)  # the shared top folder dropped
    assert {name: found[name] for name in found} == {name.split("/", 1)[1]: content for name, content in files.items()}
