from __future__ import annotations

from typing import Any

from django import forms

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
    )

    def clean_roster(self) -> object:
        roster = self.cleaned_data["roster"]
        if not roster.name.lower().endswith(".zip"):
            raise forms.ValidationError(f"{roster.name} is not a .zip file. Export the roster as one .zip file.")
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
