"""Relations (one- and two-way), rollups, formulas, type conversion, deleting options and properties, CSV."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipai_workos_db.cells import aggregate_values
from ipai_workos_db.formula import FormulaError, evaluate
from ipai_workos_db.models import Property, Row

from .conftest import add_rows, titles


def _database(api, tree, title, properties):
    answer = api.post("/databases", {"space_id": tree.space.pk, "title": title, "properties": properties})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    return body["id"], {prop["name"]: prop["id"] for prop in body["properties"]}


def test_two_way_relation_and_rollups(tree, people, api_for):
    api = api_for(people.editor)
    projects, project_props = _database(api, tree, "Projects", [])
    tasks, task_props = _database(api, tree, "Tasks", [{"name": "Hours", "type": "number"}, {"name": "Done", "type": "checkbox"},
                                                       {"name": "Due", "type": "date"}])
    relation = api.post(f"/databases/{projects}/properties", {"name": "Tasks", "type": "relation",
                                                               "config": {"database_id": tasks, "two_way": True, "paired_name": "Project"}}).json()
    pair_id = relation["config"]["paired_property_id"]
    rollups = {}
    for function, target in [("count", None), ("sum", "Hours"), ("average", "Hours"), ("max", "Hours"), ("percent_checked", "Done"),
                             ("latest", "Due"), ("count_values", "Due")]:
        config = {"relation_property_id": relation["id"], "function": function, **({"target_property_id": task_props[target]} if target else {})}
        answer = api.post(f"/databases/{projects}/properties", {"name": f"{function} {target}", "type": "rollup", "config": config})
        assert answer.status_code == 201, answer.json()
        rollups[function] = str(answer.json()["id"])
    made = [api.post(f"/databases/{tasks}/rows", {"values": {"Name": f"t{n}", "Hours": n, "Done": n % 2 == 0,
                                                             **({"Due": f"2024-02-0{n + 1}"} if n else {})}}).json() for n in range(4)]
    project = api.post(f"/databases/{projects}/rows", {"values": {"Name": "P", "Tasks": [made[0]["id"], made[1]["id"], made[3]["id"]]}}).json()

    values = project["values"]
    assert values[str(relation["id"])] == [made[0]["id"], made[1]["id"], made[3]["id"]]
    assert project["display"][str(relation["id"])] == "t0, t1, t3"
    assert values[rollups["count"]] == 3 and values[rollups["sum"]] == 4 and values[rollups["max"]] == 3
    assert abs(values[rollups["average"]] - 4 / 3) < 1e-9 and abs(values[rollups["percent_checked"]] - 1 / 3) < 1e-9
    assert values[rollups["latest"]] == "2024-02-04" and values[rollups["count_values"]] == 2
    back = api.get(f"/rows/{made[1]['id']}").json()
    assert back["values"][str(pair_id)] == [project["id"]]
    # writing the pair's side writes the same links
    api.patch(f"/rows/{made[2]['id']}", {"values": {"Project": [project["id"]]}})
    assert api.get(f"/rows/{project['id']}").json()["values"][rollups["count"]] == 4
    # relation filters, and rows in the trash drop out of relations and rollups
    assert titles(api.post(f"/databases/{tasks}/rows/query", {"filter": {"property": "Project", "operator": "is_empty"}})) == []
    assert titles(api.post(f"/databases/{projects}/rows/query", {"filter": {"property": "Tasks", "operator": "contains", "value": made[2]["id"]}})) == ["P"]
    api.delete(f"/rows/{made[3]['id']}")
    assert api.get(f"/rows/{project['id']}").json()["values"][rollups["count"]] == 3
    # a relation only takes rows of its database
    bad = api.patch(f"/rows/{project['id']}", {"values": {"Tasks": [project["id"]]}})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == f"values.{relation['id']}"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(numbers=st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=20))
def test_rollup_aggregates_match_plain_arithmetic(numbers):
    present = [n for n in numbers if n is not None]
    assert aggregate_values("count", numbers) == len(numbers)
    assert aggregate_values("count_values", numbers) == len(present)
    assert aggregate_values("sum", numbers) == sum(present)
    assert aggregate_values("min", numbers) == (min(present) if present else None)
    assert aggregate_values("max", numbers) == (max(present) if present else None)
    average = aggregate_values("average", numbers)
    assert (average is None) if not present else abs(average - sum(present) / len(present)) < 1e-9


@settings(max_examples=150, deadline=None)
@given(a=st.integers(-10**6, 10**6), b=st.integers(-10**6, 10**6), c=st.integers(1, 1000))
def test_formula_arithmetic_matches_python(a, b, c):
    props = {"A": a, "B": b, "C": c}
    get = lambda name, position: props[name]  # noqa: E731
    assert evaluate('prop("A") + prop("B") * prop("C")', get) == a + b * c
    assert evaluate('(prop("A") - prop("B")) / prop("C")', get) == (a - b) / c
    assert evaluate('prop("A") > prop("B") ? prop("A") : prop("B")', get) == max(a, b)
    assert evaluate('max(prop("A"), prop("B")) == max(prop("B"), prop("A")) and abs(prop("A")) >= 0', get) is True
    assert evaluate('length(concat(format(prop("A")), "x"))', get) == len(str(a)) + 1


@given(text=st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_formula_parser_never_crashes_on_garbage(text):
    try:
        evaluate(text, lambda name, position: 1)
    except FormulaError as error:
        assert error.position is None or 0 <= error.position <= len(text)


def test_formula_errors_name_their_position_and_bad_formulas_are_refused(board, people, api_for):
    api = api_for(people.editor)

    answer = api.post(f"/databases/{board.id}/properties", {"name": "Broken", "type": "formula", "config": {"expression": 'prop("Points") +'}})
    ok = api.post(f"/databases/{board.id}/properties", {"name": "Label", "type": "formula",
                                                         "config": {"expression": 'if(prop("Points") > 2, "big", concat("small ", prop("Tag")))'}})
    ratio = api.post(f"/databases/{board.id}/properties", {"name": "Ratio", "type": "formula", "config": {"expression": '10 / prop("Points")'}})
    rows = add_rows(api, board, [{"Name": "a", "Points": 5}, {"Name": "b", "Points": 0, "Tag": "bug"}])

    assert answer.status_code == 422 and "position 16" in answer.json()["error"]["message"]
    assert ok.status_code == 201 and ratio.status_code == 201
    assert rows[0]["values"][str(ok.json()["id"])] == "big" and rows[1]["values"][str(ok.json()["id"])] == "small bug"
    assert rows[1]["values"][str(ratio.json()["id"])] is None and "division by zero" in rows[1]["errors"][str(ratio.json()["id"])]
    # renaming a property keeps formulas that name it working
    api.patch(f"/properties/{board.props['Points']['id']}", {"name": "Score"})
    assert api.get(f"/rows/{rows[0]['id']}").json()["values"][str(ok.json()["id"])] == "big"


def test_type_conversion_converts_what_it_can_and_reports_the_rest(board, people, api_for):
    api = api_for(people.editor)
    rows = add_rows(api, board, [{"Name": "a", "Notes": "12"}, {"Name": "b", "Notes": "3.5"}, {"Name": "c", "Notes": "lots"}, {"Name": "d"}])
    notes = board.props["Notes"]["id"]

    preview = api.patch(f"/properties/{notes}", {"type": "number"}, dry_run="true").json()
    assert preview["property"]["type"] == "text" and preview["conversion"]["failed"] == [{"row_id": rows[2]["id"], "value": "lots"}]
    assert api.get(f"/rows/{rows[2]['id']}").json()["values"][str(notes)] == "lots"
    done = api.patch(f"/properties/{notes}", {"type": "number"}).json()

    assert done["property"]["type"] == "number" and done["conversion"]["converted"] == 2 and done["conversion"]["failed_count"] == 1
    assert [api.get(f"/rows/{row['id']}").json()["values"][str(notes)] for row in rows] == [12, 3.5, None, None]
    # number -> select makes options from the values; select -> multi_select keeps them
    as_select = api.patch(f"/properties/{notes}", {"type": "select"}).json()
    assert [option["name"] for option in as_select["property"]["config"]["options"]] == ["12", "3.5"]
    api.patch(f"/properties/{notes}", {"type": "multi_select"})
    assert api.get(f"/rows/{rows[0]['id']}").json()["display"][str(notes)] == "12"
    # formula -> text freezes the computed values
    api.patch(f"/properties/{board.props['Double']['id']}", {"type": "text"})
    assert Row.objects.get(pk=rows[0]["id"]).values[f"p{board.props['Double']['id']}"] == "0"


def test_deleting_an_option_or_a_property_never_leaves_dangling_values(board, people, api_for):
    api = api_for(people.editor)
    row = add_rows(api, board, [{"Name": "a", "Tag": "bug", "Labels": ["ui", "db"], "Points": 3}])[0]
    tag = board.props["Tag"]
    labels = board.props["Labels"]

    api.patch(f"/properties/{tag['id']}", {"config": {"options": [o for o in tag["config"]["options"] if o["name"] != "bug"]}})
    api.patch(f"/properties/{labels['id']}", {"config": {"options": [o for o in labels["config"]["options"] if o["name"] != "ui"]}})
    api.delete(f"/properties/{board.props['Points']['id']}")

    stored = Row.objects.get(pk=row["id"]).values
    assert f"p{tag['id']}" not in stored and stored[f"p{labels['id']}"] == [labels["config"]["options"][2]["id"]]
    assert f"p{board.props['Points']['id']}" not in stored
    again = api.get(f"/rows/{row['id']}").json()
    assert again["values"][str(board.props["Double"]["id"])] is None and "Points" in again["errors"][str(board.props["Double"]["id"])]
    assert api.delete(f"/properties/{board.props['Name']['id']}").status_code == 422


def test_csv_round_trip(tree, board, people, api_for, upload_csv):
    api = api_for(people.editor)
    add_rows(api, board, [
        {"Name": "a, with comma", "Notes": "=1+1", "Points": -2.5, "Tag": "bug", "Labels": ["ui", "api"], "Due": {"start": "2024-01-02", "end": "2024-01-05"},
         "Done": True, "Link": "https://example.com", "Mail": "a@example.com", "Phone": "+1 555 0100", "Owner": [people.editor.pk]},
        {"Name": "b \"quoted\"", "Due": "2024-05-06T07:08:00Z"},
    ])
    exported = api.get(f"/databases/{board.id}/export.csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode()
    keep = ["Name", "Notes", "Points", "Tag", "Labels", "Due", "Done", "Link", "Mail", "Phone", "Owner"]

    copy = api.post("/databases", {"space_id": tree.space.pk, "title": "Copy"}).json()
    result = upload_csv(people.editor, f"/databases/{copy['id']}/import", text.encode(),
                        mapping='{"Double": null, "Created": null, "Creator": null, "Edited": null, "Editor": null, "Key": null, "Files": null, "Price": null}')

    assert result.status_code == 201, result.json()
    assert result.json()["error_count"] == 0
    types = {prop["name"]: prop["type"] for prop in api.get(f"/databases/{copy['id']}/properties").json()}
    assert types["Points"] == "number" and types["Due"] == "date" and types["Done"] == "checkbox" and types["Link"] == "url"
    original = {item["title"]: item["display"] for item in api.get(f"/databases/{board.id}/rows").json()["items"]}
    copied = {item["title"]: item["display"] for item in api.get(f"/databases/{copy['id']}/rows").json()["items"]}
    ids = {prop["name"]: str(prop["id"]) for prop in api.get(f"/databases/{copy['id']}/properties").json()}
    for title, display in original.items():
        for name in keep:
            if name in ("Owner",):
                continue
            assert copied[title][ids[name]] == display[board.pid(name)], (title, name)


def test_csv_import_maps_columns_and_reports_bad_cells(tree, people, api_for, upload_csv):
    api = api_for(people.editor)
    target = api.post("/databases", {"space_id": tree.space.pk, "title": "Imported",
                                      "properties": [{"name": "Estimate", "type": "number"}]}).json()
    data = "Task;Est;Kind;When\nOne;3;bug;2024-01-01\nTwo;three;bug;2024-01-02\nThree;5;feature;2024-01-03\nFour;;chore;2024-01-04\n"

    answer = upload_csv(people.editor, f"/databases/{target['id']}/import", data.encode(), mapping='{"Est": "Estimate"}')

    body = answer.json()
    assert answer.status_code == 201 and body["rows"] == 4 and body["error_count"] == 1 and body["errors"][0]["line"] == 3
    props = {prop["name"]: prop for prop in api.get(f"/databases/{target['id']}/properties").json()}
    assert props["Kind"]["type"] == "select" and props["When"]["type"] == "date"
    rows = api.get(f"/databases/{target['id']}/rows").json()["items"]
    assert [row["title"] for row in rows] == ["One", "Two", "Three", "Four"]
    assert [row["values"][str(props["Estimate"]["id"])] for row in rows] == [3, None, 5, None]
    assert upload_csv(people.editor, f"/databases/{target['id']}/import", b"\xff\xfe\x00bad").status_code == 422
    assert upload_csv(people.viewer, f"/databases/{target['id']}/import", data.encode()).status_code == 403


def test_bulk_edit_and_duplicate_and_trash(board, people, api_for):
    api = api_for(people.editor)
    rows = add_rows(api, board, [{"Name": "a", "Points": 1}, {"Name": "b", "Points": 2}, {"Name": "c", "Points": 3}])

    by_filter = api.patch(f"/databases/{board.id}/rows", {"filter": {"property": "Points", "operator": "gte", "value": 2}, "values": {"Tag": "chore"}})
    by_ids = api.patch(f"/databases/{board.id}/rows", {"row_ids": [rows[0]["id"]], "values": {"Done": True}})
    bad = api.patch(f"/databases/{board.id}/rows", {"row_ids": [rows[0]["id"], rows[1]["id"]], "values": {"Points": "x"}})
    copy = api.post(f"/rows/{rows[0]['id']}/duplicate")
    trashed = api.delete(f"/rows/{rows[1]['id']}")

    assert by_filter.json() == {"updated": 2} and by_ids.json() == {"updated": 1} and bad.status_code == 422
    assert titles(api.get(f"/databases/{board.id}/rows")) == ["a", "a", "c"]
    assert copy.status_code == 201 and copy.json()["values"][board.pid("Done")] is True and copy.json()["number"] == 4
    assert trashed.json()["archived_at"] and titles(api.get(f"/databases/{board.id}/rows", archived="true")) == ["b"]
    assert api.get(f"/pages/{rows[1]['page_id']}").json()["archived_at"]
    assert api.patch(f"/rows/{rows[1]['id']}", {"values": {"Points": 9}}).status_code == 409
    assert api.post(f"/rows/{rows[1]['id']}/restore").status_code == 200
    assert titles(api.post(f"/databases/{board.id}/rows/query", {"filter": {"property": "Tag", "operator": "is", "value": "chore"}})) == ["b", "c"]


def test_outsider_sees_nothing_viewer_reads_but_cannot_write(board, people, api_for):
    row = add_rows(api_for(people.editor), board, [{"Name": "secret"}])[0]
    outsider, viewer = api_for(people.outsider), api_for(people.viewer)

    hidden = [outsider.get(f"/databases/{board.id}"), outsider.get(f"/databases/{board.id}/rows"), outsider.get(f"/rows/{row['id']}"),
              outsider.patch(f"/rows/{row['id']}", {"values": {"Name": "x"}}), outsider.post(f"/databases/{board.id}/rows", {"values": {}}),
              outsider.get(f"/properties/{board.props['Notes']['id']}"), outsider.get(f"/databases/{board.id}/export.csv")]
    assert [answer.status_code for answer in hidden] == [404] * len(hidden)
    assert outsider.get("/databases").json()["count"] == 0
    assert titles(viewer.get(f"/databases/{board.id}/rows")) == ["secret"]
    writes = [viewer.patch(f"/rows/{row['id']}", {"values": {"Name": "x"}}), viewer.post(f"/databases/{board.id}/rows", {"values": {}}),
              viewer.delete(f"/rows/{row['id']}"), viewer.post(f"/databases/{board.id}/properties", {"name": "X", "type": "text"})]
    assert [answer.status_code for answer in writes] == [403] * len(writes)
    assert Property.objects.filter(database_id=board.id, name="X").count() == 0
