"""Querysets compiled once (workos.kernel.prepared): the same instances as the queryset run each time — fields,
the objects ``select_related`` brings, none for a missing key — in one statement and without compiling again,
and the querysets it cannot replay simply run as querysets."""

from __future__ import annotations

import threading
import uuid
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.models import Count, signals
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from ipai_workos_blocks import services as blocks
from ipai_workos_blocks.models import Block
from ipai_workos_core import services as core
from ipai_workos_core.models import Page
from workos.api.models import ApiToken
from workos.api.services import create_token, hash_token
from workos.kernel.prepared import UNPREPARABLE, Prepared, by_pk, instances, pk_value

pytestmark = pytest.mark.django_db

PAGE = Prepared(lambda pk: Page.objects.select_related("space__workspace").filter(pk=pk))
BLOCK = Prepared(lambda key: Block.objects.select_related("page__space").filter(id=key))
TOKEN = Prepared(lambda key_hash: ApiToken.objects.select_related("user").filter(key_hash=key_hash, revoked_at__isnull=True))
TITLES = Prepared(lambda space_id: Page.objects.filter(space_id=space_id).order_by("pk").values_list("pk", "title"))
TITLE = Prepared(lambda pk: Page.objects.filter(pk=pk).values_list("title", flat=True))
TITLED = Prepared(lambda text: Page.objects.filter(title__icontains=text).order_by("pk"))  # the lookup changes the value


def fields(obj) -> dict:
    return {name: value for name, value in vars(obj).items() if name != "_state"}


def same(prepared, expected) -> None:
    """Equal instances, with equal objects cached along every ``select_related`` path (None where it is null)."""
    if expected is None:
        assert prepared is None
        return
    assert type(prepared) is type(expected) and fields(prepared) == fields(expected)
    assert prepared._state.db == expected._state.db and prepared._state.adding is False
    cached, wanted = prepared._state.fields_cache, expected._state.fields_cache
    assert cached.keys() == wanted.keys()
    for name in wanted:
        same(cached[name], wanted[name])


def replayed(prepared, arguments, at_least: int) -> None:
    """``prepared`` runs from its plan (twice: the plan is kept), finds what its queryset finds (at least
    ``at_least`` of them) and, for an id no record has, nothing."""
    expected = list(prepared.build(*arguments))
    assert len(expected) >= at_least
    for _ in range(2):
        found = prepared.all(*arguments)
        assert len(found) == len(expected)
        for one, wanted in zip(found, expected):
            if hasattr(wanted, "_state"):
                same(one, wanted)
            assert one == wanted
    assert UNPREPARABLE not in prepared._plans.values(), prepared
    assert prepared.all(*[10 ** 12 for _ in arguments]) == ([] if arguments else expected)


@pytest.fixture
def site():
    user = get_user_model().objects.create_user("ada", password="correct-horse-9")
    workspace = core.create_workspace(user, "Acme")
    space = core.create_space(user, workspace, "Docs")
    top = core.create_page(user, space=space, title="Plan")
    child = core.create_page(user, parent=top, title="Notes")
    block = blocks.create_block(user, child, type="paragraph", content={"text": [{"text": "hello"}]})
    _, raw = create_token(user, name="cli")
    return {"user": user, "pages": [top, child], "block": block, "raw": raw}


def test_a_prepared_lookup_builds_what_the_queryset_builds(site):
    for page in site["pages"]:
        for _ in range(2):  # compiled on the first call, replayed on the second
            same(PAGE.first(page.pk), Page.objects.select_related("space__workspace").filter(pk=page.pk).first())
    block = site["block"]
    same(BLOCK.first(block.id), Block.objects.select_related("page__space").filter(id=block.id).first())
    same(TOKEN.first(hash_token(site["raw"])), ApiToken.objects.select_related("user").get(key_hash=hash_token(site["raw"])))


def test_values_lists_give_their_tuples_and_values(site):
    top, child = site["pages"]
    for _ in range(2):
        assert TITLES.all(top.space_id) == list(Page.objects.filter(space_id=top.space_id).order_by("pk").values_list("pk", "title"))
        assert TITLE.first(child.pk) == "Notes" and TITLE.first(10 ** 12) is None
    # replayed, not run as querysets (Django 5.2 maps a values list's columns as annotations: that alone let
    # every values list fall back, unnoticed, since the answers are the same)
    assert UNPREPARABLE not in [*TITLES._plans.values(), *TITLE._plans.values()]


