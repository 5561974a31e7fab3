"""The view-type registry: the five types it starts with, the 422 for any other, and that a module adds a
type with one entry registered at start-up — after which the registry takes no more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from ipai_workos_views.models import View
from ipai_workos_views.registry import VIEW_TYPES, view_types
from workos.settings.config import PROJECT_ROOT

CORE_TYPES = ["table", "kanban", "calendar", "list", "gallery"]


def test_registry_holds_the_five_view_types_in_switcher_order():
    assert sorted(VIEW_TYPES) == sorted(CORE_TYPES)
    assert [entry.type for entry in view_types()] == CORE_TYPES
    assert [value for value, _label in View._meta.get_field("type").choices] == CORE_TYPES


def test_unknown_view_type_is_refused_with_a_422_naming_the_known_types(board, people, api_for):
    api = api_for(people.editor)
    view = api.post(f"/databases/{board.id}/views", {"name": "All"}).json()

    created = api.post(f"/databases/{board.id}/views", {"name": "Plan", "type": "timeline"})
    changed = api.patch(f"/views/{view['id']}", {"type": "chart"})

    expected = {"code": "invalid", "message": "type must be one of table, kanban, calendar, list, gallery", "field": "type"}
    assert created.status_code == 422 and created.json()["error"] == expected
    assert changed.status_code == 422 and changed.json()["error"] == expected
    assert [item["type"] for item in api.get(f"/databases/{board.id}/views").json()] == ["table"]


# A module that adds a timeline view: one registry entry, registered in its AppConfig.ready().
TIMELINE_MODULE = {
    "__manifest__.py": '{"name": "Timeline view", "version": "1.0.0", "depends": ["ipai_workos_views"], "license": "LGPL-3"}\n',
    "__init__.py": "",
    "apps.py": textwrap.dedent('''
        from django.apps import AppConfig


        class TimelineViewConfig(AppConfig):
            name = "x_timeline_view"

            def ready(self):
                from ipai_workos_views.registry import VIEW_TYPES, CalendarType

                class TimelineType(CalendarType):
                    type, label, icon, sequence = "timeline", "Timeline", "═", 60

                VIEW_TYPES.register("timeline", TimelineType())
        '''),
}

# Starts WorkOS as every command does (setup_django: apps ready, then registries frozen), then uses the timeline
# type through the views services and tries to register one more type.
SCRIPT = textwrap.dedent('''
    import json

    from workos.kernel.bootstrap import setup_django
    from workos.settings.config import load_config

    setup_django(load_config(), "all")

    from django.contrib.auth import get_user_model

    from ipai_workos_core import services as core
    from ipai_workos_db import services as databases
    from ipai_workos_views import services as views
    from ipai_workos_views.models import View
    from ipai_workos_views.registry import VIEW_TYPES, ViewType, view_types
    from workos.kernel.errors import InvalidInput
    from workos.kernel.installer import Installer
    from workos.kernel.registry import RegistryError

    Installer().install(["x_timeline_view"])
    owner = get_user_model().objects.create_user("owner", password="correct-horse-9")
    space = core.create_space(owner, core.create_workspace(owner, "Acme"), "Plans")
    database = databases.create_database(owner, space=space, title="Roadmap")
    answer = {"types": [entry.type for entry in view_types()],
              "choices": [value for value, _label in View._meta.get_field("type").choices]}
    try:
        views.create_view(owner, database, name="Timeline", type="timeline")
    except InvalidInput as error:
        answer["without_date"] = [error.message, error.field]
    when = databases.create_property(owner, database, name="When", type="date")
    timeline = views.create_view(owner, database, name="Timeline", type="timeline")
    answer["saved"] = [timeline.type, timeline.config.get("date_property") == when.pk]
    try:
        views.create_view(owner, database, name="Pie", type="pie")
    except InvalidInput as error:
        answer["unknown"] = error.message
    try:
        VIEW_TYPES.register("chart", ViewType())
    except RegistryError as error:
        answer["after_start_up"] = str(error)
    print(json.dumps(answer))
''')


def test_a_module_adds_a_view_type_with_one_entry_and_none_after_start_up(tmp_path):
    module = tmp_path / "extra_addons" / "x_timeline_view"
    module.mkdir(parents=True)
    for name, text in TIMELINE_MODULE.items():
        (module / name).write_text(text)
    home = tmp_path / "home"
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("WORKOS_", "DJANGO_"))}
    environment.update({"PYTHONPATH": str(PROJECT_ROOT), "WORKOS_ADDONS_PATH": f"{PROJECT_ROOT / 'addons'},{module.parent}",
                        "WORKOS_DB_URL": f"sqlite:///{home / 'workos.sqlite3'}", "WORKOS_DATA_DIR": str(home / "var"),
                        "WORKOS_LOG_FILE": str(home / "var" / "log" / "workos.log")})

    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=240)

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["types"] == [*CORE_TYPES, "timeline"] and answer["choices"] == answer["types"]
    assert answer["without_date"] == ["a calendar needs a date property", "config.date_property"]
    assert answer["saved"] == ["timeline", True]
    assert answer["unknown"] == "type must be one of table, kanban, calendar, list, gallery, timeline"
    assert answer["after_start_up"] == "view type registry is frozen after start-up; cannot add 'chart'"
