"""Workflows: defining state machines (administrators) and moving records through them (anyone allowed).

A record follows the active workflow of its model that its workspace owns, else the system one (no owner).
Members of a workspace see the system workflows and their workspace's own; to anyone else a workspace's
workflow does not exist. An empty ``workflow_state`` is the workflow's initial
state. A transition happens only along a defined edge, by a user who can edit the record, whose workspace role
the transition allows, when its guard agrees and — if it requires approval — when an approval request for it
was approved. Anything else is refused with an error that says what is possible instead.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from ipai_platform_audit.services import diff, record_event
from ipai_platform_permissions import services as permissions
from ipai_platform_permissions.registry import ROLES
from workos.kernel.data import model_for, technical_name_of
from workos.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceError

from .models import StateCategory, Workflow, WorkflowState, WorkflowTransition
from .registry import APPROVAL_GATES, GUARDS, TRANSITION_NOTIFIERS

CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MIXIN_FIELDS = ("workflow_state", "workflow_state_date", "workflow_state_user")
QUERIES = ("workflows_for", "get_workflow", "workflow_for", "current_state", "available_transitions", "record_for", "check_transition")


def _require_admin(actor, owner: tuple[str, str] = ("", "")) -> None:
    """Platform administrators define every workflow; a workspace's administrators define that workspace's own
    (those with ``manage`` on it), so that a workspace can switch on a workflow without asking the operator."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("only administrators define workflows")
    if actor.is_superuser:
        return
    if owner[0] and permissions.can(actor, "manage", permissions.object_for(owner[0], owner[1])):
        return
    raise PermissionDenied("only administrators define workflows")


def _owner_of(workflow: Workflow) -> tuple[str, str]:
    return (workflow.owner_model, workflow.owner_id)


def _code(value, field: str) -> str:
    if not isinstance(value, str) or not CODE.match(value):
        raise InvalidInput(f"{field} must be lower-case letters, digits and underscores, starting with a letter", field=field)
    return value


def _name(value, field: str = "name") -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > 128:
        raise InvalidInput(f"{field} must be 1 to 128 characters", field=field)
    return value.strip()


def _check_model(res_model: str) -> None:
    model = model_for(res_model) if isinstance(res_model, str) else None
    if model is None:
        raise InvalidInput(f"no model {res_model!r} is installed", field="res_model")
    names = {f.name for f in model._meta.get_fields()}
    if not set(MIXIN_FIELDS) <= names:
        raise InvalidInput(f"model {res_model} does not have the workflow mixin fields", field="res_model")


# --- defining workflows (administrators) -----------------------------------------------------------------


def _add_state(workflow: Workflow, spec: dict, index: int) -> WorkflowState:
    category = spec.get("category", StateCategory.TODO)
    if category not in StateCategory.values:
        raise InvalidInput(f"state category must be one of {', '.join(StateCategory.values)}", field=f"states.{index}.category")
    sequence = spec.get("sequence")
    if sequence is None:
        sequence = (index + 1) * 10
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not -10**6 < sequence < 10**6:
        raise InvalidInput("sequence must be a whole number", field=f"states.{index}.sequence")
    return WorkflowState.objects.create(
        workflow=workflow, code=_code(spec.get("code"), f"states.{index}.code"), name=_name(spec.get("name"), f"states.{index}.name"),
        category=category, sequence=sequence, is_initial=bool(spec.get("is_initial")),
    )


def _add_transition(workflow: Workflow, spec: dict, field: str = "transition") -> WorkflowTransition:
    states = {state.code: state for state in workflow.states.all()}
    source, target = states.get(spec.get("from_state")), states.get(spec.get("to_state"))
    if source is None:
        raise InvalidInput(f"unknown from_state {spec.get('from_state')!r}; states: {', '.join(states)}", field=f"{field}.from_state")
    if target is None:
        raise InvalidInput(f"unknown to_state {spec.get('to_state')!r}; states: {', '.join(states)}", field=f"{field}.to_state")
    if source == target:
        raise InvalidInput("a transition goes to another state", field=f"{field}.to_state")
    roles = spec.get("allowed_roles") or []
    if not isinstance(roles, list) or any(role not in ROLES for role in roles):
        raise InvalidInput(f"allowed_roles may hold {', '.join(ROLES)}", field=f"{field}.allowed_roles")
    guard = spec.get("guard") or ""
    if guard and guard not in GUARDS:
        raise InvalidInput(f"unknown guard {guard!r}; known: {', '.join(GUARDS) or 'none'}", field=f"{field}.guard")
    if workflow.transitions.filter(from_state=source, to_state=target).exists():
        raise Conflict(f"there is already a transition from {source.code} to {target.code}", field=field)
    return WorkflowTransition.objects.create(
        workflow=workflow, name=_name(spec.get("name") or f"{source.name} → {target.name}", f"{field}.name"), from_state=source,
        to_state=target, allowed_roles=sorted(set(roles)), guard=guard, requires_approval=bool(spec.get("requires_approval")),
    )


