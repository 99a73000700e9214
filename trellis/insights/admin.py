# Read-only, as every admin page: changes go through the pages and their services (trellis.core.admin).
from django.contrib import admin

from trellis.core.admin import ReadOnlyAdmin
from trellis.insights.models import Allocation, AnnualReport, FundingStream, Plan, Spending


@admin.register(FundingStream)
class FundingStreamAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "ai_pl_allowable", "is_active"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["district", "stream", "year", "amount"]
    list_select_related = ["district", "stream"]


@admin.register(Spending)
class SpendingAdmin(ReadOnlyAdmin):
    list_display = ["district", "stream", "year", "offering", "amount", "spent_on"]
    list_select_related = ["district", "stream", "offering"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["title", "district", "first_year", "last_year", "status"]
    list_select_related = ["district"]


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ["district", "year", "status", "submitted_at", "reviewed_at"]
    list_select_related = ["district"]
