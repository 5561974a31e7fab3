"""No N+1: the inbox page, a page's thread list and writing a comment take as many queries for many items as for
one (measured through the API, the whole request)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipai_workos_blocks import services as blocks
from ipai_workos_collab import services
from ipai_workos_collab.models import Notification

from .conftest import mention, text


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 201), response.json()
    return len(captured)


def test_the_inbox_page_takes_the_same_queries_for_one_item_and_fifty(tree, person, api_for):
    reader = person("member")
    api = api_for(reader)
    authors = [person("member") for _ in range(3)]

    def notices(count: int) -> None:
        Notification.objects.bulk_create([Notification(recipient=reader, kind="comment", title=f"n{i}", actor=authors[i % 3]) for i in range(count)])

    notices(1)
    api.get("/notifications")  # warm the token and permission caches alike for both measurements
    one = queries(lambda: api.get("/notifications", limit=50))
    notices(49)
    fifty = queries(lambda: api.get("/notifications", limit=50))
    assert len(api.get("/notifications", limit=50).json()["items"]) == 50
    assert fifty == one


def test_the_thread_list_takes_the_same_queries_for_one_thread_and_twenty(tree, person, api_for):
    api = api_for(tree.admin)
    people = [person("member") for _ in range(3)]
    paragraph = blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "x" * 200}]})

    def threads(count: int, offset: int) -> None:
        for index in range(count):
            at = offset + index * 2
            root, _ = services.create_comment(people[index % 3], tree.page, text(f"t{at}"), block_id=str(paragraph.id), anchor={"start": at, "end": at + 1})
            services.create_comment(people[(index + 1) % 3], tree.page, text("reply"), parent_id=root.pk)
            services.react(people[(index + 2) % 3], root.pk, "👍")

    threads(1, 0)
    api.get("/comments", page_id=tree.page.pk)
    one = queries(lambda: api.get("/comments", page_id=tree.page.pk))
    threads(19, 2)
    twenty = queries(lambda: api.get("/comments", page_id=tree.page.pk))
    listed = api.get("/comments", page_id=tree.page.pk).json()["items"]
    assert len(listed) == 20 and all(item["anchor"] and not item["orphaned"] and len(item["replies"]) == 1 for item in listed)
    assert twenty == one


@pytest.mark.parametrize("inline", [False, True], ids=["page comment", "inline comment"])
def test_commenting_takes_the_same_queries_for_one_follower_and_mention_and_for_ten(tree, person, api_for, inline):
    writer = person("member")
    api = api_for(writer)
    paragraph = blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "Ship the release on Friday"}]})
    followers = [person("member") for _ in range(10)]
    mentioned = [person("member") for _ in range(10)]
    anchor = {"block_id": str(paragraph.id), "anchor": {"start": 0, "end": 4}} if inline else {}

    def body(people) -> dict:
        spans = []
        for someone in people:
            spans += mention(someone)["text"]
        return {"text": spans}

    services.set_following(followers[0], tree.page, True)
    api.post("/comments", {"page_id": tree.page.pk, "body": text("warm up")})
    one = queries(lambda: api.post("/comments", {"page_id": tree.page.pk, "body": body(mentioned[:1]), **anchor}))
    for someone in followers[1:]:
        services.set_following(someone, tree.page, True)
    ten = queries(lambda: api.post("/comments", {"page_id": tree.page.pk, "body": body(mentioned), **anchor}))
    assert Notification.objects.filter(recipient__in=mentioned, kind="mention").count() == 11
    assert ten == one


def test_readers_among_answers_as_can_for_every_kind_of_access(tree, person, make_user, member_of):
    """The batched check the notices use (``readers_among``) agrees with ``can`` person by person: roles, direct
    grants (also "none" on a page a member could otherwise read), group grants, outsiders, inactive users,
    a restricted page."""
    from django.contrib.auth.models import Group

    from ipai_platform_permissions import services as permissions
    from ipai_workos_core import services as core

    team = Group.objects.create(name="reviewers")
    people = [person("admin"), person("member"), person("guest"), person("outsider"), person("guest", "view"), person("guest", "comment"),
              person("member", "none"), person("outsider", "view")]
    in_group = person("guest")
    in_group.groups.add(team)
    people.append(in_group)
    gone = person("member")
    gone.is_active = False
    gone.save()
    people.append(gone)
    people.append(make_user(admin=True))
    permissions.grant(tree.admin, tree.subpage, "view", group_id=team.pk)
    restricted = core.create_page(tree.admin, space=tree.space, title="Restricted")
    core.set_restricted(tree.admin, restricted, True)
    permissions.grant(tree.admin, restricted, "edit", user_id=people[2].pk)
    for target in (tree.page, tree.subpage, restricted, tree.space, tree.workspace):
        for action in ("read", "comment", "edit"):
            expected = {someone.pk for someone in people if permissions.can(someone, action, target)}
            assert permissions.readers_among(people, action, target) == expected, (target, action)
