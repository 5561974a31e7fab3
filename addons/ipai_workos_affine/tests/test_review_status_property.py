"""The "Review status" database property (registered by this module into the databases module's property types):
read-only, its value is the row page's status in the page review workflow; shown, filtered, sorted and grouped
like a status, empty where the workspace has no page workflow, and never shown for a row the viewer cannot read."""

from __future__ import annotations

import json

from ipai_platform_permissions import services as permissions
from ipai_workos_db import services as databases
from ipai_workos_db.models import Row


def make_database(api, space, title, properties=()):
    answer = api.post("/databases", {"space_id": space.pk, "title": title, "properties": list(properties)})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    return body["id"], {prop["name"]: prop for prop in body["properties"]}


def add_status(api, database_id, name="Review status"):
    answer = api.post(f"/databases/{database_id}/properties", {"name": name, "type": "review_status"})
    assert answer.status_code == 201, answer.content
    return answer.json()


def add_row(api, database_id, title):
    answer = api.post(f"/databases/{database_id}/rows", {"values": {"Name": title}})
    assert answer.status_code == 201, answer.content
    return answer.json()


def rows(api, database_id, filter=None, sorts=None):
    answer = api.post(f"/databases/{database_id}/rows/query", {"filter": filter, "sorts": sorts or [], "limit": 100})
    return answer


def shown(api, database_id, prop_id, **query):
    answer = rows(api, database_id, **query)
    assert answer.status_code == 200, answer.content
    return [(item["title"], item["display"][str(prop_id)]) for item in answer.json()["items"]]


def move(api, row, to_state):
    answer = api.post(f"/pages/{row['page_id']}/status", {"to_state": to_state})
    assert answer.status_code == 200, answer.content


def test_review_status_shows_filters_sorts_and_groups_by_the_row_pages_status(with_workflow, api_for):
    team = with_workflow
    api = api_for(team.writer)
    database_id, _ = make_database(api, team.tree.space, "Docs")
    prop = add_status(api, database_id)
    assert [(o["id"], o["name"]) for o in prop["config"]["options"]] == [
        ("draft", "Draft"), ("review", "In review"), ("approved", "Approved"), ("published", "Published"), ("archived", "Archived")]
    assert prop["editable"] is False
    plan, spec, memo = (add_row(api, database_id, title) for title in ("Plan", "Spec", "Memo"))
    assert shown(api, database_id, prop["id"]) == [("Plan", "Draft"), ("Spec", "Draft"), ("Memo", "Draft")]

    move(api, spec, "review")
    move(api, memo, "review")
    request_id = api.post(f"/pages/{memo['page_id']}/review-requests", {"approver_ids": [team.ana.pk]}).json()["id"]
    assert api_for(team.ana).post(f"/review-requests/{request_id}/decisions", {"decision": "approve"}).json()["state"] == "approved"

    assert shown(api, database_id, prop["id"]) == [("Plan", "Draft"), ("Spec", "In review"), ("Memo", "Approved")]
    listed = rows(api, database_id).json()["items"]
    assert [item["values"][str(prop["id"])] for item in listed] == ["draft", "review", "approved"]
    # filters: by name or code; the initial state matches rows whose page never moved (an empty column)
    is_ = lambda value, operator="is": {"property": "Review status", "operator": operator, "value": value}  # noqa: E731
    assert shown(api, database_id, prop["id"], filter=is_("In review")) == [("Spec", "In review")]
    assert shown(api, database_id, prop["id"], filter=is_("draft")) == [("Plan", "Draft")]
    assert [t for t, _ in shown(api, database_id, prop["id"], filter=is_("Draft", "is_not"))] == ["Spec", "Memo"]
    assert shown(api, database_id, prop["id"], filter={"property": "Review status", "operator": "is_empty"}) == []
    assert rows(api, database_id, filter=is_("Nowhere")).status_code == 422
    # sorts follow the workflow's order of states
    descending = shown(api, database_id, prop["id"], sorts=[{"property": "Review status", "direction": "descending"}])
    assert [t for t, _ in descending] == ["Memo", "Spec", "Plan"]
    # read-only: a row cannot be given a status through the database
    refused = api.patch(f"/rows/{plan['id']}", {"values": {"Review status": "approved"}})
    assert refused.status_code == 422
    # a board grouped by it: one column per state
    view = api.post(f"/databases/{database_id}/views", {"name": "Board", "type": "kanban", "config": {"group_by": {"property": prop["id"]}}})
    assert view.status_code == 201, view.content
    board = api.get(f"/views/{view.json()['id']}/rows").json()
    counts = {group["label"]: group["count"] for group in board["groups"]}
    assert counts == {"Draft": 1, "In review": 1, "Approved": 1, "Published": 0, "Archived": 0, "No Review status": 0}
    column = api.get(f"/views/{view.json()['id']}/rows", group="review").json()
    assert [item["title"] for item in column["items"]] == ["Spec"]
    # formulas read the state's name
    formula = api.post(f"/databases/{database_id}/properties", {"name": "Label", "type": "formula",
                                                                "config": {"expression": 'prop("Review status") + "!"'}}).json()
    assert shown(api, database_id, formula["id"])[1] == ("Spec", "In review!")


