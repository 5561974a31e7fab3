"""``workos publications list|unpublish`` and the demo's publishing part, on a real site through the CLI."""

from __future__ import annotations

import json


def test_demo_publishes_a_page_and_the_cli_lists_and_unpublishes_it(site):
    site.install("ipai_workos_affine")
    assert site.workos("user", "create", "ops", "--admin").returncode == 0
    loaded = site.workos("demo", "load", "--user", "ops")
    assert loaded.returncode == 0, loaded.stderr
    assert "/p/acme/handbook" in loaded.stdout and "Travel policy in review" in loaded.stdout
    # a database shows its rows' review status: one approved through a review, one in review, one a draft
    assert site.sql("SELECT p.name FROM ipai_workos_property p JOIN ipai_workos_database d ON d.id = p.database_id "
                    "WHERE d.title = 'Policies' AND p.type = 'review_status'") == [("Review status",)]
    states = dict(site.sql("SELECT pg.title, pg.workflow_state FROM ipai_workos_row r JOIN ipai_workos_database d ON d.id = r.database_id "
                           "JOIN ipai_workos_page pg ON pg.id = r.page_id WHERE d.title = 'Policies'"))
    assert states == {"Expense policy": "approved", "Security policy": "review", "Remote work": ""}

    listed = site.workos("publications", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["url"] == "/p/acme/handbook" and row["pages"] == 2

    gone = site.workos("publications", "unpublish", str(row["id"]))
    assert gone.returncode == 0 and "unpublished /p/acme/handbook" in gone.stdout
    assert json.loads(site.workos("publications", "list", "--json").stdout) == []
    assert site.sql("SELECT COUNT(*) FROM ipai_workos_published_page")[0][0] == 0
    assert site.workos("publications", "unpublish", str(row["id"])).returncode == 1
    assert site.workos("publications", "unpublish", "nope").returncode == 2
