"""Favourites per user (add, remove, reorder) and recently visited pages: personal, ordered, and never showing
a page the user can no longer see or that is in the trash."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services
from ipai_workos_core.models import Favorite


def titles(answer) -> list[str]:
    return [item["page"]["title"] for item in answer.json()]


def test_favorites_add_reorder_remove(tree, people, api_for):
    client = api_for(people.editor)
    other = services.create_page(tree.admin, space=tree.space, title="Other")

    assert client.post("/favorites", {"page_id": tree.page.pk}).status_code == 201
    assert client.post("/favorites", {"page_id": other.pk}).status_code == 201
    assert client.post("/favorites", {"page_id": other.pk}).status_code == 200  # already there: nothing changes
    assert titles(client.get("/favorites")) == ["Handbook", "Other"]

    assert client.post(f"/favorites/{other.pk}/move", {"after_id": None}).status_code == 200
    assert titles(client.get("/favorites")) == ["Other", "Handbook"]
    assert client.post(f"/favorites/{other.pk}/move", {"after_id": tree.page.pk}).status_code == 200
    assert titles(client.get("/favorites")) == ["Handbook", "Other"]
    assert client.post(f"/favorites/{other.pk}/move", {"after_id": tree.subpage.pk}).status_code == 422

    assert client.delete(f"/favorites/{tree.page.pk}").status_code == 204
    assert titles(client.get("/favorites")) == ["Other"]
    assert client.delete(f"/favorites/{tree.page.pk}").status_code == 404
    assert titles(api_for(tree.admin).get("/favorites")) == []  # per user


def test_favorites_hide_trashed_and_hidden_pages(tree, people, hidden, api_for):
    page, _below = hidden
    services.add_favorite(tree.admin, page)
    services.add_favorite(tree.admin, tree.subpage)
    permissions.grant(tree.admin, page, "edit", user_id=people.editor.pk)
    services.add_favorite(people.editor, page)

    permissions.grant(tree.admin, page, "none", user_id=people.editor.pk)  # access taken away again
    assert titles(api_for(people.editor).get("/favorites")) == []
    services.archive_page(tree.admin, tree.subpage)
    assert titles(api_for(tree.admin).get("/favorites")) == ["Salaries"]
    assert Favorite.objects.filter(user=people.editor).count() == 1  # kept: it shows again if access comes back


def test_viewer_may_favorite_what_they_can_see_but_not_hidden_pages(tree, people, hidden, api_for):
    page, _below = hidden
    assert api_for(people.viewer).post("/favorites", {"page_id": tree.subpage.pk}).status_code == 201
    missing = api_for(people.editor).post("/favorites", {"page_id": page.pk})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "page_id"


def test_recent_pages_newest_first_and_filtered(tree, people, hidden, api_for):
    page, _below = hidden
    client = api_for(people.editor)
    other = services.create_page(tree.admin, space=tree.space, title="Other")

    for target in (tree.page, other, tree.subpage, other):
        assert client.post(f"/pages/{target.pk}/visit").status_code == 200
    assert client.post(f"/pages/{page.pk}/visit").status_code == 404

    assert titles(client.get("/pages/recent")) == ["Other", "Onboarding", "Handbook"]
    assert titles(client.get("/pages/recent", limit=1)) == ["Other"]
    assert client.get("/pages/recent", limit=0).status_code == 422

    services.archive_page(tree.admin, other)
    permissions.grant(tree.admin, tree.subpage, "none", user_id=people.editor.pk)
    assert titles(client.get("/pages/recent")) == ["Handbook"]
    assert titles(api_for(tree.admin).get("/pages/recent")) == []


def test_recent_keeps_a_bounded_list(tree, monkeypatch):
    monkeypatch.setattr(services.recent, "RECENT_KEPT", 3)  # where record_visit reads it
    pages = [services.create_page(tree.admin, space=tree.space, title=f"P{n}") for n in range(5)]
    for page in pages:
        services.record_visit(tree.admin, page)

    assert [page.title for page, _ in services.recent_pages(tree.admin, 3)] == ["P4", "P3", "P2"]
    from ipai_workos_core.models import PageVisit

    assert PageVisit.objects.filter(user=tree.admin).count() == 3
