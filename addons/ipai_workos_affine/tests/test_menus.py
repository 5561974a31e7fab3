"""Every menu entry the shell shows someone opens for them: no link a user can see answers 403, 404 or 500."""

from __future__ import annotations

from workos.web.menus import menu_tree

REFUSED = (403, 404, 500)


def links(nodes, trail=()):
    for node in nodes:
        path = (*trail, node.name)
        if node.url:
            yield " > ".join(path), node.url
        yield from links(node.children, path)


def refused_links(client, user) -> dict:
    client.force_login(user)
    shown = dict(links(menu_tree(user)))
    assert shown, "the shell shows this user no menu at all"
    answers = {name: client.get(url, follow=True).status_code for name, url in shown.items()}
    return {name: status for name, status in answers.items() if status in REFUSED}


def test_every_menu_a_member_sees_opens(tree, make_user, member_of, client):
    member = member_of(make_user(), "member")

    assert refused_links(client, member) == {}


def test_every_menu_an_administrator_sees_opens(tree, make_user, client):
    assert refused_links(client, make_user(admin=True)) == {}


def test_members_do_not_see_the_administrators_menus(tree, make_user, member_of):
    member_menus = dict(links(menu_tree(member_of(make_user(), "member"))))
    admin_menus = dict(links(menu_tree(make_user(admin=True))))

    assert set(member_menus) < set(admin_menus)
    assert "Audit log" in admin_menus and "Audit log" not in member_menus
