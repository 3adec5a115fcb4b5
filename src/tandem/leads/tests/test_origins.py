import pytest
from django.db.models import Count

from tandem.core.testing import make_lead
from tandem.leads.models import Lead
from tandem.leads.origins import SourceGroup, source_group, source_group_expression


@pytest.mark.parametrize(
    ("source", "group"),
    [
        ("paid_search", SourceGroup.MARKETING),
        ("", SourceGroup.MARKETING),
        ("Prospecting", SourceGroup.SALES_PROSPECTING),
        ("partner", SourceGroup.PARTNERS),
        ("agency", SourceGroup.OUTSOURCED),
    ],
)
def test_a_leads_source_names_its_group(source: str, group: SourceGroup) -> None:
    assert source_group(source) == group


@pytest.mark.django_db
def test_the_database_groups_leads_as_python_does() -> None:
    for number, source in enumerate(["webinar", "OUTBOUND", "partner", "partner", ""]):
        make_lead(email=f"l{number}@example.com", source=source)

    rows = (
        Lead.objects.annotate(group=source_group_expression())
        .values("group")
        .annotate(leads=Count("id"))
    )

    assert {row["group"]: row["leads"] for row in rows} == {
        "marketing": 2,
        "sales_prospecting": 1,
        "partners": 2,
    }
