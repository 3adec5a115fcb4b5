"""The shared dashboard."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.core.pages import MemberRequest, team_page
from tandem.leads.queries import require_role
from tandem.reports.charts import reached_per_stage
from tandem.reports.forms import PeriodForm, period_fields
from tandem.reports.queries import data_period, default_period, funnel


@team_page
@require_GET
def dashboard(request: MemberRequest) -> HttpResponse:
    require_role(request.user)
    bounds = data_period()
    form = PeriodForm(request.GET, default=default_period(bounds))
    period = form.period()
    if not form.is_valid():
        messages.error(request, form.problem())
    result = funnel(request.user, first_month=period.first_month, last_month=period.last_month)
    context = {
        "funnel": result,
        "chart": reached_per_stage(result),
        "period_form": period_fields(period),
        "bounds": bounds,
    }
    return render(request, "reports/dashboard.html", context)
