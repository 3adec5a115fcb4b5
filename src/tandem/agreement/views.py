"""The agreement pages: the agreement in force, one version with its sign-off and what-if, the
draft editor, and two versions side by side."""

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.agreement import services, wording
from tandem.agreement.forms import CompareForm, DraftForm, VersionForm, WhatIfForm
from tandem.agreement.models import AgreementVersion, VersionStatus
from tandem.agreement.queries import (
    access_version,
    active_version,
    compare_versions,
    describe_terms,
    may_draft,
    require_agreement_drafter,
    signature_of,
    signers_still_needed,
    version_actions,
    version_list,
)
from tandem.agreement.rules import COMPANY_FIELDS, LEAD_FIELDS, Op, RejectionOutcome
from tandem.agreement.whatif import MAX_MONTHS, Outcomes, WhatIf, WhatIfRow, what_if
from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import MemberRequest, team_page
from tandem.core.roles import MAY_SIGN_AGREEMENT
from tandem.leads.models import EventType
from tandem.leads.queries import require_role

CREATED = "Version {number} is started from {source}: change its terms below."
SAVED = "Version {number} is saved."
PROPOSED = "Version {number} is proposed; the people who sign it have been told."
WITHDRAWN = "Version {number} is back to draft; its signatures were removed."
SIGNED = "You signed version {number}."
ACTIVATED = "You signed version {number}: it is now in force, and every lead was rescored."
ACTIVE_SOURCE = "the terms of version {number}"
STARTER_SOURCE = "a starter set of terms"


def _version_url(version: AgreementVersion) -> HttpResponse:
    return redirect("agreement:version-detail", number=version.number)


@team_page
@require_GET
def agreement_page(request: MemberRequest) -> HttpResponse:
    """The agreement in force, section by section, and every version with its signatures."""
    all_versions = list(version_list(request.user))
    active = next((v for v in all_versions if v.status == VersionStatus.ACTIVE), None)
    context = {
        "active": active,
        "sections": describe_terms(active.terms) if active is not None else [],
        "versions": all_versions,
        "draft_form": DraftForm() if may_draft(request.user) else None,
    }
    return render(request, "agreement/index.html", context)


