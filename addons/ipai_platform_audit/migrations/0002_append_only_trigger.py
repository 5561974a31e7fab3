"""On PostgreSQL the audit table refuses UPDATE and DELETE, so even a bug or a stray SQL statement cannot edit
the record. The retention archive alone may delete, inside its own transaction, by setting
``ipai_audit.archiving`` locally. SQLite has no such trigger: there the hash chain alone shows tampering."""

from django.db import migrations

CREATE = ["""
CREATE OR REPLACE FUNCTION ipai_audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ipai_audit.archiving', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'ipai_audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit events are never changed; old events are archived with `workos audit archive`';
END
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER ipai_audit_event_append_only
    BEFORE UPDATE OR DELETE ON ipai_audit_event
    FOR EACH ROW EXECUTE FUNCTION ipai_audit_event_append_only()
"""]

DROP = [
    "DROP TRIGGER IF EXISTS ipai_audit_event_append_only ON ipai_audit_event",
    "DROP FUNCTION IF EXISTS ipai_audit_event_append_only()",
]


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement, params=None)  # no parameters: the "%" in the message is literal


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("ipai_platform_audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
