"""The rep's queue and the lead card's actions: accept, reject, touch, qualify, reassign.

The card itself is the lead page (`leads.views.lead_page`), which shows `handoff.card`.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import DomainError
from tandem.core.pages import MemberRequest, team_page
from tandem.core.roles import Role
from tandem.handoff import queries, services
from tandem.handoff.forms import QualifyForm, ReassignForm, RejectForm, TouchForm
from tandem.leads.forms import SentenceErrorsForm
from tandem.leads.models import Lead, Stage
from tandem.leads.queries import access_lead, require_role
from tandem.people.queries import role_of

ACCEPTED = "Accepted: {lead} is yours to work (SAL)."
REJECTED = "Rejected: {lead} is {stage}; marketing has been told why."
TOUCHED = "{kind} logged."
QUALIFIED = "Qualified: {lead} is an SQL with the deal “{deal}”."
REASSIGNED = "{lead} is now {name}'s."


@team_page
@require_GET
def queue_page(request: MemberRequest) -> HttpResponse:
    require_role(request.user)
    role = role_of(request.user)
    context = {
        "assignments": queries.queue(request.user),
        "unassigned": queries.unassigned_mqls() if role != Role.SALES_REP else [],
    }
    return render(request, "handoff/queue.html", context)


def _back(request: MemberRequest, lead: Lead) -> HttpResponse:
    """To the page the form was on (the queue or the card), else the card."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("leads:detail", lead_id=lead.pk)


def _act(
    request: MemberRequest,
    lead_id: int,
    form: SentenceErrorsForm | None,
    action: Callable[[Lead, dict[str, object]], str],
) -> HttpResponse:
    lead = access_lead(request.user, lead_id)
    if form is not None and not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, lead)
    try:
        said = action(lead, form.cleaned_data if form is not None else {})
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, said)
    return _back(request, lead)


@team_page
@require_POST
def accept(request: MemberRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, object]) -> str:
        services.accept(lead=lead, by=request.user)
        return ACCEPTED.format(lead=lead.display_name)

    return _act(request, lead_id, None, act)


@team_page
@require_POST
def reject(request: MemberRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, object]) -> str:
        services.reject(
            lead=lead, by=request.user, reason=str(data["reason"]), note=str(data["note"])
        )
        return REJECTED.format(lead=lead.display_name, stage=Stage(lead.stage).label.lower())

    return _act(request, lead_id, RejectForm(request.POST), act)


@team_page
@require_POST
def touch(request: MemberRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, object]) -> str:
        made = services.log_touch(
            lead=lead, by=request.user, kind=str(data["kind"]), note=str(data["note"])
        )
        return TOUCHED.format(kind=made.get_kind_display())

    return _act(request, lead_id, TouchForm(request.POST), act)


@team_page
@require_POST
def qualify(request: MemberRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, object]) -> str:
        deal = services.qualify(
            lead=lead,
            by=request.user,
            deal_name=str(data["deal_name"]),
            amount=data["amount"],  # type: ignore[arg-type]
            currency=str(data["currency"]),
            note=str(data["note"]),
        )
        return QUALIFIED.format(lead=lead.display_name, deal=deal.name)

    return _act(request, lead_id, QualifyForm(request.POST), act)


@team_page
@require_POST
def reassign(request: MemberRequest, lead_id: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, object]) -> str:
        rep = User.objects.get(pk=int(str(data["to"])))
        services.reassign(lead=lead, to=rep, by=request.user, reason=str(data["reason"]))
        return REASSIGNED.format(lead=lead.display_name, name=rep.get_full_name() or rep.username)

    return _act(request, lead_id, ReassignForm(request.POST, actor=request.user), act)
