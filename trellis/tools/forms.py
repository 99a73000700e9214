"""Forms of the tools pages; every public form limits its lengths and carries a honeypot field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.orgs.models import Organization
from trellis.tools.models import Agreement, Decision, Incident, Tool
from trellis.tools.vocabulary import GRADE_CHOICES, AIFunction, Clause, CoppaBasis, DataElement, Rating, ReviewArea

WIDGET_CLASSES = {
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
    forms.CheckboxSelectMultiple: "usa-checkbox__input",
    forms.RadioSelect: "usa-radio__input",
    forms.CheckboxInput: "usa-checkbox__input",
    forms.ClearableFileInput: "usa-file-input",
    forms.FileInput: "usa-file-input",
}


class StyledForm(forms.Form):
    """A form whose widgets carry the USWDS classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next((c for kind, c in WIDGET_CLASSES.items() if type(field.widget) is kind), "usa-input")
            if css:
                field.widget.attrs.setdefault("class", css)


def display_name(user: Any) -> str:
    person = getattr(user, "person", None)
    return (person.full_name if person else user.get_full_name()) or user.get_username()


class DateInput(forms.DateInput):
    input_type = "date"


def checkboxes(label: str, choices: Any, required: bool = False, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=required, help_text=help_text, widget=forms.CheckboxSelectMultiple
    )


class ToolForm(StyledForm):
    vendor = forms.CharField(max_length=200)
    product = forms.CharField(max_length=200)
    version = forms.CharField(max_length=60, required=False)
    summary = forms.CharField(
        label="What it is for, in plain words", max_length=300, help_text="One sentence a parent would understand."
    )
    ai_functions = checkboxes("What the AI does", AIFunction.choices, required=True)
    model_provider = forms.CharField(
        label="Model provider", max_length=200, required=False, help_text="The company whose AI model the tool uses."
    )
    provider_kind = forms.ChoiceField(label="Whose model", choices=Tool.ProviderKind.choices)
    student_data = checkboxes("Data it collects about students", DataElement.choices)
    staff_data = checkboxes("Data it collects about staff", DataElement.choices)
    youngest_age = forms.IntegerField(label="Youngest age it serves", min_value=3, max_value=21, required=False)
    privacy_policy_url = forms.URLField(label="Privacy policy link", required=False, assume_scheme="https")
    accessibility_url = forms.URLField(
        label="Accessibility conformance report link", required=False, assume_scheme="https"
    )
    evidence_url = forms.URLField(label="Evidence link", required=False, assume_scheme="https")


