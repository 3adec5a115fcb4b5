"""The campaign form (with its brief) and the closed loop's filters."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import User

from tandem.campaigns.closed_loop import Dimension, Touch
from tandem.campaigns.models import Campaign, Channel
from tandem.campaigns.queries import campaign_owners
from tandem.core.errors import DomainError

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_A_DATE = "Enter a date as YYYY-MM-DD."


class OwnerField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class CampaignForm(forms.Form):
    """A campaign's fields as marketing edits them; `campaigns.services` checks them again."""

    name = forms.CharField(max_length=200)
    utm_key = forms.SlugField(
        label="UTM key",
        max_length=120,
        help_text="The utm_campaign value in the campaign's links: letters, digits, hyphens and "
        "underscores.",
    )
    channel = forms.ChoiceField(choices=Channel.choices)
    audience_segment = forms.CharField(
        label="Segment", max_length=100, required=False, help_text="The segment it is aimed at."
    )
    starts_on = forms.DateField(label="Starts", required=False, widget=DATE_INPUT)
    ends_on = forms.DateField(label="Ends", required=False, widget=DATE_INPUT)
    owner = OwnerField(queryset=User.objects.none(), required=False, empty_label="Nobody")
    product = forms.CharField(max_length=200, required=False, help_text="What the campaign sells.")
    message = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the campaign says.",
    )
    hook = forms.CharField(max_length=300, required=False, help_text="What makes people act.")
    offer = forms.CharField(max_length=300, required=False, help_text="What people are offered.")
    audience = forms.CharField(
        label="Intended audience",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Whom the campaign is for, in words sales can check a lead against.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at each showing: people join and leave marketing.
        self.fields["owner"].queryset = campaign_owners()  # type: ignore[attr-defined]

    @classmethod
    def of(cls, campaign: Campaign) -> "CampaignForm":
        """The form filled with the campaign as it is."""
        initial = {name: getattr(campaign, name) for name in cls.base_fields if name != "owner"}
        return cls(initial={**initial, "owner": campaign.owner_id})

    def fields_for_service(self) -> dict[str, Any]:
        """The cleaned values as `create_campaign`/`update_campaign` take them."""
        values = dict(self.cleaned_data)
        owner = values.pop("owner")
        return {**values, "owner_id": owner.pk if owner is not None else None}

    def add_service_error(self, error: DomainError) -> None:
        """Show a service's refusal beside the field it names, or above the form."""
        names = ["owner" if name == "owner_id" else name for name in error.fields]
        field = next((name for name in names if name in self.fields), None)
        self.add_error(field, error.message)


class ClosedLoopForm(forms.Form):
    """The closed loop's filters: what a row is, the attribution and the period. A value that
    does not validate falls back to its default, and the page says so."""

    by = forms.ChoiceField(choices=Dimension.choices, required=False, label="Rows")
    touch = forms.ChoiceField(choices=Touch.choices, required=False, label="Attribution")

    def __init__(self, data: Any, *, default_from: dt.date | None = None) -> None:
        super().__init__(data)
        self.default_from = default_from
        # "from" is a keyword in Python, so these two fields are added by name.
        self.fields["from"] = forms.DateField(
            required=False, label="MQL from", widget=DATE_INPUT,
            error_messages={"invalid": NOT_A_DATE},
        )  # fmt: skip
        self.fields["to"] = forms.DateField(
            required=False, label="to", widget=DATE_INPUT, error_messages={"invalid": NOT_A_DATE}
        )

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        start, end = values.get("from"), values.get("to")
        if start is not None and end is not None and start > end:
            raise forms.ValidationError("The period cannot start after it ends.")
        return values

    def choice(self) -> dict[str, Any]:
        """The filters as `closed_loop` takes them: the valid ones, defaults for the rest. A
        `from` left out is the default; one sent empty means from the start."""
        self.is_valid()
        values = self.cleaned_data
        period_ok = not (self.has_error("from") or self.has_error("to") or self.non_field_errors())
        return {
            "by": values.get("by") or Dimension.CAMPAIGN,
            "touch": values.get("touch") or Touch.LAST,
            "mql_from": values.get("from")
            if period_ok and "from" in self.data
            else self.default_from,
            "mql_to": values.get("to") if period_ok else None,
        }

    def problem(self) -> str:
        """What was wrong with the filters asked for, in sentences."""
        problems = [str(message) for messages in self.errors.values() for message in messages]
        return " ".join(dict.fromkeys(problems)) + " The default is shown instead."

    @classmethod
    def showing(cls, choice: dict[str, Any]) -> "ClosedLoopForm":
        """A form showing the filters in use, to render the filter bar."""
        day = "%Y-%m-%d"
        return cls(
            {
                "by": choice["by"],
                "touch": choice["touch"],
                "from": choice["mql_from"].strftime(day) if choice["mql_from"] else "",
                "to": choice["mql_to"].strftime(day) if choice["mql_to"] else "",
            }
        )
