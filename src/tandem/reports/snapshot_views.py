"""Report snapshot pages: the list with the "take a snapshot now" form, one snapshot with what
changed since the previous one, and its CSV and PDF exports."""

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import CSV_TYPE, MemberRequest, download, team_page
from tandem.core.time import now
from tandem.reports.models import Cadence, ReportSnapshot
from tandem.reports.pdf import snapshot_pdf
from tandem.reports.snapshot_queries import (
    access_snapshot,
    as_rows,
    changes,
    describe_period,
    is_intact,
    snapshot_list,
    today_in_organisation,
)
from tandem.reports.snapshot_services import (
    may_take_snapshots,
    require_snapshot_taker,
    take_snapshot,
)

PAGE_SIZE = 50
TAKEN = "Snapshot of {period} taken."
CSV_COLUMNS = ["key", "label", "value", "previous_value", "difference"]


class SnapshotForm(forms.Form):
    cadence = forms.ChoiceField(choices=Cadence.choices, label="Period", initial=Cadence.MONTHLY)
    day = forms.DateField(
        label="Containing the day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The snapshot covers the whole week (Monday to Sunday) or month of this day.",
    )

    def add_service_error(self, error: DomainError) -> None:
        self.add_error("day" if "day" in error.fields else None, error.message)


def _file_name(snapshot: ReportSnapshot, extension: str) -> str:
    return (
        f"snapshot-{snapshot.pk}-{snapshot.first_day:%Y%m%d}-{snapshot.last_day:%Y%m%d}.{extension}"
    )


def _list_context(request: MemberRequest, form: SnapshotForm) -> dict[str, Any]:
    page = Paginator(snapshot_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "rows": [(snapshot, describe_period(snapshot)) for snapshot in page.object_list],
        "form": form,
        "may_take": may_take_snapshots(request.user),
    }


@team_page
@require_GET
def snapshot_list_page(request: MemberRequest) -> HttpResponse:
    """Every snapshot, the latest first; those who may, take one here."""
    form = SnapshotForm(initial={"day": today_in_organisation(now())})
    return render(request, "reports/snapshots/list.html", _list_context(request, form))


@team_page
@require_POST
def take_snapshot_page(request: MemberRequest) -> HttpResponse:
    require_snapshot_taker(request.user)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        try:
            snapshot = take_snapshot(
                by=request.user,
                cadence=form.cleaned_data["cadence"],
                day=form.cleaned_data["day"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(request, TAKEN.format(period=describe_period(snapshot)))
            return redirect("snapshots:detail", snapshot_id=snapshot.pk)
    return render(request, "reports/snapshots/list.html", _list_context(request, form), status=400)


@team_page
@require_GET
def snapshot_page(request: MemberRequest, snapshot_id: int) -> HttpResponse:
    snapshot = access_snapshot(request.user, snapshot_id)
    context = {
        "snapshot": snapshot,
        "period": describe_period(snapshot),
        "previous_period": describe_period(snapshot.previous) if snapshot.previous else "",
        "changes": changes(snapshot),
        "is_intact": is_intact(snapshot),
    }
    return render(request, "reports/snapshots/detail.html", context)


@team_page
@require_GET
def snapshot_csv(request: MemberRequest, snapshot_id: int) -> HttpResponse:
    """The snapshot's figures as CSV: one row per KPI, raw numbers (shares from 0 to 1)."""
    snapshot = access_snapshot(request.user, snapshot_id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(as_rows(snapshot))
    return download(buffer.getvalue(), content_type=CSV_TYPE, file_name=_file_name(snapshot, "csv"))


@team_page
@require_GET
def snapshot_pdf_file(request: MemberRequest, snapshot_id: int) -> HttpResponse:
    snapshot = access_snapshot(request.user, snapshot_id)
    return download(
        snapshot_pdf(snapshot),
        content_type="application/pdf",
        file_name=_file_name(snapshot, "pdf"),
    )
