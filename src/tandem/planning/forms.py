"""The plan form: the target and period, then every input, shown with its history default."""

from decimal import Decimal
from typing import Any

from django import forms

from tandem.core.errors import DomainError
from tandem.planning.arithmetic import (
    DAYS_INPUTS,
    INPUT_LABELS,
    INPUT_NAMES,
    MAX_DAYS_TO_CLOSE,
    RATE_INPUTS,
    SPLIT_INPUTS,
)
from tandem.planning.pacing import Grain
from tandem.planning.periods import PeriodKind
from tandem.planning.queries import DEFAULT_HISTORY_MONTHS, MAX_HISTORY_MONTHS, History

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NO_HISTORY = "No history: enter it."


class PlanForm(forms.Form):
    """A plan as a person makes it; `planning.services` checks it again. An input left empty
    takes the history's default."""

    name = forms.CharField(max_length=200)
    period_kind = forms.ChoiceField(label="Period", choices=PeriodKind.choices)
    starts_on = forms.DateField(
        label="Starts",
        widget=DATE_INPUT,
        help_text="The first day of the month, or of the quarter (1 January, April, July or "
        "October).",
    )
    target_revenue = forms.DecimalField(
        label="Revenue target", min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": "Enter a three-letter currency code, such as EUR."},
    )
    history_months = forms.IntegerField(
        label="Months of history",
        min_value=1,
        max_value=MAX_HISTORY_MONTHS,
        initial=DEFAULT_HISTORY_MONTHS,
        help_text="The defaults below come from this many whole months before this one.",
    )
    activate = forms.BooleanField(
        label="Make it the active plan", required=False, help_text="Pacing follows it."
    )

    def __init__(self, *args: Any, history: History, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.history = history
        for name in INPUT_NAMES:
            self.fields[name] = _input_field(name, history)
            if not self.is_bound and history.values[name] is not None:
                self.initial.setdefault(name, history.values[name])

    def input_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in INPUT_NAMES]

    def plan_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in INPUT_NAMES]

    def fields_for_service(self) -> dict[str, Any]:
        """The cleaned values as `create_plan` takes them."""
        values = self.cleaned_data
        return {
            "name": values["name"],
            "period_kind": values["period_kind"],
            "starts_on": values["starts_on"],
            "target_revenue": values["target_revenue"],
            "currency": values["currency"].upper(),
            "history_months": values["history_months"],
            "activate": values["activate"],
            "overrides": {name: values[name] for name in INPUT_NAMES},
        }

    def add_service_error(self, error: DomainError) -> None:
        """Show a service's refusal beside the field it names, or above the form."""
        field = next((name for name in error.fields if name in self.fields), None)
        self.add_error(field, error.message)


def _input_field(name: str, history: History) -> forms.Field:
    default = history.values[name]
    help_text = f"History: {default}." if default is not None else NO_HISTORY
    label = INPUT_LABELS[name]
    if name in DAYS_INPUTS:
        return forms.IntegerField(
            label=label, min_value=0, max_value=MAX_DAYS_TO_CLOSE, required=False,
            help_text=help_text,
        )  # fmt: skip
    if name in SPLIT_INPUTS:
        return forms.IntegerField(
            label=label, min_value=0, max_value=100, required=False, help_text=help_text
        )
    if name in RATE_INPUTS:
        return forms.DecimalField(
            label=label, min_value=Decimal("0.01"), max_value=Decimal(100), max_digits=5,
            decimal_places=2, required=False, help_text=help_text,
        )  # fmt: skip
    return forms.DecimalField(
        label=label, min_value=Decimal("0.01"), max_digits=14, decimal_places=2, required=False,
        help_text=help_text,
    )  # fmt: skip


class PacingForm(forms.Form):
    """The pacing page's choices; anything invalid falls back to the default."""

    grain = forms.ChoiceField(choices=Grain.choices, required=False, label="By")
    source = forms.ChoiceField(required=False, label="Source")

    def __init__(self, data: Any, *, sources: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["source"].choices = [("", "All sources"), *sources]  # type: ignore[attr-defined]

    def choice(self) -> dict[str, Any]:
        self.is_valid()
        values = getattr(self, "cleaned_data", {})
        return {
            "grain": values.get("grain") or Grain.WEEK,
            "source": values.get("source") or None,
        }
