"""The server-rendered parts: the gallery (categories, search, preview, apply form), the panel on empty pages,
the sidebar entry and the menu that opens the gallery."""

from __future__ import annotations

from django.test import Client

from .conftest import system


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_gallery_lists_categories_searches_and_previews(tree, people):
    client = _client(people.editor)
    answer = client.get("/web/templates")
    html = answer.content.decode()
    assert answer.status_code == 200 and "Project tracker" in html and "Meetings" in html and "sidebar-templates" in html
    assert "Product roadmap" not in client.get("/web/templates", {"q": "meeting"}).content.decode()
    preview = client.get("/web/templates", {"preview": system("Simple CRM").pk}).content.decode()
    assert "Acme Corp" in preview and "Companies" in preview and "Use this template" in preview
    assert "<script>" not in preview.replace('<script type="module"', "")  # no inline script: islands only
    assert client.get("/web/templates", {"preview": 999999}).status_code == 404


def test_gallery_apply_form_makes_the_template_and_opens_it(tree, people):
    client = _client(people.editor)
    answer = client.post(f"/web/templates/{system('Task list').pk}/apply", {"space_id": tree.space.pk})
    assert answer.status_code == 303 and answer["Location"].startswith("/web/databases/")
    refused = _client(people.viewer).post(f"/web/templates/{system('Task list').pk}/apply", {"space_id": tree.space.pk})
    assert refused.status_code == 303 and "error=" in refused["Location"]


def test_empty_pages_offer_templates_and_pages_with_content_do_not(tree, people):
    from ipai_workos_core import services as core

    client = _client(people.editor)
    empty = core.create_page(people.editor, space=tree.space, title="")
    html = client.get(f"/web/pages/{empty.pk}").content.decode()
    assert "Start from a template" in html and f'name="page_id" value="{empty.pk}"' in html
    assert "Start from a template" not in client.get(f"/web/pages/{tree.page.pk}").content.decode()  # it has a sub-page
    assert "Start from a template" not in _client(people.viewer).get(f"/web/pages/{empty.pk}").content.decode()
    filled = client.post(f"/web/templates/{system('Meeting notes').pk}/apply", {"page_id": empty.pk})
    assert filled.status_code == 303 and filled["Location"] == f"/web/pages/{empty.pk}"
    again = client.post(f"/web/templates/{system('Meeting notes').pk}/apply", {"page_id": empty.pk})
    assert again.status_code == 303 and "empty+page" in again["Location"]


def test_the_templates_menu_opens_the_gallery(people):
    from workos.web.menus import menu_tree

    def paths(items):
        for item in items:
            yield item.url or ""
            yield from paths(item.children)

    assert "/web/templates" in set(paths(menu_tree(people.editor)))
