"""The table of the ``ratelimit`` cache (settings.CACHES): rate-limit counts shared by every
server process. Created here so that ``migrate`` is the only step a deployment needs."""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", "chiiki_ratelimit", database=schema_editor.connection.alias)


def drop(apps, schema_editor):
    schema_editor.execute(
        "DROP TABLE IF EXISTS " + schema_editor.connection.ops.quote_name("chiiki_ratelimit")
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_login_throttle_on_axes")]

    operations = [migrations.RunPython(create, drop)]
