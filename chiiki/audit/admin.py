import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.forms.models import model_to_dict

from chiiki.audit.models import AuditEntry
from chiiki.audit.services import record


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


def _snapshot(obj: Model) -> dict[str, Any]:
    """Field values of a model instance, JSON-safe, many-to-many as sorted primary keys."""
    data = model_to_dict(obj)
    for key, value in list(data.items()):
        if isinstance(value, list):
            data[key] = sorted(getattr(v, "pk", v) for v in value)
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


class AuditedAdmin(admin.ModelAdmin):
    """Admin pages whose saves and deletions go into the audit trail with old and new values,
    like every write made from the site. The old values travel on the (per-request) form."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change:
            form.audit_old = _snapshot(type(obj)._default_manager.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        obj = form.instance
        record(
            actor=request.user,
            action="admin.saved",
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            summary=f"{obj._meta.verbose_name}: {obj}",
            old=getattr(form, "audit_old", None),
            new=_snapshot(obj),
        )

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        record(
            actor=request.user,
            action="admin.deleted",
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            summary=f"{obj._meta.verbose_name}: {obj}",
            old=_snapshot(obj),
            new=None,
        )
        super().delete_model(request, obj)


class ProductScreenAdmin(admin.ModelAdmin):
    """Read-only admin pages for data the product's own screens write through its services
    (plans, indicators, targets, actuals, budgets, evaluations): the admin shows the rows and
    links to the screen where they are changed under the rules (permission, validation,
    published-year lock, audit, grading). No admin save can go around those rules."""

    product_url: Callable[[Any], str] | None = None

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def view_on_site(self, obj):  # type: ignore[no-untyped-def,override]
        return type(self).product_url(obj) if type(self).product_url else None


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
