"""Planning pages: pacing of the active plan, the plan list, a plan, and the plan form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import MemberRequest, team_page
from tandem.leads.origins import SourceGroup
from tandem.planning import services
from tandem.planning.arithmetic import INPUT_LABELS, INPUT_NAMES, PACE_LABELS, result_from_json
from tandem.planning.forms import PacingForm, PlanForm
from tandem.planning.pacing import pacing
from tandem.planning.periods import PeriodKind, current_period_start, period_name
from tandem.planning.queries import (
    DEFAULT_HISTORY_MONTHS,
    MAX_HISTORY_MONTHS,
    access_plan,
    active_plan,
    history_defaults,
    may_edit_plans,
    plan_list,
    require_plan_editor,
    usual_currency,
)

PAGE_SIZE = 50
CREATED = "The plan {name} is saved."
ACTIVATED = "The plan {name} is now the active plan."
SOURCES = [(group.value, group.label) for group in SourceGroup]


@team_page
@require_GET
def pacing_page(request: MemberRequest) -> HttpResponse:
    """The active plan's pacing; without one, a pointer to the plans."""
    plan = active_plan(request.user)
    form = PacingForm(request.GET, sources=SOURCES)
    choice = form.choice()
    context = {
        "plan": plan,
        "pacing": pacing(plan, **choice) if plan is not None else None,
        "form": form,
        "source_labels": dict(SOURCES),
        "flag_labels": PACE_LABELS,
        "may_edit": may_edit_plans(request.user),
    }
    return render(request, "planning/pacing.html", context)


@team_page
@require_GET
def plan_list_page(request: MemberRequest) -> HttpResponse:
    page = Paginator(plan_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "may_edit": may_edit_plans(request.user)}
    return render(request, "planning/list.html", context)


@team_page
@require_GET
def plan_page(request: MemberRequest, plan_id: int) -> HttpResponse:
    """The plan: its target, what must enter each stage and when, and the inputs it used."""
    plan = access_plan(request.user, plan_id)
    inputs = [
        {
            "name": name,
            "label": INPUT_LABELS[name],
            "value": plan.inputs.get(name),
            "default": plan.defaults.get(name),
            "overridden": name in plan.overridden,
        }
        for name in INPUT_NAMES
    ]
    context = {
        "plan": plan,
        "result": result_from_json(plan.result),
        "inputs": inputs,
        "source_labels": dict(SOURCES),
        "may_edit": may_edit_plans(request.user),
    }
    return render(request, "planning/detail.html", context)


def _history_choice(request: MemberRequest) -> tuple[int, str]:
    """The months and currency the defaults are shown for: from the form, when valid."""
    data = request.POST or request.GET
    try:
        months = int(data.get("history_months", DEFAULT_HISTORY_MONTHS))
    except ValueError:
        months = DEFAULT_HISTORY_MONTHS
    months = months if 1 <= months <= MAX_HISTORY_MONTHS else DEFAULT_HISTORY_MONTHS
    currency = str(data.get("currency", "")).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        currency = usual_currency()
    return months, currency


@team_page
@require_http_methods(["GET", "POST"])
def create_plan_page(request: MemberRequest) -> HttpResponse:
    """The plan form, its inputs filled with the history's defaults. A GET with months and a
    currency shows the defaults for those."""
    require_plan_editor(request.user)
    months, currency = _history_choice(request)
    history = history_defaults(months=months, currency=currency, today=services.local_today())
    if request.method == "POST":
        form = PlanForm(request.POST, history=history)
        if form.is_valid():
            try:
                plan = services.create_plan(by=request.user, **form.fields_for_service())
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                form.add_service_error(error)
            else:
                messages.success(request, CREATED.format(name=plan.name))
                return redirect("planning:plan-detail", plan_id=plan.pk)
    else:
        starts_on = current_period_start(PeriodKind.QUARTER, services.local_today())
        initial = {
            "name": f"{period_name(PeriodKind.QUARTER, starts_on)} plan",
            "period_kind": PeriodKind.QUARTER,
            "starts_on": starts_on,
            "currency": currency,
            "history_months": months,
            **{key: request.GET[key] for key in ("name", "period_kind", "starts_on",
                                                 "target_revenue") if request.GET.get(key)},
        }  # fmt: skip
        form = PlanForm(initial=initial, history=history)
    return render(request, "planning/form.html", {"form": form, "history": history})


@team_page
@require_POST
def activate_plan_page(request: MemberRequest, plan_id: int) -> HttpResponse:
    plan = access_plan(request.user, plan_id, write=True)
    try:
        services.activate_plan(plan=plan, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ACTIVATED.format(name=plan.name))
    return redirect("planning:plan-detail", plan_id=plan.pk)
