"""Databases and their views in real Chromium, against a real server and database.

Each test sets up its workspace and space (and, where the subject is not creating them, its database and
rows) through the API as the user, then works in the browser with the mouse and the keyboard, and checks
what the server kept through the API as well as in the page after a reload.

Screenshots of each view type are written to ``$WORKOS_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.once]

PASSWORD = "correct-horse-battery"


@dataclass
class Workspace:
    base_url: str
    api: httpx.Client
    workspace_id: int
    space_id: int

    def create_database(self, title: str, properties: list[dict]) -> dict:
        response = self.api.post("/api/v1/databases", json={"space_id": self.space_id, "title": title, "properties": properties})
        assert response.status_code == 201, response.text
        return response.json()

    def add_row(self, database_id: int, values: dict) -> dict:
        response = self.api.post(f"/api/v1/databases/{database_id}/rows", json={"values": values})
        assert response.status_code == 201, response.text
        return response.json()

    def rows(self, database_id: int) -> list[dict]:
        response = self.api.get(f"/api/v1/databases/{database_id}/rows", params={"limit": 200})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def views(self, database_id: int) -> list[dict]:
        response = self.api.get(f"/api/v1/databases/{database_id}/views")
        assert response.status_code == 200, response.text
        return response.json()


def start(site, serve, *usernames: str) -> tuple[str, dict[str, httpx.Client]]:
    site.install("ipai_workos_affine")
    for username in usernames:
        site.workos("user", "create", username, "--password-stdin", input=PASSWORD + "\n", check=True)
    server = serve(site)
    clients = {}
    for username in usernames:
        token = httpx.post(server.base_url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD, "name": "tests"})
        assert token.status_code == 201, token.text
        clients[username] = httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer " + token.json()["token"]}, timeout=30)
    return server.base_url, clients


@pytest.fixture
def workspace(site, serve):
    base_url, clients = start(site, serve, "grace", "outsider")
    client = clients["grace"]
    created = client.post("/api/v1/workspaces", json={"name": "Acme"})
    assert created.status_code == 201, created.text
    space = client.post("/api/v1/spaces", json={"workspace_id": created.json()["id"], "name": "Engineering"})
    assert space.status_code == 201, space.text
    yield Workspace(base_url, client, created.json()["id"], space.json()["id"])
    for other in clients.values():
        other.close()


def log_in(page, base_url: str, username: str = "grace") -> None:
    page.goto(base_url + "/web/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/web")


def open_database(page, base_url: str, database_id: int, view_id: int | None = None) -> None:
    page.goto(f"{base_url}/web/databases/{database_id}" + (f"/views/{view_id}" if view_id else ""))
    page.wait_for_selector("#workos-db-view[data-ready=true]")


def screenshot(page, name: str) -> None:
    folder = os.environ.get("WORKOS_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


BULK_WRITE = 60  # seconds for a bulk write of 103 rows (one audit event each) on a loaded machine


def eventually(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def cell(page, row_title: str, prop_id: int):
    row = page.locator("tr.dbv-row", has=page.locator(".dbv-title-text", has_text=re.compile("^" + re.escape(row_title) + "$")))
    return row.locator(f'td[data-prop-id="{prop_id}"]')


def add_property(page, name: str, type_label: str) -> None:
    page.click(".dbv-add-property")
    page.fill(".dbv-add-property-menu input[aria-label='Property name']", name)
    page.select_option(".dbv-add-property-menu select[aria-label='Property type']", label=type_label)
    page.click("[data-action=create-property]")
    page.wait_for_selector(f".dbv-table th .dbv-th-name:text-is('{name}')")


def add_view(page, name: str, view_type: str, personal: bool = False) -> None:
    page.click("[data-action=add-view]")
    page.click(f".dbv-add-view [data-view-type={view_type}]")
    page.fill(".dbv-add-view input[aria-label='View name']", name)
    if personal:
        page.check(".dbv-add-view input[type=checkbox]")
    page.click("[data-action=create-view]")
    page.wait_for_selector(f".view-tab.is-active .view-tab-name:text-is('{name}')")
    page.wait_for_selector("#workos-db-view[data-ready=true]")


# --- creating a database and working in the table ------------------------------------------------------


def test_database_is_created_from_home_and_filled_in_the_table(workspace, page):
    log_in(page, workspace.base_url)
    page.click(".home-actions [data-action=new-database]")
    page.wait_for_url(re.compile(r".*/web/databases/\d+$"))
    page.wait_for_selector("#workos-db-view[data-ready=true]")
    database_id = int(page.url.rsplit("/", 1)[1])
    page.fill(".db-title", "Roadmap")
    page.press(".db-title", "Enter")
    page.wait_for_function("() => document.title.startsWith('Roadmap')")
    assert workspace.api.get(f"/api/v1/databases/{database_id}").json()["title"] == "Roadmap"
    page.wait_for_selector(f"#workos-page-tree a[href='/web/databases/{database_id}']", state="attached")

    add_property(page, "Points", "# Number")
    add_property(page, "Stage", "⌄ Select")
    add_property(page, "Due", "▦ Date")
    add_property(page, "Shipped", "☑ Checkbox")
    add_property(page, "Link", "🔗 URL")
    props = {prop["name"]: prop["id"] for prop in workspace.api.get(f"/api/v1/databases/{database_id}/properties").json()}

    page.click("[data-action=quick-add]")
    page.keyboard.type("Write the spec")
    page.keyboard.press("Enter")
    page.wait_for_selector("tr.dbv-row .dbv-title-text:text-is('Write the spec')")
    page.wait_for_selector(".dbv-quick-input:focus")
    page.keyboard.type("Build <it> & ship")
    page.keyboard.press("Enter")
    page.wait_for_selector("tr.dbv-row .dbv-title-text:text-is('Build <it> & ship')")
    page.keyboard.press("Escape")
    eventually(lambda: len(workspace.rows(database_id)) == 2)

    cell(page, "Write the spec", props["Points"]).click()
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    cell(page, "Build <it> & ship", props["Points"]).click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    page.wait_for_selector(f'td[data-prop-id="{props["Points"]}"] >> text=5')
    cell(page, "Write the spec", props["Stage"]).click()
    page.keyboard.type("Design")
    page.wait_for_selector(".dbv-picker-item.is-create")
    page.keyboard.press("Enter")
    cell(page, "Write the spec", props["Stage"]).locator(".dbv-chip", has_text="Design").wait_for()
    cell(page, "Write the spec", props["Due"]).click()
    page.fill(".dbv-date-editor input[aria-label='Start date']", "2024-03-05")
    page.keyboard.press("Escape")
    cell(page, "Write the spec", props["Due"]).locator("text=Mar 5, 2024").wait_for()
    cell(page, "Build <it> & ship", props["Shipped"]).click()
    cell(page, "Build <it> & ship", props["Shipped"]).locator(".dbv-check.is-checked").wait_for()
    cell(page, "Build <it> & ship", props["Link"]).click()
    page.keyboard.type("not a link")
    page.keyboard.press("Enter")
    page.wait_for_selector(".dbv-toast")
    refusal = page.inner_text(".dbv-toast")

    page.locator(f'.dbv-calc[data-prop-id="{props["Points"]}"] button').click()
    page.click(".dbv-menu-item:text-is('Sum')")
    page.wait_for_selector(f'.dbv-calc[data-prop-id="{props["Points"]}"] .dbv-calc-value:text-is("8")')
    screenshot(page, "table")

    rows = {row["title"]: row for row in workspace.rows(database_id)}
    stage_options = {option["id"]: option["name"] for option in
                     next(p for p in workspace.api.get(f"/api/v1/databases/{database_id}/properties").json() if p["name"] == "Stage")["config"]["options"]}
    assert set(rows) == {"Write the spec", "Build <it> & ship"}
    spec, build = rows["Write the spec"], rows["Build <it> & ship"]
    assert spec["values"][str(props["Points"])] == 3 and build["values"][str(props["Points"])] == 5
    assert stage_options[spec["values"][str(props["Stage"])]] == "Design"
    assert spec["values"][str(props["Due"])] == {"start": "2024-03-05"}
    assert build["values"][str(props["Shipped"])] is True and spec["values"][str(props["Shipped"])] is False
    assert build["values"][str(props["Link"])] is None and "Link" in refusal and "URL" in refusal

    page.reload()
    page.wait_for_selector("#workos-db-view[data-ready=true]")
    assert page.locator(".dbv-title-text", has_text="Build <it> & ship").count() == 1  # escaped, not markup
    assert page.inner_text(f'.dbv-calc[data-prop-id="{props["Points"]}"] .dbv-calc-value') == "8"
    assert page.input_value(".db-title") == "Roadmap"


def test_opening_a_row_leads_to_its_page_with_its_properties_editable_at_the_top(workspace, page):
    database = workspace.create_database("Tasks", [{"name": "Status", "type": "status"}, {"name": "Estimate", "type": "number"}])
    row = workspace.add_row(database["id"], {"Name": "Plan the launch", "Status": "Not started", "Estimate": 2})
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    page.locator("tr.dbv-row").hover()
    page.click("tr.dbv-row .dbv-open")

    page.wait_for_url(f"{workspace.base_url}/web/pages/{row['page_id']}")
    assert page.input_value(".page-title") == "Plan the launch"
    # Its properties sit under the title, before the blocks, with the table's editors.
    props = {p["name"]: p for p in database["properties"]}
    estimate = page.locator(f".row-property-value[data-property-id='{props['Estimate']['id']}']")
    status = page.locator(f".row-property-value[data-property-id='{props['Status']['id']}']")
    assert "Tasks" in page.inner_text(".row-properties-database")
    assert estimate.inner_text().strip() == "2" and "Not started" in status.inner_text()
    assert page.evaluate("document.querySelector('.row-properties').compareDocumentPosition(document.querySelector('.editor-host')) & 4") == 4
    estimate.click()
    page.fill(".dbv-cell-editor input", "5")
    page.keyboard.press("Enter")
    eventually(lambda: workspace.api.get(f"/api/v1/rows/{row['id']}").json()["values"][str(props["Estimate"]["id"])] == 5)
    status.click()
    page.click(".dbv-picker-item:has-text('Done')")
    eventually(lambda: "Done" in status.inner_text())
    page.reload()
    page.wait_for_selector(".row-property-value")
    assert estimate.inner_text().strip() == "5" and "Done" in status.inner_text()
    screenshot(page, "row-page")


# --- kanban ----------------------------------------------------------------------------------------------


def test_dragging_a_card_to_another_column_changes_its_status(workspace, page):
    database = workspace.create_database("Sprint", [{"name": "Status", "type": "status"}, {"name": "Estimate", "type": "number"}])
    status = next(prop for prop in database["properties"] if prop["name"] == "Status")
    options = {option["name"]: option["id"] for option in status["config"]["options"]}
    workspace.add_row(database["id"], {"Name": "Fix login", "Status": "Not started", "Estimate": 2})
    workspace.add_row(database["id"], {"Name": "Write docs", "Status": "In progress"})
    workspace.add_row(database["id"], {"Name": "Triage"})
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    add_view(page, "Board", "kanban")
    columns = [page.inner_text(f".dbv-column:nth-child({n}) .dbv-column-head .dbv-chip") for n in range(1, 5)]
    screenshot(page, "kanban")
    page.locator(".dbv-card", has_text="Fix login").drag_to(page.locator(f'.dbv-column[data-group="{options["Done"]}"] .dbv-cards'))
    page.locator(f'.dbv-column[data-group="{options["Done"]}"] .dbv-card', has_text="Fix login").wait_for()

    assert columns == ["Not started", "In progress", "Done", "No Status"]
    eventually(lambda: next(r for r in workspace.rows(database["id"]) if r["title"] == "Fix login")["values"][str(status["id"])] == options["Done"])
    page.reload()
    page.wait_for_selector("#workos-db-view[data-ready=true]")
    assert page.locator(f'.dbv-column[data-group="{options["Done"]}"] .dbv-card', has_text="Fix login").count() == 1
    assert page.inner_text(f'.dbv-column[data-group="{options["Done"]}"] .dbv-count') == "1"
    assert page.locator('.dbv-column[data-group=""] .dbv-card', has_text="Triage").count() == 1


# --- calendar --------------------------------------------------------------------------------------------


def test_a_row_shows_on_its_day_in_the_calendar_and_moves_with_the_months(workspace, page):
    today = date.today()
    database = workspace.create_database("Events", [{"name": "When", "type": "date"}])
    workspace.add_row(database["id"], {"Name": "Offsite", "When": today.isoformat()})
    workspace.add_row(database["id"], {"Name": "No date yet"})
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    add_view(page, "Calendar", "calendar")
    page.wait_for_selector(f'.dbv-day[data-date="{today.isoformat()}"] .dbv-event:text-is("Offsite")')
    screenshot(page, "calendar")
    month_title = page.inner_text(".dbv-calendar-title")
    page.click("[data-action=next]")
    page.wait_for_function("(title) => document.querySelector('.dbv-calendar-title').textContent !== title", arg=month_title)
    next_month_events = page.locator(".dbv-day:not(.is-outside) .dbv-event", has_text="Offsite").count()
    page.click("[data-action=previous]")
    page.wait_for_selector(f'.dbv-day[data-date="{today.isoformat()}"] .dbv-event:text-is("Offsite")')

    assert month_title == today.strftime("%B %Y")
    assert next_month_events == 0
    assert page.locator(".dbv-event", has_text="No date yet").count() == 0


# --- a saved, filtered view -----------------------------------------------------------------------------


def test_a_filtered_and_sorted_view_is_saved_and_found_after_reload(workspace, page):
    database = workspace.create_database("Issues", [
        {"name": "Tag", "type": "select", "config": {"options": [{"name": "Bug", "color": "red"}, {"name": "Feature", "color": "blue"}]}},
        {"name": "Points", "type": "number"}])
    for name, tag, points in [("Crash on save", "Bug", 3), ("Dark mode", "Feature", 5), ("Typo in footer", "Bug", 1), ("Slow search", "Bug", 8)]:
        workspace.add_row(database["id"], {"Name": name, "Tag": tag, "Points": points})
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    add_view(page, "Bugs", "table")
    page.click("[data-action=filter]")
    page.click("[data-action=add-filter]")
    page.select_option(".dbv-filter select[aria-label='Filter property']", label="⌄ Tag")
    page.select_option(".dbv-filter select[aria-label='Filter operator']", label="is")
    page.select_option(".dbv-filter select[aria-label='Filter value']", label="Bug")
    page.wait_for_function("() => document.querySelectorAll('tr.dbv-row').length === 3")
    page.keyboard.press("Escape")
    page.click("[data-action=sort]")
    page.click("[data-action=add-sort]")
    page.select_option(".dbv-sort select[aria-label='Sort property']", label="Points")
    page.select_option(".dbv-sort select[aria-label='Sort direction']", label="Descending")
    page.wait_for_function("() => document.querySelector('tr.dbv-row .dbv-title-text').textContent === 'Slow search'")
    page.keyboard.press("Escape")
    url = page.url

    page.reload()
    page.wait_for_selector("#workos-db-view[data-ready=true]")
    titles = page.locator("tr.dbv-row .dbv-title-text").all_inner_texts()
    tabs = page.locator(".view-tab .view-tab-name").all_inner_texts()
    pill = page.inner_text("[data-filter-pill]")
    shared = [view for view in workspace.views(database["id"]) if view["name"] == "Bugs"]

    assert re.search(r"/web/databases/\d+/views/\d+$", url) and page.url == url
    assert tabs == ["Table", "Bugs"] and page.inner_text(".view-tab.is-active .view-tab-name") == "Bugs"
    assert titles == ["Slow search", "Crash on save", "Typo in footer"]
    assert "Tag" in pill and "Bug" in pill
    assert shared and shared[0]["personal"] is False and shared[0]["config"]["sorts"][0]["direction"] == "descending"
    page.click(".view-tab:has-text('Table')")
    page.wait_for_selector("#workos-db-view[data-ready=true]")
    assert page.locator("tr.dbv-row").count() == 4


def test_filter_groups_combine_conditions_with_or(workspace, page):
    database = workspace.create_database("Issues", [
        {"name": "Tag", "type": "select", "config": {"options": [{"name": "Bug"}, {"name": "Feature"}]}},
        {"name": "Points", "type": "number"}])
    for name, tag, points in [("a", "Bug", 3), ("b", "Feature", 5), ("c", "Feature", 1), ("d", "Bug", 8)]:
        workspace.add_row(database["id"], {"Name": name, "Tag": tag, "Points": points})
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    page.click("[data-action=filter]")
    page.click("[data-action=add-filter]")
    page.select_option(".dbv-filter-list > .dbv-filter-row select[aria-label='Filter property']", label="⌄ Tag")
    page.select_option(".dbv-filter-list > .dbv-filter-row select[aria-label='Filter value']", label="Feature")
    page.wait_for_function("() => document.querySelectorAll('tr.dbv-row').length === 2")
    page.click("[data-action=add-filter-group]")
    page.select_option(".dbv-filter-list select[aria-label='Combine filters with']", "or")
    group = page.locator(".dbv-filter-group")
    group.locator("select[aria-label='Filter property']").select_option(label="# Points")
    group.locator("select[aria-label='Filter operator']").select_option(label=">")
    group.locator("input[aria-label='Filter value']").fill("6")
    page.wait_for_function("() => document.querySelectorAll('tr.dbv-row').length === 3")
    screenshot(page, "filter-builder")
    page.keyboard.press("Escape")

    view = workspace.views(database["id"])[0]
    assert page.locator("tr.dbv-row .dbv-title-text").all_inner_texts() == ["b", "c", "d"]
    assert "or" in view["config"]["filter"] and len(view["config"]["filter"]["or"]) == 2
    assert view["config"]["filter"]["or"][1] == {"and": [{"property": next(p["id"] for p in database["properties"] if p["name"] == "Points"), "operator": "gt", "value": 6}]}


# --- list, gallery, personal views and permissions -----------------------------------------------------


def test_list_and_gallery_views_show_the_rows_and_a_personal_view_stays_private(workspace, site, page, browser):
    database = workspace.create_database("Reading list", [
        {"name": "Author", "type": "text"}, {"name": "Genre", "type": "select", "config": {"options": [{"name": "Essay", "color": "purple"}, {"name": "Novel", "color": "green"}]}},
        {"name": "Cover", "type": "files"}])
    workspace.add_row(database["id"], {"Name": "The Pragmatic Programmer", "Author": "Hunt & Thomas", "Genre": "Essay"})
    workspace.add_row(database["id"], {"Name": "Dune", "Author": "Herbert", "Genre": "Novel"})
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    add_view(page, "Shelf", "list")
    page.click("[data-action=properties]")
    page.check(".dbv-properties input[aria-label='Show Author']")
    page.wait_for_selector(".dbv-list-item:has-text('Herbert')")
    page.keyboard.press("Escape")
    list_titles = page.locator(".dbv-list-text").all_inner_texts()
    screenshot(page, "list")
    add_view(page, "Covers", "gallery", personal=True)
    page.click("[data-action=properties]")
    page.check(".dbv-properties input[aria-label='Show Genre']")
    page.wait_for_selector(".dbv-gallery-card .dbv-chip:text-is('Novel')")
    page.keyboard.press("Escape")
    gallery_titles = page.locator(".dbv-gallery-title").all_inner_texts()
    screenshot(page, "gallery")
    personal = page.url

    assert list_titles == ["The Pragmatic Programmer", "Dune"]
    assert gallery_titles == ["The Pragmatic Programmer", "Dune"]
    views = {view["name"]: view for view in workspace.views(database["id"])}
    assert views["Covers"]["personal"] is True and views["Shelf"]["personal"] is False

    # Someone outside the workspace finds neither the database nor the personal view.
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    outsider = other.new_page()
    log_in(outsider, workspace.base_url, "outsider")
    answer = outsider.goto(personal)
    listing = outsider.goto(workspace.base_url + "/web/databases")
    listed = outsider.inner_text(".db-list")
    other.close()
    assert answer.status == 404 and listing.status == 200
    assert "Reading list" not in listed


def test_a_workspace_member_cannot_see_another_users_personal_view(workspace, site, page):
    site.workos("user", "create", "ada", "--password-stdin", input=PASSWORD + "\n", check=True)
    ada_id = int(site.sql("SELECT id FROM auth_user WHERE username = 'ada'")[0][0])
    added = workspace.api.post(f"/api/v1/workspaces/{workspace.workspace_id}/members", json={"user_id": ada_id, "role": "member"})
    assert added.status_code in (200, 201), added.text
    database = workspace.create_database("Team board", [])
    workspace.add_row(database["id"], {"Name": "Shared row"})
    mine = workspace.api.post(f"/api/v1/databases/{database['id']}/views", json={"name": "Grace only", "personal": True})
    assert mine.status_code == 201, mine.text
    log_in(page, workspace.base_url, "ada")

    hidden = page.goto(f"{workspace.base_url}/web/databases/{database['id']}/views/{mine.json()['id']}")
    open_database(page, workspace.base_url, database["id"])

    assert hidden.status == 404
    assert "Grace only" not in page.inner_text(".view-tabs")
    assert page.locator("tr.dbv-row .dbv-title-text").all_inner_texts() == ["Shared row"]


def test_unknown_databases_and_bad_form_input_get_clear_answers_not_errors(workspace, page):
    database = workspace.create_database("Inventory", [])
    log_in(page, workspace.base_url)
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")

    missing = page.request.get(f"{workspace.base_url}/web/databases/999999")
    missing_view = page.request.get(f"{workspace.base_url}/web/databases/{database['id']}/views/999999")
    bad_space = page.request.post(f"{workspace.base_url}/web/databases", form={"title": "X", "space_id": "abc"}, headers={"X-CSRFToken": csrf})
    foreign_space = page.request.post(f"{workspace.base_url}/web/databases", form={"title": "X", "space_id": "424242"}, headers={"X-CSRFToken": csrf})
    too_long = page.request.post(f"{workspace.base_url}/web/databases", form={"title": "x" * 600, "space_id": str(workspace.space_id)},
                                 headers={"X-CSRFToken": csrf})

    assert missing.status == 404 and missing_view.status == 404
    assert bad_space.status == 422 and "cannot create a database in that space" in bad_space.text()
    assert foreign_space.status == 422
    assert too_long.status in (303, 200, 422) and too_long.status != 500


def test_the_search_box_narrows_the_view_by_full_text(workspace, page):
    database = workspace.create_database("Tasks", [{"name": "Notes", "type": "text"}])
    for values in ({"Name": "Fix login", "Notes": "crash on café wifi"}, {"Name": "Billing", "Notes": "invoices"},
                   {"Name": "Cafe menu"}):
        workspace.add_row(database["id"], values)
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])
    shown = lambda: sorted(page.locator("tr.dbv-row .dbv-title-text").all_inner_texts())  # noqa: E731
    eventually(lambda: shown() == ["Billing", "Cafe menu", "Fix login"])
    page.fill("[data-action=search]", "cafe")  # a text value with an accent, and a title
    eventually(lambda: shown() == ["Cafe menu", "Fix login"])
    page.fill("[data-action=search]", "invo")  # the last word is a prefix while typing
    eventually(lambda: shown() == ["Billing"])
    page.fill("[data-action=search]", "")
    eventually(lambda: shown() == ["Billing", "Cafe menu", "Fix login"])


def test_a_relation_cell_shows_its_first_links_and_loads_the_rest_and_the_table_says_how_many_rows(workspace, page):
    targets = workspace.create_database("Tasks", [])
    tasks = [workspace.add_row(targets["id"], {"Name": f"task {number:02d}"}) for number in range(27)]
    projects = workspace.create_database("Projects", [{"name": "Tasks", "type": "relation", "config": {"database_id": targets["id"]}}])
    relation = next(prop for prop in projects["properties"] if prop["name"] == "Tasks")
    workspace.add_row(projects["id"], {"Name": "Big", "Tasks": [task["id"] for task in tasks]})
    workspace.add_row(projects["id"], {"Name": "Small", "Tasks": [tasks[0]["id"]]})

    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, projects["id"])

    big = cell(page, "Big", relation["id"])
    assert big.locator(".dbv-relation").count() == 25  # the first 25 links, in their order
    more = big.locator("[data-action=relation-more]")
    assert more.inner_text() == "+2 more"
    assert cell(page, "Small", relation["id"]).locator("[data-action=relation-more]").count() == 0
    assert page.locator(".dbv-total").inner_text() == "2 rows"
    more.click()
    listed = page.locator(".dbv-related-list a")
    eventually(lambda: listed.count() == 27)
    assert listed.nth(26).inner_text() == "↗ task 26"
    assert page.locator(".dbv-picker .dbv-muted").first.inner_text() == "27 linked rows"


def test_rows_are_selected_set_and_deleted_in_bulk_with_undo(workspace, page):
    database = workspace.create_database("Tasks", [{"name": "Tag", "type": "select", "config": {"options": ["bug", "feature"]}}])
    for number in range(103):  # more than a page of the table (100): "select all matching" reaches the rows not shown
        workspace.add_row(database["id"], {"Name": f"task {number:03d}", "Tag": "bug"})
    tag = next(prop for prop in database["properties"] if prop["name"] == "Tag")
    names = lambda: {option["id"]: option["name"] for option in tag["config"]["options"]}  # noqa: E731
    tags = lambda: sorted(names()[row["values"][str(tag["id"])]] for row in workspace.rows(database["id"]))  # noqa: E731

    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])
    page.click(".dbv-select-all")
    assert page.locator(".dbv-bulk-count").inner_text() == "100 selected"
    page.click("[data-action=select-all-matching]")
    assert page.locator(".dbv-bulk-count").inner_text() == "103 selected"
    page.click("[data-action=bulk-set]")
    page.click(".dbv-menu .dbv-menu-item:text-is('Tag')")
    page.click(".dbv-picker .dbv-picker-item:has-text('feature')")
    eventually(lambda: tags() == ["feature"] * 103, timeout=BULK_WRITE)

    page.click("[data-action=bulk-clear]")
    page.locator("tr.dbv-row", has_text="task 001").locator(".dbv-select").check()
    page.locator("tr.dbv-row", has_text="task 002").locator(".dbv-select").check()
    assert page.locator(".dbv-bulk-count").inner_text() == "2 selected"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-action=bulk-delete]")
    eventually(lambda: len(workspace.rows(database["id"])) == 101, timeout=BULK_WRITE)
    eventually(lambda: page.locator("tr.dbv-row", has_text="task 001").count() == 0)
    page.click(".dbv-toast-action")  # Undo
    eventually(lambda: len(workspace.rows(database["id"])) == 103, timeout=BULK_WRITE)
    eventually(lambda: page.locator("tr.dbv-row", has_text="task 001").count() == 1)


def test_a_csv_file_is_imported_from_the_view_menu(workspace, page, tmp_path):
    database = workspace.create_database("Tasks", [{"name": "Points", "type": "number"}])
    path = tmp_path / "tasks.csv"
    path.write_text("Name,Points,Stage\n" + "".join(f"task {n:02d},{n},{['todo', 'done'][n % 2]}\n" for n in range(30)), encoding="utf-8")
    log_in(page, workspace.base_url)
    open_database(page, workspace.base_url, database["id"])

    page.click("[data-action=view-menu]")
    page.set_input_files(".dbv-view-menu input[type=file]", str(path))
    page.wait_for_selector(".dbv-toast:has-text('Imported 30 rows.')")
    page.wait_for_load_state("load")
    eventually(lambda: page.locator("tr.dbv-row").count() == 30)
    assert page.locator(".dbv-total").inner_text() == "30 rows"
    stage = next(prop for prop in workspace.api.get(f"/api/v1/databases/{database['id']}/properties").json() if prop["name"] == "Stage")
    assert stage["type"] == "select"  # the new column's type was detected
