"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_platform_approvals import services


def _request(w):
    return services.create_request(w.member, w.tree.page, title="Please", approver_ids=[w.approver.pk])


def _retired(w):
    """An approval that came when the record had moved on from where its transition starts."""
    from ipai_platform_workflow import services as workflows

    edge = workflows.add_transition(w.root, w.workflow, {"from_state": "done", "to_state": "draft", "requires_approval": True})
    workflows.transition(w.member, w.tree.page, "done")
    request = services.create_request(w.member, w.tree.page, title="Back", approver_ids=[w.approver.pk], transition_id=edge.pk)
    type(w.tree.page).objects.filter(pk=w.tree.page.pk).update(workflow_state="draft")  # moved on meanwhile
    return services.retire(w.approver, services.decide(w.approver, request, "approve"), "the record had moved on")


SCENARIOS = {
    "create_request": (lambda w: _request(w), "approval.request"),
    "decide": (lambda w: services.decide(w.approver, _request(w), "approve"), "approval.decide"),
    "withdraw": (lambda w: services.withdraw(w.member, _request(w)), "approval.withdraw"),
    "resubmit": (lambda w: services.resubmit(w.member, services.withdraw(w.member, _request(w))), "approval.resubmit"),
    "retire": (_retired, "approval.retire"),
}
