import datetime as dt
from typing import Any

from django import forms

from tandem.core.errors import DomainError
from tandem.reports.queries import Period, validate_period

MONTH_FORMAT = "%Y-%m"
NOT_A_MONTH = "Enter a month as YYYY-MM."
SHOWING_DEFAULT = "{problem} Showing {first:%b %Y} to {last:%b %Y} instead."


class MonthField(forms.DateField):
    """A month as YYYY-MM, the value of an <input type=month>; cleans to its first day."""

    # Browsers without a month picker show a text box: the placeholder says what to type.
    widget = forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format=MONTH_FORMAT)
    input_formats = [MONTH_FORMAT]
    default_error_messages = {"invalid": NOT_A_MONTH}


class PeriodForm(forms.Form):
    """The dashboard's period. A month left out is taken from `default`."""

    first_month = MonthField(required=False, label="From")
    last_month = MonthField(required=False, label="To")

    def __init__(self, data: Any, *, default: Period) -> None:
        super().__init__(data)
        self.default = default

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        if self.errors:
            return values
        first: dt.date = values.get("first_month") or self.default.first_month
        last: dt.date = values.get("last_month") or self.default.last_month
        try:
            values["period"] = validate_period(first_month=first, last_month=last)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        return values

    def period(self) -> Period:
        """The period asked for, or the default when the request names an invalid one."""
        if self.is_valid():
            period: Period = self.cleaned_data["period"]
            return period
        return self.default

    def problem(self) -> str:
        """What is wrong with the period asked for, in one sentence per problem."""
        problems = [str(message) for messages in self.errors.values() for message in messages]
        return SHOWING_DEFAULT.format(
            problem=" ".join(dict.fromkeys(problems)),
            first=self.default.first_month,
            last=self.default.last_month,
        )


def period_fields(period: Period) -> PeriodForm:
    """A form showing `period`, to render the period picker."""
    return PeriodForm(
        {
            "first_month": period.first_month.strftime(MONTH_FORMAT),
            "last_month": period.last_month.strftime(MONTH_FORMAT),
        },
        default=period,
    )
