"""The service-levels API: the same figures the service-levels page shows, for programs."""

from ninja import Query, Router

from tandem.core.api_support import ApiRequest
from tandem.core.schemas import READ_ERRORS, ErrorOut
from tandem.handoff.sla_queries import (
    ServiceLevelReport,
    current_month,
    parse_month,
    service_level_report,
)
from tandem.handoff.sla_schemas import ServiceLevelsOut, ServiceLevelsQuery

router = Router(tags=["service levels"])


@router.get("/service-levels", response={200: ServiceLevelsOut, 400: ErrorOut, **READ_ERRORS})
def service_levels(request: ApiRequest, query: Query[ServiceLevelsQuery]) -> ServiceLevelReport:
    """Sales' deadlines kept per team and rep, and marketing's MQLs against the agreed number,
    overall and per segment, for a month."""
    month = parse_month(query.month) if query.month else current_month()
    return service_level_report(request.auth, month=month)
