"""Seed records of workflows (``ipai.workflow``, ``.state``, ``.transition`` in a module's ``data/*.toml``),
checked with the rules the services apply to the same values, so that shipped data never holds what the
services would refuse (the kernel runs each seed record through these before saving it, as a
``RECORD_VALIDATORS`` entry; tests/kernel/test_data_files.py does too). Each returns the values to save."""

from __future__ import annotations

from ipai_platform_permissions.registry import ROLES
from workos.kernel.errors import InvalidInput

from .models import StateCategory
from .registry import GUARDS
from .services import _code, _name


def _flag(values: dict, key: str) -> None:
    if key in values and not isinstance(values[key], bool):
        raise InvalidInput(f"{key} is true or false", field=key)


def validate_workflow(values: dict) -> dict:
    _code(values.get("code"), "code")
    _name(values.get("name"))
    if not isinstance(values.get("res_model"), str) or not values["res_model"]:
        raise InvalidInput("res_model names the model the workflow applies to", field="res_model")
    _flag(values, "active")
    return values


def validate_state(values: dict) -> dict:
    _code(values.get("code"), "code")
    _name(values.get("name"))
    if values.get("category", StateCategory.TODO) not in StateCategory.values:
        raise InvalidInput(f"state category must be one of {', '.join(StateCategory.values)}", field="category")
    sequence = values.get("sequence", 0)
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not -10**6 < sequence < 10**6:
        raise InvalidInput("sequence must be a whole number", field="sequence")
    _flag(values, "is_initial")
    return values


def validate_transition(values: dict) -> dict:
    if values.get("name"):
        _name(values["name"])
    roles = values.get("allowed_roles") or []
    if not isinstance(roles, list) or any(role not in ROLES for role in roles):
        raise InvalidInput(f"allowed_roles may hold {', '.join(ROLES)}", field="allowed_roles")
    guard = values.get("guard") or ""
    if guard and guard not in GUARDS:
        raise InvalidInput(f"unknown guard {guard!r}; known: {', '.join(GUARDS) or 'none'}", field="guard")
    _flag(values, "requires_approval")
    return values
