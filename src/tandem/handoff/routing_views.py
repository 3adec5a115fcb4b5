"""The routing page: the rules in the order they are tried, and the reps with their load.
Everyone on a team reads it; sales managers and admins change it."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.agreement import wording
from tandem.agreement.rules import COMPANY_FIELDS, LEAD_FIELDS, Op
from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import MemberRequest, team_page
from tandem.core.time import now
from tandem.handoff import routing_queries, services
from tandem.handoff.models import RoutingRule
from tandem.handoff.routing_forms import CapacityForm, RuleForm, form_field_of
from tandem.handoff.routing_queries import RepLoad

ADDED = "The rule “{name}” is added at position {position}."
SAVED = "The rule “{name}” is saved."
MOVED = "“{name}” is now at position {position}."
ACTIVATED = "“{name}” places new MQLs again."
DEACTIVATED = "“{name}” no longer places new MQLs; the leads it placed stay with their reps."
DELETED = "The rule “{name}” is deleted."
KEPT = (
    "“{name}” placed leads, and assignments keep the rule that made them, so it is deactivated "
    "rather than deleted."
)
CAPACITY_SET = "{name} takes up to {capacity} open leads{away}."
AWAY = ", and is away until {until}"
CAPACITY_PROBLEM = "{name}'s capacity was not saved. {problems}"


@dataclass(frozen=True)
class RuleRow:
    rule: RoutingRule
    description: str
    is_first: bool
    is_last: bool


def _rule_rows(rules: list[RoutingRule]) -> list[RuleRow]:
    return [
        RuleRow(
            rule=rule,
            description=routing_queries.describe_conditions(rule.conditions),
            is_first=index == 0,
            is_last=index == len(rules) - 1,
        )
        for index, rule in enumerate(rules)
    ]


def _help() -> dict[str, Any]:
    """What the rule form lists beside the conditions: the fields and tests they may use."""
    return {
        "fields": [
            *LEAD_FIELDS,
            *(f"company.{name}" for name in COMPANY_FIELDS),
            "attributes.<name>",
            "company.attributes.<name>",
        ],
        "ops": [
            (op.value, wording.OP_PHRASES[op].format(value="…", values="…", low="…", high="…"))
            for op in Op
        ],
    }


def _routing_page(
    request: MemberRequest, *, rule_form: RuleForm | None = None, status: int = 200
) -> HttpResponse:
    routing_queries.require_routing_reader(request.user)
    may_manage = routing_queries.may_manage_routing(request.user)
    loads: list[RepLoad] = routing_queries.rep_loads(now())
    context = {
        "rules": _rule_rows(routing_queries.rule_list()),
        "loads": loads,
        "may_manage": may_manage,
        "rule_form": (rule_form or RuleForm()) if may_manage else None,
        "problems": rule_form.problems() if rule_form is not None else [],
        "help": _help(),
    }
    return render(request, "handoff/routing.html", context, status=status)


@team_page
@require_GET
def routing_page(request: MemberRequest) -> HttpResponse:
    """`/handoff/routing/`: the rules in order, what each placed, and the reps' loads."""
    return _routing_page(request)


def _apply(form: RuleForm, error: DomainError) -> None:
    """Show a service's refusal on the form field it is about."""
    form.add_error(form_field_of(error.fields), error.message)


@team_page
@require_POST
def create_rule(request: MemberRequest) -> HttpResponse:
    routing_queries.require_routing_manager(request.user)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = services.add_rule(by=request.user, **form.changes())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            _apply(form, error)
        else:
            messages.success(request, ADDED.format(name=rule.name, position=rule.position))
            return redirect("routing:index")
    return _routing_page(request, rule_form=form, status=400)


@team_page
@require_http_methods(["GET", "POST"])
def edit_rule(request: MemberRequest, rule_id: int) -> HttpResponse:
    rule = routing_queries.access_rule(request.user, rule_id)
    routing_queries.require_routing_manager(request.user)
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            changes = form.changes()
            if changes["position"] is None:
                changes.pop("position")
            try:
                rule = services.update_rule(rule=rule, by=request.user, changes=changes)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                _apply(form, error)
            else:
                messages.success(request, SAVED.format(name=rule.name))
                return redirect("routing:index")
        status = 400
    else:
        form = RuleForm.for_rule(rule)
    context = {"rule": rule, "form": form, "problems": form.problems(), "help": _help()}
    return render(request, "handoff/routing_edit.html", context, status=status)


@team_page
@require_POST
def move_rule(request: MemberRequest, rule_id: int) -> HttpResponse:
    """Up or down by one place, swapping with the neighbour."""
    rule = routing_queries.access_rule(request.user, rule_id)
    try:
        rule = services.move_rule(
            rule=rule, by=request.user, up=request.POST.get("direction") == "up"
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MOVED.format(name=rule.name, position=rule.position))
    return redirect("routing:index")


@team_page
@require_POST
def set_rule_active(request: MemberRequest, rule_id: int) -> HttpResponse:
    rule = routing_queries.access_rule(request.user, rule_id)
    is_active = request.POST.get("is_active") == "true"
    rule = services.set_rule_active(rule=rule, by=request.user, is_active=is_active)
    messages.success(request, (ACTIVATED if is_active else DEACTIVATED).format(name=rule.name))
    return redirect("routing:index")


@team_page
@require_POST
def delete_rule(request: MemberRequest, rule_id: int) -> HttpResponse:
    """Delete the rule; one that placed leads is only deactivated."""
    rule = routing_queries.access_rule(request.user, rule_id)
    deleted = services.delete_rule(rule=rule, by=request.user)
    messages.success(request, (DELETED if deleted else KEPT).format(name=rule.name))
    return redirect("routing:index")


@team_page
@require_POST
def set_capacity(request: MemberRequest, user_id: int) -> HttpResponse:
    rep = routing_queries.access_rep(request.user, user_id)
    routing_queries.require_routing_manager(request.user)
    name = rep.get_full_name() or rep.username
    form = CapacityForm(request.POST)
    if not form.is_valid():
        problems = " ".join(
            f"{form[field].label}: {message}"
            for field, errors in form.errors.items()
            for message in errors
        )
        messages.error(request, CAPACITY_PROBLEM.format(name=name, problems=problems))
        return redirect("routing:index")
    away_until = form.cleaned_data["away_until"]
    services.set_capacity(
        by=request.user, rep=rep, open_leads=form.cleaned_data["open_leads"], away_until=away_until
    )
    away = AWAY.format(until=f"{away_until:%d %b %Y %H:%M}") if away_until else ""
    messages.success(
        request,
        CAPACITY_SET.format(name=name, capacity=form.cleaned_data["open_leads"], away=away),
    )
    return redirect("routing:index")
