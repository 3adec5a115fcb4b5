"""The wins page: every won deal, announced to both teams."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.core.pages import MemberRequest, team_page
from tandem.reports.wins import wins

PAGE_SIZE = 50


@team_page
@require_GET
def wins_page(request: MemberRequest) -> HttpResponse:
    page = Paginator(wins(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/wins.html", {"page": page})
