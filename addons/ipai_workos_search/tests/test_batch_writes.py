"""New documents of a bulk write (an import, ``create_rows``) get their full text in one write per batch
(``backends.write_new_texts``): what is stored must be what a document indexed on its own gets — the same text on
SQLite, the same chunks (digests, vectors) and document vector on PostgreSQL — and the sources read per batch,
not per page."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipai_workos_search import backends, indexing
from ipai_workos_search import services as search
from ipai_workos_search.models import SearchDocument


def _stored(page_ids) -> list:
    """Every document of these pages as the index holds it: fields, full text, and (PostgreSQL) its chunks."""
    found = []
    with connection.cursor() as cursor:
        for document in SearchDocument.objects.filter(page_id__in=page_ids).order_by("source_model", "source_id"):
            cursor.execute(f"SELECT part, digest, vector::text FROM {backends.CHUNK_TABLE} WHERE document_id = %s ORDER BY part, digest"
                           if connection.vendor == "postgresql" else "SELECT 1 WHERE 0 = %s", [document.pk])
            found.append((document.source_model, document.source_id, document.object, document.title, document.headings, document.body,
                          document.anchors, backends.stored_text(document.pk), cursor.fetchall()))
    return found


def _forget(page_ids) -> None:
    indexing.forget(SearchDocument.objects.filter(page_id__in=page_ids))
    assert not SearchDocument.objects.filter(page_id__in=page_ids).exists()


def _full_text_inserts(captured) -> list[str]:
    table = backends.CHUNK_TABLE if connection.vendor == "postgresql" else backends.FTS_TABLE
    # Django records an executemany as one statement, "N times: <sql>"
    statements = [re.sub(r"^\d+ times: ", "", item["sql"].lstrip()) for item in captured.captured_queries]
    return [sql for sql in statements if sql.upper().startswith(f"INSERT INTO {table.upper()}")]


def test_documents_indexed_in_a_batch_store_what_they_store_indexed_one_by_one(tree, write_page):
    from ipai_workos_canvas import services as canvases
    from ipai_workos_canvas.tests.elements import text as text_element
    from ipai_workos_collab import services as collab
    from ipai_workos_db import services as databases

    # given: pages of every kind of text, indexed as their writes did it — headings, a body long enough for several chunks with lines repeated
    # (a chunk met twice), an empty page, a comment (title shown, not searched), rows with values, a canvas
    long_body = [f"line {n} about zeppelins" for n in range(150)] + ["repeated line"] * 70 + ["déjà vu, naïve café"]
    page = write_page(tree.admin, "Plan", *long_body, space=tree.space, headings=("Goals", "Risks"))
    empty = write_page(tree.admin, "", space=tree.space)
    collab.create_comment(tree.admin, page, {"text": [{"text": "a remark on zeppelins"}]})
    database = databases.create_database(tree.admin, space=tree.space, title="Tasks", properties=[{"name": "Notes", "type": "text"}])
    rows = databases.create_rows(tree.admin, database, [{"Name": "Row one", "Notes": "row note\nsecond line"}, {"Name": "Row two"}])
    board = canvases.create_canvas(tree.admin, space=tree.space, title="Board")
    canvases.upsert_elements(tree.admin, board, [text_element(value="zeppelin hangar\nsecond canvas line"), text_element(value="blimp")])
    ids = [page.pk, empty.pk, board.page_id] + [row.page_id for row in rows]
    first = _stored(ids)
    assert len(first) == 6  # five pages and a comment
    assert any("zeppelin hangar" in document[5] for document in first)
    if connection.vendor == "postgresql":
        assert len(next(document for document in first if document[3] == "Plan")[8]) > 3  # several chunks

    # when: the same documents are made again, together
    _forget(ids)
    with CaptureQueriesContext(connection) as captured:
        assert indexing.index_pages(ids) == 6
    together = _stored(ids)

    # then: stored exactly as one by one, with one full-text INSERT for all of them
    assert len(_full_text_inserts(captured)) == 1
    _forget(ids)
    for pk in ids:
        indexing.index_pages([pk])
    assert _stored(ids) == together == first
    assert search.check(tree.space.pk) == []
    assert [item["title"] for item in search.search(tree.admin, "hangar")["items"]] == ["Board"]


def test_new_pages_indexed_together_read_each_source_once(tree, write_page):
    """The statements of indexing many new pages do not grow with the number of pages (blocks, their latest edit,
    the canvas text, the documents and their full text are each read or written once per batch)."""
    def statements_for(count: int) -> int:
        pages = [write_page(tree.admin, f"Page {n}", f"text {n}", f"more {n}", space=tree.space) for n in range(count)]
        ids = [page.pk for page in pages]
        _forget(ids)
        with CaptureQueriesContext(connection) as captured:
            indexing.index_pages(ids)
        assert SearchDocument.objects.filter(page_id__in=ids).count() == count
        return len(captured.captured_queries)

    assert statements_for(3) == statements_for(12)


def test_a_failing_bulk_write_leaves_no_document(tree):
    """The index is written in the write's transaction: rows whose creation fails leave no document behind."""
    import pytest
    from django.db import transaction

    from ipai_workos_db import services as databases

    database = databases.create_database(tree.admin, space=tree.space, title="Tasks")
    before = SearchDocument.objects.count()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            databases.create_rows(tree.admin, database, [{"Name": f"Row {n}"} for n in range(5)])
            assert SearchDocument.objects.count() == before + 5
            raise RuntimeError("the import fails after its rows")
    assert SearchDocument.objects.count() == before
    if connection.vendor == "sqlite":
        assert backends.orphans() == []
