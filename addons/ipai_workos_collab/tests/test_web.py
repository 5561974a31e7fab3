"""The inbox page and the comments panel under a page, server side: what they show and what their forms do."""

from __future__ import annotations

from ipai_workos_collab import services
from ipai_workos_collab.models import Notification
from workos.web.menus import menu_tree

from .conftest import mention, text


def test_inbox_lists_unread_items_and_opening_one_marks_it_read_and_lands_on_the_comment(tree, person, client):
    ana = person("member")
    comment, _ = services.create_comment(tree.admin, tree.page, mention(ana))
    client.force_login(ana)
    page = client.get("/web/inbox")
    assert page.status_code == 200
    html = page.content.decode()
    assert "mentioned you in a comment on Handbook" in html and 'aria-label="1 unread"' in html
    notice = Notification.objects.get(recipient=ana)
    opened = client.post("/web/inbox", {"action": "open", "notification_id": notice.pk})
    assert opened.status_code == 303 and opened["Location"] == f"/web/pages/{tree.page.pk}#comment-{comment.pk}"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert "You are all caught up." in client.get("/web/inbox").content.decode()
    assert "mentioned you" in client.get("/web/inbox?box=all").content.decode()


def test_inbox_archive_and_mark_all_read(tree, person, client):
    ana = person("member")
    services.create_comment(tree.admin, tree.page, mention(ana))
    services.create_comment(tree.admin, tree.subpage, mention(ana))
    first, second = Notification.objects.filter(recipient=ana).order_by("pk")
    client.force_login(ana)
    assert client.post("/web/inbox?box=all", {"action": "archive", "notification_id": first.pk}).status_code == 303
    assert client.post("/web/inbox", {"action": "read-all"}).status_code == 303
    first.refresh_from_db(), second.refresh_from_db()
    assert first.archived_at and second.read_at and not second.archived_at
    archived = client.get("/web/inbox?box=archived").content.decode()
    assert "Move to inbox" in archived and archived.count("collab-item") - archived.count("collab-items") == 1


def test_someone_elses_notice_cannot_be_opened(tree, person, client):
    ana, bob = person("member"), person("member")
    services.create_comment(tree.admin, tree.page, mention(ana))
    client.force_login(bob)
    answer = client.post("/web/inbox", {"action": "open", "notification_id": Notification.objects.get(recipient=ana).pk})
    assert answer.status_code == 422 and Notification.objects.get(recipient=ana).read_at is None


def test_inbox_never_redirects_off_site(tree, person, client):
    ana = person("member")
    notice = Notification.objects.create(recipient=ana, kind="mention", title="x", url="//evil.example/")
    client.force_login(ana)
    assert client.post("/web/inbox", {"action": "open", "notification_id": notice.pk})["Location"] == "/web/inbox"


def test_every_member_sees_the_inbox_menu(tree, person):
    def names(nodes):
        for node in nodes:
            yield node.name
            yield from names(node.children)

    assert "Inbox" in set(names(menu_tree(person("member"))))
    assert "Inbox" in set(names(menu_tree(person("guest"))))


def test_page_shows_the_comments_panel_to_readers_with_the_form_only_for_commenters(tree, person, client):
    services.create_comment(tree.admin, tree.page, text("hello"))
    viewer, commenter = person("guest", "view"), person("guest", "comment")
    client.force_login(viewer)
    html = client.get(f"/web/pages/{tree.page.pk}").content.decode()
    assert "data-collab-comments" in html and 'data-can-comment="false"' in html and "data-collab-new" not in html
    client.force_login(commenter)
    html = client.get(f"/web/pages/{tree.page.pk}").content.decode()
    assert 'data-can-comment="true"' in html and "data-collab-new" in html
    assert "onclick" not in html.split("data-collab-comments")[1]
