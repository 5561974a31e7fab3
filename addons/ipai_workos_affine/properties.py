"""The "Review status" property a database adds like any other (registered in ``apps.ready`` into the databases
module's property types): read-only, its value is the row page's status in the page review workflow.

The value is the page's ``workflow_state`` column (empty: the workflow's initial state), so filters, sorts and
board groups are SQL over that column, like the other column types (created by, ID). The options — the states'
codes and names — are the workflow's the workspace's pages follow, filled in when a request reads the database's
properties (``PropertyType.read_config``); a workspace without a page workflow shows the property empty.
"""

from __future__ import annotations

from django.db.models import Case, CharField, F, Value, When

from ipai_workos_db.properties import PropertyError, SelectType, _only_keys

from .services.status import page_workflow_for

# a state's category -> the option colour of its chip
CATEGORY_COLORS = {"todo": "gray", "in_progress": "blue", "done": "green", "cancelled": "red"}
COLUMN = "page__workflow_state"


class ReviewStatusType(SelectType):
    type, label, kind = "review_status", "Review status", "select"
    stored, editable, column = False, False, COLUMN
    read_only = "it is the row's review status (change it with the status on the row's page)"
    index_orders = ()

    def clean_config(self, config, context):
        # the options are the workflow's (filled in at read time): a client may send back what it read
        config = {key: value for key, value in (config or {}).items() if key not in ("options", "initial")}
        _only_keys(config, set())
        return {}

    def clean(self, value, config, context):
        raise PropertyError(f"cannot be set: {self.read_only}")

    def from_text(self, text, config, context):
        return self.clean(text, config, context)

    def read_config(self, prop, database) -> dict:
        workflow = page_workflow_for(database.space.workspace_id) if database is not None else None
        if workflow is None:
            return {"options": [], "initial": None}
        states = sorted(workflow.states.all(), key=lambda state: (state.sequence, state.pk))
        initial = next((state.code for state in states if state.is_initial), None)
        return {"options": [{"id": state.code, "name": state.name, "color": CATEGORY_COLORS.get(state.category, "default")}
                            for state in states], "initial": initial}

    def column_value(self, value, config):
        """As ``workflows.current_state`` reads it: a code the workflow does not know (or none) is its initial state."""
        codes = {option["id"] for option in config.get("options", [])}
        if not codes:
            return None
        return value if value in codes else config.get("initial")

    def column_expression(self, prop):
        codes = [option["id"] for option in prop.config.get("options", [])]
        if not codes:
            return Value(None, output_field=CharField())
        return Case(When(**{f"{COLUMN}__in": codes}, then=F(COLUMN)), default=Value(prop.config.get("initial")), output_field=CharField())