def test_review_status_is_empty_where_the_workspace_has_no_page_workflow(team, api_for):
    api = api_for(team.admin)
    database_id, _ = make_database(api, team.tree.space, "Docs")
    prop = add_status(api, database_id)
    add_row(api, database_id, "Plan")
    assert prop["config"]["options"] == []
    assert shown(api, database_id, prop["id"]) == [("Plan", "")]
    assert len(shown(api, database_id, prop["id"], filter={"property": "Review status", "operator": "is_empty"})) == 1
    assert rows(api, database_id, filter={"property": "Review status", "operator": "is", "value": "Draft"}).status_code == 422

    api.patch(f"/workspaces/{team.tree.workspace.pk}/publishing", {"page_workflow": True})

    assert shown(api, database_id, prop["id"]) == [("Plan", "Draft")]


def test_a_row_the_viewer_cannot_read_never_shows_its_status(with_workflow, api_for):
    team = with_workflow
    admin, viewer = api_for(team.admin), api_for(team.writer)
    secret_id, _ = make_database(admin, team.tree.space, "Secret")
    status = add_status(admin, secret_id)
    hidden, granted_away = add_row(admin, secret_id, "Hidden"), add_row(admin, secret_id, "Also hidden")
    move(admin, hidden, "review")
    move(admin, granted_away, "review")
    open_id, _ = make_database(admin, team.tree.space, "Open")
    relation = admin.post(f"/databases/{open_id}/properties", {"name": "Source", "type": "relation", "config": {"database_id": secret_id}}).json()
    rollup = admin.post(f"/databases/{open_id}/properties", {"name": "Statuses", "type": "rollup", "config": {
        "relation_property_id": relation["id"], "function": "count_values", "target_property_id": status["id"]}}).json()
    row = add_row(admin, open_id, "Link")
    assert admin.patch(f"/rows/{row['id']}", {"values": {"Source": [hidden["id"]]}}).status_code == 200
    assert shown(admin, open_id, rollup["id"]) == [("Link", "1")]
    # a row page closed to the viewer by a grant of its own, in a database they can read
    permissions.grant(team.admin, Row.objects.get(pk=granted_away["id"]).page, "none", user_id=team.writer.pk)
    assert [t for t, _ in shown(viewer, secret_id, status["id"])] == ["Hidden"]
    assert viewer.get(f"/pages/{granted_away['page_id']}/status").status_code == 404
    assert viewer.get(f"/rows/{granted_away['id']}").status_code == 404
    assert rows(viewer, secret_id, filter={"property": "Review status", "operator": "is", "value": "review"}).json()["count"] == 1
    board = admin.post(f"/databases/{secret_id}/views", {"name": "Board", "type": "kanban", "config": {"group_by": {"property": status["id"]}}}).json()
    columns = {group["label"]: group["count"] for group in viewer.get(f"/views/{board['id']}/rows").json()["groups"]}
    assert columns["In review"] == 1
    assert {group["label"]: group["count"] for group in admin.get(f"/views/{board['id']}/rows").json()["groups"]}["In review"] == 2

    databases.set_database_restricted(team.admin, databases.get_database(team.admin, secret_id), True)

    assert rows(viewer, secret_id).status_code == 404
    assert rows(viewer, secret_id, filter={"property": "Review status", "operator": "is", "value": "review"}).status_code == 404
    assert viewer.get(f"/pages/{hidden['page_id']}/status").status_code == 404
    item = rows(viewer, open_id).json()["items"][0]
    assert item["display"][str(relation["id"])] == "No access"
    assert item["display"][str(rollup["id"])] == "0"
    assert shown(admin, open_id, rollup["id"]) == [("Link", "1")]


def test_the_database_page_offers_the_review_status_among_the_registered_property_types(with_workflow, api_for):
    from django.test import Client

    team = with_workflow
    database_id, _ = make_database(api_for(team.writer), team.tree.space, "Docs")
    browser = Client()
    browser.force_login(team.writer)

    page = browser.get(f"/web/databases/{database_id}")

    assert page.status_code == 200
    embedded = page.content.decode().split('id="workos-database-data" type="application/json">')[1].split("</script>")[0]
    types = {item["type"]: item["label"] for item in json.loads(embedded)["property_types"]}
    assert types["review_status"] == "Review status" and "select" in types


def test_a_database_still_reads_when_the_module_of_a_property_type_is_gone(with_workflow, api_for, monkeypatch):
    """Uninstalling this module leaves "Review status" properties behind: the databases that hold one keep working
    (the property reads empty and refuses values with a clear error) instead of failing on an unknown type."""
    from ipai_workos_db.properties import PROPERTY_TYPES

    team = with_workflow
    api = api_for(team.writer)
    database_id, _ = make_database(api, team.tree.space, "Docs")
    prop = add_status(api, database_id)
    plan = add_row(api, database_id, "Plan")
    monkeypatch.delitem(PROPERTY_TYPES._entries, "review_status")  # what a start without the module registers

    read = api.get(f"/databases/{database_id}")
    assert read.status_code == 200, read.content
    listed = {item["id"]: item for item in read.json()["properties"]}[prop["id"]]
    assert (listed["type"], listed["editable"]) == ("review_status", False)
    assert shown(api, database_id, prop["id"]) == [("Plan", "")]
    assert api.get(f"/rows/{plan['id']}").status_code == 200
    assert api.get(f"/databases/{database_id}/export.csv").status_code == 200
    refused = api.patch(f"/rows/{plan['id']}", {"values": {"Review status": "approved"}})
    assert refused.status_code == 422
    assert "not installed" in refused.json()["error"]["message"]
    assert api.post(f"/databases/{database_id}/properties", {"name": "Again", "type": "review_status"}).status_code == 422
