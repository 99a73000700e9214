from __future__ import annotations

from typing import Any

from django import forms

from trellis.orgs.forms import QUARTILE_CHOICES
from trellis.orgs.models import Organization
from trellis.roadmap.indicators import STAGES
from trellis.roadmap.models import IndicatorRating, Rating, StateActionStatus
from trellis.roadmap.services import RatingInput


class RoadmapForm(forms.Form):
    """One rating, evidence and link per indicator; field names are "<key>--rating" and so on."""

    def __init__(self, *args: Any, ratings: dict[str, IndicatorRating] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ratings = ratings or {}
        for stage in STAGES:
            for indicator in stage.indicators:
                current = ratings.get(indicator.key)
                self.fields[f"{indicator.key}--rating"] = forms.ChoiceField(
                    label=f"Where is the district on: {indicator.title}?", choices=Rating.choices,
                    widget=forms.RadioSelect(attrs={"class": "usa-radio__input"}),
                    initial=current.rating if current else Rating.NOT_STARTED,
                )
                self.fields[f"{indicator.key}--evidence"] = forms.CharField(
                    label="Evidence", required=False, max_length=2000,
                    help_text="What shows this? For example the policy's title and the date it was adopted.",
                    widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 2}),
                    initial=current.evidence if current else "",
                )
                self.fields[f"{indicator.key}--evidence_url"] = forms.URLField(
                    label="Link to the evidence (optional)", required=False, max_length=500,
                    assume_scheme="https", widget=forms.URLInput(attrs={"class": "usa-input"}),
                    initial=current.evidence_url if current else "",
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for stage in STAGES:
            for indicator in stage.indicators:
                key = indicator.key
                if data.get(f"{key}--rating") == Rating.MET and not (
                    (data.get(f"{key}--evidence") or "").strip() or data.get(f"{key}--evidence_url")
                ):
                    self.add_error(f"{key}--evidence", "Say what shows this is met, or give a link to it.")
        return data

    def ratings(self) -> dict[str, RatingInput]:
        data = self.cleaned_data
        return {
            i.key: RatingInput(data[f"{i.key}--rating"], data.get(f"{i.key}--evidence") or "",
                               data.get(f"{i.key}--evidence_url") or "")
            for stage in STAGES for i in stage.indicators
        }

    def stages(self) -> list[dict[str, Any]]:
        """The bound fields grouped by stage and indicator, for the template."""
        return [
            {"stage": stage, "indicators": [
                {"indicator": i, "rating": self[f"{i.key}--rating"], "evidence": self[f"{i.key}--evidence"],
                 "evidence_url": self[f"{i.key}--evidence_url"]}
                for i in stage.indicators
            ]}
            for stage in STAGES
        ]


class StateRoadmapFilterForm(forms.Form):
    region = forms.TypedChoiceField(label="Region", required=False, coerce=int, empty_value=None, choices=[])
    locale = forms.ChoiceField(label="Locale", required=False,
                               choices=[("", "Any locale"), *Organization.Locale.choices])
    quartile = forms.TypedChoiceField(label="Poverty level", required=False, choices=QUARTILE_CHOICES, coerce=int,
                                      empty_value=None)

    def __init__(self, *args: Any, regions: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Any region"), *((r.pk, r.name) for r in regions)]


class StateActionForm(forms.Form):
    """One state action's status; each action's form on the page has the action's key as prefix."""

    status = forms.ChoiceField(label="Status", choices=StateActionStatus.Status.choices)
    note = forms.CharField(label="Note", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 2}))
