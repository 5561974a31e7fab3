"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_platform_approvals import services


def _request(w):
    return services.create_request(w.member, w.tree.page, title="Please", approver_ids=[w.approver.pk])


SCENARIOS = {
    "create_request": (lambda w: _request(w), "approval.request"),
    "decide": (lambda w: services.decide(w.approver, _request(w), "approve"), "approval.decide"),
    "withdraw": (lambda w: services.withdraw(w.member, _request(w)), "approval.withdraw"),
    "resubmit": (lambda w: services.resubmit(w.member, services.withdraw(w.member, _request(w))), "approval.resubmit"),
}
