"""Defining workflows: administrators only, validated, one active workflow per model, audited."""

from __future__ import annotations

import copy

from ipai_platform_audit.models import AuditEvent

from .conftest import PAGE_WORKFLOW


def test_only_administrators_define_workflows(make_user, api_for):
    assert api_for(make_user()).post("/workflows", PAGE_WORKFLOW).status_code == 403
    created = api_for(make_user(admin=True)).post("/workflows", PAGE_WORKFLOW)

    assert created.status_code == 201
    assert [s["code"] for s in created.json()["states"]] == ["draft", "review", "published", "cancelled"]
    assert AuditEvent.objects.filter(action="workflow.create", target_id=str(created.json()["id"])).exists()


def test_definitions_are_validated(make_user, api_for):
    api = api_for(make_user(admin=True))

    def attempt(**changes):
        body = copy.deepcopy(PAGE_WORKFLOW)
        body.update(changes)
        return api.post("/workflows", body)

    assert attempt(res_model="ipai.nothing").status_code == 422
    assert attempt(res_model="ipai.workos.space").status_code == 422  # no workflow mixin
    assert attempt(states=[{"code": "a", "name": "A"}]).status_code == 422  # no initial state
    assert attempt(code="Bad Code").status_code == 422
    assert attempt(transitions=[{"from_state": "draft", "to_state": "nowhere"}]).json()["error"]["field"] == "transitions.0.to_state"
    assert attempt(transitions=[{"from_state": "draft", "to_state": "review", "guard": "no_such_guard"}]).status_code == 422
    assert attempt(states=[{"code": "a", "name": "A", "category": "someday", "is_initial": True}]).status_code == 422
    assert attempt().status_code == 201
    assert attempt(code="second").status_code == 409  # one active workflow per model
    assert attempt(code="second", active=False).status_code == 201


def test_workflow_admin_round_trip(page_workflow, make_user, api_for):
    api = api_for(make_user(admin=True))

    renamed = api.patch(f"/workflows/{page_workflow.pk}", {"name": "Publishing", "active": False})
    added = api.post(f"/workflows/{page_workflow.pk}/transitions", {"from_state": "cancelled", "to_state": "draft", "name": "Reopen"})
    duplicate = api.post(f"/workflows/{page_workflow.pk}/transitions", {"from_state": "cancelled", "to_state": "draft"})
    removed = api.delete(f"/workflows/{page_workflow.pk}/transitions/{added.json()['id']}")
    deleted = api.delete(f"/workflows/{page_workflow.pk}")

    assert renamed.json()["name"] == "Publishing" and renamed.json()["active"] is False
    assert added.status_code == 201 and duplicate.status_code == 409
    assert removed.status_code == 204 and deleted.status_code == 204
    assert api.get(f"/workflows/{page_workflow.pk}").status_code == 404


def test_workflows_page(page_workflow, make_user, client):
    client.force_login(make_user(admin=True))

    page = client.get("/web/workflows/")
    toggled = client.post("/web/workflows/", {"workflow_id": page_workflow.pk, "active": "0"})

    assert page.status_code == 200 and b"Page publishing" in page.content and b"page_has_title" in page.content
    assert toggled.status_code == 302
    page_workflow.refresh_from_db()
    assert page_workflow.active is False


def test_a_workspace_workflow_exists_only_for_its_members_and_its_records(tree, page_workflow, make_user, member_of, api_for):
    from ipai_workos_core import services as core

    outsider = make_user()
    globex = core.create_workspace(outsider, "Globex")
    globex_page = core.create_page(outsider, space=core.create_space(outsider, globex, "Sales"), title="Leads")
    member = member_of(make_user(), "member")
    owned = api_for(make_user(admin=True)).post("/workflows", {
        **copy.deepcopy(PAGE_WORKFLOW), "code": "acme_review", "name": "Acme review", "owner_model": "ipai.workos.workspace",
        "owner_id": str(tree.workspace.pk),
    })
    assert owned.status_code == 201, owned.content  # beside the active system one: each workspace has its own
    owned_id, missing_id = owned.json()["id"], owned.json()["id"] + 1000

    def codes(user):
        return {w["code"] for w in api_for(user).get("/workflows").json()}

    # page_review: the inactive system workflow ipai_workos_affine ships for workspaces to copy
    assert codes(member) == {"page_publishing", "acme_review", "page_review"}
    assert codes(outsider) == {"page_publishing", "page_review"}
    assert api_for(member).get(f"/workflows/{owned_id}").status_code == 200
    assert api_for(outsider).get(f"/workflows/{owned_id}").status_code == 404
    assert api_for(outsider).get(f"/workflows/{owned_id}").json() == api_for(outsider).get(f"/workflows/{missing_id}").json()
    assert api_for(outsider).get(f"/workflows/{page_workflow.pk}").status_code == 200

    acme_state = api_for(member).get(f"/workflow-records/ipai.workos.page/{tree.page.pk}").json()
    globex_state = api_for(outsider).get(f"/workflow-records/ipai.workos.page/{globex_page.pk}").json()
    assert (acme_state["workflow"], globex_state["workflow"]) == ("acme_review", "page_publishing")


def test_workspace_admins_define_their_workspaces_own_workflows_only(tree, make_user, member_of, api_for):
    member = member_of(make_user(), "member")
    owned = {**PAGE_WORKFLOW, "owner_model": "ipai.workos.workspace", "owner_id": str(tree.workspace.pk)}

    assert api_for(member).post("/workflows", owned).status_code == 403
    assert api_for(tree.admin).post("/workflows", PAGE_WORKFLOW).status_code == 403  # a system one: operators only
    created = api_for(tree.admin).post("/workflows", owned)
    assert created.status_code == 201, created.content
    assert api_for(member).patch(f"/workflows/{created.json()['id']}", {"active": False}).status_code == 403
    assert api_for(tree.admin).patch(f"/workflows/{created.json()['id']}", {"active": False}).json()["active"] is False
