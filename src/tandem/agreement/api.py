"""The lead agreement API. Everyone on a team reads every version; the marketing lead, sales
managers and admins draft and propose; each required role signs. Permission rules live in
`agreement.queries` and `core.roles`."""

from typing import Any

from ninja import Query, Router, Status

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.queries import (
    ComparedSection,
    access_version,
    active_version,
    compare_versions,
    require_agreement_drafter,
    version_list,
)
from tandem.agreement.schemas import (
    CompareQuery,
    ComparisonOut,
    VersionIn,
    VersionOut,
    VersionPage,
    VersionPatch,
    WhatIfOut,
    WhatIfQuery,
)
from tandem.agreement.whatif import WhatIf, what_if
from tandem.core.api_support import ApiRequest, page_of
from tandem.core.errors import NotFound
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery
from tandem.leads.queries import require_role

NONE_ACTIVE = "No version of the lead agreement is active yet."
NOTHING_TO_COMPARE_WITH = (
    "No version is active to compare version {number} with; name one with `with`."
)

router = Router(tags=["agreement"])


@router.get("/versions", response={200: VersionPage, **READ_ERRORS})
def list_versions(request: ApiRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every version with its status and signatures, latest first."""
    return page_of(version_list(request.auth), page)


@router.post("/versions", response={201: VersionOut, **WRITE_ERRORS})
def create_version(request: ApiRequest, payload: VersionIn) -> Status[AgreementVersion]:
    """Start a draft; without `content` it starts from the active version's terms."""
    require_agreement_drafter(request.auth)
    return Status(201, services.create_draft(by=request.auth, **payload.model_dump()))


@router.get("/versions/active", response={200: VersionOut, **READ_ERRORS})
def get_active_version(request: ApiRequest) -> AgreementVersion:
    """The version in force."""
    require_role(request.auth)
    version = active_version()
    if version is None:
        raise NotFound(NONE_ACTIVE)
    return access_version(request.auth, version.number)


@router.get("/versions/{number}", response={200: VersionOut, **READ_ERRORS})
def get_version(request: ApiRequest, number: int) -> AgreementVersion:
    return access_version(request.auth, number)


@router.patch("/versions/{number}", response={200: VersionOut, **WRITE_ERRORS})
def update_version(request: ApiRequest, number: int, payload: VersionPatch) -> AgreementVersion:
    """Change a draft's title, summary or terms: the fields sent, and only those."""
    version = access_version(request.auth, number, write=True)
    return services.update_draft(
        version=version, by=request.auth, changes=payload.model_dump(exclude_unset=True)
    )


@router.post("/versions/{number}/propose", response={200: VersionOut, **WRITE_ERRORS})
def propose_version(request: ApiRequest, number: int) -> AgreementVersion:
    """Put a draft up for signature; the people who hear of agreement changes are told."""
    version = access_version(request.auth, number, write=True)
    return services.propose_version(version=version, by=request.auth)


@router.post("/versions/{number}/withdraw", response={200: VersionOut, **WRITE_ERRORS})
def withdraw_version(request: ApiRequest, number: int) -> AgreementVersion:
    """Take a proposal back to draft; its signatures are removed."""
    version = access_version(request.auth, number, write=True)
    return services.withdraw_proposal(version=version, by=request.auth)


@router.post("/versions/{number}/sign", response={200: VersionOut, **WRITE_ERRORS})
def sign_version(request: ApiRequest, number: int) -> AgreementVersion:
    """Sign a proposal in your own role. The last required signature puts it in force and
    rescores every lead."""
    version = access_version(request.auth, number)
    return services.sign_version(version=version, by=request.auth)


@router.get("/versions/{number}/compare", response={200: ComparisonOut, **READ_ERRORS})
def compare_version(request: ApiRequest, number: int, query: Query[CompareQuery]) -> dict[str, Any]:
    """What this version changes against another one (by default the active one)."""
    new = access_version(request.auth, number)
    other = query.with_ if query.with_ is not None else _active_number(number)
    comparison = compare_versions(access_version(request.auth, other), new)
    return {
        "old": comparison.old.number,
        "new": comparison.new.number,
        "sections": [_changes(section) for section in comparison.sections],
    }


def _active_number(number: int) -> int:
    active = active_version()
    if active is None:
        raise NotFound(NOTHING_TO_COMPARE_WITH.format(number=number))
    return active.number


def _changes(section: ComparedSection) -> dict[str, Any]:
    return {"key": section.key, "title": section.title, "changes": section.differences}


@router.get("/versions/{number}/whatif", response={200: WhatIfOut, **READ_ERRORS})
def version_what_if(request: ApiRequest, number: int, query: Query[WhatIfQuery]) -> WhatIf:
    """Replay the version's rules over the last months of leads and compare the outcomes with
    the active version's."""
    version = access_version(request.auth, number)
    return what_if(version=version, months=query.months)
