from django.contrib import admin

from trellis.audits.models import FairnessAudit, Finding, GateReview, Override


@admin.register(FairnessAudit)
class FairnessAuditAdmin(admin.ModelAdmin):
    list_display = ["deployment", "original_name", "status", "rows_matched", "rows_unmatched"]
    readonly_fields = ["published"]


admin.site.register([Finding, GateReview, Override])
