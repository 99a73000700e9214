from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from trellis.insights.models import FundingStream, Plan, Rating, ReportSection, school_year_label
from trellis.learning.models import Competency, Offering
from trellis.vision.models import VisionSection

INPUT = {"class": "usa-input"}
SELECT = {"class": "usa-select"}
TEXT = {"class": "usa-textarea", "rows": 4}


def current_school_year(today: datetime.date | None = None) -> int:
    """The school year that ends in the next June: on December 2, 2026 it is 2027 (2026–27)."""
    today = today or datetime.date.today()
    return today.year + 1 if today.month >= 7 else today.year


def year_choices(around: int | None = None, *, back: int = 3, ahead: int = 3) -> list[tuple[int, str]]:
    year = around or current_school_year()
    return [(y, school_year_label(y)) for y in range(year - back, year + ahead + 1)]


class YearField(forms.TypedChoiceField):
    def __init__(self, *, label: str = "School year", back: int = 3, ahead: int = 3, **kwargs: Any) -> None:
        super().__init__(label=label, coerce=int, choices=year_choices(back=back, ahead=ahead),
                         widget=forms.Select(attrs=SELECT), **kwargs)


class StreamForm(forms.ModelForm):
    class Meta:
        model = FundingStream
        fields = ["name", "code", "description", "allowable_uses", "ai_pl_allowable", "is_active", "position"]
        widgets = {"name": forms.TextInput(attrs=INPUT), "code": forms.TextInput(attrs=INPUT),
                   "description": forms.Textarea(attrs=TEXT),
                   "allowable_uses": forms.Textarea(attrs={**TEXT, "rows": 8}),
                   "ai_pl_allowable": forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
                   "is_active": forms.CheckboxInput(attrs={"class": "usa-checkbox__input"}),
                   "position": forms.NumberInput(attrs=INPUT)}
        help_texts = {"code": "A short name for exports, in lower case with dashes, e.g. title-ii-a."}


class AllocationForm(forms.Form):
    stream = forms.ModelChoiceField(queryset=FundingStream.objects.filter(is_active=True), label="Funding stream",
                                    widget=forms.Select(attrs=SELECT))
    year = YearField()
    amount = forms.DecimalField(label="Amount (USD)", min_value=0, max_digits=14, decimal_places=2,
                                widget=forms.NumberInput(attrs=INPUT))


class SpendingForm(forms.Form):
    stream = forms.ModelChoiceField(queryset=FundingStream.objects.filter(is_active=True), label="Paid from",
                                    widget=forms.Select(attrs=SELECT))
    year = YearField()
    offering = forms.ModelChoiceField(queryset=Offering.objects.none(), label="Offering it paid for",
                                      widget=forms.Select(attrs=SELECT))
    competency = forms.ModelChoiceField(queryset=Competency.objects.none(), required=False,
                                        label="Competency it builds (optional)", widget=forms.Select(attrs=SELECT))
    amount = forms.DecimalField(label="Amount (USD)", min_value=0, max_digits=14, decimal_places=2,
                                widget=forms.NumberInput(attrs=INPUT))
    spent_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={**INPUT, "type": "date"}))
    description = forms.CharField(label="What it was (optional)", required=False, max_length=300,
                                  widget=forms.TextInput(attrs=INPUT))

    def __init__(self, *args: Any, offerings: QuerySet[Offering], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = offerings  # type: ignore[attr-defined]
        self.fields["competency"].queryset = Competency.objects.filter(  # type: ignore[attr-defined]
            framework__status="published").select_related("framework")


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs=INPUT))
    first_year = YearField(label="First school year", back=1, ahead=3)
    last_year = YearField(label="Last school year", back=1, ahead=8)
    summary = forms.CharField(label="Summary (optional)", required=False, max_length=5000,
                              widget=forms.Textarea(attrs=TEXT))


