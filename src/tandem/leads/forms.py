from typing import Any, cast

from django import forms
from django.contrib.auth.models import User

from tandem.campaigns.queries import visible_campaigns
from tandem.leads.models import Company, Stage
from tandem.leads.queries import (
    LeadFilter,
    lead_owners,
    sees_only_own_leads,
    visible_companies,
)

ANY = ""


def _owner_choices(actor: User) -> list[tuple[int, str]]:
    """The people a lead list may be narrowed to."""
    return [(user.pk, user.get_full_name() or user.username) for user in lead_owners(actor)]


def _segment_choices(actor: User) -> list[str]:
    segments = (
        visible_companies(actor)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()
    )
    return list(segments)


class LeadFilterForm(forms.Form):
    """The lead list's filters. Values that do not validate are left out of the filter."""

    search = forms.CharField(
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, email or company", "autocomplete": "off"}
        ),
    )
    stage = forms.ChoiceField(required=False, choices=[(ANY, "Any stage"), *Stage.choices])
    # Typed rather than picked: listing the distinct sources would scan every lead.
    source = forms.CharField(
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "e.g. webinar", "autocomplete": "off"}),
    )
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    campaign = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    segment = forms.ChoiceField(required=False)
    company = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, actor: User) -> None:
        super().__init__(data)
        self.actor = actor
        # The company the list is narrowed to, named on the page so the filter is not hidden.
        self.shown_company: Company | None = None
        self._choice_field("campaign").choices = [
            (ANY, "Any campaign"),
            *visible_campaigns(actor).order_by("name").values_list("id", "name"),
        ]
        self._choice_field("segment").choices = [
            (ANY, "Any segment"),
            *((segment, segment) for segment in _segment_choices(actor)),
        ]
        if sees_only_own_leads(actor):
            del self.fields["owner"]
        else:
            self._choice_field("owner").choices = [(ANY, "Anyone"), *_owner_choices(actor)]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def criteria(self) -> LeadFilter:
        self.is_valid()
        values = self.cleaned_data
        if values.get("company") is not None:
            self.shown_company = visible_companies(self.actor).filter(pk=values["company"]).first()
        return LeadFilter(
            search=values.get("search") or "",
            stage=values.get("stage") or "",
            source=values.get("source") or "",
            owner_id=values.get("owner"),
            company_id=values.get("company"),
            campaign_id=values.get("campaign"),
            segment=values.get("segment") or "",
        )


def page_number(value: str | None) -> int:
    """The page asked for in the query string; anything but a positive number means page 1."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return max(number, 1)


class SentenceErrorsForm(forms.Form):
    def error_text(self) -> str:
        """Every error as one sentence, for the page's message after a redirect."""
        return " ".join(
            f"{self.fields[name].label or name}: {message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        )


class StageChangeForm(SentenceErrorsForm):
    """Move a lead to another stage.

    It offers the moves the lifecycle allows from the lead's stage, but accepts any stage:
    the lifecycle has the last word, so a move made stale by someone else's change is refused
    with the lifecycle's own message.
    """

    to_stage = forms.ChoiceField(label="Move to stage", choices=Stage.choices)
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Why (optional)"}),
    )

    def __init__(self, data: Any = None, *, offered: list[Stage] | None = None) -> None:
        super().__init__(data)
        if offered is not None:
            cast(forms.ChoiceField, self.fields["to_stage"]).choices = [
                (stage.value, stage.label) for stage in offered
            ]
