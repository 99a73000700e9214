from __future__ import annotations

from typing import Any

from django import forms

from trellis.commons.competencies import area_choices
from trellis.commons.models import CommonsItem
from trellis.commons.services import ITEM_FIELDS
from trellis.orgs.models import Organization


def uswds_styled(form: forms.BaseForm) -> None:
    """Give each of the form's widgets its USWDS class (text areas, selects, other inputs)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("class", "usa-textarea")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "usa-select")
        elif not isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "usa-input")


class CommonsItemForm(forms.ModelForm):
    evidence_url = forms.URLField(label="Link to the evidence", required=False, max_length=500,
                                  assume_scheme="https")
    competencies = forms.MultipleChoiceField(
        label="Competency areas it builds", required=False, choices=area_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="The aspects of the AI competency framework for teachers that this item helps with.",
    )

    class Meta:
        model = CommonsItem
        fields = list(ITEM_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 6}),
            "served": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        uswds_styled(self)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=[("publish", "Publish it"),
                                                            ("changes", "Ask for changes")],
                                 widget=forms.Select(attrs={"class": "usa-select"}))
    note = forms.CharField(label="Note to the person who shared it", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 3}),
                           help_text="Needed when you ask for changes: say what should change.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "changes" and not (data.get("note") or "").strip():
            self.add_error("note", "Say what should change.")
        return data


class AdoptForm(forms.Form):
    district = forms.ModelChoiceField(label="District", queryset=Organization.objects.none(),
                                      widget=forms.Select(attrs={"class": "usa-select"}))
    note = forms.CharField(label="How the district will use it", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 2}))

    def __init__(self, *args: Any, districts: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        field.queryset = Organization.objects.filter(pk__in=[d.pk for d in districts])  # type: ignore[attr-defined]
        if len(districts) == 1:
            field.initial = districts[0].pk
