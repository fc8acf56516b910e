from django.contrib import admin

from chiiki.accounts.models import Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "bureau", "department"]
    list_filter = ["role", "bureau"]
