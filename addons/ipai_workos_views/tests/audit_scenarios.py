"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_db import services as databases
from ipai_workos_views import services


def _view(w):
    database = databases.create_database(w.tree.admin, space=w.tree.space, title="Tasks")
    return services.create_view(w.tree.admin, database, name="All")


SCENARIOS = {
    "create_view": (lambda w: services.create_view(w.member, databases.create_database(w.tree.admin, space=w.tree.space), name="Mine",
                                                   personal=True), "view.create"),
    "update_view": (lambda w: services.update_view(w.tree.admin, _view(w), name="Renamed"), "view.update"),
    "delete_view": (lambda w: services.delete_view(w.tree.admin, _view(w)), "view.delete"),
}
