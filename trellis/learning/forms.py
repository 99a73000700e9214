from __future__ import annotations

from django import forms

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
