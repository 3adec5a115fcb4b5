"""The reports API: the same figures the dashboard shows, for programs."""

from ninja import Query, Router

from tandem.core.api_support import ApiRequest
from tandem.core.schemas import READ_ERRORS, ErrorOut
from tandem.reports.queries import Funnel, data_period, default_period, funnel
from tandem.reports.schemas import FunnelOut, FunnelQuery

router = Router(tags=["reports"])


@router.get("/funnel", response={200: FunnelOut, 400: ErrorOut, **READ_ERRORS})
def funnel_report(request: ApiRequest, query: Query[FunnelQuery]) -> Funnel:
    """Leads reaching each stage per month, and each stage's conversion to the next."""
    period = query.period(default=default_period(data_period()))
    return funnel(request.auth, first_month=period.first_month, last_month=period.last_month)
