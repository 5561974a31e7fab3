"""A view's search box: ``GET /views/{id}/rows?q=`` finds rows by full text (title, text-like values, the row's
page body) through the search index, inside the view's own filter and sorts, permission-filtered."""

from __future__ import annotations

from ipai_platform_permissions import services as permissions
from ipai_workos_blocks import services as blocks
from ipai_workos_core.models import Page

from .conftest import add_rows, titles


def test_the_search_box_finds_rows_by_any_text_like_value_within_the_views_filter(board, people, api_for):
    api = api_for(people.editor)
    rows = add_rows(api, board, [
        {"Name": "Fix login", "Notes": "crash on café wifi", "Tag": "bug", "Points": 3},
        {"Name": "Cafe menu", "Tag": "feature", "Points": 5},
        {"Name": "Billing", "Notes": "invoices", "Tag": "bug", "Points": 8},
        {"Name": "Logout", "Tag": "chore", "Points": 1},
    ])
    blocks.create_block(people.editor, Page.objects.get(pk=rows[2]["page_id"]), type="paragraph",
                        content={"text": [{"text": "the cafe terminal prints them"}]})
    view = api.post(f"/databases/{board.id}/views", {"name": "All", "config": {"sorts": [{"property": "Points", "direction": "ascending"}]}}).json()
    bugs = api.post(f"/databases/{board.id}/views", {"name": "Bugs", "config": {
        "filter": {"and": [{"property": "Tag", "operator": "is", "value": "bug"}]}}}).json()

    found = api.get(f"/views/{view['id']}/rows", q="cafe")  # a text value, a title, a page body; accents folded
    assert titles(found) == ["Fix login", "Cafe menu", "Billing"] and found.json()["count"] == 3
    assert titles(api.get(f"/views/{bugs['id']}/rows", q="cafe")) == ["Fix login", "Billing"]
    assert titles(api.get(f"/views/{view['id']}/rows", q="feat")) == ["Cafe menu"]  # select option, prefix
    assert titles(api.get(f"/views/{view['id']}/rows", q="cafe -invoices")) == ["Fix login", "Cafe menu"]
    assert titles(api.get(f"/views/{view['id']}/rows", q='"cafe menu"')) == ["Cafe menu"]
    assert titles(api.get(f"/views/{view['id']}/rows", q="nothinglikethis")) == []
    footer = api.get(f"/views/{view['id']}/rows", q="log").json()  # Fix login, Logout
    assert footer["count"] == 2


def test_the_search_box_is_permission_filtered_and_refuses_bad_input(tree, board, people, api_for):
    api = api_for(people.editor)
    rows = add_rows(api, board, [{"Name": "Open plan", "Notes": "otter"}, {"Name": "Secret plan", "Notes": "otter"}])
    view = api.post(f"/databases/{board.id}/views", {"name": "All"}).json()
    permissions.grant(tree.admin, Page.objects.get(pk=rows[1]["page_id"]), "none", user_id=people.viewer.pk)
    assert titles(api_for(people.viewer).get(f"/views/{view['id']}/rows", q="otter")) == ["Open plan"]
    assert titles(api.get(f"/views/{view['id']}/rows", q="otter")) == ["Open plan", "Secret plan"]
    assert api_for(people.outsider).get(f"/views/{view['id']}/rows", q="otter").status_code == 404
    unbalanced = api.get(f"/views/{view['id']}/rows", q='"otter')
    assert unbalanced.status_code == 400 and unbalanced.json()["error"]["field"] == "q"
    assert api.get(f"/views/{view['id']}/rows", q="x" * 1001).status_code == 400