def test_each_call_is_one_statement_with_its_own_values(site):
    top, child = site["pages"]
    PAGE.first(top.pk)
    with CaptureQueriesContext(connection) as queries, mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled again")):
        found = [PAGE.first(child.pk), PAGE.first(top.pk), PAGE.first(10 ** 12)]

    assert [page.pk if page else None for page in found] == [child.pk, top.pk, None]
    assert len(queries) == 3
    assert found[0].space.workspace.name == "Acme"  # brought by the same statement


@pytest.mark.django_db(transaction=True)
def test_one_plan_serves_every_connection_of_the_process():
    """Under ASGI each request has a connection object of its own: a plan kept per connection would be compiled
    again for every request."""
    PAGE.first(1)
    found = []

    def another_connection():
        try:
            with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled again")):
                found.append(PAGE.first(10 ** 12))
        finally:
            connections.close_all()

    thread = threading.Thread(target=another_connection)
    thread.start()
    thread.join()
    assert found == [None]


def test_a_missing_or_revoked_key_finds_nothing(site):
    token = ApiToken.objects.get(key_hash=hash_token(site["raw"]))
    assert TOKEN.first(hash_token(site["raw"])).pk == token.pk
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)

    assert TOKEN.first(hash_token(site["raw"])) is None
    assert BLOCK.first(uuid.uuid4()) is None


def test_what_cannot_be_replayed_runs_as_a_queryset(site):
    top, child = site["pages"]

    assert [page.pk for page in TITLED.all("NOTE")] == [child.pk]  # icontains rewrites its value
    assert [page.pk for page in TITLED.all("pla")] == [top.pk]
    assert PAGE.first(str(top.pk)).pk == top.pk  # an id as text: another type, left to the queryset
    assert PAGE.first(2 ** 70) is None  # past 64 bits: the queryset finds nothing, as it always did
    with pytest.raises(ValueError):
        PAGE.first("not a number")  # the queryset's own error


def test_a_scope_key_looks_its_object_up_by_id(site):
    top = site["pages"][0]

    assert pk_value(str(top.pk)) == top.pk and pk_value(top.pk) == top.pk
    assert pk_value("²") == "²" and pk_value("12a") == "12a"  # not an id: left to the queryset (and its error)
    same(by_pk(Page).first(pk_value(str(top.pk))), Page.objects.get(pk=top.pk))


def test_the_write_paths_lookups_are_replayed_and_answer_as_their_querysets(site):
    """Each lookup a block, page or comment write runs (its search entries, its live notice, its audit seal, its
    answer) is compiled once — none falls back to running as a queryset — and finds what its queryset finds."""
    from ipai_platform_audit.services import LAST_HASH
    from ipai_workos_blocks.services.reads import PAGE_BLOCKS
    from ipai_workos_canvas import services as canvases
    from ipai_workos_canvas.search import PAGE_TEXTS
    from ipai_workos_canvas.tests.elements import text
    from ipai_workos_collab import services as collab
    from ipai_workos_collab.search_source import PAGE_COMMENTS
    from ipai_workos_core.live.events import PAGE_ITEM
    from ipai_workos_search.indexing import PAGE_DOCUMENTS, PAGE_SCOPES, PAGE_WITH_SPACE
    from ipai_workos_search.sources import LAST_BLOCK_EDIT

    user, child = site["user"], site["pages"][1]
    blocks.create_block(user, child, type="paragraph", content={"text": [{"text": "second"}]})
    thread, _ = collab.create_comment(user, child, {"text": [{"text": "a thread"}]})
    collab.create_comment(user, child, {"text": [{"text": "a reply"}]}, parent_id=thread.pk)
    canvas = canvases.create_canvas(user, parent=child, title="Board")
    canvases.upsert_elements(user, canvas, [text("t1", "first note"), text("t2", "second note")])

    for prepared, arguments in ((LAST_HASH, ()), (PAGE_BLOCKS, (child.pk,)), (PAGE_COMMENTS, (child.pk,)),
                                (PAGE_TEXTS, (canvas.page_id,)), (PAGE_ITEM, (child.pk,)), (LAST_BLOCK_EDIT, (child.pk,)),
                                (PAGE_WITH_SPACE, (child.pk,)), (PAGE_DOCUMENTS, (child.pk,)), (PAGE_SCOPES, (child.pk,))):
        replayed(prepared, arguments, at_least=1)

    replies = [comment for comment in PAGE_COMMENTS.all(child.pk) if comment.parent_id]
    assert [reply.parent.pk for reply in replies] == [thread.pk]  # the thread brought by the same statement
    assert LAST_BLOCK_EDIT.first(child.pk) == max(block.updated_at for block in PAGE_BLOCKS.all(child.pk))
    documents = PAGE_DOCUMENTS.all(child.pk)
    assert len(documents) == 3  # the page and its two comments
    assert sorted(scope.document_id for scope in PAGE_SCOPES.all(child.pk)) == sorted(
        scope.document_id for document in documents for scope in document.scopes.all())