@team_page
@require_POST
def create_version(request: MemberRequest) -> HttpResponse:
    require_agreement_drafter(request.user)
    form = DraftForm(request.POST)
    if not form.is_valid():
        problems = " ".join(str(message) for message in form.errors.get("title", ()))
        messages.error(request, f"Title: {problems}")
        return redirect("agreement:index")
    try:
        version = services.create_draft(by=request.user, title=form.cleaned_data["title"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("agreement:index")
    source = (
        ACTIVE_SOURCE.format(number=version.based_on.number)
        if version.based_on is not None
        else STARTER_SOURCE
    )
    messages.success(request, CREATED.format(number=version.number, source=source))
    return redirect("agreement:version-edit", number=version.number)


@team_page
@require_GET
def version_page(request: MemberRequest, number: int) -> HttpResponse:
    """One version: its terms, who signed and who must still, and what the viewer may do."""
    version = access_version(request.user, number)
    active = active_version()
    actions = version_actions(request.user, version, active)
    context = {
        "version": version,
        "sections": describe_terms(version.terms),
        "mql_sentence": wording.mql_sentence(version.terms.mql),
        "signers": wording.signers(version.terms.required_signers),
        "still_needed": signers_still_needed(version),
        "my_signature": signature_of(version, request.user),
        "rescored": wording.rescore_summary(version.activation_summary),
        "active": active,
        "drafted_before_active": actions.drafted_before_active,
        "may_edit": actions.may_edit,
        "may_propose": actions.may_propose,
        "may_withdraw": actions.may_withdraw,
        "may_sign": actions.may_sign,
        "show_what_if": actions.is_open,
        "months": WhatIfForm(request.GET).months_asked(),
        "max_months": MAX_MONTHS,
    }
    return render(request, "agreement/version.html", context)


@team_page
@require_http_methods(["GET", "POST"])
def edit_version(request: MemberRequest, number: int) -> HttpResponse:
    """The draft editor: title, summary and the terms as JSON, with mistakes named by path."""
    version = access_version(request.user, number, write=True)
    if not version.is_editable:
        messages.error(
            request,
            services.NOT_A_DRAFT.format(
                number=version.number,
                status=VersionStatus(version.status).label.lower(),
                done="changed",
            ),
        )
        return _version_url(version)
    problems: list[str] = []
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                services.update_draft(version=version, by=request.user, changes=form.cleaned_data)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                problems = list(dict.fromkeys(error.fields.values())) or [error.message]
            else:
                messages.success(request, SAVED.format(number=version.number))
                return _version_url(version)
        else:
            problems = form.problems()
    else:
        form = VersionForm(
            initial={
                "title": version.title,
                "summary": version.summary,
                # Through the terms, so the keys come in the schema's order: PostgreSQL keeps
                # JSON objects sorted by key length.
                "content": json.dumps(
                    version.terms.model_dump(mode="json"), indent=2, ensure_ascii=False
                ),
            }
        )
    context = {"version": version, "form": form, "problems": problems, "help": _terms_help()}
    return render(request, "agreement/edit.html", context)


def _terms_help() -> dict[str, Any]:
    """What the editor lists beside the terms: the names a rule may use."""
    return {
        "fit_fields": [
            *LEAD_FIELDS,
            *(f"company.{name}" for name in COMPANY_FIELDS),
            "attributes.<name>",
            "company.attributes.<name>",
        ],
        "ops": [
            (op.value, wording.OP_PHRASES[op].format(value="…", values="…", low="…", high="…"))
            for op in Op
        ],
        "event_types": [(kind.value, kind.label) for kind in EventType],
        "outcomes": [(outcome.value, wording.outcome(outcome)) for outcome in RejectionOutcome],
        "signer_roles": sorted(MAY_SIGN_AGREEMENT),
    }


@team_page
@require_POST
def propose_version(request: MemberRequest, number: int) -> HttpResponse:
    version = access_version(request.user, number, write=True)
    return _act(request, version, services.propose_version, PROPOSED)


@team_page
@require_POST
def withdraw_version(request: MemberRequest, number: int) -> HttpResponse:
    version = access_version(request.user, number, write=True)
    return _act(request, version, services.withdraw_proposal, WITHDRAWN)


@team_page
@require_POST
def sign_version(request: MemberRequest, number: int) -> HttpResponse:
    version = access_version(request.user, number)
    return _act(request, version, services.sign_version, SIGNED)


def _act(
    request: MemberRequest, version: AgreementVersion, service: Any, done: str
) -> HttpResponse:
    """Run one of the sign-off services and come back to the version with what happened."""
    try:
        version = service(version=version, by=request.user)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if version.status == VersionStatus.ACTIVE and service is services.sign_version:
            done = ACTIVATED
        messages.success(request, done.format(number=version.number))
    return _version_url(version)


@team_page
@require_GET
def version_what_if(request: MemberRequest, number: int) -> HttpResponse:
    """The version's rules replayed over past months against the active version's: a fragment
    for the version page, or a page of its own without JavaScript."""
    version = access_version(request.user, number)
    months = WhatIfForm(request.GET).months_asked()
    result = what_if(version=version, months=months)
    context = {
        "version": version,
        "result": result,
        "measures": [label for _, label in MEASURES],
        "tables": _what_if_tables(result),
        "max_months": MAX_MONTHS,
    }
    if request.htmx:
        return render(request, "agreement/partials/what_if.html", context)
    return render(request, "agreement/what_if.html", context)


# What the what-if counts, in the order of the funnel.
MEASURES = (
    ("mqls", "MQLs"),
    ("accepted", "Accepted"),
    ("sql", "SQL"),
    ("won", "Won"),
    ("revenue", "Revenue"),
)
NO_SEGMENT = "No segment"


@dataclass(frozen=True)
class WhatIfLine:
    label: str
    # Per measure: (under the version, under the active version or "" when none is active).
    cells: list[tuple[str, str]]
    is_total: bool = False


@dataclass(frozen=True)
class WhatIfTable:
    title: str
    first_column: str
    lines: list[WhatIfLine]


def _count(outcomes: Outcomes | None, measure: str) -> str:
    if outcomes is None:
        return ""
    value = getattr(outcomes, measure)
    if isinstance(value, Decimal):
        return f"{value:,.0f}"
    return wording.number(value)


def _what_if_line(row: WhatIfRow, label: str, *, is_total: bool = False) -> WhatIfLine:
    cells = [(_count(row.proposal, name), _count(row.active, name)) for name, _ in MEASURES]
    return WhatIfLine(label, cells, is_total)


def _month_label(key: str) -> str:
    try:
        return dt.date.fromisoformat(f"{key}-01").strftime("%b %Y")
    except ValueError:
        return key


def _what_if_tables(result: WhatIf) -> list[WhatIfTable]:
    """The what-if as the page shows it: month by month, then segment by segment, each with
    the whole period's total last."""
    total = _what_if_line(result.total, "Total", is_total=True)
    return [
        WhatIfTable(
            "By month",
            "Month",
            [*(_what_if_line(row, _month_label(row.key)) for row in result.by_month), total],
        ),
        WhatIfTable(
            "By segment",
            "Segment",
            [*(_what_if_line(row, row.key or NO_SEGMENT) for row in result.by_segment), total],
        ),
    ]


@team_page
@require_GET
def compare_page(request: MemberRequest) -> HttpResponse:
    """Two versions side by side, the differences marked; by default the active version
    against the latest one."""
    require_role(request.user)
    form = CompareForm(request.GET or None)
    numbers = list(version_list(request.user).values_list("number", "status"))
    old_number = new_number = None
    if form.is_valid():
        old_number, new_number = form.cleaned_data["old"], form.cleaned_data["new"]
    elif numbers:
        active = next((n for n, status in numbers if status == VersionStatus.ACTIVE), None)
        latest = numbers[0][0]
        old_number, new_number = (active or latest), latest
    comparison = None
    if old_number is not None and new_number is not None:
        comparison = compare_versions(
            access_version(request.user, old_number), access_version(request.user, new_number)
        )
    context = {
        "form": form,
        "numbers": [number for number, _ in numbers],
        "old_number": old_number,
        "new_number": new_number,
        "comparison": comparison,
    }
    return render(request, "agreement/compare.html", context)
