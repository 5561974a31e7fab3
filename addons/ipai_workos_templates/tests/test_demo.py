"""The templates module's demo part: built from the system templates through the services, with enough rows that
no view of the project tracker is empty."""

from __future__ import annotations


def test_demo_builds_the_workspace_from_system_templates(make_user, api_for):
    from ipai_workos_views.models import View
    from workos.kernel.demo import Demo

    from ipai_workos_blocks import demo as blocks_demo
    from ipai_workos_core import demo as core_demo

    from .. import demo as templates_demo

    user = make_user("demo", admin=True)
    demo = Demo(user=user)
    for part in (core_demo, blocks_demo, templates_demo):
        part.load(demo)

    api = api_for(user)
    tracker = demo.made["project_tracker"]
    views = list(View.objects.filter(database=tracker))
    assert {view.type for view in views} == {"table", "kanban", "calendar", "list", "gallery"}
    for view in views:
        body = api.get(f"/views/{view.pk}/rows").json()
        assert body["items"], f"{view.name} is empty"
    assert api.get(f"/databases/{tracker.pk}/rows", limit=100).json()["count"] >= 30
    welcome = api.get(f"/pages/{demo.made['welcome_page'].pk}/blocks").content.decode()
    assert "What to try" in welcome and "Team wiki" in welcome and "Meeting notes" in welcome
    assert "templates" in demo.report and "{{" not in welcome
