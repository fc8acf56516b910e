"""A proposal's 出典 as a Source record (see plans 0003)."""

from functools import partial

from django.db import migrations

from chiiki.plans.migrations import _source_helpers as helpers


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial"), ("plans", "0003_source")]

    operations = [
        *helpers.replace_text_field("proposal"),
        migrations.RunPython(
            partial(helpers.texts_to_sources, targets=(("proposals", "Proposal"),)),
            partial(helpers.sources_to_texts, targets=(("proposals", "Proposal"),)),
        ),
        migrations.RemoveField("proposal", "source_text"),
    ]
