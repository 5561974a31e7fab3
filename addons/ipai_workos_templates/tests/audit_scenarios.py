"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_db import services as databases
from ipai_workos_templates import services
from ipai_workos_templates.models import Template


def _meeting_notes():
    return Template.objects.get(workspace__isnull=True, database__isnull=True, name="Meeting notes")


def _saved(w):
    return services.save_page_as_template(w.member, w.tree.page, name="Handbook template")


def _database(w):
    database = databases.create_database(w.tree.admin, space=w.tree.space, title="Bugs")
    databases.create_property(w.tree.admin, database, name="Severity", type="select")
    return database


def _row_template(w):
    return services.create_row_template(w.tree.admin, _database(w), name="Bug report", content={"row": {"title": "Bug of {{today}}", "values": {}, "blocks": []}})


def _imported(w):
    _name, data = services.export_template(w.member, _saved(w))
    return services.import_template(w.member, w.tree.workspace, "copy.zip", data)


SCENARIOS = {
    "apply_template": (lambda w: services.apply_template(w.member, _meeting_notes(), space=w.tree.space), "template.apply"),
    "apply_row_template": (lambda w: services.apply_row_template(w.tree.admin, _row_template(w)), "template.apply"),
    "create_template": (lambda w: services.create_template(w.member, w.tree.workspace, name="Standup", kind="page",
                                                           content=_meeting_notes().content), "template.create"),
    "create_row_template": (_row_template, "template.create"),
    "save_page_as_template": (_saved, "template.create"),
    "save_database_as_template": (lambda w: services.save_database_as_template(w.tree.admin, _database(w)), "template.create"),
    "update_template": (lambda w: services.update_template(w.member, _saved(w), name="Renamed"), "template.update"),
    "delete_template": (lambda w: services.delete_template(w.member, _saved(w)), "template.delete"),
    "import_template": (_imported, "template.create"),
}
