"""One rule for everything a row shows of other rows (relations, rollups, formulas): the viewer sees only related
rows they can read — by the oracle ``permissions.can(user, "read", row.page)`` — and "No access" for the others,
never their titles, values or counts; on every output path.

The matrix: users (workspace admin, member, guest with a view grant on the team space) × a private database that
is shared with the member or not × a row of it with a grant of its own (view, none, or no grant) × random links."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

import pytest
from django.test import Client

from ipai_platform_permissions import services as permissions
from ipai_workos_core import services as core
from ipai_workos_db import services as databases
from ipai_workos_views import services as views

from .conftest import People

NO_ACCESS = "No access"


@dataclass
class World:
    projects: object  # team database relating to Secrets and Tasks
    secrets: list  # rows of the private database
    tasks: list  # rows of a team database
    links: dict  # project row id -> (secret row ids in link order, task row ids)
    project_rows: list
    props: dict  # name -> property id (str) of Projects
    view: object


def _secret_title(seed: int, number: int) -> str:
    return f"classified-{seed}-{number}-qz"


def _build(people: People, tree, *, shared: bool, row_grant: str | None, seed: int) -> World:
    admin, member = people.admin, people.editor
    rng = random.Random(seed)
    vault = core.create_space(admin, tree.workspace, f"Vault {seed}", visibility="private")
    secret_db = databases.create_database(admin, space=vault, title="Secrets", properties=[
        {"name": "Points", "type": "number"}, {"name": "Code", "type": "text"}])
    secrets = [databases.create_row(admin, secret_db, {"Name": _secret_title(seed, number), "Points": 1000 + 37 * number,
                                                       **({"Code": f"code-{seed}-{number}-qz"} if number % 3 else {})})
               for number in range(5)]
    if shared:
        permissions.grant(admin, secret_db, "view", user_id=member.pk)
    if row_grant:
        permissions.grant(admin, secrets[0].page, row_grant, user_id=member.pk)
    task_db = databases.create_database(admin, space=tree.space, title="Tasks", properties=[{"name": "Points", "type": "number"}])
    tasks = [databases.create_row(admin, task_db, {"Name": f"task-{number}", "Points": number}) for number in range(3)]

    projects = databases.create_database(admin, space=tree.space, title="Projects")
    relation = databases.create_property(admin, projects, name="Secrets", type="relation", config={"database_id": secret_db.pk})
    task_relation = databases.create_property(admin, projects, name="Tasks", type="relation",
                                              config={"database_id": task_db.pk, "two_way": True})
    points = secret_db.properties.get(name="Points").pk
    code = secret_db.properties.get(name="Code").pk
    for name, function, target, over in [
        ("Secret count", "count", None, relation), ("Secret max", "max", points, relation), ("Secret sum", "sum", points, relation),
        ("Secret codes", "count_values", code, relation), ("Secret latest code", "latest", code, relation),
        ("Task sum", "sum", task_db.properties.get(name="Points").pk, task_relation),
    ]:
        databases.create_property(admin, projects, name=name, type="rollup", config={
            "relation_property_id": over.pk, "function": function, **({"target_property_id": target} if target else {})})
    databases.create_property(admin, projects, name="Secret links", type="formula", config={"expression": 'length(prop("Secrets"))'})
    databases.create_property(admin, projects, name="Max plus", type="formula", config={"expression": 'prop("Secret max") + 1'})

    links, project_rows = {}, []
    for number in range(3):
        chosen = rng.sample(secrets, rng.randint(0, len(secrets)))
        chosen_tasks = rng.sample(tasks, rng.randint(0, len(tasks)))
        row = databases.create_row(admin, projects, {"Name": f"project-{number}", "Secrets": [s.pk for s in chosen],
                                                     "Tasks": [t.pk for t in chosen_tasks]})
        links[row.pk] = ([s.pk for s in chosen], [t.pk for t in chosen_tasks])
        project_rows.append(row)
    props = {prop.name: str(prop.pk) for prop in projects.properties.all()}
    view = views.create_view(admin, projects, name="Everything")
    return World(projects, secrets, tasks, links, project_rows, props, view)


def _readable(user, world: World) -> set[int]:
    """The oracle: the secret rows ``user`` may read, asked row page by row page."""
    return {row.pk for row in world.secrets if permissions.can(user, "read", row.page)}


def _expected(world: World, readable: set[int], project_id: int) -> dict:
    """What a viewer who can read ``readable`` (and every task) must see of a project row."""
    secret_by_id = {row.pk: row for row in world.secrets}
    task_by_id = {row.pk: row for row in world.tasks}
    linked, task_ids = world.links[project_id]
    shown = [secret_by_id[pk] for pk in linked if pk in readable]
    hidden = any(pk not in readable for pk in linked)
    points = [row.values[f"p{row.database.properties.get(name='Points').pk}"] for row in shown]
    code_key = f"p{world.secrets[0].database.properties.get(name='Code').pk}"
    codes = [row.values[code_key] for row in shown if code_key in row.values]
    titles = [row.page.title for row in shown] + ([NO_ACCESS] if hidden else [])
    task_points = sum(task_by_id[pk].values[f"p{task_by_id[pk].database.properties.get(name='Points').pk}"] for pk in task_ids)
    return {
        "Secrets": ([row.pk for row in shown], ", ".join(titles)),
        "Secret count": len(shown), "Secret max": max(points) if points else None, "Secret sum": sum(points),
        "Secret codes": len(codes), "Task sum": task_points, "Secret links": len(shown),
        "Max plus": (max(points) if points else 0) + 1,  # a formula reads an empty rollup as 0
    }


def _check_row_json(item: dict, world: World, readable: set[int], where: str) -> None:
    expected = _expected(world, readable, item["id"])
    ids, display = expected.pop("Secrets")
    assert item["values"][world.props["Secrets"]] == ids, where
    assert item["display"][world.props["Secrets"]] == display, where
    assert item["relation_totals"][world.props["Secrets"]] == len(ids), where  # readable rows only: never a count of the others
    for name, value in expected.items():
        assert item["values"][world.props[name]] == value, (where, name, item["values"][world.props[name]], value)


def _check_csv(text: str, world: World, readable: set[int], where: str) -> None:
    lines = list(csv.DictReader(io.StringIO(text)))
    by_title = {line["Name"]: line for line in lines}
    for row in world.project_rows:
        expected = _expected(world, readable, row.pk)
        line = by_title[row.page.title]
        assert line["Secrets"] == expected["Secrets"][1], where
        assert line["Secret count"] == str(expected["Secret count"]), where
        assert line["Secret links"] == str(expected["Secret links"]), where


def _assert_nothing_unreadable(body: str, world: World, readable: set[int], where: str) -> None:
    for row in world.secrets:
        if row.pk in readable:
            continue
        assert row.page.title not in body, (where, row.page.title)
        for value in row.values.values():
            if isinstance(value, str):
                assert value not in body, (where, value)


USERS = ["admin", "editor", "viewer"]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("row_grant", [None, "view", "none"])
@pytest.mark.parametrize("shared", [False, True])
def test_related_rows_show_only_what_the_oracle_lets_each_user_read(tree, people, api_for, shared, row_grant, seed):
    world = _build(people, tree, shared=shared, row_grant=row_grant, seed=seed)
    for name in USERS:
        user = getattr(people, name)
        readable = _readable(user, world)
        api = api_for(user)
        bodies: dict[str, str] = {}

        for row in world.project_rows:
            answer = api.get(f"/rows/{row.pk}")
            bodies[f"row {row.pk}"] = answer.content.decode()
            _check_row_json(answer.json(), world, readable, f"{name}: row JSON")
        listed = api.get(f"/databases/{world.projects.pk}/rows")
        bodies["rows"] = listed.content.decode()
        for item in listed.json()["items"]:
            _check_row_json(item, world, readable, f"{name}: rows list")
        for count in range(6):  # a filter on a rollup sees the same values as the cells
            queried = api.post(f"/databases/{world.projects.pk}/rows/query",
                               {"filter": {"property": "Secret count", "operator": "eq", "value": count}})
            bodies[f"query {count}"] = queried.content.decode()
            assert {item["id"] for item in queried.json()["items"]} == {
                row.pk for row in world.project_rows if _expected(world, readable, row.pk)["Secret count"] == count}, name
            for item in queried.json()["items"]:
                _check_row_json(item, world, readable, f"{name}: query")
        viewed = api.get(f"/views/{world.view.pk}/rows")
        bodies["view rows"] = viewed.content.decode()
        for item in viewed.json()["items"]:
            _check_row_json(item, world, readable, f"{name}: view rows")
        for path in (f"/databases/{world.projects.pk}/export.csv", f"/views/{world.view.pk}/export.csv"):
            exported = api.get(path)
            assert exported.status_code == 200, path
            bodies[path] = exported.content.decode()
            _check_csv(bodies[path], world, readable, f"{name}: {path}")
        if permissions.can(user, "edit", world.projects):
            row = world.project_rows[0]
            copy = api.post(f"/rows/{row.pk}/duplicate")
            assert copy.status_code == 201
            bodies["duplicate"] = copy.content.decode()
            copied = copy.json()
            # the copy links only to the rows its maker could read: nothing of it is "No access"
            world.links[copied["id"]] = ([pk for pk in world.links[row.pk][0] if pk in readable], world.links[row.pk][1])
            _check_row_json(copied, world, readable, f"{name}: duplicate")
            for action, answer in (("delete", api.delete(f"/rows/{copied['id']}")), ("restore", api.post(f"/rows/{copied['id']}/restore"))):
                assert answer.status_code == 200, action
                bodies[action] = answer.content.decode()
                _check_row_json(answer.json(), world, readable, f"{name}: {action}")
            # the copy holds only the links its maker could read: the admin, who reads everything, sees exactly those
            as_admin = api_for(people.admin).get(f"/rows/{copied['id']}").json()
            assert as_admin["values"][world.props["Secrets"]] == world.links[copied["id"]][0], name
            databases.archive_row(people.admin, databases.get_row(people.admin, copied["id"]))
        web = Client()
        web.force_login(user)
        for row in world.project_rows:  # the row opened as a page shows its properties at the top
            opened = web.get(f"/web/pages/{row.page_id}")
            if permissions.can(user, "read", row.page):
                assert opened.status_code == 200 and b"workos-row-data" in opened.content, name
            bodies[f"row page {row.pk}"] = opened.content.decode()
        for where, body in bodies.items():
            _assert_nothing_unreadable(body, world, readable, f"{name}: {where}")


def test_the_oracle_set_ups_differ(tree, people):
    """The matrix means something: each user reads a different part of the private database."""
    world = _build(people, tree, shared=True, row_grant="none", seed=1)
    assert _readable(people.admin, world) == {row.pk for row in world.secrets}
    assert _readable(people.editor, world) == {row.pk for row in world.secrets[1:]}
    assert _readable(people.viewer, world) == set()
    other = _build(people, tree, shared=False, row_grant="view", seed=2)
    assert _readable(people.editor, other) == {other.secrets[0].pk}


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_a_related_row_the_user_cannot_read_shows_no_access(tree, people, api_for, who):
    world = _build(people, tree, shared=False, row_grant=None, seed=3)
    row = world.project_rows[0]
    databases.update_row(people.admin, row, {"Secrets": [world.secrets[1].pk]})

    answer = api_for(getattr(people, who)).get(f"/rows/{row.pk}").json()

    assert answer["display"][world.props["Secrets"]] == NO_ACCESS
    assert answer["values"][world.props["Secrets"]] == []
    assert answer["values"][world.props["Secret count"]] == 0 and answer["values"][world.props["Secret max"]] is None


def test_creating_a_rollup_or_formula_over_an_unreadable_database_is_refused(tree, people, api_for):
    world = _build(people, tree, shared=False, row_grant=None, seed=4)
    api = api_for(people.editor)
    relation = int(world.props["Secrets"])
    secret_props = {prop.name: prop.pk for prop in world.secrets[0].database.properties.all()}

    attempts = {
        "max": {"name": "Mine max", "type": "rollup", "config": {"relation_property_id": relation, "function": "max",
                                                                   "target_property_id": secret_props["Points"]}},
        "count_values": {"name": "Mine codes", "type": "rollup", "config": {"relation_property_id": relation, "function": "count_values",
                                                                              "target_property_id": secret_props["Code"]}},
        "count": {"name": "Mine count", "type": "rollup", "config": {"relation_property_id": relation, "function": "count"}},
        "formula": {"name": "Mine formula", "type": "formula", "config": {"expression": 'length(prop("Secrets"))'}},
        "formula over a rollup": {"name": "Mine via rollup", "type": "formula", "config": {"expression": 'prop("Secret max") * 2'}},
    }
    answers = {name: api.post(f"/databases/{world.projects.pk}/properties", body) for name, body in attempts.items()}
    task_rollup = api.post(f"/databases/{world.projects.pk}/properties", {"name": "Mine tasks", "type": "rollup", "config": {
        "relation_property_id": int(world.props["Tasks"]), "function": "count"}})
    permissions.grant(people.admin, world.secrets[0].database, "view", user_id=people.editor.pk)
    once_shared = api.post(f"/databases/{world.projects.pk}/properties", attempts["max"])

    assert {name: answer.status_code for name, answer in answers.items()} == {name: 403 for name in attempts}
    assert all(answer.json()["error"]["code"] == "permission_denied" for answer in answers.values())
    assert task_rollup.status_code == 201 and once_shared.status_code == 201, (task_rollup.json(), once_shared.json())
    # and an existing rollup cannot be re-pointed at it by someone who cannot read it
    mine = task_rollup.json()["id"]
    permissions.grant(people.admin, world.secrets[0].database, "none", user_id=people.editor.pk)
    repointed = api.patch(f"/properties/{mine}", {"config": {"relation_property_id": relation, "function": "count"}})
    assert repointed.status_code == 403


def test_changing_links_keeps_the_ones_the_user_cannot_see(tree, people, api_for):
    world = _build(people, tree, shared=True, row_grant="none", seed=5)
    hidden, visible = world.secrets[0], world.secrets[1:]
    row = world.project_rows[0]
    databases.update_row(people.admin, row, {"Secrets": [hidden.pk, visible[0].pk, visible[1].pk]})

    answer = api_for(people.editor).patch(f"/rows/{row.pk}", {"values": {"Secrets": [visible[1].pk]}})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["values"][world.props["Secrets"]] == [visible[1].pk]
    assert answer.json()["display"][world.props["Secrets"]] == f"{visible[1].page.title}, {NO_ACCESS}"
    as_admin = api_for(people.admin).get(f"/rows/{row.pk}").json()
    assert sorted(as_admin["values"][world.props["Secrets"]]) == sorted([visible[1].pk, hidden.pk])


def test_a_filter_does_not_tell_who_links_to_a_row_the_user_cannot_read(tree, people, api_for):
    world = _build(people, tree, shared=False, row_grant=None, seed=6)
    row, secret = world.project_rows[0], world.secrets[2]
    databases.update_row(people.admin, row, {"Secrets": [secret.pk]})
    contains = {"property": "Secrets", "operator": "contains", "value": secret.pk}
    in_python = {"and": [contains, {"property": "Secret count", "operator": "gte", "value": 0}]}  # a rollup: filtered in Python
    lacks = {"property": "Secrets", "operator": "does_not_contain", "value": secret.pk}
    view = views.create_view(people.admin, world.projects, name="Linked", config={"filter": contains})

    def ids(user, body) -> set[int]:
        answer = api_for(user).post(f"/databases/{world.projects.pk}/rows/query", {"filter": body})
        assert answer.status_code == 200, answer.json()
        return {item["id"] for item in answer.json()["items"]}

    everyone = {project.pk for project in world.project_rows}
    assert ids(people.admin, contains) == ids(people.admin, in_python) == {row.pk}
    assert ids(people.editor, contains) == ids(people.editor, in_python) == set()
    assert ids(people.editor, lacks) == everyone
    assert api_for(people.editor).get(f"/views/{view.pk}/rows").json()["items"] == []
    assert [item["id"] for item in api_for(people.admin).get(f"/views/{view.pk}/rows").json()["items"]] == [row.pk]


def test_a_relation_that_links_only_to_unreadable_rows_is_not_empty_in_sql_and_in_python(tree, people, api_for):
    world = _build(people, tree, shared=False, row_grant=None, seed=7)
    row = world.project_rows[0]
    databases.update_row(people.admin, row, {"Secrets": [world.secrets[1].pk]})
    api = api_for(people.editor)
    python = {"property": "Secret count", "operator": "gte", "value": 0}

    for operator in ("is_empty", "is_not_empty"):
        condition = {"property": "Secrets", "operator": operator}
        in_sql = api.post(f"/databases/{world.projects.pk}/rows/query", {"filter": condition}).json()["items"]
        in_python = api.post(f"/databases/{world.projects.pk}/rows/query", {"filter": {"and": [condition, python]}}).json()["items"]
        assert {item["id"] for item in in_sql} == {item["id"] for item in in_python}, operator
        assert (row.pk in {item["id"] for item in in_sql}) == (operator == "is_not_empty")


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize("row_grant", [None, "view", "none"])
@pytest.mark.parametrize("shared", [False, True])
def test_relation_cells_that_page_show_and_count_only_readable_rows(tree, people, api_for, monkeypatch, shared, row_grant, seed):
    """A list of rows shows the first linked rows (2 here) and the total; the rest pages through
    /rows/{id}/relations/{property}: for every user, exactly the readable rows the oracle says, in link order."""
    from ipai_workos_db import cells

    monkeypatch.setattr(cells, "RELATION_SHOWN", 2)
    world = _build(people, tree, shared=shared, row_grant=row_grant, seed=seed)
    secret_titles = {row.pk: row.page.title for row in world.secrets}
    for name in USERS:
        user = getattr(people, name)
        readable = _readable(user, world)
        api = api_for(user)
        bodies = {}
        listed = api.get(f"/databases/{world.projects.pk}/rows").json()
        viewed = api.get(f"/views/{world.view.pk}/rows").json()
        for where, items in (("rows list", listed["items"]), ("view rows", viewed["items"])):
            for item in items:
                linked = world.links[item["id"]][0]
                shown = [pk for pk in linked if pk in readable]
                hidden = any(pk not in readable for pk in linked)
                assert item["values"][world.props["Secrets"]] == shown[:2], (name, where)
                assert item["relation_totals"][world.props["Secrets"]] == len(shown), (name, where)
                assert item["display"][world.props["Secrets"]] == ", ".join([secret_titles[pk] for pk in shown[:2]] + ([NO_ACCESS] if hidden else [])), (name, where)
        for row in world.project_rows:
            linked = world.links[row.pk][0]
            shown = [pk for pk in linked if pk in readable]
            got, cursor = [], None
            while True:
                page = api.get(f"/rows/{row.pk}/relations/{world.props['Secrets']}", limit=1, **({"cursor": cursor} if cursor else {}))
                assert page.status_code == 200, page.json()
                body = page.json()
                bodies[f"relations {row.pk} {cursor}"] = page.content.decode()
                assert body["total"] == len(shown) and body["hidden"] == any(pk not in readable for pk in linked), name
                got.extend(item["id"] for item in body["items"])
                cursor = body["next_cursor"]
                if cursor is None:
                    break
            assert got == shown, name
        for where, body in bodies.items():
            _assert_nothing_unreadable(body, world, readable, f"{name}: {where}")


def test_related_rows_of_a_row_one_cannot_read_is_404_and_a_wrong_property_400(tree, people, api_for):
    world = _build(people, tree, shared=False, row_grant=None, seed=7)
    secret = world.secrets[0]
    assert api_for(people.editor).get(f"/rows/{secret.pk}/relations/{world.props['Secrets']}").status_code == 404
    row = world.project_rows[0]
    wrong = api_for(people.editor).get(f"/rows/{row.pk}/relations/{world.props['Secret count']}")
    assert wrong.status_code in (400, 422) and wrong.json()["error"]["field"] == "property_id"
