import io

import pytest
from django.core.management import CommandError, call_command

from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import make_lead
from tandem.scoring.management.commands.rescore import NO_ACTIVE_VERSION
from tandem.scoring.models import LeadScore

pytestmark = pytest.mark.django_db


def test_rescore_scores_every_lead_under_the_active_version() -> None:
    lead = make_lead(email="a@example.com", job_title="VP Sales")
    AgreementVersion.objects.create(
        number=1, status=VersionStatus.ACTIVE, title="v1", content=STARTER_TERMS
    )
    out = io.StringIO()
    call_command("rescore", "--rebuild-activity", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("Leads scored: 1 in ")
    assert LeadScore.objects.get(lead=lead).grade == "C"


def test_rescore_refuses_without_an_active_version() -> None:
    with pytest.raises(CommandError, match=NO_ACTIVE_VERSION):
        call_command("rescore", stdout=io.StringIO(), stderr=io.StringIO())
