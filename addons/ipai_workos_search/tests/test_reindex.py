"""``workos search reindex [--check]``: a rebuild makes the index match the live data; --check finds what was
changed behind the services' back (raw SQL) and exits 1 listing it."""

from click.testing import CliRunner
from django.db import connection

from ipai_workos_search import backends, cli
from ipai_workos_search import services as search
from ipai_workos_search.models import SearchDocument
from workos.cli import Context


def _run(*args):
    context = Context(None)
    context.django_load = "all"  # the test process has Django set up already
    return CliRunner().invoke(cli.search, ["reindex", *args], obj=context)


def test_check_finds_a_row_edited_behind_its_back_and_reindex_repairs_it(tree, write_page):
    page = write_page(tree.admin, "Pricing", "ten euros", space=tree.space)
    other = write_page(tree.admin, "Legal", "terms", space=tree.space)
    assert _run("--json").exit_code == 0
    clean = _run("--check")
    assert clean.exit_code == 0, clean.output
    assert "up to date" in clean.output

    with connection.cursor() as cursor:  # given: edits that bypass the services
        cursor.execute("UPDATE ipai_workos_page SET title = %s WHERE id = %s", ["Prices", page.pk])
        cursor.execute("UPDATE ipai_workos_block SET content = %s WHERE page_id = %s", ['{"text": [{"text": "twelve"}]}', other.pk])
    drift = _run("--check")
    assert drift.exit_code == 1
    assert f"stale text: ipai.workos.page:{page.pk}" in drift.output
    assert f"stale text: ipai.workos.page:{other.pk}" in drift.output

    repaired = _run()
    assert repaired.exit_code == 0, repaired.output
    assert _run("--check").exit_code == 0
    assert [item["id"] for item in search.search(tree.admin, "prices")["items"]] == [page.pk]
    assert [item["id"] for item in search.search(tree.admin, "twelve")["items"]] == [other.pk]


def test_check_finds_missing_documents_and_a_stale_full_text_index(tree, write_page):
    page = write_page(tree.admin, "Alpha", "one", space=tree.space)
    other = write_page(tree.admin, "Beta", "two", space=tree.space)
    document = SearchDocument.objects.get(page=other)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {backends.TABLE} SET search_vector = to_tsvector('simple', 'nothing') WHERE page_id = %s", [page.pk])
        else:
            cursor.execute(f"UPDATE {backends.FTS_TABLE} SET body = 'nothing' WHERE rowid = (SELECT id FROM {backends.TABLE} WHERE page_id = %s)", [page.pk])
        cursor.execute("DELETE FROM ipai_workos_search_scope WHERE document_id = %s", [document.pk])
        cursor.execute("DELETE FROM ipai_workos_search_chunk WHERE document_id = %s", [document.pk])
        cursor.execute(f"DELETE FROM {backends.TABLE} WHERE id = %s", [document.pk])
    problems = {(item.source, item.problem) for item in search.check()}
    assert (f"ipai.workos.page:{page.pk}", "stale full-text index") in problems
    assert (f"ipai.workos.page:{other.pk}", "missing") in problems
    result = _run("--json", "--check")
    assert result.exit_code == 1 and '"missing"' in result.output
    assert _run("--space", str(tree.space.pk)).exit_code == 0
    assert search.check(tree.space.pk) == []
    assert {item.problem for item in search.check()} <= {"orphan"}  # SQLite: the deleted row's full-text row
    assert _run().exit_code == 0
    assert search.check() == []


def test_reindex_of_an_unknown_space_fails_clearly(tree):
    result = _run("--space", "999999")
    assert result.exit_code == 1
    assert "no such space" in result.output


def test_only_administrators_rebuild_the_index(tree, make_user):
    import pytest

    from workos.kernel.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        search.reindex(tree.admin)  # a workspace admin is no administrator of the whole index
    assert search.reindex(make_user(admin=True))["pages"] >= 2


def test_a_document_deleted_behind_the_services_back_takes_its_full_text_row_along(tree, write_page):
    """As ``flush`` or a cascade does: on SQLite a trigger deletes the FTS5 row (PostgreSQL keeps the vector in the
    document's own row), so no orphan is left for the drift check or the next test to find."""
    write_page(tree.admin, "Gamma", "three", space=tree.space)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ipai_workos_search_scope")
        cursor.execute("DELETE FROM ipai_workos_search_chunk")
        cursor.execute(f"DELETE FROM {backends.TABLE}")
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT count(*) FROM {backends.FTS_TABLE}")
            assert cursor.fetchone()[0] == 0
    assert "orphan" not in {item.problem for item in search.check()}


def test_pages_indexed_together_get_the_documents_they_get_one_by_one(tree, write_page):
    """index_pages of many pages reads each source once for all of them (``preload``): same documents."""
    from ipai_workos_collab import services as collab
    from ipai_workos_db import services as databases
    from ipai_workos_search import indexing

    page = write_page(tree.admin, "Plan", "first line", "second line", space=tree.space, headings=("Goals",))
    collab.create_comment(tree.admin, page, {"text": [{"text": "a remark"}]})
    database = databases.create_database(tree.admin, space=tree.space, title="Tasks", properties=[{"name": "Notes", "type": "text"}])
    rows = databases.create_rows(tree.admin, database, [{"Name": "Row one", "Notes": "row note"}, {"Name": "Row two"}])
    ids = [page.pk] + [row.page_id for row in rows]

    def documents():
        return sorted(SearchDocument.objects.filter(page_id__in=ids).values_list("source_model", "source_id", "title", "headings", "body", "trashed", "object"))

    together = documents()
    assert len(together) == 4 and any("row note" in document[4] for document in together)  # page, comment, two rows
    for pk in ids:
        indexing.index_pages([pk], force=True)
    assert documents() == together
    indexing.index_pages(ids, force=True)
    assert documents() == together
    assert search.check(tree.space.pk) == []
