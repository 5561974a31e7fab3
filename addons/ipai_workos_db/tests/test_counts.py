"""Maintained counts (``counts.py``) equal ``COUNT(*)`` after any sequence of row and property writes, and a
bounded count never claims an exactness it does not have."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from ipai_workos_db import counts, query
from ipai_workos_db import services
from ipai_workos_db.models import Row
from ipai_workos_db.query import Schema

NAMES = ["bug", "feature", "chore", "idea"]


def _live(database):
    return Row.objects.filter(database=database, archived_at__isnull=True)


def _truth(database) -> dict:
    """The counters as COUNT(*) over the rows says they must be."""
    schema = Schema(database)
    expected: Counter = Counter()
    for values in _live(database).values_list("values", flat=True):
        for key in counts.keys_of(counts.counted_properties(schema), values):
            expected[key] += 1
    return {key: n for key, n in expected.items() if n}


def _maintained(database) -> dict:
    return {key: n for key, n in counts.read(database.pk).items() if n}


def test_counts_equal_count_star_after_random_writes(tree):
    admin = tree.admin

    class Writes(RuleBasedStateMachine):
        @initialize()
        def make_database(self):
            self.database = services.create_database(admin, space=tree.space, title="Counted", properties=[
                {"name": "Tag", "type": "select", "config": {"options": NAMES[:3]}},
                {"name": "Stage", "type": "status"},
                {"name": "Points", "type": "number"},
            ])
            self.rows: list[int] = []

        def _prop(self, name):
            return Schema(self.database).by_name[name.casefold()]

        def _row(self, index):
            return Row.objects.select_related("page", "database").get(pk=self.rows[index % len(self.rows)])

        def _tag_value(self, tag):
            """``tag`` as the Tag property takes it now, or None when it is no option of it."""
            prop = self._prop("Tag")
            if prop.type == "text" or tag is None:
                return tag
            if tag.casefold() not in [option["name"].casefold() for option in prop.config["options"]]:
                return None
            return [tag] if prop.type == "multi_select" else tag

        @rule(tag=st.sampled_from(NAMES + [None]), points=st.integers(0, 3))
        def create(self, tag, points):
            self.rows.append(services.create_row(admin, self.database, {"Name": "r", "Points": points, "Tag": self._tag_value(tag)}).pk)

        @precondition(lambda self: self.rows)
        @rule(index=st.integers(0, 50), tag=st.sampled_from(NAMES + [None]), stage=st.sampled_from(["Not started", "In progress", "Done", None]))
        def edit(self, index, tag, stage):
            row = self._row(index)
            if row.archived_at is None:
                services.update_row(admin, row, {"Stage": stage, "Tag": self._tag_value(tag)})

        @precondition(lambda self: self.rows)
        @rule(tag=st.sampled_from(NAMES[:3]))
        def bulk_edit(self, tag):
            if self._prop("Tag").type != "select" or self._tag_value(tag) is None:
                return
            services.bulk_update_rows(admin, self.database, filter={"property": "Points", "operator": "gte", "value": 2}, values={"Tag": tag})

        @precondition(lambda self: self.rows)
        @rule(index=st.integers(0, 50))
        def trash(self, index):
            services.archive_row(admin, self._row(index))

        @precondition(lambda self: self.rows)
        @rule(index=st.integers(0, 50))
        def restore(self, index):
            services.restore_row(admin, self._row(index))

        @precondition(lambda self: self.rows)
        @rule(index=st.integers(0, 50))
        def duplicate(self, index):
            row = self._row(index)
            if row.archived_at is None:
                self.rows.append(services.duplicate_row(admin, row).pk)

        @rule(position=st.integers(0, 5), name=st.sampled_from(["Bug!", "Feature", "later", "Chore"]))
        def rename_option(self, position, name):
            prop = self._prop("Tag")
            if prop.type != "select" or not prop.config["options"]:
                return
            options = [dict(option) for option in prop.config["options"]]
            if any(option["name"].casefold() == name.casefold() for option in options):
                return
            options[position % len(options)]["name"] = name
            services.update_property(admin, prop, config={"options": options})

        @rule(position=st.integers(0, 5))
        def delete_option(self, position):
            prop = self._prop("Tag")
            if prop.type != "select" or not prop.config["options"]:
                return
            options = list(prop.config["options"])
            options.pop(position % len(options))
            services.update_property(admin, prop, config={"options": options})

        @rule()
        def add_option(self):
            prop = self._prop("Tag")
            if prop.type != "select":
                return
            names = [option["name"].casefold() for option in prop.config["options"]]
            missing = [name for name in NAMES if name not in names]
            if missing:
                services.update_property(admin, prop, config={"options": prop.config["options"] + [missing[0]]})

        @rule(to=st.sampled_from(["text", "select", "multi_select"]))
        def convert_tag(self, to):
            prop = self._prop("Tag")
            if prop.type != to:
                services.update_property(admin, prop, type=to)

        @rule()
        def delete_and_recreate_stage(self):
            services.delete_property(admin, self._prop("Stage"))
            services.create_property(admin, self.database, name="Stage", type="status")

        @invariant()
        def counters_equal_count_star(self):
            assert _maintained(self.database) == _truth(self.database)

        @invariant()
        def known_counts_equal_the_filtered_count(self):
            schema = Schema(self.database)
            counters = counts.read(self.database.pk)
            assert counts.known_count(schema, None, counters) == _live(self.database).count()
            for prop in counts.counted_properties(schema):
                choices = [option["id"] for option in prop.config.get("options", [])]
                for operator, value in [("is_empty", None), ("is_not_empty", None)] + [(op, option) for option in choices for op in ("is", "is_not")]:
                    tree = {"and": [{"property": prop.pk, "operator": operator, "value": value}]}
                    expected = _live(self.database).filter(query.filter_q(schema, tree)).count()
                    assert counts.known_count(schema, tree, counters) == expected, (prop.name, operator, value)

    run_state_machine_as_test(Writes, settings=settings(max_examples=12, stateful_step_count=25, deadline=None,
                                                        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.reuse, Phase.generate]))


def test_a_bounded_count_says_when_it_is_not_exact(tree, monkeypatch):
    database = services.create_database(tree.admin, space=tree.space, title="Many", properties=[{"name": "Points", "type": "number"}])
    for points in range(7):
        services.create_row(tree.admin, database, {"Name": f"r{points}", "Points": points})
    monkeypatch.setattr(counts, "COUNT_BOUND", 3)
    schema = Schema(database)
    over_one = query.clean_filter(schema, {"property": "Points", "operator": "gt", "value": 1})
    page = services.select_rows(schema, tree=over_one, viewer=tree.admin, limit=2)
    assert (page["count"], page["count_exact"]) == (3, False)  # 5 rows match: "3+", never "3"
    exact = services.select_rows(schema, tree=over_one, viewer=tree.admin, limit=2, exact_count=True)
    assert (exact["count"], exact["count_exact"]) == (5, True)
    paged_past = services.select_rows(schema, tree=over_one, viewer=tree.admin, limit=2, offset=2)
    assert paged_past["count"] >= 5 or paged_past["count_exact"] is False
    assert paged_past["count"] >= 4  # never fewer than the rows already paged past
    few = services.select_rows(schema, tree=query.clean_filter(schema, {"property": "Points", "operator": "gt", "value": 4}), viewer=tree.admin, limit=1)
    assert (few["count"], few["count_exact"]) == (2, True)
    # no filter: the maintained count, exact at any size
    everything = services.select_rows(schema, viewer=tree.admin, limit=2)
    assert (everything["count"], everything["count_exact"]) == (7, True)


@pytest.mark.parametrize("exact", [False, True])
def test_view_rows_api_tells_whether_the_count_is_exact(tree, api_for, monkeypatch, exact):
    database = services.create_database(tree.admin, space=tree.space, title="Many", properties=[
        {"name": "Points", "type": "number"}, {"name": "Tag", "type": "select", "config": {"options": ["a", "b"]}}])
    for points in range(6):
        services.create_row(tree.admin, database, {"Name": f"r{points}", "Points": points, "Tag": "a" if points % 2 else "b"})
    monkeypatch.setattr(counts, "COUNT_BOUND", 2)
    api = api_for(tree.admin)
    rows = api.post(f"/databases/{database.pk}/rows/query", {"filter": {"property": "Points", "operator": "gte", "value": 1}, "limit": 1,
                                                              "exact_count": exact}).json()
    assert (rows["count"], rows["count_exact"]) == ((5, True) if exact else (2, False))
    single = api.post(f"/databases/{database.pk}/rows/query", {"filter": {"property": "Tag", "operator": "is", "value": "a"}, "limit": 1}).json()
    assert (single["count"], single["count_exact"]) == (3, True)  # one option: from the maintained counts, exact


def test_recount_finds_and_corrects_counts_of_rows_written_around_the_services(tree):
    database = services.create_database(tree.admin, space=tree.space, title="Loaded", properties=[
        {"name": "Tag", "type": "select", "config": {"options": ["a", "b"]}}])
    for tag in ("a", "a", "b"):
        services.create_row(tree.admin, database, {"Name": tag, "Tag": tag})
    assert counts.rebuild(database.pk, check=True)["wrong"] == []
    Row.objects.filter(database=database).update(archived_at=None, values={})  # a bulk load behind the services' back

    report = counts.rebuild(database.pk, check=True)
    assert report["wrong"] and _maintained(database) != _truth(database)  # --check changes nothing
    counts.rebuild(database.pk)
    assert _maintained(database) == _truth(database) and counts.rebuild(database.pk, check=True)["wrong"] == []
