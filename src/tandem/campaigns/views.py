"""Campaign pages: the list, a campaign's brief and closed loop, the campaign form, and the
closed loop by campaign, channel, landing page or segment."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tandem.campaigns import services
from tandem.campaigns.closed_loop import (
    ClosedLoopRow,
    Dimension,
    Touch,
    campaign_closed_loop,
    closed_loop,
)
from tandem.campaigns.forms import CampaignForm, ClosedLoopForm
from tandem.campaigns.models import Campaign
from tandem.campaigns.queries import (
    access_campaign,
    campaign_list,
    may_edit_campaigns,
    recent_rejections,
    require_campaign_editor,
)
from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import MemberRequest, team_page
from tandem.core.time import add_months, month_of, now
from tandem.leads.queries import require_role

PAGE_SIZE = 50
RECENT_REJECTIONS = 25
# The closed-loop page opens on the twelve months up to this one, as the dashboard does.
DEFAULT_MONTHS = 12
CREATED = "The campaign {name} is created."
SAVED = "The campaign {name} is saved."


@team_page
@require_GET
def campaign_list_page(request: MemberRequest) -> HttpResponse:
    """Every campaign with its closed loop since it began (MQLs by last touch)."""
    require_role(request.user)
    page = Paginator(campaign_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    campaigns: list[Campaign] = list(page.object_list)
    loop = closed_loop(request.user, by=Dimension.CAMPAIGN, campaign_ids=[c.pk for c in campaigns])
    figures = {row.campaign_id: row for row in loop.rows}
    context = {
        "page": page,
        "rows": [
            (campaign, figures.get(campaign.pk) or ClosedLoopRow(key=None, label=""))
            for campaign in campaigns
        ],
        "may_edit": may_edit_campaigns(request.user),
    }
    return render(request, "campaigns/list.html", context)


@team_page
@require_GET
def campaign_page(request: MemberRequest, campaign_id: int) -> HttpResponse:
    """The brief, the closed loop (since the campaign began, unless a period is asked for) and
    the latest rejections of its leads with their reasons."""
    campaign = access_campaign(request.user, campaign_id)
    form = ClosedLoopForm(request.GET)
    choice = form.choice()
    if form.errors:
        messages.error(request, form.problem())
    figures = campaign_closed_loop(
        request.user,
        campaign,
        touch=choice["touch"],
        mql_from=choice["mql_from"],
        mql_to=choice["mql_to"],
    )
    context = {
        "campaign": campaign,
        "loop": figures,
        "filters": ClosedLoopForm.showing(choice),
        "touch_label": Touch(choice["touch"]).label,
        "mql_from": choice["mql_from"],
        "mql_to": choice["mql_to"],
        "rejections": recent_rejections(request.user, campaign, limit=RECENT_REJECTIONS),
        "may_edit": may_edit_campaigns(request.user),
    }
    return render(request, "campaigns/detail.html", context)


@team_page
@require_http_methods(["GET", "POST"])
def create_campaign_page(request: MemberRequest) -> HttpResponse:
    require_campaign_editor(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(by=request.user, **form.fields_for_service())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(request, CREATED.format(name=campaign.name))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": None})


@team_page
@require_http_methods(["GET", "POST"])
def edit_campaign_page(request: MemberRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(request.user, campaign_id, write=True)
    form = CampaignForm(request.POST) if request.method == "POST" else CampaignForm.of(campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.update_campaign(
                campaign=campaign, by=request.user, changes=form.fields_for_service()
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            form.add_service_error(error)
            # The failed save changed the object in memory only; show the name it still has.
            campaign.refresh_from_db()
        else:
            messages.success(request, SAVED.format(name=campaign.name))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@team_page
@require_GET
def closed_loop_page(request: MemberRequest) -> HttpResponse:
    """The closed loop, one row per campaign, channel, landing page or segment."""
    require_role(request.user)
    default_from = add_months(month_of(now()), 1 - DEFAULT_MONTHS)
    form = ClosedLoopForm(request.GET, default_from=default_from)
    choice = form.choice()
    if form.errors:
        messages.error(request, form.problem())
    loop = closed_loop(request.user, **choice)
    context = {
        "loop": loop,
        "filters": ClosedLoopForm.showing(choice),
        "dimension_label": Dimension(loop.by).label,
        "touch_label": Touch(loop.touch).label,
    }
    return render(request, "campaigns/closed_loop.html", context)
