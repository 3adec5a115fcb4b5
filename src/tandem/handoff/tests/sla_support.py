"""Helpers for the service-level tests: an agreement in force with chosen service levels, and
assignments timed by it, made the way routing makes them."""

import copy
import datetime as dt
from typing import Any

from django.contrib.auth.models import User

from tandem.agreement import services as agreement_services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import Personas, make_lead
from tandem.handoff.models import Assignment
from tandem.handoff.sla import deadlines
from tandem.leads.models import Lead, Stage


def activate_agreement(personas: Personas, **service_levels: Any) -> AgreementVersion:
    """A new version of the starter terms, with `service_levels` changed, signed into force."""
    content = copy.deepcopy(STARTER_TERMS)
    content["service_levels"].update(service_levels)
    version = agreement_services.create_draft(
        by=personas.marketing_lead, title="Our agreement", content=content
    )
    agreement_services.propose_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.marketing_lead)
    return agreement_services.sign_version(version=version, by=personas.manager)


def assign(
    lead: Lead, rep: User, *, at: dt.datetime, version: AgreementVersion, **fields: Any
) -> Assignment:
    """The lead's current assignment to `rep` at `at`, with its deadlines under `version`."""
    accept_by, first_touch_by = deadlines(assigned_at=at, levels=version.terms.service_levels)
    return Assignment.objects.create(
        lead=lead,
        rep=rep,
        reason="Routed for the test.",
        assigned_at=at,
        agreement_version=version,
        accept_by=accept_by,
        first_touch_by=first_touch_by,
        **fields,
    )


def assigned_mql(
    n: int, rep: User, *, at: dt.datetime, version: AgreementVersion, **lead_fields: Any
) -> Assignment:
    """A new MQL, owned by and assigned to `rep` at `at` (the clock must stand at `at` or later)."""
    lead = make_lead(
        stage=Stage.MQL, owner=rep, email=f"lead{n}@example.com", first_name=f"Lead{n}",
        at=at, **lead_fields,
    )  # fmt: skip
    return assign(lead, rep, at=at, version=version)
