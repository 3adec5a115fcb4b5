import csv
import datetime as dt
import io
import re
import zlib

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tandem.core.testing import Personas
from tandem.reports.kpis import SUMMARY_LABELS
from tandem.reports.models import Cadence, ReportSnapshot
from tandem.reports.snapshot_services import MAY_NOT_TAKE, PERIOD_NOT_BEGUN, take_snapshot
from tandem.reports.tests.snapshot_helpers import (
    MARCH_11,
    MARCH_12,
    READERS_ONLY,
    TAKERS,
    TEAM_PERSONAS,
    make_mqls,
)

pytestmark = pytest.mark.django_db

MARCH_14 = dt.datetime(2025, 3, 14, 16, 0, tzinfo=dt.UTC)


@pytest.fixture
def two_looks(personas: Personas) -> tuple[ReportSnapshot, ReportSnapshot]:
    """The week of 10 March snapshotted with 2 MQLs on the 12th and with 5 on the 14th."""
    make_mqls(2, at=MARCH_11, prefix="early")
    with time_machine.travel(MARCH_12, tick=False):
        earlier = take_snapshot(by=personas.executive, cadence=Cadence.WEEKLY, day=MARCH_12.date())
    make_mqls(3, at=MARCH_14, prefix="late")
    with time_machine.travel(MARCH_14 + dt.timedelta(hours=1), tick=False):
        later = take_snapshot(by=personas.manager, cadence=Cadence.WEEKLY, day=MARCH_12.date())
    return earlier, later


def signed_in(client: Client, personas: Personas, persona: str) -> Client:
    client.force_login(personas.by_name(persona))
    return client


def cells(page: str, row_id: str) -> list[str]:
    match = re.search(rf'<tr id="{row_id}">(.*?)</tr>', page, re.DOTALL)
    assert match is not None, row_id
    found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found]


