from __future__ import annotations

from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Name of the token", max_length=100,
                           help_text="What it is for, so you know which one to revoke later (for example, "
                                     "“Coverage notebook”).",
                           widget=forms.TextInput(attrs={"class": "usa-input"}))
