# Read-only, as every admin page: changes go through the pages and their services (trellis.core.admin).
from django.contrib import admin

from trellis.core.admin import ReadOnlyAdmin
from trellis.tools.models import (
    Agreement,
    Decision,
    Incident,
    InventoryEntry,
    OptOutRequest,
    Review,
    RubricVersion,
    Tool,
    ToolRequest,
)


@admin.register(Tool)
class ToolAdmin(ReadOnlyAdmin):
    list_display = ["product", "vendor", "version", "youngest_age"]
    search_fields = ["product", "vendor"]


@admin.register(InventoryEntry)
class InventoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["tool", "district", "purpose"]
    list_select_related = ["tool", "district"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["tool", "district", "outcome", "decided_on", "expires_on"]
    list_filter = ["outcome"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["tool", "district", "starts_on", "ends_on"]
    readonly_fields = ["file_name", "original_name", "file_size"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "category", "severity", "status", "organization"]
    list_filter = ["status", "severity", "category"]


admin.site.register([RubricVersion, ToolRequest, Review, OptOutRequest], ReadOnlyAdmin)
