"""Templates' part of ``workos demo load``: the demo workspace filled from the system templates, through the same
services a user's "Start from a template" uses — a project tracker with enough tasks for every view, meeting
notes, the team wiki, OKRs and a CRM — and a "What to try" section on core's welcome page that links them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ipai_workos_blocks import services as blocks
from ipai_workos_core import services as core
from ipai_workos_db import services as databases
from workos.kernel.demo import Demo

from . import services
from .models import Template

EXTRA_TASKS = [
    ("Collect feedback from the beta group", "In progress", "P1 - High", 1, "Design"), ("Fix the flaky login test", "Not started", "P0 - Critical", 1, "Engineering"),
    ("Review analytics dashboard", "In review", "P2 - Medium", 2, "Planning"), ("Translate the onboarding emails", "Backlog", "P3 - Low", 30, "Marketing"),
    ("Update the privacy policy", "Not started", "P1 - High", 9, "Support"), ("Record the product demo video", "In progress", "P2 - Medium", 6, "Marketing"),
    ("Load test the API", "Not started", "P1 - High", 11, "Engineering"), ("Design the empty states", "Done", "P2 - Medium", -4, "Design"),
    ("Write release notes", "Not started", "P2 - Medium", 13, "Marketing"), ("Migrate old tickets", "Backlog", "P3 - Low", 27, "Support"),
    ("Accessibility audit", "In review", "P1 - High", 0, "Design"), ("Set up error monitoring", "Done", "P1 - High", -8, "Engineering"),
    ("Price the enterprise plan", "In progress", "P1 - High", 5, "Planning"), ("Interview two candidates", "Done", "P2 - Medium", -2, "Planning"),
    ("Clean up feature flags", "Backlog", "P3 - Low", 35, "Engineering"), ("Prepare the board update", "Not started", "P0 - Critical", 7, "Planning"),
    ("Refresh the screenshots", "Not started", "P3 - Low", 16, "Marketing"), ("Train the support team", "Not started", "P2 - Medium", 18, "Support"),
    ("Archive last quarter's docs", "Done", "P3 - Low", -12, "Support"), ("Plan the launch party", "Backlog", "P3 - Low", 21, "Planning"),
    ("Benchmark search speed", "In progress", "P2 - Medium", 4, "Engineering"),
]


def _system(name: str) -> Template:
    return Template.objects.get(workspace__isnull=True, database__isnull=True, name=name)


def _mention(page_id: int, before: str, after: str) -> list[dict]:
    return [{"text": before}, {"mention": {"kind": "page", "id": page_id}, "text": "page"}, {"text": after}]


def load(demo: Demo) -> None:
    user, spaces, welcome = demo.user, demo.made["spaces"], demo.made["welcome_page"]
    team, engineering = spaces["Team"], spaces["Engineering"]
    tracker = services.apply_template(user, _system("Project tracker"), space=engineering)
    database = databases.get_database(user, tracker["id"])
    today = timezone.localdate()
    for number, (title, status, priority, days, area) in enumerate(EXTRA_TASKS):
        databases.create_row(user, database, {"Task": title, "Status": status, "Priority": priority, "Area": area, "Estimate": 1 + number % 5,
                                              "Due date": (today + timedelta(days=days)).isoformat(), "Done": status == "Done",
                                              **({"Assignee": [user.pk]} if number % 3 else {})})
    bugs = services.apply_template(user, _system("Bug tracker"), space=engineering)
    wiki = services.apply_template(user, _system("Team wiki"), space=team)
    notes = services.apply_template(user, _system("Meeting notes"), space=team, parent=welcome)
    okrs = services.apply_template(user, _system("OKRs"), space=team)
    crm = services.apply_template(user, _system("Simple CRM"), space=team)

    rows = len(EXTRA_TASKS) + len(_system("Project tracker").content["databases"][0]["rows"])
    trees = blocks.document(welcome)
    trees += [
        {"type": "heading_2", "content": {"text": [{"text": "What to try"}]}, "children": []},
        {"type": "todo", "content": {"text": [{"text": f"Open the Project tracker in Engineering (board, table, calendar, list and gallery views of "
                                               f"{rows} tasks)"}], "checked": False}, "children": []},
        {"type": "todo", "content": {"text": _mention(notes["page_id"], "Read the ", " under this page, made from the Meeting notes template"),
                                     "checked": False}, "children": []},
        {"type": "todo", "content": {"text": _mention(wiki["page_id"], "Browse the ", " and its sub-pages"), "checked": False}, "children": []},
        {"type": "todo", "content": {"text": _mention(okrs["page_id"], "See how ", " roll up key-result progress into objectives"), "checked": False}, "children": []},
        {"type": "todo", "content": {"text": _mention(crm["page_id"], "Link a contact to a company in the ", ""), "checked": False}, "children": []},
        {"type": "todo", "content": {"text": [{"text": "Open Templates in the sidebar: preview one, then apply it to a new page"}], "checked": False}, "children": []},
        {"type": "todo", "content": {"text": [{"text": "In the Bug tracker, click the arrow beside New to file a Bug report or a Feature request"}], "checked": False},
         "children": []},
        {"type": "todo", "content": {"text": [{"text": "Save any page as a template from its ⋯ menu"}], "checked": False}, "children": []},
    ]
    blocks.replace_document(user, welcome, trees, base_version=blocks.document_version(welcome))
    # The demo user's home is not a first run: favourites, and the pages "recently visited" (oldest first).
    wiki_page, notes_page = core.get_page(user, wiki["page_id"]), core.get_page(user, notes["page_id"])
    for favorite in (welcome, wiki_page, notes_page):
        core.add_favorite(user, favorite)
    for visited in (core.get_page(user, crm["page_id"]), core.get_page(user, okrs["page_id"]), notes_page, wiki_page, welcome):
        core.record_visit(user, visited)
    demo.made.update(project_tracker=database, bug_tracker_id=bugs["id"], wiki_page_id=wiki["page_id"], meeting_notes_page_id=notes["page_id"])
    demo.report["templates"] = (f"from the system templates: Project tracker ({rows} tasks, 5 views), Bug tracker, Team wiki, Meeting notes, "
                                f"OKRs and CRM; a What to try list on the welcome page; 3 favourites and 5 recent pages on the home page")
