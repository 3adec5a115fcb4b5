import datetime as dt
from typing import Any

from django import forms

from tandem.core.errors import DomainError
from tandem.reports.kpis import Filters, Grain, Period, validate_period
from tandem.reports.queries import FilterChoices, filter_choices

MONTH_FORMAT = "%Y-%m"
DAY_FORMAT = "%Y-%m-%d"
NOT_A_DAY = "Enter a day as YYYY-MM-DD."
NOT_A_MONTH = "Enter a month as YYYY-MM."
SHOWING_DEFAULT = "{problem} Showing {first:%d %b %Y} to {last:%d %b %Y} instead."
# The value of the segment choice for leads whose company has no segment (or no company).
NO_SEGMENT = "-"


class DashboardForm(forms.Form):
    """The dashboard's period, grain and filters. An end left out is taken from the default
    period; `first_month`/`last_month` (YYYY-MM) are understood too, for older links."""

    first_day = forms.DateField(
        required=False,
        label="From",
        input_formats=[DAY_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DAY_FORMAT),
        error_messages={"invalid": NOT_A_DAY},
    )
    last_day = forms.DateField(
        required=False,
        label="To",
        input_formats=[DAY_FORMAT],
        widget=forms.DateInput(attrs={"type": "date"}, format=DAY_FORMAT),
        error_messages={"invalid": NOT_A_DAY},
    )
    first_month = forms.DateField(
        required=False, input_formats=[MONTH_FORMAT], error_messages={"invalid": NOT_A_MONTH}
    )
    last_month = forms.DateField(
        required=False, input_formats=[MONTH_FORMAT], error_messages={"invalid": NOT_A_MONTH}
    )
    grain = forms.ChoiceField(required=False, label="By", choices=Grain.choices)
    segment = forms.ChoiceField(required=False, label="Segment")
    team = forms.TypedChoiceField(required=False, label="Team", coerce=int, empty_value=None)
    campaign = forms.TypedChoiceField(
        required=False, label="Campaign", coerce=int, empty_value=None
    )

    def __init__(self, data: Any, *, default: Period, choices: FilterChoices | None = None) -> None:
        super().__init__(data)
        self.default = default
        self.choices = choices or filter_choices()
        segment_field: Any = self.fields["segment"]
        segment_field.choices = [
            ("", "All segments"),
            *((segment, segment) for segment in self.choices.segments),
            (NO_SEGMENT, "No segment"),
        ]
        team_field: Any = self.fields["team"]
        team_field.choices = [("", "All teams"), *self.choices.teams]
        campaign_field: Any = self.fields["campaign"]
        campaign_field.choices = [("", "All campaigns"), *self.choices.campaigns]

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        if self.errors:
            return values
        grain = values.get("grain") or Grain.MONTH
        first: dt.date | None = values.get("first_day")
        last: dt.date | None = values.get("last_day")
        if first is None and values.get("first_month"):
            first = values["first_month"].replace(day=1)
        if last is None and values.get("last_month"):
            month = values["last_month"]
            last = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            last -= dt.timedelta(days=1)
        try:
            values["period"] = validate_period(
                first_day=first or self.default.first_day,
                last_day=last or self.default.last_day,
                grain=grain,
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return values

    def period(self) -> Period:
        """The period asked for, or the default when the request names an invalid one."""
        if self.is_valid():
            period: Period = self.cleaned_data["period"]
            return period
        return self.default

    def filters(self) -> Filters:
        """The filters asked for; none when any of the form is invalid."""
        if not self.is_valid():
            return Filters()
        segment = self.cleaned_data.get("segment") or None
        return Filters(
            segment="" if segment == NO_SEGMENT else segment,
            team_id=self.cleaned_data.get("team"),
            campaign_id=self.cleaned_data.get("campaign"),
        )

    def problem(self) -> str:
        """What is wrong with what was asked for, in one sentence per problem."""
        problems = [str(message) for messages in self.errors.values() for message in messages]
        return SHOWING_DEFAULT.format(
            problem=" ".join(dict.fromkeys(problems)),
            first=self.default.first_day,
            last=self.default.last_day,
        )


def shown_form(
    period: Period, filters: Filters, *, default: Period, choices: FilterChoices | None = None
) -> DashboardForm:
    """A form showing `period` and `filters`, to render the filter bar."""
    segment = filters.segment
    return DashboardForm(
        {
            "first_day": period.first_day.strftime(DAY_FORMAT),
            "last_day": period.last_day.strftime(DAY_FORMAT),
            "grain": period.grain.value,
            "segment": NO_SEGMENT if segment == "" else (segment or ""),
            "team": filters.team_id or "",
            "campaign": filters.campaign_id or "",
        },
        default=default,
        choices=choices,
    )
