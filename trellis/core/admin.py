from django.contrib import admin

from trellis.core.models import AccessEvent, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


admin.site.register(AuditEvent, ReadOnlyAdmin)
admin.site.register(AccessEvent, ReadOnlyAdmin)
