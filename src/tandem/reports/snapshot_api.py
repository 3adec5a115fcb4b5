"""The report snapshots API: list, read and take snapshots."""

from typing import Any

from ninja import Query, Router, Status

from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery
from tandem.core.time import now
from tandem.reports.models import ReportSnapshot
from tandem.reports.snapshot_queries import access_snapshot, snapshot_list, today_in_organisation
from tandem.reports.snapshot_schemas import SnapshotIn, SnapshotOut, SnapshotPage
from tandem.reports.snapshot_services import take_snapshot

router = Router(tags=["snapshots"])


@router.get("", response={200: SnapshotPage, **READ_ERRORS})
def list_snapshots(request: ApiRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every report snapshot, the latest taken first. Everyone on a team reads them."""
    return page_of(snapshot_list(request.auth), page)


@router.post("", response={201: SnapshotOut, **WRITE_ERRORS})
def create_snapshot(request: ApiRequest, payload: SnapshotIn) -> Status[ReportSnapshot]:
    """Take a snapshot now of the week or month containing `day`. Leadership, the marketing lead,
    sales managers and admins may."""
    day = payload.day or today_in_organisation(now())
    return Status(201, take_snapshot(by=request.auth, cadence=payload.cadence, day=day))


@router.get("/{snapshot_id}", response={200: SnapshotOut, **READ_ERRORS})
def get_snapshot(request: ApiRequest, snapshot_id: int) -> ReportSnapshot:
    """A snapshot's figures, each with the previous snapshot's value and the difference."""
    return access_snapshot(request.auth, snapshot_id)
