import datetime as dt

import pytest

from tandem.core.errors import Conflict, DomainError
from tandem.core.testing import Personas, make_lead
from tandem.leads import lifecycle, services
from tandem.leads.funnel import rebuild_funnel
from tandem.leads.lifecycle import FORBIDDEN_MOVE
from tandem.leads.models import (
    LEDGER_IS_APPEND_ONLY,
    FunnelMonth,
    Lead,
    Stage,
    StageChange,
    StageReach,
)

pytestmark = pytest.mark.django_db

JAN = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)


def test_entering_the_lifecycle_appends_the_first_ledger_row(personas: Personas) -> None:
    lead = make_lead(stage=Stage.INQUIRY, at=JAN, email="ana@example.com")

    rows = list(StageChange.objects.filter(lead=lead).values_list("from_stage", "to_stage", "at"))
    assert rows == [("", Stage.INQUIRY, JAN)]
    assert (lead.stage, lead.stage_changed_at) == (Stage.INQUIRY, JAN)


def test_a_move_appends_a_row_naming_actor_and_reason(personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN, owner=personas.sales_rep)

    lifecycle.change_stage(
        lead=lead, to_stage=Stage.SAL, by=personas.sales_rep, reason="Good fit", at=FEB
    )

    change = StageChange.objects.filter(lead=lead).last()
    assert change is not None
    assert (change.from_stage, change.to_stage, change.at) == (Stage.MQL, Stage.SAL, FEB)
    assert (change.actor, change.actor_label, change.reason) == (personas.sales_rep, "", "Good fit")
    assert change.month == dt.date(2026, 2, 1)
    lead.refresh_from_db()
    assert (lead.stage, lead.stage_changed_at) == (Stage.SAL, FEB)


def test_a_system_move_is_labelled_with_the_part_of_the_system(personas: Personas) -> None:
    lead = make_lead(stage=Stage.LEAD, at=JAN)

    lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=None, actor_label="scoring", at=FEB)

    change = StageChange.objects.filter(lead=lead).last()
    assert change is not None
    assert (change.actor, change.actor_label) == (None, "scoring")


@pytest.mark.parametrize(
    ("from_stage", "to_stage"),
    [
        (Stage.SQL, Stage.MQL),
        (Stage.MQL, Stage.INQUIRY),
        (Stage.CUSTOMER, Stage.RECYCLED),
        (Stage.DISQUALIFIED, Stage.MQL),
        (Stage.RECYCLED, Stage.SAL),
    ],
)
def test_a_forbidden_move_is_refused_naming_both_stages(
    personas: Personas, from_stage: Stage, to_stage: Stage
) -> None:
    lead = make_lead(stage=Stage.INQUIRY, at=JAN)
    if from_stage != Stage.INQUIRY:
        via = Stage.LEAD if from_stage in (Stage.RECYCLED, Stage.DISQUALIFIED) else from_stage
        if via != Stage.INQUIRY:
            lifecycle.change_stage(lead=lead, to_stage=via, by=None, at=JAN)
        if via != from_stage:
            lifecycle.change_stage(lead=lead, to_stage=from_stage, by=None, at=JAN)
    rows_before = StageChange.objects.count()

    with pytest.raises(Conflict) as refused:
        lifecycle.change_stage(lead=lead, to_stage=to_stage, by=personas.admin, at=FEB)

    assert refused.value.message == FORBIDDEN_MOVE.format(
        from_stage=from_stage.label, to_stage=to_stage.label
    )
    assert refused.value.code == "forbidden_transition"
    assert StageChange.objects.count() == rows_before
    assert Lead.objects.get(pk=lead.pk).stage == from_stage


@pytest.mark.parametrize(
    ("from_stage", "to_stage"),
    [
        (Stage.INQUIRY, Stage.LEAD),
        (Stage.MQL, Stage.CUSTOMER),
        (Stage.SAL, Stage.RECYCLED),
        (Stage.OPPORTUNITY, Stage.DISQUALIFIED),
    ],
)
def test_forward_and_exit_moves_are_allowed(from_stage: Stage, to_stage: Stage) -> None:
    assert lifecycle.is_allowed(from_stage, to_stage)


def test_a_recycled_lead_may_come_back_as_a_lead_or_an_mql() -> None:
    assert lifecycle.allowed_moves(Stage.RECYCLED) == [Stage.LEAD, Stage.MQL, Stage.DISQUALIFIED]


def test_a_customer_moves_nowhere() -> None:
    assert lifecycle.allowed_moves(Stage.CUSTOMER) == []


def test_moving_to_the_current_stage_is_refused(personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)

    with pytest.raises(Conflict, match="already at MQL"):
        lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=None)

    assert StageChange.objects.filter(lead=lead).count() == 1


def test_a_move_dated_before_the_last_change_is_refused(personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=FEB)

    with pytest.raises(DomainError) as refused:
        lifecycle.change_stage(lead=lead, to_stage=Stage.SAL, by=None, at=JAN)

    assert refused.value.fields == {"at": "before the last change"}
    assert StageChange.objects.filter(lead=lead).count() == 1


def test_a_move_dated_in_the_future_is_refused(personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)
    tomorrow = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=1)

    with pytest.raises(DomainError, match="in the future"):
        lifecycle.change_stage(lead=lead, to_stage=Stage.SAL, by=None, at=tomorrow)

    assert StageChange.objects.filter(lead=lead).count() == 1


def test_a_lead_cannot_enter_the_lifecycle_recycled() -> None:
    with pytest.raises(DomainError, match="cannot enter the lifecycle at Recycled"):
        make_lead(stage=Stage.RECYCLED)


