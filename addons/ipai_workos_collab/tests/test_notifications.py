"""Notices: who is told about comments, replies, mentions (in comments and blocks) and approvals; nobody who
cannot read the target; dedup; the inbox API (paging, read, read-all, archive); follows; query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings, strategies as st

from ipai_platform_audit.models import AuditEvent
from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_collab import services
from ipai_workos_collab.models import Comment, Notification
from ipai_workos_core import services as core

from .conftest import mention, text


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True))


def test_mentioned_member_is_notified_with_a_link_to_the_comment(tree, person, api_for):
    ana = person("member")
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": mention(ana)}).json()
    assert made["not_notified"] == []
    notice = Notification.objects.get(recipient=ana)
    assert notice.kind == "mention" and notice.url == f"/web/pages/{tree.page.pk}#comment-{made['id']}"
    assert notice.actor_id == tree.admin.pk and "mentioned you" in notice.title


def test_mentioned_person_without_access_is_not_notified_and_the_writer_is_told(tree, person, api_for):
    outsider = person("outsider")
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": mention(outsider)})
    assert made.status_code == 201
    assert made.json()["not_notified"] == [{"id": outsider.pk, "name": outsider.username}]
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_reply_notifies_the_thread_and_comment_notifies_followers(tree, person, api_for):
    ana, bob = person("member"), person("member")
    root = api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("question")}).json()
    assert kinds_of(tree.admin) == ["comment"]  # the page's creator follows it
    api_for(bob).post("/comments", {"page_id": tree.page.pk, "parent_id": root["id"], "body": text("answer")})
    assert kinds_of(ana) == ["reply"]
    assert kinds_of(bob) == []  # nobody hears about their own comment


def test_a_person_gets_one_notice_per_comment_mention_first(tree, person, api_for):
    ana = person("member")
    root = api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("q")}).json()
    api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "parent_id": root["id"], "body": mention(ana)})
    assert kinds_of(ana) == ["mention"]


def test_unfollowed_page_sends_no_comment_notices(tree, person, api_for):
    ana = person("member")
    assert api_for(tree.admin).delete(f"/follows/{tree.page.pk}").json()["following"] is False
    api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("hello")})
    assert kinds_of(tree.admin) == []
    assert api_for(tree.admin).post("/follows", {"page_id": tree.page.pk}).json()["following"] is True
    api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("again")})
    assert kinds_of(tree.admin) == ["comment"]
    assert tree.page.pk in [item["page_id"] for item in api_for(tree.admin).get("/follows").json()["items"]]
    assert AuditEvent.objects.filter(action__in=["collab.follow", "collab.unfollow"]).count() == 2


def test_commenters_follow_the_page(tree, person, api_for):
    ana, bob = person("member"), person("member")
    api_for(ana).post("/comments", {"page_id": tree.page.pk, "body": text("first")})
    api_for(bob).post("/comments", {"page_id": tree.page.pk, "body": text("second")})
    assert kinds_of(ana) == ["comment"]


def test_editing_a_comment_notifies_only_newly_mentioned_people(tree, person, api_for):
    ana, bob = person("member"), person("member")
    made = api_for(tree.admin).post("/comments", {"page_id": tree.page.pk, "body": mention(ana)}).json()
    both = {"text": mention(ana)["text"] + mention(bob, " and ")["text"]}
    api_for(tree.admin).patch(f"/comments/{made['id']}", {"body": both})
    assert kinds_of(ana) == ["mention"] and kinds_of(bob) == ["mention"]


def test_ten_block_edits_mentioning_someone_within_a_minute_make_one_notice(tree, person):
    ana = person("member")
    block = blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"text": "x"}]})
    for n in range(10):
        # each edit drops and re-adds the mention, so each is a "new" mention for the blocks module
        blocks.update_block(tree.admin, block, content={"text": [{"text": f"v{n}"}]})
        blocks.update_block(tree.admin, block, content={"text": [{"text": "hey "}, {"mention": {"kind": "user", "id": ana.pk}, "text": "@ana"}]})
    notices = Notification.objects.filter(recipient=ana)
    assert notices.count() == 1 and notices.get().url == f"/web/pages/{tree.page.pk}#block-{block.id}"
    Notification.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    blocks.update_block(tree.admin, block, content={"text": [{"text": "gone"}]})
    blocks.update_block(tree.admin, block, content={"text": [{"mention": {"kind": "user", "id": ana.pk}, "text": "@ana"}]})
    assert Notification.objects.filter(recipient=ana).count() == 2


def test_resaving_a_block_that_already_mentions_someone_notifies_nobody_again(tree, person):
    ana = person("member")
    content = {"text": [{"mention": {"kind": "user", "id": ana.pk}, "text": "@ana"}]}
    block = blocks.create_block(tree.admin, tree.page, type="paragraph", content=content)
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    blocks.update_block(tree.admin, block, content={"text": content["text"] + [{"text": " more"}]})
    assert Notification.objects.filter(recipient=ana).count() == 1


def test_block_mention_of_someone_who_cannot_read_the_page_notifies_nobody(tree, person):
    outsider = person("outsider")
    blocks.create_block(tree.admin, tree.page, type="paragraph", content={"text": [{"mention": {"kind": "user", "id": outsider.pk}, "text": "@x"}]})
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_notice_is_written_in_the_events_transaction(tree, person):
    ana = person("member")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.create_comment(tree.admin, tree.page, mention(ana))
            raise RuntimeError("the request failed later")
    assert not Comment.objects.exists() and not Notification.objects.exists()


def test_review_request_notifies_approvers_with_the_page_and_the_decision_the_requester(tree, person):
    from ipai_platform_approvals import services as approvals

    ana = person("member")
    approvals.create_request(tree.admin, tree.page, title="Publish the handbook", approver_ids=[ana.pk])
    notice = Notification.objects.get(recipient=ana)
    assert notice.kind == "review_requested" and notice.target_id == str(tree.page.pk) and notice.url == f"/web/pages/{tree.page.pk}"
    assert "Handbook" in notice.title


def test_review_sent_back_for_changes_tells_the_requester(tree, person):
    from ipai_platform_approvals import services as approvals

    ana = person("member")
    request = approvals.create_request(tree.admin, tree.page, title="Publish the handbook", approver_ids=[ana.pk])
    approvals.decide(ana, request, "request_changes", "Fix the intro")
    notice = Notification.objects.get(recipient=tree.admin)
    assert notice.kind == "review_decided" and "sent back for changes" in notice.title


def test_workflow_transition_notifies_followers_who_can_read_the_page(tree, person, make_user):
    from ipai_platform_workflow import services as workflows

    root = make_user(admin=True)
    workflows.create_workflow(root, code="review", name="Review", res_model="ipai.workos.page", states=[
        {"code": "draft", "name": "Draft", "category": "todo", "is_initial": True},
        {"code": "review", "name": "In review", "category": "in_progress"},
    ], transitions=[{"from_state": "draft", "to_state": "review", "name": "Submit"}])
    ana, hidden = person("member"), person("member")
    services.set_following(ana, tree.page, True)
    services.set_following(hidden, tree.page, True)
    permissions.grant(tree.admin, tree.page, "none", user_id=hidden.pk)
    workflows.transition(ana, tree.page, "review")
    notice = Notification.objects.get(kind="workflow")
    assert notice.recipient_id == tree.admin.pk and "to In review" in notice.title  # the creator; not the mover
    assert not Notification.objects.filter(recipient=hidden).exists()


# --- the inbox -------------------------------------------------------------------------------------------------


def _fill_inbox(user, count: int):
    Notification.objects.bulk_create([Notification(recipient=user, kind="comment", title=f"n{n}", target_id=str(n)) for n in range(count)])


def test_inbox_pages_newest_first_with_cursors(tree, api_for):
    _fill_inbox(tree.admin, 7)
    api = api_for(tree.admin)
    first = api.get("/notifications", limit=3).json()
    assert [item["title"] for item in first["items"]] == ["n6", "n5", "n4"] and first["unread"] == 7
    second = api.get("/notifications", limit=3, cursor=first["next_cursor"]).json()
    third = api.get("/notifications", limit=3, cursor=second["next_cursor"]).json()
    assert [item["title"] for item in second["items"] + third["items"]] == ["n3", "n2", "n1", "n0"]
    assert third["next_cursor"] is None
    assert api.get("/notifications", cursor="not-ours").status_code == 422
    assert api.get("/notifications", limit=0).status_code == 422


def test_read_read_all_and_archive(tree, person, api_for):
    _fill_inbox(tree.admin, 3)
    ids = list(Notification.objects.filter(recipient=tree.admin).order_by("pk").values_list("pk", flat=True))
    api = api_for(tree.admin)
    assert api.post(f"/notifications/{ids[0]}/read").json()["read"] is True
    assert [item["id"] for item in api.get("/notifications", unread="true").json()["items"]] == [ids[2], ids[1]]
    archived = api.post(f"/notifications/{ids[1]}/archive").json()
    assert archived["archived"] and archived["read"]
    assert [item["id"] for item in api.get("/notifications").json()["items"]] == [ids[2], ids[0]]
    assert [item["id"] for item in api.get("/notifications", archived="true").json()["items"]] == [ids[1]]
    assert api.post("/notifications/read-all").json() == {"count": 1}
    assert api.get("/notifications", unread="true").json()["items"] == []
    # somebody else's notice is not there for you
    assert api_for(person("member")).post(f"/notifications/{ids[0]}/read").status_code == 404
    assert api.post("/notifications/99999/archive").status_code == 404


def test_inbox_page_is_one_query_for_the_items(tree, person):
    ana = person("member")
    for n in range(5):
        Notification.objects.create(recipient=tree.admin, kind="mention", title=f"n{n}", actor=ana)
    with CaptureQueriesContext(connection) as queries:
        page = services.inbox(tree.admin, "all", limit=50)
        [item.actor.username for item in page["items"]]
    item_queries = [q["sql"] for q in queries.captured_queries if "ipai_workos_notification" in q["sql"] and "COUNT" not in q["sql"].upper()]
    assert len(item_queries) == 1 and len(queries.captured_queries) == 2  # the page, and the unread count


def test_listing_threads_costs_the_same_queries_for_many_comments(tree, person, api_for):
    ana = person("member")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            services.threads_of(ana, tree.page)
        return len(queries.captured_queries)

    services.create_comment(tree.admin, tree.page, text("one"))
    few = count_queries()
    for n in range(6):
        root, _ = services.create_comment(ana, tree.page, text(f"root {n}"))
        services.create_comment(tree.admin, tree.page, text("reply"), parent_id=root.pk)
        services.react(ana, root.pk, "👍")
    assert count_queries() == few


def test_commenting_costs_the_same_queries_for_longer_threads(tree, person):
    ana = person("member")
    root, _ = services.create_comment(tree.admin, tree.page, text("root"))

    def reply_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            services.create_comment(ana, tree.page, text("reply"), parent_id=root.pk)
        return len(queries.captured_queries)

    reply_queries()
    first = reply_queries()
    for _ in range(5):
        services.create_comment(tree.admin, tree.page, text("more"), parent_id=root.pk)
    assert reply_queries() == first


# --- nobody is told about what they cannot read ----------------------------------------------------------------

LEVELS = st.sampled_from([None, "none", "view", "comment", "edit", "manage"])
ROLES = st.sampled_from(["member", "guest", "outsider"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(setups=st.lists(st.tuples(ROLES, LEVELS, st.booleans(), st.booleans()), min_size=1, max_size=5), on_subpage=st.booleans())
def test_no_notice_ever_reaches_someone_who_cannot_read_the_target(tree, make_user, setups, on_subpage):
    with transaction.atomic():
        page = tree.subpage if on_subpage else tree.page
        people = []
        for role, level, follows, commented in setups:
            user = make_user()
            if role != "outsider":
                core.add_member(tree.admin, tree.workspace, user.pk, role)
            if level is not None:
                permissions.grant(tree.admin, tree.page, level, user_id=user.pk)
            if follows and permissions.can(user, "read", page):
                services.set_following(user, page, True)
            if commented and permissions.can(user, "comment", page):
                services.create_comment(user, page, text("earlier"))
            people.append(user)
        body = {"text": [{"mention": {"kind": "user", "id": user.pk}, "text": "@x"} for user in people]}
        _comment, not_notified = services.create_comment(tree.admin, page, body)
        blocks.create_block(tree.admin, page, type="paragraph", content=body)
        for user in people:
            readable = permissions.can(user, "read", page)
            told = Notification.objects.filter(recipient=user).exists()
            assert not told or readable, (user, permissions.level_of(user, page))
            assert (user in not_notified) == (not readable)
            if readable:
                assert Notification.objects.filter(recipient=user, kind="mention").exists()
        transaction.set_rollback(True)


def test_sharing_a_page_tells_the_person_and_the_group_once_and_nobody_else(tree, person):
    from django.contrib.auth.models import Group

    guest, grouped = person("guest"), person("guest")
    team = Group.objects.create(name="reviewers")
    grouped.groups.add(team)
    permissions.grant(tree.admin, tree.page, "view", user_id=guest.pk)
    permissions.grant(tree.admin, tree.page, "comment", group_id=team.pk)
    notice = Notification.objects.get(recipient=guest)
    assert notice.kind == "shared" and notice.url == f"/web/pages/{tree.page.pk}" and "shared" in notice.title
    assert kinds_of(grouped) == ["shared"]
    permissions.grant(tree.admin, tree.page, "edit", user_id=guest.pk)  # more access: no second notice
    assert kinds_of(guest) == ["shared"]
    blocked = person("guest")
    permissions.grant(tree.admin, tree.page, "none", user_id=blocked.pk)
    assert kinds_of(blocked) == []


def test_a_person_added_to_a_rows_person_property_hears_about_it_if_they_can_read_the_row(tree, person):
    from ipai_workos_db import services as databases

    ana, outsider = person("member"), person("outsider")
    database = databases.create_database(tree.admin, space=tree.space, title="Tasks")
    databases.create_property(tree.admin, database, name="Assignee", type="person")
    row = databases.create_row(tree.admin, database, {"Name": "Write the launch post", "Assignee": [ana.pk]})
    notice = Notification.objects.get(recipient=ana)
    assert notice.kind == "assigned" and notice.url == f"/web/pages/{row.page_id}"
    assert "Assignee" in notice.title and "Write the launch post" in notice.title

    from workos.kernel.errors import InvalidInput

    with pytest.raises(InvalidInput):
        databases.update_row(tree.admin, row, {"Assignee": [ana.pk, outsider.pk]})  # not a member: refused
    databases.update_row(tree.admin, databases.get_row(tree.admin, row.pk), {"Assignee": [ana.pk]})
    assert kinds_of(ana) == ["assigned"]  # unchanged: no new notice
    assert kinds_of(outsider) == []
