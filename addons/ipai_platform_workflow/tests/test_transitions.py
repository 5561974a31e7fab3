"""Moving pages through a workflow over /api/v1: legal moves happen and are audited, the rest is refused
with an error that says why."""

from __future__ import annotations

from ipai_platform_audit.models import AuditEvent

PATH = "/workflow-records/ipai.workos.page/{}"


def move(api, page, to_state, comment=""):
    return api.post(PATH.format(page.pk) + "/transition", {"to_state": to_state, "comment": comment})


def test_member_submits_a_page_for_review(tree, page_workflow, make_user, member_of, api_for):
    member = member_of(make_user(), "member")

    response = move(api_for(member), tree.page, "review", "ready")

    assert response.status_code == 200, response.content
    assert response.json()["state"]["code"] == "review"
    tree.page.refresh_from_db()
    assert (tree.page.workflow_state, tree.page.workflow_state_user_id) == ("review", member.pk)
    event = AuditEvent.objects.filter(action="workflow.transition").last()
    assert event.changes["workflow_state"] == {"before": "draft", "after": "review"} and event.changes["comment"] == "ready"
    assert event.target_id == str(tree.page.pk) and event.actor_id == member.pk


def test_illegal_transition_is_refused_naming_the_possible_ones(tree, page_workflow, api_for):
    response = move(api_for(tree.admin), tree.page, "published")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "illegal_transition" and "review, cancelled" in error["message"]
    tree.page.refresh_from_db()
    assert tree.page.workflow_state == ""


def test_unknown_state_is_invalid_input(tree, page_workflow, api_for):
    response = move(api_for(tree.admin), tree.page, "shipped")

    assert response.status_code == 422 and response.json()["error"]["field"] == "to_state"


def test_only_the_allowed_role_may_publish(tree, page_workflow, make_user, member_of, api_for):
    member = member_of(make_user(), "member")
    assert move(api_for(member), tree.page, "review").status_code == 200

    refused = move(api_for(member), tree.page, "published")
    accepted = move(api_for(tree.admin), tree.page, "published")

    assert refused.status_code == 403 and "admin" in refused.json()["error"]["message"]
    assert accepted.status_code == 200 and accepted.json()["state"]["category"] == "done"


def test_guard_refuses_an_untitled_page(tree, page_workflow, api_for):
    from ipai_workos_core import services as core

    untitled = core.create_page(tree.admin, space=tree.space, title="")

    response = move(api_for(tree.admin), untitled, "review")

    assert response.status_code == 409 and response.json()["error"]["code"] == "guard_refused"


def test_viewers_cannot_move_and_outsiders_cannot_see(tree, page_workflow, make_user, member_of, api_for):
    from ipai_platform_permissions import services as permissions

    viewer = member_of(make_user(), "member")
    permissions.grant(tree.admin, tree.page, "view", user_id=viewer.pk)

    assert move(api_for(viewer), tree.page, "review").status_code == 403
    assert move(api_for(make_user()), tree.page, "review").status_code == 404
    assert api_for(make_user()).get(PATH.format(tree.page.pk)).status_code == 404


def test_record_state_lists_only_the_transitions_you_can_take(tree, page_workflow, make_user, member_of, api_for):
    member = member_of(make_user(), "member")
    move(api_for(member), tree.page, "review")

    for_member = api_for(member).get(PATH.format(tree.page.pk)).json()
    for_admin = api_for(tree.admin).get(PATH.format(tree.page.pk)).json()

    assert for_member["workflow"] == "page_publishing" and for_member["state"]["code"] == "review"
    assert [t["to_state"] for t in for_member["transitions"]] == ["draft"]
    assert sorted(t["to_state"] for t in for_admin["transitions"]) == ["draft", "published"]


def test_transition_requiring_approval_is_refused_without_one(tree, page_workflow, make_user, api_for):
    from ipai_platform_workflow import services

    services.add_transition(make_user(admin=True), page_workflow, {"from_state": "draft", "to_state": "published", "requires_approval": True})

    response = move(api_for(tree.admin), tree.page, "published")

    assert response.status_code == 409 and response.json()["error"]["code"] == "approval_required"


def test_no_workflow_means_no_transition(tree, api_for):
    response = move(api_for(tree.admin), tree.page, "review")

    assert response.status_code == 409 and "no active workflow" in response.json()["error"]["message"]


def test_a_private_page_answers_like_a_missing_one(tree, page_workflow, make_user, member_of, api_for):
    from ipai_workos_core import services as core

    private_space = core.create_space(tree.admin, tree.workspace, "Board", visibility="private")
    private_page = core.create_page(tree.admin, space=private_space, title="Salaries")
    missing_id = private_page.pk + 1000
    api = api_for(member_of(make_user(), "member"))

    assert api_for(tree.admin).get(PATH.format(private_page.pk)).status_code == 200
    private_read, missing_read = api.get(PATH.format(private_page.pk)), api.get(PATH.format(missing_id))
    private_move, missing_move = move(api, private_page, "review"), api.post(PATH.format(missing_id) + "/transition", {"to_state": "review"})

    assert private_read.status_code == missing_read.status_code == 404
    assert private_read.json() == missing_read.json() == {"error": {"code": "not_found", "message": "no such record"}}
    assert private_move.status_code == missing_move.status_code == 404
    assert private_move.json() == missing_move.json()
