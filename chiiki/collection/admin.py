"""Collection rounds move through their workflow on the product's screens; the admin shows
them and links there."""

from django.contrib import admin
from django.urls import reverse

from chiiki.audit.admin import ProductScreenAdmin
from chiiki.collection import models


@admin.register(models.Round)
class RoundAdmin(ProductScreenAdmin):
    list_display = ["title", "fy", "budget_fy", "deadline", "status"]
    list_filter = ["status"]

    @staticmethod
    def product_url(obj: models.Round) -> str:
        return reverse("collection_round", args=[obj.pk])


@admin.register(models.Submission)
class SubmissionAdmin(ProductScreenAdmin):
    list_display = ["round", "bureau", "status", "deadline"]
    list_filter = ["status"]

    @staticmethod
    def product_url(obj: models.Submission) -> str:
        return reverse("collection_share", args=[obj.pk])


@admin.register(models.Entry)
class EntryAdmin(ProductScreenAdmin):
    list_display = ["submission", "kind", "fy", "typed", "reason"]
    list_filter = ["kind"]

    @staticmethod
    def product_url(obj: models.Entry) -> str:
        return reverse("collection_share", args=[obj.submission_id])


@admin.register(models.Notice)
class NoticeAdmin(ProductScreenAdmin):
    list_display = ["key", "kind", "sent_at"]
