"""The page tree: order keys, moves (re-parent, reorder, across spaces, never into a descendant), the tree,
children and breadcrumbs, all permission-checked and -filtered; invariants under random moves."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings, strategies as st

from ipai_platform_audit.models import AuditEvent
from ipai_workos_core import services
from ipai_workos_core.models import Page
from workos.kernel import ranks
from workos.kernel.errors import InvalidInput, PermissionDenied


def titles(pages) -> list[str]:
    return [page.title for page in pages]


def children_of(parent=None, space=None) -> list[Page]:
    pages = Page.objects.filter(parent=parent) if parent is not None else Page.objects.filter(space=space, parent__isnull=True)
    return list(pages.filter(archived_at__isnull=True).order_by("rank", "id"))


PAGE_WRITE = re.compile(r'^\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"ipai_workos_page"\s', re.IGNORECASE)


def page_writes(queries) -> list[str]:
    """The statements that wrote to the page table (not to the version, favourite ... tables)."""
    return [query["sql"] for query in queries if PAGE_WRITE.match(query["sql"])]


def test_new_pages_get_valid_increasing_keys(tree):
    a = services.create_page(tree.admin, space=tree.space, title="A")
    b = services.create_page(tree.admin, space=tree.space, title="B")

    keys = [page.rank for page in children_of(space=tree.space)]
    assert titles(children_of(space=tree.space)) == ["Handbook", "A", "B"]
    assert all(ranks.is_valid(key) for key in keys) and ranks.is_ordered(keys)
    assert a.rank < b.rank


def test_reorder_among_siblings_writes_one_row(tree):
    a = services.create_page(tree.admin, space=tree.space, title="A")
    b = services.create_page(tree.admin, space=tree.space, title="B")
    before = {row["id"]: row for row in Page.objects.values("id", "rank", "parent_id", "space_id")}

    with CaptureQueriesContext(connection) as queries:
        services.move_page(tree.admin, b, parent=None, after_id=None)

    after = {row["id"]: row for row in Page.objects.values("id", "rank", "parent_id", "space_id")}
    assert [pk for pk in after if after[pk] != before[pk]] == [b.pk]
    assert len(page_writes(queries)) == 1
    assert titles(children_of(space=tree.space)) == ["B", "Handbook", "A"]

    services.move_page(tree.admin, b, before_id=a.pk)
    assert titles(children_of(space=tree.space)) == ["Handbook", "B", "A"]
    services.move_page(tree.admin, tree.page, after_id=a.pk)
    assert titles(children_of(space=tree.space)) == ["B", "A", "Handbook"]


def test_move_under_another_page_and_back(tree):
    other = services.create_page(tree.admin, space=tree.space, title="Other")

    services.move_page(tree.admin, tree.subpage, parent=other)
    assert titles(children_of(other)) == ["Onboarding"] and children_of(tree.page) == []

    services.move_page(tree.admin, tree.subpage, parent=None, after_id=None)
    assert titles(children_of(space=tree.space)) == ["Onboarding", "Handbook", "Other"]
    event = AuditEvent.objects.filter(action="page.move").last()
    assert event.target_id == str(tree.subpage.pk) and event.changes["parent_id"] == {"before": other.pk, "after": None}


def test_page_never_moves_into_its_own_descendant(tree):
    deeper = services.create_page(tree.admin, parent=tree.subpage, title="Deeper")

    for target in (tree.page, tree.subpage, deeper):
        with pytest.raises(InvalidInput, match="into itself or one of its sub-pages"):
            services.move_page(tree.admin, tree.page, parent=target)
    assert Page.objects.get(pk=tree.page.pk).parent_id is None


def test_move_to_another_space_takes_the_subtree(tree):
    deeper = services.create_page(tree.admin, parent=tree.subpage, title="Deeper")
    design = services.create_space(tree.admin, tree.workspace, "Design")
    landing = services.create_page(tree.admin, space=design, title="Landing")

    services.move_page(tree.admin, tree.page, parent=None, space=design, after_id=landing.pk)

    assert set(Page.objects.filter(pk__in=[tree.page.pk, tree.subpage.pk, deeper.pk]).values_list("space_id", flat=True)) == {design.pk}
    assert titles(children_of(space=design)) == ["Landing", "Handbook"]
    assert children_of(space=tree.space) == []
    assert Page.objects.get(pk=deeper.pk).parent_id == tree.subpage.pk


def test_move_refuses_neighbours_from_elsewhere(tree):
    other = services.create_page(tree.admin, space=tree.space, title="Other")

    with pytest.raises(InvalidInput) as error:
        services.move_page(tree.admin, other, parent=None, after_id=tree.subpage.pk)  # not a top-level page
    assert error.value.field == "after_id"
    with pytest.raises(InvalidInput, match="next to itself"):
        services.move_page(tree.admin, other, parent=None, after_id=other.pk)


def test_viewer_cannot_move_a_page(tree, people):
    with pytest.raises(PermissionDenied):
        services.move_page(people.viewer, tree.subpage, parent=None)


def test_member_needs_edit_rights_at_the_destination(tree, people, make_user):
    from ipai_platform_permissions import services as permissions

    locked = services.create_page(tree.admin, space=tree.space, title="Locked")
    permissions.grant(tree.admin, locked, "view", user_id=people.editor.pk)

    with pytest.raises(PermissionDenied):
        services.move_page(people.editor, tree.subpage, parent=locked)
    services.move_page(people.editor, tree.subpage, parent=None)


def test_long_keys_renumber_the_siblings(tree):
    first = services.create_page(tree.admin, space=tree.space, title="First")
    last = services.create_page(tree.admin, space=tree.space, title="Last")
    for number in range(300):  # always between the same two pages: keys grow until the list is renumbered
        page = services.create_page(tree.admin, space=tree.space, title=f"P{number}")
        services.move_page(tree.admin, page, after_id=first.pk)

    keys = [page.rank for page in children_of(space=tree.space)]
    assert ranks.is_ordered(keys) and max(map(len, keys)) <= services.LONG_RANK
    assert titles(children_of(space=tree.space))[:3] == ["Handbook", "First", "P299"]
    assert titles(children_of(space=tree.space))[-1] == "Last"


# --- the API -------------------------------------------------------------------------------------------


def test_api_move_and_refusals(tree, people, api_for):
    editor, viewer = api_for(people.editor), api_for(people.viewer)
    other = services.create_page(tree.admin, space=tree.space, title="Other")

    moved = editor.post(f"/pages/{tree.subpage.pk}/move", {"parent_id": other.pk, "space_id": tree.space.pk, "after_id": None})
    assert moved.status_code == 200, moved.content
    assert moved.json()["parent_id"] == other.pk

    cycle = editor.post(f"/pages/{tree.page.pk}/move", {"parent_id": tree.page.pk})
    assert cycle.status_code == 422 and cycle.json()["error"]["field"] == "parent_id"
    assert viewer.post(f"/pages/{tree.page.pk}/move", {"parent_id": None}).status_code == 403
    missing = editor.post(f"/pages/{tree.page.pk}/move", {"parent_id": 999999})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "parent_id"
    assert editor.post(f"/pages/{tree.page.pk}/move", {"parent_id": "x"}).status_code == 422
    assert editor.post(f"/pages/{tree.page.pk}/move", {"after_id": 123456789}).status_code == 422
    assert api_for(people.outsider).post(f"/pages/{tree.page.pk}/move", {"parent_id": None}).status_code == 404


def test_tree_is_nested_ordered_and_filtered(tree, people, hidden, api_for):
    second = services.create_page(tree.admin, space=tree.space, title="Second")
    services.move_page(tree.admin, second, parent=None, after_id=None)

    answer = api_for(people.editor).get(f"/spaces/{tree.space.pk}/tree")

    assert answer.status_code == 200
    pages = answer.json()["pages"]
    assert [node["title"] for node in pages] == ["Second", "Handbook"]
    handbook = pages[1]
    assert [node["title"] for node in handbook["children"]] == ["Onboarding"]  # "Salaries" and its sub-page hidden
    assert "Salaries" not in answer.content.decode()
    admin_view = api_for(tree.admin).get(f"/spaces/{tree.space.pk}/tree").json()["pages"]
    assert [node["title"] for node in admin_view[1]["children"]] == ["Onboarding", "Salaries"]
    assert admin_view[1]["children"][1]["children"][0]["title"] == "Salaries 2026"


def test_tree_depth_limit_and_bad_depth(tree, api_for):
    services.create_page(tree.admin, parent=tree.subpage, title="Deeper")
    shallow = api_for(tree.admin).get(f"/spaces/{tree.space.pk}/tree", depth=1).json()["pages"]
    assert shallow[0]["children"] == [] and shallow[0]["has_children"] is True
    assert api_for(tree.admin).get(f"/spaces/{tree.space.pk}/tree", depth=0).status_code == 422
    assert api_for(tree.admin).get(f"/spaces/{tree.space.pk}/tree", depth="x").status_code == 422


def test_children_and_lists_follow_the_order(tree, people, hidden, api_for):
    extra = services.create_page(tree.admin, parent=tree.page, title="Extra")
    services.move_page(tree.admin, extra, after_id=None)

    children = api_for(people.editor).get(f"/pages/{tree.page.pk}/children").json()
    assert [item["title"] for item in children["items"]] == ["Extra", "Onboarding"]
    listed = api_for(tree.admin).get("/pages", parent_id=tree.page.pk, limit=2).json()
    assert [item["title"] for item in listed["items"]] == ["Extra", "Onboarding"] and listed["count"] == 3
    rest = api_for(tree.admin).get("/pages", parent_id=tree.page.pk, limit=2, cursor=listed["next_cursor"]).json()
    assert [item["title"] for item in rest["items"]] == ["Salaries"] and rest["next_cursor"] is None
    assert api_for(tree.admin).get("/pages", cursor="garbage").status_code == 422


def test_ancestors_stop_below_a_hidden_page(tree, people, hidden, api_for):
    page, below = hidden
    from ipai_platform_permissions import services as permissions

    permissions.grant(tree.admin, below, "view", user_id=people.editor.pk)  # the editor sees the sub-page, not its parent
    crumbs = api_for(tree.admin).get(f"/pages/{below.pk}/ancestors").json()
    assert [crumb["title"] for crumb in crumbs] == ["Handbook", "Salaries"]

    assert api_for(people.editor).get(f"/pages/{below.pk}/ancestors").json() == []
    assert [c["title"] for c in api_for(people.editor).get(f"/pages/{tree.subpage.pk}/ancestors").json()] == ["Handbook"]


# --- invariants under random moves ---------------------------------------------------------------------


def check_tree(space_ids: list[int]) -> None:
    """Every page reaches the top of its own space without a cycle; sibling keys are valid and strictly ordered."""
    rows = {row["id"]: row for row in Page.objects.filter(space_id__in=space_ids).values("id", "parent_id", "space_id", "rank")}
    for row in rows.values():
        seen, current = set(), row
        while current["parent_id"] is not None:
            assert current["id"] not in seen, f"cycle through page {current['id']}"
            seen.add(current["id"])
            parent = rows[current["parent_id"]]
            assert parent["space_id"] == current["space_id"], "a page and its parent are in different spaces"
            current = parent
    siblings: dict = {}
    for row in rows.values():
        siblings.setdefault((row["space_id"], row["parent_id"]), []).append(row["rank"])
    for keys in siblings.values():
        assert all(ranks.is_valid(key) for key in keys)
        assert len(set(keys)) == len(keys), "two siblings share an order key"


moves = st.lists(st.tuples(st.integers(0, 7), st.integers(-2, 7), st.integers(0, 9)), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=moves)
def test_random_moves_keep_the_tree_sound(tree, steps):
    with transaction.atomic():
        second = services.create_space(tree.admin, tree.workspace, "Second")
        pages = [tree.page, tree.subpage] + [services.create_page(tree.admin, space=tree.space, title=f"P{n}") for n in range(6)]
        spaces = [tree.space.pk, second.pk]
        for page_index, target_index, position in steps:
            page = Page.objects.select_related("space").get(pk=pages[page_index].pk)
            if target_index == -2:
                parent, space = None, second if page.space_id != second.pk else tree.space
            elif target_index == -1:
                parent, space = None, None
            else:
                parent, space = Page.objects.select_related("space").get(pk=pages[target_index].pk), None
            destination_space = parent.space_id if parent else (space.pk if space else page.space_id)
            siblings = [p.pk for p in Page.objects.filter(space_id=destination_space, parent=parent).exclude(pk=page.pk).order_by("rank", "id")]
            after_id = siblings[position % len(siblings)] if siblings and position < 8 else (None if position == 8 else services.UNSET)
            descendant = parent is not None and (parent.pk == page.pk or page.pk in services._ancestor_ids(parent.pk))
            before = {row["id"]: row for row in Page.objects.values("id", "rank", "parent_id", "space_id")}
            try:
                with CaptureQueriesContext(connection) as queries:
                    services.move_page(tree.admin, page, parent=parent, space=space, after_id=after_id)
            except InvalidInput as error:
                assert descendant, error.message
                continue
            assert not descendant
            after = {row["id"]: row for row in Page.objects.values("id", "rank", "parent_id", "space_id")}
            changed = [pk for pk in after if after[pk] != before[pk]]
            if destination_space == before[page.pk]["space_id"]:
                assert changed in ([page.pk], []) and len(page_writes(queries)) == 1  # [] when it was there already
            new_siblings = [p.pk for p in Page.objects.filter(space_id=destination_space, parent=parent).order_by("rank", "id")]
            if after_id is None:
                assert new_siblings[0] == page.pk
            elif after_id is not services.UNSET:
                assert new_siblings[new_siblings.index(after_id) + 1] == page.pk
            else:
                assert new_siblings[-1] == page.pk
            check_tree(spaces)
        transaction.set_rollback(True)


def test_migration_turns_placeholder_keys_into_valid_ones_in_the_same_order(tree):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ipai_workos_core.migrations.0002_page_tree")
    extra = [services.create_page(tree.admin, space=tree.space, title=f"P{n}") for n in range(3)]
    Page.objects.update(rank="n")  # what rows made before order keys carry

    migration.assign_order_keys(apps, None)

    top = children_of(space=tree.space)
    assert [page.pk for page in top] == [tree.page.pk, *(page.pk for page in extra)]  # ties were in id order
    assert all(ranks.is_valid(page.rank) for page in Page.objects.all())
    migration.keep_order_keys(apps, None)


@pytest.mark.django_db(transaction=True)
def test_move_through_the_api_outside_a_test_transaction(tree, api_for):
    # Each request runs in autocommit here, as on a real server: the move takes its own transaction (its row
    # locks need one), which the usual per-test transaction would hide.
    other = services.create_page(tree.admin, space=tree.space, title="Other")

    answer = api_for(tree.admin).post(f"/pages/{other.pk}/move", {"parent_id": tree.page.pk})

    assert answer.status_code == 200, answer.json()
    assert Page.objects.get(pk=other.pk).parent_id == tree.page.pk


def test_a_restricted_page_opens_only_to_admins_and_those_invited_on_it(tree, people, api_for, make_user, member_of):
    from ipai_platform_permissions import services as permissions

    invited = member_of(make_user(), "member")
    page = services.create_page(tree.admin, space=tree.space, title="Board minutes")
    below = services.create_page(tree.admin, parent=page, title="Salaries")
    assert permissions.can(people.editor, "read", below)

    refused = api_for(people.editor).post(f"/pages/{page.pk}/restrict", {"restricted": True})
    assert refused.status_code == 403  # members edit, only those who may share restrict
    answer = api_for(tree.admin).post(f"/pages/{page.pk}/restrict", {"restricted": True})
    assert answer.status_code == 200 and answer.json()["restricted"] is True
    page.refresh_from_db()
    permissions.grant(tree.admin, page, "view", user_id=invited.pk)

    assert api_for(people.editor).get(f"/pages/{below.pk}").status_code == 404
    assert not permissions.can(people.editor, "read", page)
    assert permissions.can(invited, "read", below) and not permissions.can(invited, "edit", below)
    assert permissions.can(tree.admin, "manage", below)
    assert AuditEvent.objects.filter(action="page.restrict", target_id=str(page.pk)).exists()

    # whoever restricts without being an administrator keeps full access through their own grant
    manager = member_of(make_user(), "member")
    other = services.create_page(tree.admin, space=tree.space, title="Offsite")
    permissions.grant(tree.admin, other, "manage", user_id=manager.pk)
    services.set_restricted(manager, Page.objects.get(pk=other.pk), True)
    assert permissions.can(manager, "manage", other)

    api_for(tree.admin).post(f"/pages/{page.pk}/restrict", {"restricted": False})
    assert permissions.can(people.editor, "edit", Page.objects.get(pk=below.pk))


def test_page_titles_answer_null_alike_for_unreadable_missing_and_trashed_pages(tree, people, api_for, hidden):
    secret, _below = hidden
    gone = services.create_page(tree.admin, space=tree.space, title="Old plan")
    services.archive_page(tree.admin, gone)

    answer = api_for(people.editor).get(f"/pages/titles?ids={tree.page.pk},{secret.pk},{gone.pk},999999")

    assert answer.status_code == 200
    assert answer.json() == {str(tree.page.pk): tree.page.title, str(secret.pk): None, str(gone.pk): None, "999999": None}
    assert api_for(people.editor).get("/pages/titles?ids=1,x").status_code == 422
    assert api_for(people.editor).get("/pages/titles?ids=" + ",".join(["1"] * 201)).status_code == 422
