"""出典 as records (title, issuer, FY) instead of free text. Existing texts become Source rows
of their organization, so nothing already stored is lost; the dataset reload then names the
documents properly."""

import django.db.models.deletion
from django.db import migrations, models

from chiiki.plans.migrations._source_helpers import (
    replace_text_field,
    sources_to_texts,
    texts_to_sources,
)


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_budget_version")]

    operations = [
        migrations.CreateModel(
            name="Source",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=80, verbose_name="識別子")),
                ("title", models.CharField(max_length=200, verbose_name="資料名")),
                ("issuer", models.CharField(blank=True, max_length=100, verbose_name="発行者")),
                ("fy", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="年度")),
                (
                    "fy_note",
                    models.CharField(
                        blank=True,
                        help_text="「平成30年度実績」など、年度の意味",
                        max_length=50,
                        verbose_name="年度の注記",
                    ),
                ),
                ("url", models.URLField(blank=True, verbose_name="URL")),
                ("note", models.TextField(blank=True, verbose_name="注記")),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sources",
                        to="plans.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "出典",
                "verbose_name_plural": "出典",
                "ordering": ["organization", "fy", "slug"],
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "slug"), name="source_slug_unique")
                ],
            },
        ),
        *replace_text_field("plan"),
        *replace_text_field("program"),
        migrations.RunPython(texts_to_sources, sources_to_texts),
        migrations.RemoveField("plan", "source_text"),
        migrations.RemoveField("program", "source_text"),
    ]
