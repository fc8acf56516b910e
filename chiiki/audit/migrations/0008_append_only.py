"""On PostgreSQL the audit table is append-only in the database itself: a trigger refuses every
UPDATE, and every DELETE except inside ``chiiki audit archive`` (which sets
``chiiki.audit_archive`` for its own transaction after writing the entries to a file). Not even
a bug in the application can rewrite history. (TRUNCATE, which needs the table's owner, stays
possible for an operator restoring a backup into an empty database.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION chiiki_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('chiiki.audit_archive', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % refused on audit_auditentry', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION chiiki_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS chiiki_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_alter_auditentry_action")]

    operations = [migrations.RunPython(forwards, backwards)]