def pdf_text(content: bytes) -> str:
    """The text drawn on the pages: every content stream, inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL)
    texts = []
    for stream in streams:
        try:
            texts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            texts.append(stream.decode("latin-1"))
    return "".join(texts)


@pytest.mark.parametrize("persona", TEAM_PERSONAS)
def test_everyone_on_a_team_reads_the_list_newest_first(
    client: Client,
    personas: Personas,
    two_looks: tuple[ReportSnapshot, ReportSnapshot],
    persona: str,
) -> None:
    earlier, later = two_looks

    response = signed_in(client, personas, persona).get(reverse("snapshots:list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index(f'id="snapshot-{later.pk}"') < page.index(f'id="snapshot-{earlier.pk}"')
    assert cells(page, f"snapshot-{later.pk}") == [
        "14 Mar 2025 17:00",
        "Week of 10 Mar 2025 (10 Mar to 16 Mar)",
        "On demand",
        "Manager",
        later.content_hash[:12],
    ]


def test_someone_on_no_team_may_not_read_snapshots(
    client: Client, personas: Personas, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    earlier, _later = two_looks
    client.force_login(personas.outsider)

    for url in [
        reverse("snapshots:list"),
        reverse("snapshots:detail", args=[earlier.pk]),
        reverse("snapshots:export-csv", args=[earlier.pk]),
        reverse("snapshots:export-pdf", args=[earlier.pk]),
    ]:
        assert client.get(url).status_code == 403, url


def test_the_detail_shows_each_kpi_with_the_change_since_the_previous_snapshot(
    client: Client, personas: Personas, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    earlier, later = two_looks

    response = signed_in(client, personas, "sales_rep").get(
        reverse("snapshots:detail", args=[later.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert cells(page, "kpi-mqls") == ["MQLs", "5", "2", "+3"]
    assert cells(page, "kpi-won_deals") == ["Won deals", "0", "0", "0"]
    for label in SUMMARY_LABELS.values():
        assert f'<th scope="row">{label}</th>' in page
    assert later.content_hash in page
    assert reverse("snapshots:detail", args=[earlier.pk]) in page
    assert "nothing has changed since it was taken" in page


def test_an_unknown_snapshot_is_not_found(client: Client, personas: Personas) -> None:
    response = signed_in(client, personas, "executive").get(reverse("snapshots:detail", args=[999]))

    assert response.status_code == 404


@pytest.mark.parametrize("persona", TAKERS)
def test_those_who_may_take_a_snapshot_from_the_list(
    client: Client, personas: Personas, persona: str
) -> None:
    make_mqls(2, at=MARCH_11, prefix="mql")
    signed_in(client, personas, persona)

    with time_machine.travel(MARCH_12, tick=False):
        form_page = client.get(reverse("snapshots:list")).content.decode()
        response = client.post(
            reverse("snapshots:create"), {"cadence": "monthly", "day": "2025-03-12"}
        )

    snapshot = ReportSnapshot.objects.get()
    assert 'id="take-snapshot"' in form_page
    assert response.status_code == 302
    assert response["Location"] == reverse("snapshots:detail", args=[snapshot.pk])
    assert (snapshot.first_day, snapshot.last_day) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert snapshot.requested_by == personas.by_name(persona)
    assert snapshot.figures["mqls"] == 2


@pytest.mark.parametrize("persona", READERS_ONLY)
def test_others_see_no_form_and_are_refused(
    client: Client, personas: Personas, persona: str
) -> None:
    signed_in(client, personas, persona)

    form_page = client.get(reverse("snapshots:list")).content.decode()
    response = client.post(reverse("snapshots:create"), {"cadence": "weekly", "day": "2025-03-12"})

    assert 'id="take-snapshot"' not in form_page
    assert response.status_code == 403
    assert MAY_NOT_TAKE.split("{role}")[1] in response.content.decode()
    assert not ReportSnapshot.objects.exists()


def test_a_period_not_begun_is_shown_on_the_form(client: Client, personas: Personas) -> None:
    signed_in(client, personas, "admin")

    with time_machine.travel(MARCH_12, tick=False):
        response = client.post(
            reverse("snapshots:create"), {"cadence": "weekly", "day": "2025-03-20"}
        )

    assert response.status_code == 400
    assert PERIOD_NOT_BEGUN.format(cadence="week", first_day="2025-03-17") in (
        response.content.decode()
    )
    assert not ReportSnapshot.objects.exists()


def test_the_csv_export_has_one_row_per_kpi_with_raw_numbers(
    client: Client, personas: Personas, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    _earlier, later = two_looks

    response = signed_in(client, personas, "marketer").get(
        reverse("snapshots:export-csv", args=[later.pk])
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="snapshot-{later.pk}-20250310-20250316.csv"'
    )
    assert [row["key"] for row in rows] == list(SUMMARY_LABELS)
    assert [row["label"] for row in rows] == list(SUMMARY_LABELS.values())
    mqls = next(row for row in rows if row["key"] == "mqls")
    assert mqls == {
        "key": "mqls",
        "label": "MQLs",
        "value": "5",
        "previous_value": "2",
        "difference": "3",
    }


def test_the_pdf_export_is_a_pdf_with_every_kpi_label(
    client: Client, personas: Personas, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    _earlier, later = two_looks

    response = signed_in(client, personas, "sales_rep").get(
        reverse("snapshots:export-pdf", args=[later.pk])
    )

    content = response.content
    text = pdf_text(content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert content.startswith(b"%PDF-")
    for label in SUMMARY_LABELS.values():
        assert label.replace("(", "\\(").replace(")", "\\)") in text, label
    assert later.content_hash in text


def test_the_same_snapshot_always_gives_the_same_pdf(
    client: Client, personas: Personas, two_looks: tuple[ReportSnapshot, ReportSnapshot]
) -> None:
    _earlier, later = two_looks
    signed_in(client, personas, "executive")
    url = reverse("snapshots:export-pdf", args=[later.pk])

    first = client.get(url).content
    with time_machine.travel(MARCH_14 + dt.timedelta(days=3), tick=False):
        second = client.get(url).content

    assert first == second
