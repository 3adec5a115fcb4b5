"""Scoring writes: a lead's score kept current live, and everyone rescored on activation."""

from dataclasses import asdict, dataclass
from typing import Any

from tandem.agreement.models import AgreementVersion


@dataclass(frozen=True)
class RescoreSummary:
    leads_scored: int
    meets_mql: int
    moved_to_mql: int
    # At MQL (or a later open stage) but no longer meeting the new version's MQL rule.
    no_longer_qualifying: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rescore_all(*, version: AgreementVersion) -> RescoreSummary:
    raise NotImplementedError
