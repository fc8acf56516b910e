"""Helpers shared by the migrations that turn 出典 texts into Source records."""

import hashlib

import django.db.models.deletion
from django.db import migrations, models


def texts_to_sources(apps, schema_editor, targets=(("plans", "Plan"), ("plans", "Program"))):
    Source = apps.get_model("plans", "Source")
    for app_label, model_name in targets:
        model = apps.get_model(app_label, model_name)
        for row in model.objects.exclude(source_text="").iterator():
            source, _ = Source.objects.get_or_create(
                organization_id=row.organization_id,
                slug="imported-" + hashlib.sha256(row.source_text.encode()).hexdigest()[:16],
                defaults={"title": row.source_text[:200]},
            )
            model.objects.filter(pk=row.pk).update(source=source)


def sources_to_texts(apps, schema_editor, targets=(("plans", "Plan"), ("plans", "Program"))):
    for app_label, model_name in targets:
        model = apps.get_model(app_label, model_name)
        for row in model.objects.exclude(source=None).select_related("source").iterator():
            model.objects.filter(pk=row.pk).update(source_text=row.source.title[:200])


def source_field():
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="plans.source",
        verbose_name="出典",
    )


def replace_text_field(model_name):
    """The operations that turn ``model.source`` (text) into a foreign key to Source."""
    return [
        migrations.RenameField(model_name, "source", "source_text"),
        migrations.AddField(model_name=model_name, name="source", field=source_field()),
    ]