def test_the_read_paths_lookups_are_replayed_and_answer_as_their_querysets(site):
    """The lookups every page of rows and every space tree runs (a database's properties and its maintained counts,
    a space's pages in tree order, a page's blocks) are compiled once and find what their querysets find."""
    from ipai_workos_blocks.services.reads import PAGE_BLOCKS
    from ipai_workos_core.services.pages import SPACE_TREE
    from ipai_workos_db import services as databases
    from ipai_workos_db.counts import COUNTERS
    from ipai_workos_db.query import PROPERTIES

    user, (top, child) = site["user"], site["pages"]
    database = databases.create_database(user, space=top.space, title="Tasks", properties=[
        {"name": "Tag", "type": "select", "config": {"options": ["bug", "docs"]}}, {"name": "Points", "type": "number"}])
    for n in range(3):
        databases.create_row(user, database, {"Name": f"Task {n}", "Tag": "bug" if n else "docs", "Points": n})
    blocks.create_block(user, child, type="paragraph", content={"text": [{"text": "second"}]})

    for prepared, arguments in ((PROPERTIES, (database.pk,)), (COUNTERS, (database.pk,)), (SPACE_TREE, (top.space_id,)),
                                (PAGE_BLOCKS, (child.pk,))):
        replayed(prepared, arguments, at_least=2)

    assert [prop.name for prop in PROPERTIES.all(database.pk)] == ["Name", "Tag", "Points"]  # in the properties' order
    tree = SPACE_TREE.all(top.space_id)
    assert {top.pk, child.pk} <= {page.pk for page in tree} and not any(page.container_model for page in tree)  # no row pages
    assert "restricted" in vars(tree[0]) and "cover_url" not in vars(tree[0])  # what the walk reads, not the rest


# --- instances(): a queryset's instances without Model.__init__ ----------------------------------------------


def built_alike(queryset) -> list:
    """``instances(queryset)`` against ``list(queryset)``: the same instances, the same cached related ones."""
    expected = list(queryset.all())
    found = instances(queryset.all())
    assert len(found) == len(expected) and expected
    for one, wanted in zip(found, expected):
        same(one, wanted)
    return found


def test_instances_are_what_the_queryset_lists(site):
    top, child = site["pages"]
    built_alike(Page.objects.order_by("pk"))
    # select_related two levels deep, and a null key: the top page's parent is cached as None
    found = built_alike(Page.objects.select_related("parent", "space__workspace").order_by("pk"))
    assert found[0].parent is None and found[1].parent.title == "Plan"
    with CaptureQueriesContext(connection) as queries:
        assert found[1].space.workspace.name == "Acme"
    assert len(queries) == 0
    built_alike(Block.objects.select_related("page__space").filter(page=child))


def test_a_deferred_column_is_absent_and_loads_when_read(site):
    found = built_alike(Page.objects.select_related("space").defer("icon", "space__name").order_by("pk"))
    assert "icon" not in vars(found[0]) and "name" not in vars(found[0].space)
    with CaptureQueriesContext(connection) as queries:
        assert found[0].icon == Page.objects.get(pk=found[0].pk).icon
        assert found[0].space.name == "Docs"
    assert len(queries) == 3  # the icon, the check above, the space's name


def test_an_instance_saves_as_an_update(site):
    page = instances(Page.objects.filter(pk=site["pages"][0].pk))[0]
    page.title = "Plan B"
    page.save(update_fields=["title"])
    assert Page.objects.count() == 2 and Page.objects.get(pk=page.pk).title == "Plan B"


def test_a_model_with_init_listeners_is_built_by_django(site):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    signals.post_init.connect(listener, sender=Page)
    try:
        found = instances(Page.objects.select_related("parent").order_by("pk"))
    finally:
        signals.post_init.disconnect(listener, sender=Page)
    assert [page.pk for page in found] == [page.pk for page in site["pages"]]
    assert len(seen) == 3 and {page.pk for page in seen} == {page.pk for page in site["pages"]}


def test_what_instances_cannot_build_is_listed_as_a_queryset(site):
    annotated = Page.objects.annotate(block_count=Count("blocks")).order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        assert [page.block_count for page in instances(annotated)] == [0, 1]
    assert len(queries) == 1
    prefetched = instances(Page.objects.prefetch_related("blocks").order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        assert [len(page.blocks.all()) for page in prefetched] == [0, 1]
    assert len(queries) == 0
    assert instances(Page.objects.values_list("title", flat=True).order_by("pk")) == ["Plan", "Notes"]
    assert instances(Page.objects.none()) == []
