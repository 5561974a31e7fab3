"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_platform_workflow import services

SCENARIOS = {
    "create_workflow": (lambda w: services.create_workflow(w.root, code="other", name="Other", res_model="ipai.workos.page", active=False,
                                                           states=[{"code": "a", "name": "A", "is_initial": True}]), "workflow.create"),
    "update_workflow": (lambda w: services.update_workflow(w.root, w.workflow, name="Renamed"), "workflow.update"),
    "delete_workflow": (lambda w: services.delete_workflow(w.root, w.workflow), "workflow.delete"),
    "add_transition": (lambda w: services.add_transition(w.root, w.workflow, {"from_state": "done", "to_state": "draft"}), "workflow.transition_add"),
    "remove_transition": (lambda w: services.remove_transition(w.root, w.workflow, w.workflow.transitions.get().pk), "workflow.transition_remove"),
    "transition": (lambda w: services.transition(w.member, w.tree.page, "done"), "workflow.transition"),
}
