"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_affine import services


def _review(w):
    return services.request_review(w.member, w.tree.page, approver_ids=[w.approver.pk], note="Please")


def _published(w):
    return services.publish_page(w.tree.admin, w.tree.page, slug="handbook")


SCENARIOS = {
    "set_page_workflow": (lambda w: services.set_page_workflow(w.tree.admin, w.tree.workspace, True), "workflow.create"),
    # the audit world has its own active system workflow for pages
    "change_page_status": (lambda w: services.change_page_status(w.member, w.tree.page, "done"), "workflow.transition"),
    "request_review": (_review, "page.review_request"),
    "decide_review": (lambda w: services.decide_review(w.approver, _review(w), "approve", "fine"), "page.review_decide"),
    "withdraw_review": (lambda w: services.withdraw_review(w.member, _review(w)), "page.review_withdraw"),
    "rerequest_review": (lambda w: services.rerequest_review(w.member, services.withdraw_review(w.member, _review(w))), "page.review_rerequest"),
    "set_review_policy": (lambda w: services.set_review_policy(w.tree.admin, w.tree.workspace, True), "publishing.policy"),
    "publish_page": (_published, "page.publish"),
    "unpublish_page": (lambda w: (_published(w), services.unpublish_page(w.tree.admin, w.tree.page)), "page.unpublish"),
    "unpublish_as_operator": (lambda w: services.unpublish_as_operator(_published(w).pk), "page.unpublish"),
    "drop_pages": (lambda w: (_published(w), services.drop_pages([w.tree.page.pk])), "page.unpublish"),
}

