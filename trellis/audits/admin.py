# Read-only, as every admin page: changes go through the pages and their services (trellis.core.admin).
from django.contrib import admin

from trellis.audits.models import FairnessAudit, Finding, GateReview, Override
from trellis.core.admin import ReadOnlyAdmin


@admin.register(FairnessAudit)
class FairnessAuditAdmin(ReadOnlyAdmin):
    list_display = ["deployment", "original_name", "status", "rows_matched", "rows_unmatched"]
    readonly_fields = ["published"]


admin.site.register([Finding, GateReview, Override], ReadOnlyAdmin)
