from __future__ import annotations

from typing import Any

from django import forms

from trellis.audits.models import Override
from trellis.orgs.models import Organization
from trellis.tools.forms import DateInput, StyledForm, checkboxes
from trellis.tools.models import Deployment, Tool
from trellis.tools.vocabulary import GRADE_CHOICES


class DeploymentForm(StyledForm):
    tool = forms.ModelChoiceField(queryset=Tool.objects.none(), empty_label="Choose a tool")
    stage = forms.ChoiceField(choices=Deployment.Stage.choices, widget=forms.RadioSelect)
    schools = forms.ModelMultipleChoiceField(queryset=Organization.objects.none(), widget=forms.CheckboxSelectMultiple)
    grades = checkboxes("Grades", GRADE_CHOICES, required=True)
    starts_on = forms.DateField(label="Start date", widget=DateInput)
    ends_on = forms.DateField(label="End date", widget=DateInput, required=False)
    question = forms.CharField(label="What the pilot should find out", max_length=500, required=False)
    success_measures = forms.CharField(label="How you will know it worked", max_length=2000, widget=forms.Textarea,
                                       required=False)
    participants = forms.CharField(label="Who takes part", max_length=500, required=False)

    def __init__(self, *args: Any, district: Organization, tools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = Organization.objects.filter(parent=district, is_active=True).order_by("name")
        self.fields["tool"].queryset = tools


class EvaluationForm(StyledForm):
    evaluation = forms.CharField(label="What the pilot found", max_length=4000, widget=forms.Textarea)


class GateForm(StyledForm):
    note = forms.CharField(label="Note for the record", max_length=2000, widget=forms.Textarea, required=False)


class AuditUploadForm(StyledForm):
    upload = forms.FileField(label="The tool's outputs (CSV or Parquet)",
                             help_text="One row per student decision. Student ids are coded on arrival and the "
                                       "file is deleted when the audit ends.")
    id_column = forms.CharField(label="Column with the student id", max_length=100, initial="student_id")
    prediction_column = forms.CharField(label="Column with the tool's flag (0 or 1)", max_length=100, initial="flag")
    label_column = forms.CharField(label="Column with the true outcome (optional)", max_length=100, required=False)
    human_column = forms.CharField(label="Column with the teacher's decision (optional)", max_length=100,
                                   required=False, help_text="Gives how often teachers overrode the tool, by group.")


class FindingForm(StyledForm):
    response = forms.CharField(label="The district's response", max_length=4000, widget=forms.Textarea,
                               required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="No one yet")
    due_on = forms.DateField(label="Due", widget=DateInput, required=False)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        from trellis.tools.forms import display_name

        self.fields["owner"].label_from_instance = display_name


class OverrideForm(StyledForm):
    tool = forms.ModelChoiceField(queryset=Tool.objects.order_by("product"), empty_label="Choose a tool")
    output_kind = forms.CharField(label="Kind of output", max_length=100, help_text="For example: AI-writing flag.")
    ai_said = forms.CharField(label="What the AI said", max_length=300)
    teacher_decided = forms.CharField(label="What you decided", max_length=300)
    reason = forms.ChoiceField(choices=Override.Reason.choices, widget=forms.RadioSelect)
    student_id = forms.CharField(label="Student id (optional)", max_length=100, required=False,
                                 help_text="Kept only in coded form, to count overrides by student group.")
