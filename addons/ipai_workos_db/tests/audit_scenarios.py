"""Audit scenarios for this module's write services (see ipai_platform_audit's test_every_service_is_audited)."""

from ipai_workos_db import services


def _database(w):
    return services.create_database(w.tree.admin, space=w.tree.space, title="Tasks",
                                    properties=[{"name": "Points", "type": "number"}, {"name": "Tag", "type": "select", "config": {"options": ["a"]}}])


def _row(w):
    database = _database(w)
    return services.create_row(w.tree.admin, database, {"Name": "First", "Points": 1})


def _archived_database(w):
    return services.archive_database(w.tree.admin, _database(w))


def _archived_row(w):
    return services.archive_row(w.tree.admin, _row(w))


def _restore_rows(w):
    row = _archived_row(w)
    return services.restore_rows(w.tree.admin, row.database, row_ids=[row.pk])


def _link_rows(w):
    row = _row(w)
    relation = services.create_property(w.tree.admin, row.database, name="Next", type="relation", config={"database_id": row.database_id})
    return services.link_rows(w.tree.admin, relation, {row.pk: [row.pk]})


def _property(w, name):
    database = _database(w)
    return database.properties.get(name=name)


SCENARIOS = {
    "create_database": (lambda w: services.create_database(w.member, space=w.tree.space, title="Mine"), "database.create"),
    "update_database": (lambda w: services.update_database(w.tree.admin, _database(w), title="Renamed"), "database.update"),
    "archive_database": (lambda w: services.archive_database(w.tree.admin, _database(w)), "database.archive"),
    "set_database_restricted": (lambda w: services.set_database_restricted(w.tree.admin, _database(w), True), "database.restrict"),
    "restore_database": (lambda w: services.restore_database(w.tree.admin, _archived_database(w)), "database.restore"),
    "create_property": (lambda w: services.create_property(w.tree.admin, _database(w), name="Due", type="date"), "database.property_create"),
    "update_property": (lambda w: services.update_property(w.tree.admin, _property(w, "Points"), type="text"), "database.property_update"),
    "delete_property": (lambda w: services.delete_property(w.tree.admin, _property(w, "Points")), "database.property_delete"),
    "create_row": (lambda w: services.create_row(w.member, _database(w), {"Name": "x"}), "database.row_create"),
    "create_rows": (lambda w: services.create_rows(w.member, _database(w), [{"Name": "x"}, {"Name": "y"}]), "database.row_create"),
    "update_row": (lambda w: services.update_row(w.tree.admin, _row(w), {"Points": 2}), "database.row_update"),
    "bulk_update_rows": (lambda w: services.bulk_update_rows(w.tree.admin, _row(w).database, filter=None, values={"Points": 3}),
                         "database.row_update"),
    "link_rows": (lambda w: _link_rows(w), "database.row_update"),
    "archive_rows": (lambda w: services.archive_rows(w.tree.admin, _row(w).database, filter=None), "database.row_archive"),
    "restore_rows": (lambda w: _restore_rows(w), "database.row_restore"),
    "duplicate_row": (lambda w: services.duplicate_row(w.tree.admin, _row(w)), "database.row_duplicate"),
    "archive_row": (lambda w: services.archive_row(w.tree.admin, _row(w)), "database.row_archive"),
    "restore_row": (lambda w: services.restore_row(w.tree.admin, _archived_row(w)), "database.row_restore"),
    "import_table": (lambda w: services.import_table(w.member, space=w.tree.space, title="Imported", header=["Name", "Done"],
                                                     records=[["A", "Yes"]]), "database.create"),
    "import_csv": (lambda w: services.import_csv(w.tree.admin, _database(w), b"Name,Points\nA,1\n"), "database.import"),
}
