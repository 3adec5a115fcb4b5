import json
from typing import Any

from django import forms

from tandem.agreement.services import SUMMARY_MAX_LENGTH, TITLE_MAX_LENGTH
from tandem.agreement.whatif import DEFAULT_MONTHS, MAX_MONTHS

NOT_JSON = "The terms are not valid JSON: {reason} (line {line}, column {column})."
NOT_AN_OBJECT = "The terms must be one JSON object, in braces: { … }."
# Generous for the largest terms the rules allow, small enough to refuse a pasted data dump.
CONTENT_MAX_LENGTH = 500_000


class DraftForm(forms.Form):
    """Start a draft: only its title; the terms start as the active version's."""

    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Raise the MQL bar for SMB"}),
    )


class VersionForm(forms.Form):
    """A draft's title, summary and terms; the terms are typed as JSON."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    summary = forms.CharField(
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What this version changes and why, for the people who sign it.",
    )
    content = forms.CharField(
        label="Terms",
        max_length=CONTENT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
    )

    def clean_content(self) -> dict[str, Any]:
        text = self.cleaned_data["content"]
        try:
            content = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                NOT_JSON.format(reason=error.msg, line=error.lineno, column=error.colno)
            ) from None
        if not isinstance(content, dict):
            raise forms.ValidationError(NOT_AN_OBJECT)
        return content

    def problems(self) -> list[str]:
        """Every error as a sentence, the field named where it is not obvious."""
        return [
            str(message) if name in {"content", "__all__"} else f"{self[name].label}: {message}"
            for name, messages in self.errors.items()
            for message in messages
        ]


class WhatIfForm(forms.Form):
    months = forms.IntegerField(min_value=1, max_value=MAX_MONTHS, initial=DEFAULT_MONTHS)

    def months_asked(self) -> int:
        """The months asked for; the default when the value is missing or out of bounds."""
        if self.is_valid() and self.cleaned_data["months"] is not None:
            months: int = self.cleaned_data["months"]
            return months
        return DEFAULT_MONTHS


class CompareForm(forms.Form):
    old = forms.IntegerField(min_value=1, label="Compare version")
    new = forms.IntegerField(min_value=1, label="with version")
