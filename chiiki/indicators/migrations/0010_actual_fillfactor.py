"""Leave a fifth of each page of actuals free on PostgreSQL, so that correcting a figure (and
its rate) can rewrite the row on its own page without touching the table's indexes (a HOT
update). Rows written from now on are packed this way; a table written before fills its pages
as before until it is rewritten (``VACUUM FULL indicators_actual``, docs/operations.md)."""

from django.db import migrations


def fillfactor(percent: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE indicators_actual SET (fillfactor = {percent})")

    return run


class Migration(migrations.Migration):
    dependencies = [("indicators", "0009_actual_fewer_indexes")]

    operations = [migrations.RunPython(fillfactor(80), fillfactor(100))]
