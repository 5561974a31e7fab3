"""Every write service of every active module records its audit event.

The test walks the ``services`` module of each active module (and the API's token services): every public
function is either declared read-only in the module's ``QUERIES`` or must have a scenario — in the module's
own ``tests/audit_scenarios.py`` — that calls it and names the event it must record. A new write service
without a scenario fails this test, so "every change is on record" cannot silently stop being true.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from types import SimpleNamespace

import pytest
from django.conf import settings

from ipai_platform_audit.models import AuditEvent
from workos.api import services as api_services

API_QUERIES = {"hash_token", "user_for_token", "token_sockets_group"}  # workos.api.services: reads (and a group name)


def write_services() -> set[str]:
    found = set()
    for name in [*settings.WORKOS_ACTIVE_MODULES, "workos.api"]:
        if importlib.util.find_spec(f"{name}.services") is None:
            continue
        module = importlib.import_module(f"{name}.services")
        queries = set(getattr(module, "QUERIES", ())) | (API_QUERIES if name == "workos.api" else set())
        for function_name, function in inspect.getmembers(module, inspect.isfunction):
            # A services package defines its functions in its submodules and re-exports them.
            defined_here = function.__module__ == module.__name__ or function.__module__.startswith(f"{module.__name__}.")
            if defined_here and not function_name.startswith("_") and function_name not in queries:
                found.add(f"{name}.{function_name}")
    return found


@pytest.fixture
def world(tree, make_user, member_of):
    from ipai_platform_workflow import services as workflows

    root = make_user(admin=True)
    member = member_of(make_user(), "member")
    approver = member_of(make_user(), "member")
    workflow = workflows.create_workflow(root, code="wf", name="Wf", res_model="ipai.workos.page", states=[
        {"code": "draft", "name": "Draft", "is_initial": True}, {"code": "done", "name": "Done", "category": "done"},
    ], transitions=[{"from_state": "draft", "to_state": "done"}])
    return SimpleNamespace(tree=tree, root=root, member=member, approver=approver, workflow=workflow, make_user=make_user)


# workos.api is no module folder; its token services' scenarios live here.
API_SCENARIOS = {
    "create_token": (lambda w: api_services.create_token(w.member, "script"), "auth.token_create"),
    "revoke_token": (lambda w: api_services.revoke_token(w.member, api_services.create_token(w.member, "script")[0].pk), "auth.token_revoke"),
    "update_account": (lambda w: api_services.update_account(w.member, first_name="Mia"), "auth.account_update"),
    "change_password": (lambda w: (w.member.set_password("old-password-1"), api_services.change_password(w.member, "old-password-1", "a-new-long-password")),
                        "auth.password_change"),
}


def all_scenarios() -> dict:
    """Every module's ``tests/audit_scenarios.py`` SCENARIOS, keyed ``module.function``."""
    scenarios = {f"workos.api.{name}": scenario for name, scenario in API_SCENARIOS.items()}
    for name in settings.WORKOS_ACTIVE_MODULES:
        if importlib.util.find_spec(f"{name}.tests") is None or importlib.util.find_spec(f"{name}.tests.audit_scenarios") is None:
            continue
        module = importlib.import_module(f"{name}.tests.audit_scenarios")
        scenarios.update({f"{name}.{function}": scenario for function, scenario in module.SCENARIOS.items()})
    return scenarios


SCENARIOS = all_scenarios()


def test_every_write_service_has_a_scenario():
    missing = sorted(write_services() - set(SCENARIOS))
    stale = sorted(set(SCENARIOS) - write_services())

    assert not missing, f"write services without an audit scenario (add one, or list read-only functions in QUERIES): {missing}"
    assert not stale, f"scenarios for services that no longer exist: {stale}"


@pytest.mark.parametrize("service", sorted(SCENARIOS))
def test_service_records_its_event(service, world):
    scenario, action = SCENARIOS[service]
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    scenario(world)

    recorded = list(AuditEvent.objects.filter(id__gt=before).values_list("action", flat=True))
    assert action in recorded, f"{service} recorded {recorded}, not {action}"
    event = AuditEvent.objects.filter(id__gt=before, action=action).last()
    assert event.created_at and event.hash
