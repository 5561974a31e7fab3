"""Every system template loads from its data file, applies on this database through the services, and what it
makes works: blocks render, every view returns rows, rollups compute, relations point at the copies."""

from __future__ import annotations

import pytest

from .conftest import system

SYSTEM_TEMPLATES = ["Meeting notes", "Project tracker", "Task list", "Team wiki", "Product roadmap", "Bug tracker", "OKRs", "Weekly planner",
                    "Reading list", "Simple CRM"]


def _databases_made(result):
    from ipai_workos_core import services as core
    from ipai_workos_core.models import Page
    from ipai_workos_db.models import Database

    if result["object"] == "database":
        first = Database.objects.get(pk=result["id"])
        return list(Database.objects.filter(space=first.space, parent_page=first.parent_page, created_at__gte=first.created_at))
    pages = core.subtree_ids(result["page_id"])
    return list(Database.objects.filter(parent_page_id__in=pages))


def test_every_system_template_is_installed_as_module_data(db):
    from workos.kernel.models import ModelData

    from ipai_workos_templates.models import Template

    names = set(Template.objects.filter(workspace__isnull=True).values_list("name", flat=True))
    assert set(SYSTEM_TEMPLATES) <= names
    tracked = ModelData.objects.filter(module="ipai_workos_templates", model="ipai.workos.template").count()
    assert tracked == len(names)
    kinds = {row.kind for row in Template.objects.filter(workspace__isnull=True)}
    assert kinds == {"page", "database"}


@pytest.mark.parametrize("name", SYSTEM_TEMPLATES)
def test_system_template_applies_and_its_result_works(name, tree, people, api_for):
    from ipai_workos_blocks import services as blocks
    from ipai_workos_core.models import Page
    from ipai_workos_views.models import View

    template = system(name)
    api = api_for(people.editor)
    answer = api.post(f"/templates/{template.pk}/apply", {"space_id": tree.space.pk})
    assert answer.status_code == 201, answer.json()
    result = answer.json()
    assert result["object"] in ("page", "database") and result["id"]

    if result["object"] == "page":
        page = Page.objects.get(pk=result["page_id"])
        assert page.title and page.icon and page.cover_url
        assert "{{" not in page.title
        html = blocks.page_html(page, people.editor)
        assert html and "{{" not in html
        for sub in Page.objects.filter(parent=page):
            assert blocks.page_html(sub, people.editor)
    views_seen = 0
    for database in _databases_made(result):
        views = list(View.objects.filter(database=database))
        assert views, f"{database.title} has no view"
        for view in views:
            rows = api.get(f"/views/{view.pk}/rows")
            body = rows.json()
            assert rows.status_code == 200, body
            items = body["items"] or [item for group in (body.get("groups") or []) for item in []]
            assert body["count"] and body["count"] > 0 or items, f"{database.title} / {view.name} ({view.type}) shows no rows"
            views_seen += 1
            for item in body["items"]:
                assert "{{" not in item["title"]
    assert views_seen or result["object"] == "page"


def test_every_view_type_is_used_by_some_system_template(db):
    from ipai_workos_templates.models import Template

    used = set()
    for template in Template.objects.filter(workspace__isnull=True):
        content = template.content

        def collect(spec):
            for database in spec.get("databases") or []:
                used.update(view["type"] for view in database["views"])
            for child in spec.get("children") or []:
                collect(child)

        collect(content.get("page") or content)
    assert used == {"table", "kanban", "calendar", "list", "gallery"}


def test_okrs_rollups_compute_over_the_copied_key_results(tree, people, api_for):
    from ipai_workos_db.models import Database

    api = api_for(people.editor)
    result = api.post(f"/templates/{system('OKRs').pk}/apply", {"space_id": tree.space.pk}).json()
    objectives = Database.objects.get(parent_page_id=result["page_id"], title="Objectives")
    rows = api.get(f"/databases/{objectives.pk}/rows").json()["items"]
    props = {prop["name"]: str(prop["id"]) for prop in api.get(f"/databases/{objectives.pk}").json()["properties"]}
    by_title = {row["title"]: row for row in rows}
    grow = by_title["Grow an active user base"]["values"]
    assert grow[props["Key result count"]] == 2
    assert grow[props["Progress"]] == pytest.approx((0.62 + 0.4) / 2)


def test_crm_relations_point_at_the_copies_both_ways(tree, people, api_for):
    from ipai_workos_db.models import Database, Property, RowRelation

    api = api_for(people.editor)
    template = system("Simple CRM")
    first = api.post(f"/templates/{template.pk}/apply", {"space_id": tree.space.pk}).json()
    second = api.post(f"/templates/{template.pk}/apply", {"space_id": tree.space.pk}).json()
    for result in (first, second):
        companies = Database.objects.get(parent_page_id=result["page_id"], title="Companies")
        contacts = Database.objects.get(parent_page_id=result["page_id"], title="Contacts")
        relation = Property.objects.get(database=contacts, name="Company")
        assert relation.config["database_id"] == companies.pk
        assert Property.objects.filter(database=companies, name="Contacts", type="relation").exists()
        links = RowRelation.objects.filter(property=relation)
        assert links.count() == 5
        assert {link.target.database_id for link in links} == {companies.pk}
        acme = next(row for row in api.get(f"/databases/{companies.pk}/rows").json()["items"] if row["title"] == "Acme Corp")
        count_id = str(Property.objects.get(database=companies, name="Contact count").pk)
        assert acme["values"][count_id] == 2


def test_module_upgrade_restores_the_system_templates_from_their_data_files(db):
    from workos.kernel.installer import Installer

    from ipai_workos_templates.models import Template

    notes = system("Meeting notes")
    Template.objects.filter(pk=notes.pk).update(name="Meeting notes", description="changed by hand", content={"page": {"blocks": []}})

    Installer().upgrade(["ipai_workos_templates"])

    notes.refresh_from_db()
    assert notes.description == "Agenda, attendees, notes, decisions and action items, dated today."
    assert notes.content["page"]["title"] == "Meeting notes {{today}}"
    assert Template.objects.filter(workspace__isnull=True, name="Meeting notes").count() == 1