def _active_rivals(res_model: str, owner_model: str, owner_id: str):
    return Workflow.objects.filter(res_model=res_model, owner_model=owner_model, owner_id=owner_id, active=True)


@transaction.atomic
def create_workflow(actor, *, code: str, name: str, res_model: str, states: list[dict], transitions: list[dict] | None = None,
                    active: bool = True, owner_model: str | None = None, owner_id: str | None = None) -> Workflow:
    """Define a workflow with its states (exactly one initial) and transitions, for every workspace or (with an
    owner) for one. Platform administrators, or the owner workspace's administrators for its own."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("only administrators define workflows")
    owner_model, owner_id = permissions.owner_for(owner_model, owner_id)
    _require_admin(actor, (owner_model, owner_id))
    _check_model(res_model)
    code, name = _code(code, "code"), _name(name)
    if Workflow.objects.filter(code=code).exists():
        raise Conflict("a workflow with this code exists", field="code")
    if active and _active_rivals(res_model, owner_model, owner_id).exists():
        raise Conflict(f"{res_model} already follows an active workflow: deactivate it first", field="active")
    if not states or sum(1 for s in states if s.get("is_initial")) != 1:
        raise InvalidInput("a workflow has states, exactly one of them initial", field="states")
    if len({s.get("code") for s in states}) != len(states):
        raise InvalidInput("state codes must be unique", field="states")
    try:
        with transaction.atomic():
            workflow = Workflow.objects.create(code=code, name=name, res_model=res_model, active=active, owner_model=owner_model,
                                               owner_id=owner_id)
    except IntegrityError:
        raise Conflict("a workflow with this code, or an active one for this model, exists", field="code") from None
    for index, spec in enumerate(states):
        _add_state(workflow, spec, index)
    for index, spec in enumerate(transitions or []):
        _add_transition(workflow, spec, f"transitions.{index}")
    record_event(actor=actor, action="workflow.create", target=workflow, changes={
        "res_model": res_model, "states": [s["code"] for s in states], "transitions": len(transitions or []), "active": active,
        "owner": f"{owner_model}:{owner_id}" if owner_model else None,
    })
    return workflow


@transaction.atomic
def update_workflow(actor, workflow: Workflow, *, name: str | None = None, active: bool | None = None) -> Workflow:
    _require_admin(actor, _owner_of(workflow))
    before = {"name": workflow.name, "active": workflow.active}
    if name is not None:
        workflow.name = _name(name)
    if active is not None:
        if active and _active_rivals(workflow.res_model, workflow.owner_model, workflow.owner_id).exclude(pk=workflow.pk).exists():
            raise Conflict(f"{workflow.res_model} already follows an active workflow: deactivate it first", field="active")
        workflow.active = active
    workflow.save()
    record_event(actor=actor, action="workflow.update", target=workflow, changes=diff(before, {"name": workflow.name, "active": workflow.active}))
    return workflow


@transaction.atomic
def delete_workflow(actor, workflow: Workflow) -> None:
    _require_admin(actor, _owner_of(workflow))
    record_event(actor=actor, action="workflow.delete", target=workflow, changes={"res_model": workflow.res_model})
    workflow.delete()


@transaction.atomic
def add_transition(actor, workflow: Workflow, spec: dict) -> WorkflowTransition:
    _require_admin(actor, _owner_of(workflow))
    created = _add_transition(workflow, spec)
    record_event(actor=actor, action="workflow.transition_add", target=workflow, changes={
        "transition": created.name, "from_state": created.from_state.code, "to_state": created.to_state.code,
        "allowed_roles": created.allowed_roles, "guard": created.guard, "requires_approval": created.requires_approval,
    })
    return created


@transaction.atomic
def remove_transition(actor, workflow: Workflow, transition_id: int) -> None:
    _require_admin(actor, _owner_of(workflow))
    existing = workflow.transitions.filter(pk=transition_id).first()
    if existing is None:
        raise NotFound("no such transition")
    record_event(actor=actor, action="workflow.transition_remove", target=workflow, changes={"transition": existing.name})
    existing.delete()


def workflows_for(user):
    """The workflows ``user`` may see: the system ones and those of the workspaces the user belongs to."""
    if user is None or not user.is_authenticated:
        raise PermissionDenied("log in first")
    workflows = Workflow.objects.prefetch_related("states", "transitions__from_state", "transitions__to_state")
    return permissions.visible_to_members(user, workflows)


def get_workflow(user, workflow_id: int) -> Workflow:
    workflow = workflows_for(user).filter(pk=workflow_id).first()
    if workflow is None:
        raise NotFound("no such workflow")
    return workflow


# --- moving records ------------------------------------------------------------------------------------


def record_for(user, res_model: str, res_id) -> object:
    """The record a client names, if ``user`` may view it. A record the user may not view gets the very answer a
    missing one gets (as do unknown models), so that no one can learn from it which ids exist."""
    return permissions.readable_record(user, res_model, res_id, having=("workflow_state",))


def workflow_for(record) -> Workflow | None:
    """The active workflow ``record`` follows: its workspace's own, else the system one."""
    active = Workflow.objects.filter(res_model=technical_name_of(record._meta.model), active=True)
    root = permissions.root_of(record)
    if root is not None:
        owned = active.filter(owner_model=root[0], owner_id=root[1]).first()
        if owned is not None:
            return owned
    return active.filter(owner_model="").first()


