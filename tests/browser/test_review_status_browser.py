"""The "Review status" database property in real Chromium: offered in the property-type menu, its column shows
each row page's status as a chip, read-only."""

from __future__ import annotations

import pytest

from .test_database_views import add_property, cell, log_in, open_database, workspace  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.once]


def test_the_review_status_column_shows_each_row_pages_status(workspace, page):  # noqa: F811
    assert workspace.api.patch(f"/api/v1/workspaces/{workspace.workspace_id}/publishing", json={"page_workflow": True}).status_code == 200
    database = workspace.create_database("Docs", [])
    workspace.add_row(database["id"], {"Name": "Plan"})
    spec = workspace.add_row(database["id"], {"Name": "Spec"})
    assert workspace.api.post(f"/api/v1/pages/{spec['page_id']}/status", json={"to_state": "review"}).status_code == 200
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    add_property(page, "Review status", "◑ Review status")

    prop_id = next(p["id"] for p in workspace.api.get(f"/api/v1/databases/{database['id']}/properties").json() if p["type"] == "review_status")
    cell(page, "Spec", prop_id).locator(".dbv-chip.is-status", has_text="In review").wait_for()
    cell(page, "Plan", prop_id).locator(".dbv-chip.is-status", has_text="Draft").wait_for()
    cell(page, "Plan", prop_id).click()
    assert page.locator(".dbv-picker").count() == 0  # read-only: no option picker opens
