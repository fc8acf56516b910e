"""出典 of cooperation areas as a Source record, and a 出典 for support schemes (see plans 0003)."""

from functools import partial

from django.db import migrations

from chiiki.plans.migrations import _source_helpers as helpers


class Migration(migrations.Migration):
    dependencies = [("support", "0003_alter_supportscheme_category"), ("plans", "0003_source")]

    operations = [
        *helpers.replace_text_field("cooperationarea"),
        migrations.RunPython(
            partial(helpers.texts_to_sources, targets=(("support", "CooperationArea"),)),
            partial(helpers.sources_to_texts, targets=(("support", "CooperationArea"),)),
        ),
        migrations.RemoveField("cooperationarea", "source_text"),
        migrations.AddField(
            model_name="supportscheme", name="source", field=helpers.source_field()
        ),
    ]
