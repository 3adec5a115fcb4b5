"""The wins feed API: the same feed the wins page shows, for programs."""

from typing import Any

from ninja import Query, Router

from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, PageQuery
from tandem.reports.wins import wins
from tandem.reports.wins_schemas import WinPage

router = Router(tags=["wins"])


@router.get("", response={200: WinPage, **READ_ERRORS})
def list_wins(request: ApiRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every won deal, the latest closed first, with the campaigns that brought its lead and the
    rep who closed it. Everyone on a team reads it."""
    return page_of(wins(request.auth), page)