def current_state(record, workflow: Workflow | None = None) -> WorkflowState | None:
    workflow = workflow or workflow_for(record)
    if workflow is None:
        return None
    states = list(workflow.states.all())
    for state in states:
        if state.code == record.workflow_state:
            return state
    return next((state for state in states if state.is_initial), None)


def check_transition(user, record, transition: WorkflowTransition) -> ServiceError | None:
    """Why ``user`` may not take ``transition`` now (an error to raise), or None. Approval is checked apart."""
    if not permissions.can(user, "edit", record):
        return PermissionDenied("you cannot edit this record")
    if transition.allowed_roles and not user.is_superuser:
        role = permissions.role_of(user, record)
        if role not in transition.allowed_roles:
            return PermissionDenied(f"only {', '.join(transition.allowed_roles)} may take the transition {transition.name!r}", field="to_state")
    if transition.guard:
        reason = GUARDS.get(transition.guard)(record, user, transition)
        if reason:
            return Conflict(reason, field="to_state", code="guard_refused")
    return None


def available_transitions(user, record) -> list[WorkflowTransition]:
    """The transitions ``user`` could take from the record's current state (approval aside)."""
    workflow = workflow_for(record)
    state = current_state(record, workflow)
    if state is None:
        return []
    candidates = workflow.transitions.filter(from_state=state).select_related("to_state")
    return [t for t in candidates if check_transition(user, record, t) is None]


def _is_approved(record, transition) -> bool:
    return any(gate.is_approved(record, transition) for _key, gate in APPROVAL_GATES.items())


@transaction.atomic
def transition(user, record, to_state: str, comment: str = "") -> object:
    """Move ``record`` to ``to_state`` along a defined, allowed transition; audited."""
    permissions.require(user, "edit", record)
    workflow = workflow_for(record)
    if workflow is None:
        raise Conflict(f"{record._meta.verbose_name} records follow no active workflow")
    state = current_state(record, workflow)
    target = workflow.states.filter(code=to_state).first() if isinstance(to_state, str) else None
    if target is None:
        codes = ", ".join(workflow.states.values_list("code", flat=True))
        raise InvalidInput(f"unknown state {to_state!r}; states of {workflow.name}: {codes}", field="to_state")
    edge = workflow.transitions.filter(from_state=state, to_state=target).first()
    if edge is None:
        onward = ", ".join(workflow.transitions.filter(from_state=state).values_list("to_state__code", flat=True)) or "nowhere"
        raise Conflict(f"cannot go from {state.code} to {target.code} in {workflow.name}; from {state.code} it goes to: {onward}",
                       field="to_state", code="illegal_transition")
    refusal = check_transition(user, record, edge)
    if refusal is not None:
        raise refusal
    if edge.requires_approval and not _is_approved(record, edge):
        raise Conflict(f"{edge.name} requires an approved approval request", field="to_state", code="approval_required")
    if len(comment or "") > 2000:
        raise InvalidInput("comment is longer than 2000 characters", field="comment")
    record.workflow_state = target.code
    record.workflow_state_date = timezone.now()
    record.workflow_state_user = user
    record.save(update_fields=list(MIXIN_FIELDS))
    if edge.requires_approval:
        for _key, gate in APPROVAL_GATES.items():
            gate.consume(record, edge, user)
    record_event(actor=user, action="workflow.transition", target=record, target_name=permissions.label_of(record), changes={
        "workflow_state": {"before": state.code, "after": target.code}, "workflow": workflow.code, "transition": edge.name,
        "comment": comment or "",
    })
    for _key, notify in TRANSITION_NOTIFIERS.items():
        notify(user, record, edge)
    return record
