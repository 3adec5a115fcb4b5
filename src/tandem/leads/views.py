"""The lead list and the lead page, which is the card a rep works from (`handoff.card`)."""

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import DomainError
from tandem.core.pages import MemberRequest, team_page
from tandem.handoff import services as handoff_services
from tandem.handoff.card import lead_card
from tandem.handoff.forms import ReassignForm
from tandem.handoff.models import TouchKind
from tandem.leads import lifecycle
from tandem.leads.forms import LeadFilterForm, StageChangeForm, page_number
from tandem.leads.models import Lead, Stage
from tandem.leads.queries import (
    access_lead,
    lead_deals,
    lead_list,
    may_edit_leads,
    require_role,
)
from tandem.scoring.queries import score_explanation

PAGE_SIZE = 50
MOVED = "Moved to {stage}."


@dataclass(frozen=True)
class LeadPage:
    """One page of a lead list.

    Pages are counted without counting the leads: at a million leads a COUNT would cost more
    than the page itself, so the list offers only the previous and the next page.
    """

    leads: list[Lead]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.leads) - 1


def _page(leads: QuerySet[Lead], number: int) -> LeadPage:
    offset = (number - 1) * PAGE_SIZE
    # One row more than a page says whether a next page exists.
    rows = list(leads[offset : offset + PAGE_SIZE + 1])
    return LeadPage(leads=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE)


@team_page
@require_GET
def lead_list_page(request: MemberRequest) -> HttpResponse:
    require_role(request.user)
    form = LeadFilterForm(request.GET, actor=request.user)
    leads = lead_list(request.user, form.criteria())
    context = {"form": form, "page": _page(leads, page_number(request.GET.get("page")))}
    # HTMX asks for the table alone, except when it restores a page missing from its history.
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "leads/partials/lead_table.html", context)
    else:
        response = render(request, "leads/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@team_page
@require_GET
def lead_page(request: MemberRequest, lead_id: int) -> HttpResponse:
    lead = access_lead(request.user, lead_id)
    may_edit = may_edit_leads(request.user)
    card = lead_card(request.user, lead)
    moves = lifecycle.allowed_moves(lead.stage)
    if card.current is not None and lead.stage in (Stage.MQL, Stage.SAL):
        # Sales hands such a lead back through Reject, with a reason.
        moves = [move for move in moves if move not in handoff_services.HANDED_BACK]
    context = {
        "lead": lead,
        "history": card.history,
        "deals": lead_deals(lead),
        "card": card,
        "touch_kinds": TouchKind.choices,
        "reassign_form": ReassignForm(actor=request.user) if card.actions.reassign else None,
        "stage_form": StageChangeForm(offered=moves) if may_edit and moves else None,
        "may_edit": may_edit,
        "score": score_explanation(lead),
    }
    return render(request, "leads/detail.html", context)


@team_page
@require_POST
def change_stage(request: MemberRequest, lead_id: int) -> HttpResponse:
    lead = access_lead(request.user, lead_id, write=True)
    form = StageChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect("leads:detail", lead_id=lead.pk)
    try:
        handoff_services.check_stage_move(lead=lead, to_stage=form.cleaned_data["to_stage"])
        lifecycle.change_stage(
            lead=lead,
            to_stage=form.cleaned_data["to_stage"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, MOVED.format(stage=Stage(lead.stage).label))
    return redirect("leads:detail", lead_id=lead.pk)
