from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trellis.vision.models import VisionSection


class VersionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, widget=forms.TextInput(attrs={"class": "usa-input"}))
    introduction = forms.CharField(label="Introduction", required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 3}))


class SectionForm(forms.Form):
    heading = forms.CharField(label="Heading", max_length=200, widget=forms.TextInput(attrs={"class": "usa-input"}))
    body = forms.CharField(label="Text", max_length=20000,
                           widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 6}))


class OpenForCommentForm(forms.Form):
    comment_closes = forms.DateField(label="Comments close on", widget=forms.DateInput(
        attrs={"class": "usa-input", "type": "date"}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label="Answer", max_length=3000,
                             widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 2}))


class CommentForm(forms.Form):
    """A comment on the draft. The public form adds a name and a field people leave empty."""

    section = forms.ModelChoiceField(label=_("Which part is your comment about?"), required=False,
                                     queryset=VisionSection.objects.none(), empty_label=_("The whole vision"),
                                     widget=forms.Select(attrs={"class": "usa-select"}))
    body = forms.CharField(label=_("Your comment"), max_length=3000,
                           widget=forms.Textarea(attrs={"class": "usa-textarea", "rows": 5}))

    def __init__(self, *args: Any, version: Any, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = version.sections.all()  # type: ignore[attr-defined]
        if public:
            self.fields["display_name"] = forms.CharField(
                label=_("Your name (optional)"), required=False, max_length=80,
                help_text=_("Shown beside your comment. Leave it empty to comment without a name."),
                widget=forms.TextInput(attrs={"class": "usa-input"}))
            # People never see this field; automated senders fill it in.
            self.fields["website"] = forms.CharField(required=False, label=_("Leave this empty"),
                                                     widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                                   "tabindex": "-1"}))

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("Leave this field empty."))
        return ""
