"""``/api/v1/workflows`` (definitions) and ``/api/v1/workflow-records`` (moving a record through its workflow)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema

from . import services

router = Router(tags=["workflows"])

Category = Literal["todo", "in_progress", "done", "cancelled"]
Role = Literal["admin", "member", "guest"]


class StateIn(Schema):
    code: str
    name: str
    category: Category = "todo"
    sequence: int | None = None
    is_initial: bool = False


class TransitionIn(Schema):
    from_state: str
    to_state: str
    name: str = ""
    allowed_roles: list[Role] = []
    guard: str = ""
    requires_approval: bool = False


class WorkflowIn(Schema):
    code: str
    name: str
    res_model: str
    owner_model: str | None = Field(None, description="With owner_id: the workspace it applies to, whose members alone see it; "
                                                      "none: a system workflow, for workspaces without one of their own")
    owner_id: str | None = None
    active: bool = True
    states: list[StateIn]
    transitions: list[TransitionIn] = []


class WorkflowPatch(Schema):
    name: str | None = None
    active: bool | None = None


class StateOut(Schema):
    code: str
    name: str
    category: str
    sequence: int
    is_initial: bool


class TransitionOut(Schema):
    id: int
    name: str
    from_state: str
    to_state: str
    allowed_roles: list[str]
    guard: str
    requires_approval: bool


class WorkflowOut(Schema):
    id: int
    code: str
    name: str
    res_model: str
    owner_model: str | None
    owner_id: str | None
    active: bool
    states: list[StateOut]
    transitions: list[TransitionOut]


class RecordStateOut(Schema):
    res_model: str
    res_id: str
    workflow: str | None
    state: StateOut | None
    state_date: datetime | None
    state_user_id: int | None
    transitions: list[TransitionOut]


class TransitionRequest(Schema):
    to_state: str
    comment: str = ""


def _transition_out(transition) -> dict:
    return {
        "id": transition.pk, "name": transition.name, "from_state": transition.from_state.code, "to_state": transition.to_state.code,
        "allowed_roles": transition.allowed_roles, "guard": transition.guard, "requires_approval": transition.requires_approval,
    }


def _workflow_out(workflow) -> dict:
    return {
        "id": workflow.pk, "code": workflow.code, "name": workflow.name, "res_model": workflow.res_model, "active": workflow.active,
        "owner_model": workflow.owner_model or None, "owner_id": workflow.owner_id or None,
        "states": [StateOut.from_orm(s).dict() for s in workflow.states.all()],
        "transitions": [_transition_out(t) for t in workflow.transitions.all()],
    }


def _state_out(user, res_model: str, record) -> dict:
    workflow = services.workflow_for(record)
    state = services.current_state(record, workflow)
    return {
        "res_model": res_model, "res_id": str(record.pk), "workflow": workflow.code if workflow else None,
        "state": StateOut.from_orm(state).dict() if state else None, "state_date": record.workflow_state_date,
        "state_user_id": record.workflow_state_user_id,
        "transitions": [_transition_out(t) for t in services.available_transitions(user, record)],
    }


@router.get("/workflows", response=list[WorkflowOut], summary="Workflows")
def list_workflows(request):
    return [_workflow_out(w) for w in services.workflows_for(request.user)]


@router.post("/workflows", response={201: WorkflowOut}, summary="Define a workflow (administrators)")
def create_workflow(request, payload: WorkflowIn):
    workflow = services.create_workflow(
        request.user, code=payload.code, name=payload.name, res_model=payload.res_model, active=payload.active,
        owner_model=payload.owner_model, owner_id=payload.owner_id,
        states=[s.dict() for s in payload.states], transitions=[t.dict() for t in payload.transitions],
    )
    return 201, _workflow_out(workflow)


@router.get("/workflows/{workflow_id}", response=WorkflowOut, summary="One workflow")
def get_workflow(request, workflow_id: int):
    return _workflow_out(services.get_workflow(request.user, workflow_id))


@router.patch("/workflows/{workflow_id}", response=WorkflowOut, summary="Rename, activate or deactivate a workflow (administrators)")
def update_workflow(request, workflow_id: int, payload: WorkflowPatch):
    workflow = services.get_workflow(request.user, workflow_id)
    return _workflow_out(services.update_workflow(request.user, workflow, **payload.dict(exclude_unset=True)))


@router.delete("/workflows/{workflow_id}", response={204: None}, summary="Delete a workflow (administrators)")
def delete_workflow(request, workflow_id: int):
    services.delete_workflow(request.user, services.get_workflow(request.user, workflow_id))
    return 204, None


@router.post("/workflows/{workflow_id}/transitions", response={201: TransitionOut}, summary="Add a transition (administrators)")
def add_transition(request, workflow_id: int, payload: TransitionIn):
    workflow = services.get_workflow(request.user, workflow_id)
    return 201, _transition_out(services.add_transition(request.user, workflow, payload.dict()))


@router.delete("/workflows/{workflow_id}/transitions/{transition_id}", response={204: None}, summary="Remove a transition (administrators)")
def remove_transition(request, workflow_id: int, transition_id: int):
    services.remove_transition(request.user, services.get_workflow(request.user, workflow_id), transition_id)
    return 204, None


@router.get("/workflow-records/{res_model}/{res_id}", response=RecordStateOut, summary="A record's state and the transitions you can take")
def record_state(request, res_model: str, res_id: str):
    return _state_out(request.user, res_model, services.record_for(request.user, res_model, res_id))


@router.post("/workflow-records/{res_model}/{res_id}/transition", response=RecordStateOut, summary="Move a record to another state")
def take_transition(request, res_model: str, res_id: str, payload: TransitionRequest):
    record = services.record_for(request.user, res_model, res_id)
    services.transition(request.user, record, payload.to_state, payload.comment)
    return _state_out(request.user, res_model, record)
