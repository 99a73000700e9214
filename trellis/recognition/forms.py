from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.commons.forms import uswds_styled
from trellis.recognition.models import TOP_SCORE, RecognitionProgramme
from trellis.recognition.selectors import EvidenceOption


class ProgrammeForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    criteria = forms.CharField(
        label="Criteria", max_length=8000, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One criterion a line: its title, a colon, then what reviewers look for.")
    pass_mark = forms.DecimalField(label="Pass mark (share of the top score)", min_value=0, max_value=1,
                                   decimal_places=2, initial="0.75")
    valid_months = forms.IntegerField(label="Recognition lasts (months)", min_value=1, max_value=120, initial=24)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        uswds_styled(self)

    def criteria_list(self) -> list[tuple[str, str]]:
        found = []
        for line in self.cleaned_data["criteria"].splitlines():
            title, _, description = line.partition(":")
            if title.strip():
                found.append((title.strip()[:200], description.strip()[:1000]))
        return found


class ApplicationForm(forms.Form):
    statement = forms.CharField(label="Why you should be recognised", max_length=6000,
                                widget=forms.Textarea(attrs={"rows": 5}),
                                help_text="Say what you did against each criterion, in plain words.")
    evidence = forms.MultipleChoiceField(label="Evidence from Trellis", required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, options: list[EvidenceOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [(o.key, o.name) for o in options]  # type: ignore[attr-defined]
        uswds_styled(self)


class ScoreForm(forms.Form):
    def __init__(self, *args: Any, programme: RecognitionProgramme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in programme.criteria:
            self.fields[f"score_{criterion['key']}"] = forms.TypedChoiceField(
                label=criterion["title"], coerce=int, help_text=criterion["description"],
                choices=[(n, str(n)) for n in range(TOP_SCORE + 1)])
        uswds_styled(self)

    def scores(self, programme: RecognitionProgramme) -> dict[str, int]:
        return {c["key"]: self.cleaned_data[f"score_{c['key']}"] for c in programme.criteria}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("award", "Recognise"), ("decline", "Do not recognise this time")])
    note = forms.CharField(label="Note to the applicant", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        uswds_styled(self)


class VerifyForm(forms.Form):
    token = forms.CharField(label=_("The credential (the signed text, starting with eyJ)"), max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 6, "class": "usa-textarea"}))
