"""No leaks: for random permission set-ups, what each user finds is exactly what the permissions module says
they may read, among the pages, rows and comments that match — the same ids, titles, snippets and totals, and no
"more results" hint beyond them (a comment is readable exactly when its page is). The oracle is ``permissions.can`` itself, asked page by page. Everything is written through
the services, which keep the index fresh: no reindex here."""

import re

from django.contrib.auth.models import Group
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_collab import services as collab
from ipai_workos_core import services as core
from ipai_workos_core.models import Page, Space, WorkspaceMember
from ipai_workos_db import services as databases
from ipai_workos_db.models import Database
from ipai_workos_search import services as search

GRANTEES = ("member", "member", "second", "guest", "outsider", "group", "group")

setups = st.fixed_dictionaries({
    "spaces": st.lists(st.sampled_from(["private", "team", "public"]), min_size=1, max_size=3),
    "pages": st.lists(st.tuples(st.integers(0, 9), st.integers(-1, 9)), min_size=1, max_size=7),
    "database_parent": st.integers(-1, 9),
    "rows": st.integers(0, 2),
    "grants": st.lists(st.tuples(st.integers(0, 12), st.sampled_from(GRANTEES), st.sampled_from(["none", "view", "none", "edit"])), max_size=8),
    "trashed": st.lists(st.integers(0, 9), max_size=2),
    "restricted": st.lists(st.integers(0, 9), max_size=3),
    "database_trashed": st.booleans(),
    "share": st.one_of(st.none(), st.integers(0, 20)),
    "comments": st.lists(st.integers(0, 12), max_size=3),  # on pages and rows, by index
})


def _live(obj) -> bool:
    """Not in the trash, nor inside something that is (the oracle's own walk up the objects)."""
    while obj is not None:
        if getattr(obj, "archived_at", None) is not None:
            return False
        container = getattr(obj, "container_model", "")
        if container:
            obj = Database.objects.get(pk=obj.container_id)
        elif hasattr(obj, "parent_page_id"):  # a database
            obj = obj.parent_page
        else:
            obj = obj.parent
    return True


def _found(user, share=None) -> list[dict]:
    items, cursor = [], None
    while True:
        result = search.search(user, "apple", limit=3, cursor=cursor, share=share)
        items.extend(result["items"])
        assert len(result["items"]) <= 3
        cursor = result["next_cursor"]
        if cursor is None:
            return items
        assert result["items"], "a next_cursor must promise more results"


def _check(user, documents, share=None, commented=()) -> None:
    readable = {page.pk for page in documents if _live(page) and permissions.can(user, "read", page, share=share)}
    expected = [("page", pk) for pk in readable] + [("comment", page.pk) for page in commented if page.pk in readable]
    items = _found(user, share)
    found = [("comment" if item["object"] == "comment" else "page", item["id"]) for item in items]
    assert sorted(found) == sorted(expected), (getattr(user, "username", "share"), share)
    titles = {page.pk: page.title for page in documents}
    for item in items:
        assert item["title"] == (f"Comment on {titles[item['id']]}" if item["object"] == "comment" else titles[item["id"]])
        secrets = set(re.findall(r"secret(\d+)", item["snippet"]))
        assert secrets <= {str(item["id"])}, item["snippet"]
        for step in item["path"]:  # breadcrumbs name only what the user may view
            kind = {"space": Space, "page": Page, "database": Database}[step["object"]]
            assert permissions.can(user, "read", kind.objects.get(pk=step["id"]), share=share)


