"""The Django admin is a read-only window on the tables.

Every change to Trellis data goes through a service, which checks permissions and writes the audit
log; the admin's own forms would bypass both. So no model registered here may be added, changed
or deleted through the admin: changes are made on Trellis' own pages and with the ``trellis``
command, which call the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from trellis.core.models import AccessEvent, AuditEvent, Job


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "first_name", "last_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "first_name", "last_name")
    exclude = ("password",)


admin.site.register(AuditEvent, ReadOnlyAdmin)
admin.site.register(AccessEvent, ReadOnlyAdmin)
admin.site.register(Job, ReadOnlyAdmin)
for model in (get_user_model(), Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
admin.site.register(get_user_model(), UserAdmin)
admin.site.register(Group, ReadOnlyAdmin)
