"""The terms in words, and what changes between two versions."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.queries import (
    VERSION_NOT_FOUND,
    Change,
    Comparison,
    access_version,
    active_version,
    compare_versions,
    describe_terms,
    signers_still_needed,
)
from tandem.agreement.rules import parse_terms
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.errors import NotFound
from tandem.core.roles import Role
from tandem.core.testing import Personas

pytestmark = pytest.mark.django_db


def section(terms: dict[str, Any], key: str) -> dict[str, str]:
    described = {part.key: part for part in describe_terms(parse_terms(terms))}
    return {line.subject: line.full_text for line in described[key].lines}


def test_the_terms_read_as_sentences() -> None:
    terms = copy.deepcopy(STARTER_TERMS)

    assert section(terms, "fit_rules")["Mid-market or enterprise"] == (
        "+30 points when company segment is one of “Mid-market” or “Enterprise”"
    )
    assert section(terms, "fit_rules")["50 to 5,000 employees"] == (
        "+10 points when company employee count is between 50 and 5,000"
    )
    assert section(terms, "fit_rules")["Not a buyer"] == (
        "-40 points when job title has any of the words “student” or “intern”"
    )
    assert section(terms, "fit_grades") == {
        "Grade A": "60 fit points or more",
        "Grade B": "40 fit points or more",
        "Grade C": "20 fit points or more",
        "Grade D": "below 20 fit points",
    }
    engagement = section(terms, "engagement")
    assert engagement["Pricing page"] == (
        "+10 points for each page view where property path starts with “/pricing”, "
        "at most 30 per lead"
    )
    assert engagement["Webinar attended"] == "+15 points for each action named “Webinar attended”"
    assert engagement["Fading"] == "Points halve every 30 days."
    assert section(terms, "mql") == {
        "MQL": "A lead is an MQL when its fit grade is A or B and its engagement score is at "
        "least 40."
    }
    assert section(terms, "service_levels") == {
        "Sales accepts or rejects an MQL within": "8 business hours",
        "Sales first contacts an MQL within": "24 business hours",
        "Undecided MQLs": "An MQL nobody accepts or rejects in time is escalated.",
        "Marketing delivers each month": "60 MQLs",
        "… of which from Enterprise": "10 MQLs",
        "… of which from Mid-market": "25 MQLs",
        "… of which from SMB": "25 MQLs",
        "Business hours": "Monday to Friday, 09:00 to 17:00 (Europe/Berlin)",
    }
    assert section(terms, "rejection_reasons")["Not in our target market"] == (
        "The lead is disqualified. (code not-target)"
    )
    assert section(terms, "recycle") == {
        "Idle leads": "An accepted lead with no SQL and no engagement for 45 days goes back to "
        "nurture."
    }
    assert section(terms, "glossary")["SAL"] == (
        "An MQL a sales rep has accepted to work within the service level. (owned by sales)"
    )
    assert section(terms, "signers") == {
        "Must be signed by": "a marketing lead and a sales manager"
    }


def test_an_mql_rule_of_several_clauses_reads_as_one_sentence() -> None:
    terms = copy.deepcopy(STARTER_TERMS)
    terms["mql"] = {
        "any_of": [{"grades": ["A"], "min_score": 20}, {"grades": ["B", "C"], "min_score": 60}]
    }
    terms["engagement"]["half_life_days"] = None

    assert section(terms, "mql")["MQL"] == (
        "A lead is an MQL when its fit grade is A and its engagement score is at least 20 or "
        "when its fit grade is B or C and its engagement score is at least 60."
    )
    assert section(terms, "engagement")["Fading"] == "Points never fade."


@pytest.fixture
def compare(make_version: Callable[..., AgreementVersion]) -> Callable[..., Comparison]:
    """Compare the starter terms with terms `change` made of them."""

    def run(change: Callable[[dict[str, Any]], None]) -> Comparison:
        content = copy.deepcopy(STARTER_TERMS)
        change(content)
        return compare_versions(make_version(title="Old"), make_version(content=content))

    return run


def differences(comparison: Comparison) -> dict[str, list[tuple[str, str, str | None, str | None]]]:
    return {
        section.key: [
            (line.subject, line.change, line.before_text, line.after_text)
            for line in section.differences
        ]
        for section in comparison.sections
        if section.differences
    }


def test_the_same_terms_differ_in_nothing(compare: Callable[..., Comparison]) -> None:
    comparison = compare(lambda content: None)

    assert comparison.difference_count == 0
    assert differences(comparison) == {}
    assert all(line.change == Change.SAME for s in comparison.sections for line in s.lines)


def test_rules_are_added_removed_and_changed_by_name(compare: Callable[..., Comparison]) -> None:
    def change(content: dict[str, Any]) -> None:
        rules = content["fit"]["rules"]
        rules[0]["points"] = 40
        del rules[5]
        rules.append(
            {
                "name": "Germany",
                "when": [{"field": "country", "op": "equals", "value": "DE"}],
                "points": 5,
            }
        )

    comparison = compare(change)

    assert differences(comparison) == {
        "fit_rules": [
            (
                "Mid-market or enterprise",
                Change.CHANGED,
                "+30 points when company segment is one of “Mid-market” or “Enterprise”",
                "+40 points when company segment is one of “Mid-market” or “Enterprise”",
            ),
            ("Germany", Change.ADDED, None, "+5 points when country is “DE”"),
            (
                "Not a buyer",
                Change.REMOVED,
                "-40 points when job title has any of the words “student” or “intern”",
                None,
            ),
        ]
    }
    assert comparison.difference_count == 3


def test_thresholds_and_service_levels_show_old_and_new(
    compare: Callable[..., Comparison],
) -> None:
    def change(content: dict[str, Any]) -> None:
        content["fit"]["grades"]["A"] = 70
        content["mql"]["any_of"][0]["min_score"] = 50
        content["engagement"]["half_life_days"] = 14
        content["service_levels"]["accept_within_hours"] = 4
        content["service_levels"]["mqls_per_month_by_segment"].pop("SMB")
        content["recycle"]["idle_days"] = 30

    found = differences(compare(change))

    assert found == {
        "fit_grades": [
            ("Grade A", Change.CHANGED, "60 fit points or more", "70 fit points or more")
        ],
        "engagement": [
            ("Fading", Change.CHANGED, "Points halve every 30 days.", "Points halve every 14 days.")
        ],
        "mql": [
            (
                "MQL",
                Change.CHANGED,
                "A lead is an MQL when its fit grade is A or B and its engagement score is at "
                "least 40.",
                "A lead is an MQL when its fit grade is A or B and its engagement score is at "
                "least 50.",
            )
        ],
        "service_levels": [
            (
                "Sales accepts or rejects an MQL within",
                Change.CHANGED,
                "8 business hours",
                "4 business hours",
            ),
            ("… of which from SMB", Change.REMOVED, "25 MQLs", None),
        ],
        "recycle": [
            (
                "Idle leads",
                Change.CHANGED,
                "An accepted lead with no SQL and no engagement for 45 days goes back to nurture.",
                "An accepted lead with no SQL and no engagement for 30 days goes back to nurture.",
            )
        ],
    }


def test_reasons_and_glossary_terms_keep_their_identity_when_renamed(
    compare: Callable[..., Comparison],
) -> None:
    def change(content: dict[str, Any]) -> None:
        content["rejection_reasons"][0]["label"] = "Not ready yet"
        content["glossary"][1]["owner"] = "both"

    found = differences(compare(change))

    assert found == {
        "rejection_reasons": [
            (
                "Not ready yet",
                Change.CHANGED,
                "Not ready to buy: The lead is recycled to nurture. (code not-ready)",
                "Not ready yet: The lead is recycled to nurture. (code not-ready)",
            )
        ],
        "glossary": [
            (
                "MQL",
                Change.CHANGED,
                "A lead whose fit grade and engagement score meet this agreement's MQL rule; "
                "marketing hands it to sales. (owned by marketing)",
                "A lead whose fit grade and engagement score meet this agreement's MQL rule; "
                "marketing hands it to sales. (owned by marketing and sales)",
            )
        ],
    }


def test_signers_still_needed_follow_the_signatures(
    personas: Personas, proposal: AgreementVersion
) -> None:
    assert signers_still_needed(proposal) == [Role.MARKETING_LEAD, Role.SALES_MANAGER]

    services.sign_version(version=proposal, by=personas.manager)

    assert signers_still_needed(access_version(personas.marketer, 1)) == [Role.MARKETING_LEAD]


def test_an_active_version_needs_nobody(active: AgreementVersion) -> None:
    assert signers_still_needed(active) == []
    assert active_version() == active


def test_a_missing_version_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound, match=VERSION_NOT_FOUND.format(number=7)):
        access_version(personas.marketer, 7)