class GoalForm(forms.Form):
    statement = forms.CharField(label="Goal", max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    measure_of_success = forms.CharField(label="How the district will know (optional)", required=False,
                                         max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))
    competencies = forms.ModelMultipleChoiceField(
        queryset=Competency.objects.none(), required=False, label="Framework competencies",
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 8}))
    vision_sections = forms.ModelMultipleChoiceField(
        queryset=VisionSection.objects.none(), required=False, label="Sections of the state's vision",
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 5}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competencies"].queryset = Competency.objects.filter(  # type: ignore[attr-defined]
            framework__status="published").select_related("framework")
        self.fields["vision_sections"].queryset = VisionSection.objects.filter(  # type: ignore[attr-defined]
            version__status="published")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("competencies") or data.get("vision_sections")):
            raise forms.ValidationError("Tie the goal to at least one competency or section of the vision.")
        return data


class PlanLineForm(forms.Form):
    year = forms.TypedChoiceField(coerce=int, label="School year", widget=forms.Select(attrs=SELECT))
    stream = forms.ModelChoiceField(queryset=FundingStream.objects.filter(is_active=True), label="Funding stream",
                                    widget=forms.Select(attrs=SELECT))
    offering = forms.ModelChoiceField(queryset=Offering.objects.none(), required=False,
                                      label="Offering (optional)", widget=forms.Select(attrs=SELECT))
    goal = forms.ModelChoiceField(queryset=None, required=False, label="Towards goal (optional)",  # type: ignore[arg-type]
                                  widget=forms.Select(attrs=SELECT))
    amount = forms.DecimalField(label="Planned amount (USD)", min_value=0, max_digits=14, decimal_places=2,
                                widget=forms.NumberInput(attrs=INPUT))

    def __init__(self, *args: Any, plan: Plan, offerings: QuerySet[Offering], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, school_year_label(y)) for y in plan.years]  # type: ignore[attr-defined]
        self.fields["offering"].queryset = offerings  # type: ignore[attr-defined]
        self.fields["goal"].queryset = plan.goals.all()  # type: ignore[attr-defined]


class FeedbackForm(forms.Form):
    body = forms.CharField(label="Feedback", max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class ReportStartForm(forms.Form):
    year = YearField(back=4, ahead=0)


class NarrativeForm(forms.Form):
    """One narrative per section; field names are the section keys."""

    def __init__(self, *args: Any, sections: list[ReportSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for section in sections:
            self.fields[section.key] = forms.CharField(
                label=f"The district's narrative: {section.get_key_display()}", required=False, max_length=10000,
                initial=section.narrative, widget=forms.Textarea(attrs={**TEXT, "rows": 6}),
                help_text="What the figures mean, what the district did and what it will do next.")


class ReviewForm(forms.Form):
    """A rating and feedback per section; field names are "<key>--rating" and "<key>--body"."""

    def __init__(self, *args: Any, sections: list[ReportSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            self.fields[f"{section.key}--rating"] = forms.ChoiceField(
                label=f"Rating: {section.get_key_display()}", required=False,
                choices=[("", "Choose a rating"), *Rating.choices],
                widget=forms.Select(attrs={**SELECT, "form": "review-form"}))
            self.fields[f"{section.key}--body"] = forms.CharField(
                label=f"Feedback: {section.get_key_display()}", required=False, max_length=5000,
                widget=forms.Textarea(attrs={**TEXT, "rows": 3, "form": "review-form"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for section in self.sections:
            rating, body = data.get(f"{section.key}--rating"), (data.get(f"{section.key}--body") or "").strip()
            if bool(rating) != bool(body):
                self.add_error(f"{section.key}--rating" if not rating else f"{section.key}--body",
                               "Give both a rating and feedback for this section, or neither.")
        return data

    def reviews(self) -> dict[str, tuple[str, str]]:
        return {s.key: (self.cleaned_data[f"{s.key}--rating"], self.cleaned_data[f"{s.key}--body"])
                for s in self.sections if self.cleaned_data.get(f"{s.key}--rating")}

    def for_section(self, key: str) -> tuple[Any, Any]:
        return self[f"{key}--rating"], self[f"{key}--body"]


class ResponseForm(forms.Form):
    response = forms.CharField(label="The district's response", max_length=5000,
                               widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class SpendYearForm(forms.Form):
    year = forms.TypedChoiceField(coerce=int, required=False, label="School year", widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "All years"), *[(y, school_year_label(y)) for y in years]]  # type: ignore[attr-defined]
