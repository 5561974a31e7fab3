"""Settings → Import in real Chromium: a Notion HTML export with a database and a Markdown & CSV export, each
with a progress bar, then the report (counts, databases with their typed columns, what was skipped); a refused
file says why and imports nothing. The space's and the page's menus download portable and instance-link zips."""

from __future__ import annotations

import pytest

from workos.testing.archives import make_zip

from .test_workspace_shell import screenshot, shell, user_client  # noqa: F401 (shell is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.once]


HTML_EXPORT = {
    "Plans 0a1b2c3d4e5f60718293a4b5c6d7e8f9.html":
        b'<html><body><article class="page"><header><div class="page-header-icon"><span class="icon">\xf0\x9f\x93\x8b</span></div>'
        b'<h1 class="page-title">Plans</h1></header><div class="page-body"><p>Quarter plans</p>'
        b'<div class="collection-content"><h4 class="collection-title">Goals</h4><table class="collection-content"><thead><tr><th>Name</th><th>Done</th></tr></thead>'
        b'<tbody><tr><td class="cell-title">Grow</td><td><div class="checkbox checkbox-on"></div></td></tr>'
        b'<tr><td class="cell-title">Hire</td><td><div class="checkbox checkbox-off"></div></td></tr></tbody></table></div></div></article></body></html>',
}
MARKDOWN_EXPORT = {
    "Notes 11111111111111111111111111111111.md": b"# Notes\n\nhello\n",
    "Notes 11111111111111111111111111111111/Tasks 22222222222222222222222222222222.csv": b"Name,Status\nA,Done\nB,Done\n",
    "Notes 11111111111111111111111111111111/Tasks 22222222222222222222222222222222_all.csv": b"Name,Status\nA,Done\nB,Done\nC,Open\n",
}


def test_settings_import_takes_both_notion_formats_and_shows_the_report(shell):
    base_url, open_as, shots = shell
    folder = shots.parent
    (folder / "html-export.zip").write_bytes(make_zip(HTML_EXPORT))
    (folder / "markdown-export.zip").write_bytes(make_zip(MARKDOWN_EXPORT))
    (folder / "evil.zip").write_bytes(make_zip({"Good.md": b"# Good\n", "../evil.md": b"# Evil\n"}))
    with user_client(base_url, "ada") as admin_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
        admin = open_as("ada")
        page = admin.page
        page.goto(base_url + "/web/settings")
        page.select_option("[data-import-form] select[name=space_id]", str(space["id"]))

        page.set_input_files("[data-import-form] input[type=file]", str(folder / "html-export.zip"))
        page.click("[data-import-form] button[type=submit]")
        report = page.wait_for_selector("[data-import-report] .import-report")
        assert "Imported (HTML): 1 page, 1 block, 1 database, 2 rows, 0 attachments." in report.inner_text()
        assert "Goals — 2 rows; Name (title), Done (checkbox)" in report.inner_text()
        screenshot(page, shots, "import-html")

        page.set_input_files("[data-import-form] input[type=file]", str(folder / "markdown-export.zip"))
        page.click("[data-import-form] button[type=submit]")
        page.wait_for_selector("[data-import-report] .import-report:has-text('Imported (Markdown)')")
        text = page.inner_text("[data-import-report]")
        assert "1 page, 1 block, 1 database, 3 rows" in text and "Tasks — 3 rows; Name (title), Status (select)" in text
        page.click(".import-report-skipped summary")
        assert "duplicate of Tasks 22222222222222222222222222222222_all.csv" in page.inner_text(".import-report-skipped")
        screenshot(page, shots, "import-markdown")

        before = len(admin_api.get("/api/v1/pages", params={"space_id": space["id"]}).json()["items"])
        page.set_input_files("[data-import-form] input[type=file]", str(folder / "evil.zip"))
        page.click("[data-import-form] button[type=submit]")
        error = page.wait_for_selector("[data-import-report] .import-report-error")
        assert "leaves the archive" in error.inner_text() and "Nothing was imported" in error.inner_text()
        assert len(admin_api.get("/api/v1/pages", params={"space_id": space["id"]}).json()["items"]) == before
        assert admin.errors == [] or all("422" in entry or "Unprocessable" in entry for entry in admin.errors)
        assert admin.foreign == []


def test_space_and_page_menus_download_portable_and_instance_zips(shell):
    import io
    import zipfile

    base_url, open_as, shots = shell
    with user_client(base_url, "ada") as admin_api:
        workspace = admin_api.post("/api/v1/workspaces", json={"name": "Acme"}).json()
        space = admin_api.post("/api/v1/spaces", json={"workspace_id": workspace["id"], "name": "Team"}).json()
        plan = admin_api.post("/api/v1/pages", json={"space_id": space["id"], "title": "Plan"}).json()
        step = admin_api.post("/api/v1/pages", json={"parent_id": plan["id"], "title": "Step one"}).json()
        version = admin_api.get(f"/api/v1/pages/{plan['id']}/blocks").json()["version"]
        saved = admin_api.put(f"/api/v1/pages/{plan['id']}/blocks", json={"base_version": version, "blocks": [
            {"type": "paragraph", "content": {"text": [{"text": "next: "}, {"mention": {"kind": "page", "id": step["id"]}, "text": "Step one"}]}}]})
        assert saved.status_code == 200, saved.text
        admin = open_as("ada")
        page = admin.page
        page.goto(base_url + f"/web/pages/{plan['id']}")

        page.click(f".tree-space[data-space-id='{space['id']}'] .tree-space-more")
        with page.expect_download() as download:
            page.click(".shell-menu-item:has-text('Export space (portable zip)')")
        assert download.value.suggested_filename == "Team.zip"
        with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
            assert sorted(archive.namelist()) == ["Plan.md", "Plan/Step one.md"]
            assert archive.read("Plan.md").decode() == "# Plan\n\nnext: [Step one](Plan/Step%20one.md)\n"

        page.click(f"li[data-page-id='{plan['id']}'] > .tree-row .tree-more")
        with page.expect_download() as download:
            page.click(".shell-menu-item:has-text('Export: Markdown with WorkOS links')")
        with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
            assert archive.read("Plan.md").decode() == f"# Plan\n\nnext: @[Step one](page:{step['id']})\n"
        assert admin.errors == [] and admin.foreign == []