class InventoryForm(StyledForm):
    tool = forms.ModelChoiceField(queryset=Tool.objects.order_by("product"), empty_label="Choose a tool")
    schools = forms.ModelMultipleChoiceField(queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple)
    grades = checkboxes("Grades", GRADE_CHOICES, required=True)
    purpose = forms.CharField(label="What the schools use it for", max_length=300)

    def __init__(self, *args: Any, district: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = Organization.objects.filter(parent=district, is_active=True).order_by("name")


class RequestForm(StyledForm):
    school = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)
    grades = checkboxes("Grades", GRADE_CHOICES, required=True)
    purpose = forms.CharField(
        label="What you would use it for",
        max_length=2000,
        widget=forms.Textarea,
        help_text="Which classes, what students would do with it, and why.",
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class RouteForm(StyledForm):
    """One optional reviewer per review step; a step without a reviewer is skipped."""

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from trellis.tools.vocabulary import StepKind

        for step, label in StepKind.choices:
            self.fields[step] = forms.ModelChoiceField(
                label=f"{label} reviewer",
                queryset=staff,
                required=False,
                empty_label="Skip this step",
            )
            self.fields[step].widget.attrs["class"] = "usa-select"
            self.fields[step].label_from_instance = display_name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError("Choose a reviewer for at least one step.")
        return data


class ReviewForm(StyledForm):
    summary = forms.CharField(label="Summary for the district", max_length=4000, widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, criteria: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"rating_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.text, choices=Rating.choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(label="Note", max_length=1000, required=False)
            self.fields[f"evidence_url_{criterion.pk}"] = forms.URLField(
                label="Evidence link", required=False, assume_scheme="https"
            )
            self.fields[f"note_{criterion.pk}"].widget.attrs["class"] = "usa-input"
            self.fields[f"evidence_url_{criterion.pk}"].widget.attrs["class"] = "usa-input"

    def ratings(self) -> dict[int, dict[str, str]]:
        data = self.cleaned_data
        return {
            c.pk: {
                "rating": data.get(f"rating_{c.pk}", ""),
                "note": data.get(f"note_{c.pk}", ""),
                "evidence_url": data.get(f"evidence_url_{c.pk}", ""),
            }
            for c in self.criteria
        }

    def groups(self) -> list[tuple[str, list[tuple[Any, Any, Any, Any]]]]:
        labels = dict(ReviewArea.choices)
        grouped: dict[str, list[tuple[Any, Any, Any, Any]]] = {}
        for c in self.criteria:
            grouped.setdefault(str(labels[c.area]), []).append(
                (c, self[f"rating_{c.pk}"], self[f"note_{c.pk}"], self[f"evidence_url_{c.pk}"])
            )
        return list(grouped.items())


class RubricForm(StyledForm):
    criteria = forms.CharField(
        label="Criteria, one a line",
        widget=forms.Textarea(attrs={"rows": 24}),
        max_length=20000,
        help_text="Write each line as area: criterion. Areas: " + ", ".join(ReviewArea.values) + ".",
    )
    notes = forms.CharField(label="What changed", max_length=300)

    def clean_criteria(self) -> list[tuple[str, str]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            area, sep, text = line.partition(":")
            if not sep or not text.strip():
                raise forms.ValidationError(f"Line {number} has no 'area: criterion'.")
            if area.strip() not in ReviewArea.values:
                raise forms.ValidationError(f"Line {number}: {area.strip()!r} is not one of the areas.")
            rows.append((area.strip(), text.strip()))
        return rows


class DecisionForm(StyledForm):
    outcome = forms.ChoiceField(choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(max_length=4000, widget=forms.Textarea)
    conditions = forms.CharField(
        max_length=4000, widget=forms.Textarea, required=False, help_text="Required when approving with conditions."
    )
    expires_on = forms.DateField(
        label="Look at this again by",
        required=False,
        widget=DateInput,
        help_text="Required unless the tool is not approved.",
    )


class AgreementForm(StyledForm):
    upload = forms.FileField(
        label="Signed agreement (PDF)",
        required=False,
        help_text="Leave empty when joining another district's agreement.",
    )
    piggyback_of = forms.ModelChoiceField(
        label="Or join another district's agreement with this vendor",
        queryset=Agreement.objects.none(),
        required=False,
        empty_label="Do not join another agreement",
    )
    starts_on = forms.DateField(label="Start date", widget=DateInput)
    ends_on = forms.DateField(label="End date", widget=DateInput)
    data_elements = checkboxes("Data the agreement covers", DataElement.choices)
    clauses = checkboxes("Clause areas of the national model agreement it covers", Clause.choices)
    coppa_basis = forms.ChoiceField(
        label="COPPA consent basis",
        choices=CoppaBasis.choices,
        required=False,
        help_text="Needed when the tool serves children under 13.",
    )
    allows_piggyback = forms.BooleanField(label="The vendor lets other districts join this agreement", required=False)

    def __init__(self, *args: Any, joinable: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["piggyback_of"].queryset = joinable
        self.fields["piggyback_of"].label_from_instance = lambda a: f"{a.district} (until {a.ends_on:%B %-d, %Y})"


class StaffIncidentForm(StyledForm):
    category = forms.ChoiceField(choices=Incident.Category.choices)
    severity = forms.ChoiceField(choices=Incident.Severity.choices)
    tool = forms.ModelChoiceField(
        queryset=Tool.objects.order_by("product"), required=False, empty_label="Not about one tool"
    )
    description = forms.CharField(label="What happened", max_length=4000, widget=forms.Textarea)


class TriageForm(StyledForm):
    status = forms.ChoiceField(choices=Incident.Status.choices)
    severity = forms.ChoiceField(choices=Incident.Severity.choices)
    action_taken = forms.CharField(label="Action taken", max_length=4000, widget=forms.Textarea, required=False)


class AnswerForm(StyledForm):
    answer = forms.CharField(label="Answer to the family", max_length=2000, widget=forms.Textarea)


class PublicForm(StyledForm):
    # Hidden from people by CSS; bots that fill every field are turned away.
    website = forms.CharField(
        required=False,
        max_length=200,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class OptOutForm(PublicForm):
    tool = forms.ModelChoiceField(
        label=_("Which tool"),
        queryset=Tool.objects.none(),
        required=False,
        empty_label=_("All AI tools at this school"),
    )
    grade = forms.ChoiceField(
        label=_("Your child's grade"), choices=[("", _("Choose a grade")), *GRADE_CHOICES], required=False
    )
    parent_name = forms.CharField(label=_("Your name"), max_length=150)
    contact = forms.CharField(
        label=_("Your phone or email"),
        max_length=200,
        help_text=_("The school uses this to reach you. Do not write your child's name here: the school will ask you."),
    )
    message = forms.CharField(
        label=_("Anything else the school should know"), max_length=2000, widget=forms.Textarea, required=False
    )

    def __init__(self, *args: Any, tools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = tools


class ConcernForm(PublicForm):
    category = forms.ChoiceField(label=_("What is it about"), choices=Incident.Category.choices)
    tool = forms.ModelChoiceField(
        label=_("Which tool"), queryset=Tool.objects.none(), required=False, empty_label=_("I am not sure")
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=4000,
        widget=forms.Textarea,
        help_text=_("Please do not write a child's full name."),
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), max_length=150, required=False)
    reporter_contact = forms.CharField(
        label=_("Your phone or email (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only the staff who look into your report can see this."),
    )

    def __init__(self, *args: Any, tools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = tools


class StatusForm(StyledForm):
    reference = forms.CharField(label=_("Reference number"), max_length=12)