def _page(admin, title, **where):
    page = core.create_page(admin, title=title, **where)
    blocks.create_block(admin, page, type="paragraph", content={"text": [{"text": f"apple secret{page.pk}"}]})
    return page


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(setup=setups)
def test_each_user_finds_exactly_what_they_may_read(tree, make_user, member_of, setup):
    people = getattr(test_each_user_finds_exactly_what_they_may_read, "_people", None)
    if people is None or not WorkspaceMember.objects.filter(workspace=tree.workspace, user=people["member"]).exists():
        people = {"member": member_of(make_user()), "second": member_of(make_user()), "guest": member_of(make_user(), "guest"),
                  "outsider": make_user()}
        group = Group.objects.create(name=f"team-{people['member'].pk}")
        people["second"].groups.add(group)
        people["guest"].groups.add(group)
        people["group"] = group
        test_each_user_finds_exactly_what_they_may_read._people = people
    admin = tree.admin
    with transaction.atomic():
        spaces = [core.create_space(admin, tree.workspace, f"S{index}", visibility=visibility) for index, visibility in enumerate(setup["spaces"])]
        pages = []
        for space_index, parent_index in setup["pages"]:
            parent = pages[parent_index] if 0 <= parent_index < len(pages) else None
            pages.append(_page(admin, f"P{len(pages)} apple", parent=parent) if parent else
                         _page(admin, f"P{len(pages)} apple", space=spaces[space_index % len(spaces)]))
        holder = pages[setup["database_parent"]] if 0 <= setup["database_parent"] < len(pages) else None
        database = databases.create_database(admin, parent_page=holder, space=None if holder else spaces[0], title="Fruit")
        databases.create_property(admin, database, name="Notes", type="text")
        rows = [databases.create_row(admin, database, {"Name": f"R{index} apple", "Notes": "apple"}) for index in range(setup["rows"])]
        documents = pages + [row.page for row in rows]
        commented = [documents[index % len(documents)] for index in setup["comments"]]
        for page in commented:
            collab.create_comment(admin, page, {"text": [{"text": f"apple secret{page.pk}"}]})
        targets = [tree.workspace, *spaces, *pages, database, *[row.page for row in rows]]
        for target_index, grantee, level in setup["grants"]:
            target = targets[target_index % len(targets)]
            who = people[grantee]
            if grantee == "group":
                permissions.grant(admin, target, level, group_id=who.pk)
            else:
                permissions.grant(admin, target, level, user_id=who.pk)
        for index in setup["restricted"]:  # "only people invited": nothing flows in from above
            if index < len(pages):
                pages[index].refresh_from_db()
                core.set_restricted(admin, pages[index], True)
        for index in setup["trashed"]:
            if index < len(pages):
                pages[index].refresh_from_db()
                core.archive_page(admin, pages[index])
        if setup["database_trashed"]:
            databases.archive_database(admin, database)
        for page in documents:
            page.refresh_from_db()
        for user in (admin, people["member"], people["second"], people["guest"], people["outsider"]):
            _check(user, documents, commented=commented)
        if setup["share"] is not None:
            target = targets[setup["share"] % len(targets)]
            token, _raw = permissions.create_share_token(admin, target, "view", audience="public")
            _check(None, documents, share=token, commented=commented)
        transaction.set_rollback(True)


# --- the cases a random set-up finds only now and then ----------------------------------------------------


def test_a_restricted_page_is_found_only_by_those_invited_on_it_and_admins(tree, make_user, member_of):
    member, invited = member_of(make_user()), member_of(make_user())
    team = Group.objects.create(name="designers")
    grouped = member_of(make_user())
    grouped.groups.add(team)
    top = _page(tree.admin, "Board apple", space=tree.space)
    below = _page(tree.admin, "Salaries apple", parent=top)
    core.set_restricted(tree.admin, top, True)
    permissions.grant(tree.admin, top, "view", user_id=invited.pk)
    permissions.grant(tree.admin, top, "view", group_id=team.pk)

    assert not permissions.can(member, "read", below)
    assert {top.pk, below.pk} <= set(_ids(tree.admin))
    assert not {top.pk, below.pk} & set(_ids(member))
    assert {top.pk, below.pk} <= set(_ids(invited)) and {top.pk, below.pk} <= set(_ids(grouped))
    core.set_restricted(tree.admin, Page.objects.get(pk=top.pk), False)
    assert {top.pk, below.pk} <= set(_ids(member))


def _ids(user, query="apple", share=None):
    return sorted(item["id"] for item in _found(user, share)) if query == "apple" else None


def test_nearer_grant_wins_along_the_chain(tree, make_user, member_of):
    member = member_of(make_user())
    private = core.create_space(tree.admin, tree.workspace, "Private", visibility="private")
    top = _page(tree.admin, "Top apple", space=private)
    middle = _page(tree.admin, "Middle apple", parent=top)
    bottom = _page(tree.admin, "Bottom apple", parent=middle)
    permissions.grant(tree.admin, top, "view", user_id=member.pk)
    permissions.grant(tree.admin, middle, "none", user_id=member.pk)
    permissions.grant(tree.admin, bottom, "view", user_id=member.pk)
    assert _ids(member) == sorted([top.pk, bottom.pk])


