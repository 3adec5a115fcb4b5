"""The service-levels page: sales' deadlines kept and marketing's MQLs delivered, for a month."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.core.errors import DomainError
from tandem.core.pages import MemberRequest, team_page
from tandem.core.time import add_months
from tandem.handoff.sla_queries import (
    MONTH_FORMAT,
    NOT_A_MONTH,
    current_month,
    service_level_report,
    validate_month,
)

SHOWING_CURRENT = "{problem} Showing {month:%B %Y} instead."


class MonthForm(forms.Form):
    """The month shown, as YYYY-MM (the value of an <input type=month>); this month when left
    out."""

    month = forms.DateField(
        required=False,
        input_formats=[MONTH_FORMAT],
        widget=forms.DateInput(
            attrs={"type": "month", "placeholder": "YYYY-MM"}, format=MONTH_FORMAT
        ),
        error_messages={"invalid": NOT_A_MONTH},
    )

    def clean_month(self) -> dt.date | None:
        month: dt.date | None = self.cleaned_data["month"]
        if month is None:
            return None
        try:
            return validate_month(month)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def problem(self) -> str:
        return " ".join(str(message) for message in self.errors.get("month", []))

    def month_or(self, default: dt.date) -> dt.date:
        if self.is_valid() and self.cleaned_data["month"] is not None:
            month: dt.date = self.cleaned_data["month"]
            return month.replace(day=1)
        return default


@team_page
@require_GET
def service_levels_page(request: MemberRequest) -> HttpResponse:
    form = MonthForm(request.GET)
    month = form.month_or(current_month())
    if not form.is_valid():
        messages.error(request, SHOWING_CURRENT.format(problem=form.problem(), month=month))
    report = service_level_report(request.user, month=month)
    context: dict[str, Any] = {
        "report": report,
        "month_form": MonthForm({"month": month.strftime(MONTH_FORMAT)}),
        "previous_month": add_months(month, -1).strftime(MONTH_FORMAT),
        "next_month": add_months(month, 1).strftime(MONTH_FORMAT),
    }
    return render(request, "handoff/service_levels.html", context)
