from __future__ import annotations

from typing import Any

from django import forms

from trellis.learning.models import Offering

MAX_CASE_BYTES = 50 * 1024 * 1024


class FrameworkUploadForm(forms.Form):
    package = forms.FileField(
        label="CASE package (.json)",
        help_text="A CASE 1.1 CFPackage exported from a CASE tool such as OpenSALT or a state's standards site.",
    )

    def clean_package(self) -> object:
        package = self.cleaned_data["package"]
        if package.size > MAX_CASE_BYTES:
            raise forms.ValidationError(f"{package.name} is larger than 50 MB; a CASE package is much smaller.")
        return package


class NewVersionForm(forms.Form):
    version = forms.CharField(label="Name of the new version", max_length=60,
                              help_text="For example 2027 or 2.0.")


class CompetencyForm(forms.Form):
    human_coding_scheme = forms.CharField(label="Code", max_length=120, required=False)
    abbreviated_statement = forms.CharField(label="Short name", max_length=500, required=False)
    full_statement = forms.CharField(label="Statement", widget=forms.Textarea(attrs={"rows": 4}))


class XapiUploadForm(forms.Form):
    statements = forms.FileField(
        label="xAPI statements (.json or .jsonl)",
        help_text="Statements exported from your learning system or learning record store: a JSON array, "
                  "or JSON Lines with one statement a line.",
    )


class OfferingFilterForm(forms.Form):
    search = forms.CharField(label="Search by title or description", required=False, max_length=100)
    format = forms.ChoiceField(label="Format", required=False,
                               choices=[("", "Any format"), *Offering.Format.choices])
    modality = forms.ChoiceField(label="How it is held", required=False,
                                 choices=[("", "Any way"), *Offering.Modality.choices])
    competency = forms.TypedChoiceField(label="Builds the competency", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, competencies: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competency"].choices = [("", "Any competency"), *((c.pk, str(c)) for c in competencies)]


class OfferingForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    organization = forms.TypedChoiceField(label="Offered by", coerce=int,
                                          help_text="Its staff, and staff of everything below it, can join.")
    format = forms.ChoiceField(choices=Offering.Format.choices)
    provider = forms.ChoiceField(label="Provided by", choices=Offering.Provider.choices)
    vendor_name = forms.CharField(label="Vendor (if a vendor provides it)", required=False, max_length=200)
    audience = forms.CharField(required=False, max_length=200, help_text="For example: middle school teachers.")
    modality = forms.ChoiceField(label="How it is held", choices=Offering.Modality.choices)
    credit_hours = forms.DecimalField(label="Credit hours", min_value=0, max_digits=5, decimal_places=1)
    cost = forms.DecimalField(label="Cost per participant (USD)", min_value=0, max_digits=9, decimal_places=2,
                              initial=0)
    capacity = forms.IntegerField(label="Places", min_value=1, required=False,
                                  help_text="Leave empty for no limit. When it is full, people join a waitlist.")
    competencies = forms.TypedMultipleChoiceField(label="Competencies it builds", coerce=int, required=False)
    xapi_activity_id = forms.CharField(label="xAPI activity id (optional)", required=False, max_length=500,
                                       help_text="The id your learning system gives this course in xAPI.")

    def __init__(self, *args: Any, organizations: Any = (), competencies: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]
        self.fields["competencies"].choices = [(c.pk, str(c)) for c in competencies]


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label="Starts", input_formats=["%Y-%m-%dT%H:%M"],
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))
    hours = forms.DecimalField(label="Hours", min_value=0, max_digits=4, decimal_places=1)
    location = forms.CharField(label="Where", required=False, max_length=200)


class SignInSheetForm(forms.Form):
    sheet = forms.FileField(label="Sign-in sheet (.csv)",
                            help_text="A column email, username or sourcedId for each person; a column present "
                                      "with yes or no if it lists absent people too.")


class CycleForm(forms.Form):
    teacher = forms.TypedChoiceField(label="Teacher", coerce=int)
    competency = forms.TypedChoiceField(label="Competency the goal builds", coerce=int)
    goal = forms.CharField(label="Goal", widget=forms.Textarea(attrs={"rows": 3}))
    started_on = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, teachers: Any = (), competencies: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = [(t.pk, t.full_name) for t in teachers]
        self.fields["competency"].choices = [(c.pk, str(c)) for c in competencies]


class CycleUpdateForm(forms.Form):
    stage = forms.ChoiceField(label="Stage", choices=[])
    planning_notes = forms.CharField(label="Planning notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(label="Feedback", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reflection = forms.CharField(label="Teacher's reflection", required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, stages: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = list(stages)


class ReflectionForm(forms.Form):
    reflection = forms.CharField(label="Your reflection", widget=forms.Textarea(attrs={"rows": 4}))


def rubric_levels_from(data: Any, rows: Any) -> tuple[dict[int, int], list[str]]:
    """The level chosen in each rubric row (fields ``level-<competency id>``), and what is wrong."""
    chosen: dict[int, int] = {}
    errors: list[str] = []
    for row in rows:
        value = data.get(f"level-{row.competency.pk}", "")
        if not value:
            continue
        if not value.isdigit() or int(value) not in row.scores:
            errors.append(f"Choose one of the levels for {row.competency}.")
            continue
        chosen[row.competency.pk] = int(value)
    return chosen, errors


class ProposalForm(forms.Form):
    topic = forms.CharField(label="Topic you would like professional learning on", max_length=200)
    details = forms.CharField(label="Why it matters in your class (optional)", required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    volunteers_to_co_design = forms.BooleanField(label="I would help design this offering", required=False)


class ProposalAnswerForm(forms.Form):
    status = forms.ChoiceField(label="Decision", choices=[("planned", "Planned"), ("declined", "Not planned")])
    answer = forms.CharField(label="Your answer to the teacher", widget=forms.Textarea(attrs={"rows": 3}))