def test_a_users_own_grant_beats_their_groups_and_a_group_deny_wins_among_groups(tree, make_user, member_of):
    member = member_of(make_user())
    first, second = Group.objects.create(name="first"), Group.objects.create(name="second")
    member.groups.add(first, second)
    page = _page(tree.admin, "Shared apple", space=tree.space)
    other = _page(tree.admin, "Other apple", space=tree.space)
    permissions.grant(tree.admin, page, "view", group_id=first.pk)
    permissions.grant(tree.admin, page, "none", group_id=second.pk)
    permissions.grant(tree.admin, other, "none", group_id=first.pk)
    permissions.grant(tree.admin, other, "view", user_id=member.pk)
    assert _ids(member) == [other.pk]


def test_rows_take_their_databases_access(tree, make_user, member_of):
    member = member_of(make_user())
    holder = _page(tree.admin, "Holder apple", space=tree.space)
    database = databases.create_database(tree.admin, parent_page=holder, title="Fruit")
    row = databases.create_row(tree.admin, database, {"Name": "Row apple"})
    assert _ids(member) == sorted([holder.pk, row.page_id])
    permissions.grant(tree.admin, holder, "none", user_id=member.pk)  # the database is inside the page
    assert _ids(member) == []
    permissions.grant(tree.admin, database, "view", user_id=member.pk)
    assert _ids(member) == [row.page_id]


def test_admins_see_everything_of_their_workspace_even_when_denied(tree, make_user, member_of):
    other_admin = member_of(make_user(), "admin")
    private = core.create_space(tree.admin, tree.workspace, "Private", visibility="private")
    page = _page(tree.admin, "Board apple", space=private)
    permissions.grant(tree.admin, page, "none", user_id=other_admin.pk)
    assert _ids(other_admin) == [page.pk]


def test_guests_see_public_spaces_and_grants_only(tree, make_user, member_of):
    guest = member_of(make_user(), "guest")
    public = core.create_space(tree.admin, tree.workspace, "Public", visibility="public")
    seen = _page(tree.admin, "Public apple", space=public)
    team = _page(tree.admin, "Team apple", space=tree.space)
    granted = _page(tree.admin, "Granted apple", parent=team)
    permissions.grant(tree.admin, granted, "view", user_id=guest.pk)
    assert _ids(guest) == sorted([seen.pk, granted.pk])


def test_a_share_link_searches_only_what_it_opens(tree, api_for):
    inside = _page(tree.admin, "Inside apple", parent=tree.page)
    outside = _page(tree.admin, "Outside apple", space=tree.space)
    token, raw = permissions.create_share_token(tree.admin, tree.page, "view", audience="public")
    assert _ids(None, share=token) == [inside.pk]
    answer = api_for(None).get("/search", q="apple", share=raw)
    assert answer.status_code == 200
    assert [item["id"] for item in answer.json()["items"]] == [inside.pk]
    assert outside.pk not in [item["id"] for item in answer.json()["items"]]
    assert api_for(None).get("/search", q="apple", share="wss_not-a-token").status_code == 404


def test_a_mentions_label_does_not_leak_the_mentioned_pages_title(tree, make_user, member_of):
    # A mention stores the page's title as its label; indexing that label would let anyone who reads the
    # mentioning page find it by the title of a page they cannot read.
    member = member_of(make_user())
    private = core.create_space(tree.admin, tree.workspace, "Board", visibility="private")
    secret = core.create_page(tree.admin, space=private, title="Quokka takeover")
    notes = core.create_page(tree.admin, space=tree.space, title="Notes")
    blocks.create_block(tree.admin, notes, type="paragraph", content={"text": [
        {"text": "see "}, {"mention": {"kind": "page", "id": secret.pk}, "text": "Quokka takeover"}]})
    blocks.create_block(tree.admin, notes, type="todo", content={"text": [
        {"mention": {"kind": "page", "id": secret.pk}, "text": "Quokka takeover"}], "checked": False})
    assert search.search(member, "quokka")["items"] == []
    assert search.search(member, '"quokka takeover"')["items"] == []
    assert [item["id"] for item in search.search(tree.admin, "quokka")["items"]] == [secret.pk]
    assert [item["id"] for item in search.search(member, "see")["items"]] == [notes.pk]
    assert search.check() == []
