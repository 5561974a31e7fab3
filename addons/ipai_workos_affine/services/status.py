"""Page status: a workspace switches on the page review workflow (its own copy of the shipped one), and its pages
then show a status (Draft, In review, Approved, Published, Archived) that moves along the workflow's transitions,
checked by the workflow module (who may, guards, approval)."""

from __future__ import annotations

from django.db import transaction

from ipai_platform_permissions import services as permissions
from ipai_platform_workflow import services as workflows
from ipai_platform_workflow.models import Workflow
from ipai_workos_core.models import Page, Workspace
from workos.kernel.errors import Conflict, InvalidInput, NotFound

from ._common import PAGE_MODEL, not_in_trash

TEMPLATE_CODE = "page_review"
WORKSPACE_MODEL = "ipai.workos.workspace"


def _template() -> Workflow:
    template = Workflow.objects.filter(code=TEMPLATE_CODE, owner_model="").prefetch_related("states", "transitions").first()
    if template is None:
        raise NotFound("the page review workflow is not installed (module ipai_workos_affine's data)")
    return template


def _owned(workspace: Workspace):
    return Workflow.objects.filter(res_model=PAGE_MODEL, owner_model=WORKSPACE_MODEL, owner_id=str(workspace.pk))


def page_workflow_of(workspace: Workspace) -> Workflow | None:
    """The workspace's active page workflow, if it switched one on."""
    return _owned(workspace).filter(active=True).first()


def page_workflow_for(workspace_id) -> Workflow | None:
    """The workflow the pages of a workspace follow, as ``workflows.workflow_for(page)`` finds it (the workspace's
    own, else an active system one), with its states — for reading many pages' status at once (database rows)."""
    active = Workflow.objects.filter(res_model=PAGE_MODEL, active=True).prefetch_related("states")
    return active.filter(owner_model=WORKSPACE_MODEL, owner_id=str(workspace_id)).first() or active.filter(owner_model="").first()


@transaction.atomic
def set_page_workflow(actor, workspace: Workspace, enabled: bool) -> Workflow | None:
    """Switch the page review workflow on or off for ``workspace`` (its administrators). On: the workspace gets its
    own copy of the shipped workflow (or its earlier copy back); off: the copy is deactivated, pages keep their
    state for when it comes back. Audited by the workflow module (``workflow.create`` / ``workflow.update``)."""
    permissions.require(actor, "manage", workspace)
    if not isinstance(enabled, bool):
        raise InvalidInput("enabled is true or false", field="enabled")
    active = page_workflow_of(workspace)
    if not enabled:
        if active is not None:
            workflows.update_workflow(actor, active, active=False)
        return None
    if active is not None:
        return active
    earlier = _owned(workspace).filter(code=f"{TEMPLATE_CODE}_{workspace.pk}").first()
    if earlier is not None:
        return workflows.update_workflow(actor, earlier, active=True)
    template = _template()
    states = [{"code": s.code, "name": s.name, "category": s.category, "sequence": s.sequence, "is_initial": s.is_initial}
              for s in template.states.all()]
    transitions = [{"from_state": t.from_state.code, "to_state": t.to_state.code, "name": t.name, "allowed_roles": t.allowed_roles,
                    "guard": t.guard, "requires_approval": t.requires_approval}
                   for t in template.transitions.select_related("from_state", "to_state")]
    return workflows.create_workflow(actor, code=f"{TEMPLATE_CODE}_{workspace.pk}", name=template.name, res_model=PAGE_MODEL,
                                     states=states, transitions=transitions, owner_model=WORKSPACE_MODEL, owner_id=str(workspace.pk))


def page_status(user, page: Page) -> dict:
    """The page's status and the moves ``user`` may make from it (``enabled`` false: its workspace has none)."""
    permissions.require(user, "read", page)
    workflow = workflows.workflow_for(page)
    if workflow is None:
        return {"enabled": False, "state": None, "transitions": [], "workflow": None}
    state = workflows.current_state(page, workflow)
    moves = workflows.available_transitions(user, page) if page.archived_at is None and user is not None and user.is_authenticated else []
    return {
        "enabled": True, "workflow": workflow.code,
        "state": {"code": state.code, "name": state.name, "category": state.category} if state else None,
        "transitions": [{"id": t.pk, "name": t.name, "to_state": t.to_state.code, "to_name": t.to_state.name,
                         "requires_approval": t.requires_approval} for t in moves],
        "changed_at": page.workflow_state_date,
        "changed_by": (page.workflow_state_user.get_username() if page.workflow_state_user_id else None),
    }


@transaction.atomic
def change_page_status(actor, page: Page, to_state: str, comment: str = "") -> Page:
    """Move the page to ``to_state`` along its workflow (audited by the workflow module as ``workflow.transition``)."""
    permissions.require(actor, "edit", page)
    not_in_trash(page)
    if workflows.workflow_for(page) is None:
        raise Conflict("this page's workspace has no page workflow: switch it on in Settings → Publishing", code="no_workflow")
    return workflows.transition(actor, page, to_state, comment)

