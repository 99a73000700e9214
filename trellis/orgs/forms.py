from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings

from trellis.orgs.models import Organization, Person
from trellis.orgs.permissions import grantable_roles
from trellis.orgs.selectors import person_find_for

QUARTILE_CHOICES = [("", "Any poverty level"), ("1", "Low poverty"), ("2", "Low-middle poverty"),
                    ("3", "Middle-high poverty"), ("4", "High poverty")]
ORDER_CHOICES = [("name", "Name"), ("enrollment", "Most students"), ("poverty", "Highest poverty")]


class OrganizationFilterForm(forms.Form):
    search = forms.CharField(label="Name or NCES id", required=False, max_length=100)
    locale = forms.ChoiceField(
        label="Locale", required=False, choices=[("", "Any locale"), *Organization.Locale.choices]
    )
    quartile = forms.TypedChoiceField(
        label="Poverty level", required=False, choices=QUARTILE_CHOICES, coerce=int, empty_value=None
    )
    order = forms.ChoiceField(label="Sort by", required=False, choices=ORDER_CHOICES)


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label="OneRoster file (.zip)",
        help_text="A OneRoster 1.1 or 1.2 CSV export from your student information system, as one .zip file.",
        error_messages={
            "required": "Choose the .zip file of your OneRoster export.",
            "empty": "The file you chose is empty. Export the roster again as one .zip file.",
        },
    )

    def __init__(self, *args: Any, too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean(self) -> dict[str, Any]:
        if self.too_large:
            # The upload was stopped as it arrived, so there is no file to name.
            self.errors.pop("roster", None)
            self.add_error("roster", f"The file is larger than {settings.TRELLIS_ROSTER_UPLOAD_MB} MB, the most "
                           "Trellis takes here. Import it on the command line (trellis import oneroster), or "
                           "upload one district at a time.")
        return super().clean()

    def clean_roster(self) -> object:
        roster = self.cleaned_data["roster"]
        name = Path(str(roster.name)).name
        if not name.lower().endswith(".zip"):
            raise forms.ValidationError(f"{name} is not a .zip file. Export the roster as one .zip file.")
        if roster.size > settings.TRELLIS_ROSTER_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(f"{name} is larger than {settings.TRELLIS_ROSTER_UPLOAD_MB} MB, the most "
                                        "Trellis takes here. Import it on the command line instead.")
        return roster


class RoleGrantForm(forms.Form):
    person = forms.CharField(
        label="Username or email", max_length=254,
        help_text="The person must already have a Trellis account in an organization you manage.",
    )
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args: Any, user: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["role"].choices = [("", "Choose a role"),
                                       *((role.value, role.label) for role in grantable_roles(organization))]

    def clean_person(self) -> Person:
        text = self.cleaned_data["person"]
        person = person_find_for(user=self.user, username_or_email=text)
        if person is None:
            raise forms.ValidationError(
                f"No one with the username or email {text} works in the organizations you manage. "
                "Check the spelling; new staff come into Trellis with the district's roster."
            )
        return person
