"""A database guard behind the model's refusal: no UPDATE of an audit event, except Django's
``SET NULL`` of the actor when that account is deleted (the recorded label stays).  Rows are
deleted only by the retention purge (audit.services.audit_purge_old)."""

from django.db import migrations

# Every column but actor_id must stay as it was; actor_id may only become NULL.
_COLUMNS = [
    "id",
    "created_at",
    "actor_label",
    "action",
    "subject_type_id",
    "subject_id",
    "subject_label",
    "detail",
    "client_address",
]

_SQLITE_CREATE = """
CREATE TRIGGER audit_auditevent_append_only
BEFORE UPDATE ON audit_auditevent
FOR EACH ROW
WHEN NOT ((NEW.actor_id IS NULL OR NEW.actor_id IS OLD.actor_id) AND {same})
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
""".format(same=" AND ".join(f"NEW.{c} IS OLD.{c}" for c in _COLUMNS))

_POSTGRES_CREATE = [
    """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND ({new}) IS NOT DISTINCT FROM ({old}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
""".format(
        new=", ".join(f"NEW.{c}" for c in _COLUMNS),
        old=", ".join(f"OLD.{c}" for c in _COLUMNS),
    ),
    """
CREATE TRIGGER audit_auditevent_append_only
BEFORE UPDATE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
""",
]


def create_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(_SQLITE_CREATE)
    elif vendor == "postgresql":
        for statement in _POSTGRES_CREATE:
            schema_editor.execute(statement)


def drop_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditevent_append_only;")
    elif vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS audit_auditevent_append_only();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