def test_a_stale_lead_object_is_checked_against_the_stored_stage(personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)
    stale = Lead.objects.get(pk=lead.pk)
    lifecycle.change_stage(lead=lead, to_stage=Stage.DISQUALIFIED, by=None, at=FEB)

    with pytest.raises(Conflict, match="from Disqualified to SAL"):
        lifecycle.change_stage(lead=stale, to_stage=Stage.SAL, by=None)

    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED


def test_ledger_rows_cannot_be_changed_through_the_orm(personas: Personas) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)
    change = StageChange.objects.get(lead=lead)

    change.reason = "rewritten"
    with pytest.raises(Conflict, match=LEDGER_IS_APPEND_ONLY):
        change.save()
    with pytest.raises(Conflict, match=LEDGER_IS_APPEND_ONLY):
        StageChange.objects.filter(lead=lead).update(reason="rewritten")
    with pytest.raises(Conflict, match=LEDGER_IS_APPEND_ONLY):
        StageChange.objects.filter(lead=lead).delete()

    assert StageChange.objects.get(lead=lead).reason == ""


def test_ledger_rows_cannot_be_changed_with_sql(personas: Personas) -> None:
    from django.db import DatabaseError, connection, transaction

    lead = make_lead(stage=Stage.MQL, at=JAN)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE leads_stagechange SET reason = 'rewritten'")

    assert StageChange.objects.get(lead=lead).reason == ""


def test_a_bulk_move_moves_only_the_leads_the_lifecycle_allows() -> None:
    inquiry = make_lead(stage=Stage.INQUIRY, at=JAN, email="i@example.com")
    recycled = make_lead(stage=Stage.LEAD, at=JAN, email="r@example.com")
    lifecycle.change_stage(lead=recycled, to_stage=Stage.RECYCLED, by=None, at=JAN)
    accepted = make_lead(stage=Stage.SAL, at=JAN, email="s@example.com")
    already = make_lead(stage=Stage.MQL, at=JAN, email="m@example.com")
    leads = (inquiry, recycled, accepted, already)

    moved = lifecycle.change_stages_in_bulk(
        reasons={lead.pk: f"rule for {lead.email}" for lead in leads},
        to_stage=Stage.MQL,
        at=FEB,
        actor_label="scoring",
    )

    assert sorted(moved) == sorted([inquiry.pk, recycled.pk])
    stages = dict(Lead.objects.values_list("pk", "stage"))
    assert [stages[lead.pk] for lead in leads] == [Stage.MQL, Stage.MQL, Stage.SAL, Stage.MQL]
    row = StageChange.objects.get(lead=inquiry, to_stage=Stage.MQL)
    assert (row.from_stage, row.at, row.actor_label, row.reason) == (
        Stage.INQUIRY, FEB, "scoring", "rule for i@example.com"
    )  # fmt: skip


def test_a_bulk_move_keeps_the_funnel_rollup_equal_to_a_rebuild() -> None:
    for n in range(3):
        make_lead(stage=Stage.LEAD, at=JAN, email=f"l{n}@example.com")
    lifecycle.change_stages_in_bulk(
        reasons=dict.fromkeys(Lead.objects.values_list("pk", flat=True), ""),
        to_stage=Stage.MQL,
        at=FEB,
        actor_label="scoring",
    )
    live = sorted(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced"))
    rebuild_funnel()
    assert sorted(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced")) == live


def test_a_bulk_move_leaves_a_lead_whose_last_change_is_later() -> None:
    lead = make_lead(stage=Stage.LEAD, at=FEB, email="late@example.com")
    moved = lifecycle.change_stages_in_bulk(
        reasons={lead.pk: ""}, to_stage=Stage.MQL, at=JAN, actor_label="scoring"
    )
    assert moved == []
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD


def _rows_of(prefix: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    leads = Lead.objects.filter(email__startswith=prefix)
    changes = StageChange.objects.filter(lead__in=leads).order_by("lead__email")
    reaches = StageReach.objects.filter(lead__in=leads).order_by("lead__email", "stage")
    return (
        [
            (email.removeprefix(prefix), *rest)
            for email, *rest in changes.values_list(
                "lead__email", "from_stage", "to_stage", "at", "month", "actor_label", "reason"
            )
        ],
        [
            (email.removeprefix(prefix), *rest)
            for email, *rest in reaches.values_list("lead__email", "stage", "at", "month")
        ],
    )


def _rollup() -> dict[tuple[str, dt.date], tuple[int, int]]:
    rows = FunnelMonth.objects.values_list("stage", "month", "reached", "advanced")
    return {(stage, month): (reached, advanced) for stage, month, reached, advanced in rows}


# Two months, three entry stages: a lead entering at MQL has passed inquiry and lead too.
ENTRIES = [
    ("ann@example.com", Stage.LEAD, dt.datetime(2026, 3, 31, 23, tzinfo=dt.UTC)),
    ("bob@example.com", Stage.INQUIRY, dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC)),
    ("cy@example.com", Stage.MQL, dt.datetime(2026, 4, 3, 9, tzinfo=dt.UTC)),
]


def test_leads_entering_in_bulk_leave_the_same_ledger_and_funnel_as_one_by_one() -> None:
    for email, stage, at in ENTRIES:
        services.create_lead(
            by=None,
            stage=stage,
            at=at,
            reason="Came in",
            actor_label="tracking",
            email=f"one-{email}",
        )
    rollup_one_by_one = _rollup()

    services.create_leads_in_bulk(
        entries=[
            ({"email": f"bulk-{email}"}, stage, at, "Came in") for email, stage, at in ENTRIES
        ],
        actor_label="tracking",
    )

    assert _rows_of("bulk-") == _rows_of("one-")
    assert _rollup() == {
        key: (2 * reached, 2 * advanced) for key, (reached, advanced) in rollup_one_by_one.items()
    }
