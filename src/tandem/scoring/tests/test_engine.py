"""The engine's semantics, case by case, on batches built in memory."""

from typing import Any

import numpy as np
import pytest

from tandem.agreement.rules import parse_terms
from tandem.agreement.starter import STARTER_TERMS
from tandem.scoring.engine import SECONDS_PER_DAY, Batch, KindFacts, Scorer

NOW = 1_800_000_000
PRICING = KindFacts(type="page", name="Pricing", properties={"path": "/pricing/teams"})
BLOG = KindFacts(type="page", name="Blog", properties={"path": "/blog/x"})
DEMO = KindFacts(type="form", name="Demo", properties={"form": "demo-request"})
KINDS = {1: PRICING, 2: BLOG, 3: DEMO}


def _scorer(**changes: Any) -> Scorer:
    return Scorer(parse_terms({**STARTER_TERMS, **changes}))


def _batch(fields: dict[str, Any], events: list[tuple[int, int]] = ()) -> Batch:  # type: ignore[assignment]
    return Batch(
        lead_ids=np.array([1], dtype=np.int64),
        fields={name: [value] for name, value in fields.items()},
        offsets=np.array([0, len(events)], dtype=np.int64),
        at=np.array([at for at, _ in events], dtype=np.int64),
        kinds=np.array([kind for _, kind in events], dtype=np.int64),
    )


def _engagement(rules: list[dict[str, Any]], half_life: float | None = None) -> Scorer:
    return _scorer(engagement={"rules": rules, "half_life_days": half_life})


def _score(scorer: Scorer, events: list[tuple[int, int]]) -> int:
    batch = _batch(dict.fromkeys(scorer.fit_fields, ""), events)
    return int(scorer.evaluate(batch, scorer.kind_points(KINDS), NOW).scores[0])


PRICING_RULE = {
    "name": "Pricing",
    "event_type": "page",
    "when": [{"field": "path", "op": "starts_with", "value": "/PRICING"}],
    "points": 10,
}


def test_an_event_earns_the_points_of_each_rule_it_matches() -> None:
    scorer = _engagement([PRICING_RULE, {"name": "Any page", "event_type": "page", "points": 1}])
    assert _score(scorer, [(NOW, 1)]) == 11
    assert _score(scorer, [(NOW, 2)]) == 1


def test_points_halve_every_half_life() -> None:
    scorer = _engagement([PRICING_RULE], half_life=10)
    assert _score(scorer, [(NOW - 10 * SECONDS_PER_DAY, 1)]) == 5
    assert _score(scorer, [(NOW - 20 * SECONDS_PER_DAY, 1), (NOW, 1)]) == 13  # 2.5 + 10, rounded


def test_a_rule_never_adds_more_than_its_cap() -> None:
    scorer = _engagement([{**PRICING_RULE, "cap": 25}])
    assert _score(scorer, [(NOW, 1)] * 4) == 25


def test_an_event_dated_in_the_future_counts_as_now() -> None:
    scorer = _engagement([PRICING_RULE], half_life=1)
    assert _score(scorer, [(NOW + 3 * SECONDS_PER_DAY, 1)]) == 10


def test_property_conditions_and_event_names_are_matched_ignoring_case() -> None:
    scorer = _engagement(
        [
            {
                "name": "Demo",
                "event_type": "form",
                "event_name": "DEMO",
                "points": 40,
                "when": [{"field": "form", "op": "in", "value": ["Demo-Request"]}],
            }
        ]
    )
    assert _score(scorer, [(NOW, 3)]) == 40
    assert _score(scorer, [(NOW, 1)]) == 0


def _grade(fields: dict[str, Any], rules: list[dict[str, Any]]) -> tuple[str, int]:
    scorer = _scorer(fit={"rules": rules, "grades": {"A": 50, "B": 30, "C": 10}})
    evaluation = scorer.evaluate(_batch(fields), {}, NOW)
    return evaluation.grade_of(0).value, int(evaluation.fit_points[0])


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("VP of Sales", ("A", 60)),
        ("Head of Growth", ("B", 30)),
        ("Student", ("D", -20)),
        ("", ("D", 0)),
    ],
)
def test_fit_points_add_up_to_a_grade(title: str, expected: tuple[str, int]) -> None:
    rules = [
        {"name": "VP", "when": [{"field": "job_title", "op": "has_word", "value": ["vp"]}],
         "points": 30},
        {"name": "Leader", "when": [{"field": "job_title", "op": "has_word",
                                     "value": ["vp", "head of"]}], "points": 30},
        {"name": "Student", "when": [{"field": "job_title", "op": "has_word",
                                      "value": ["student"]}], "points": -20},
    ]  # fmt: skip
    assert _grade({"job_title": title}, rules) == expected


def test_has_word_matches_whole_words_only() -> None:
    rule = {"name": "VP", "when": [{"field": "job_title", "op": "has_word", "value": ["vp"]}],
            "points": 60}  # fmt: skip
    assert _grade({"job_title": "VPN administrator"}, [rule]) == ("D", 0)


@pytest.mark.parametrize(("employees", "grade"), [(50, "A"), (5000, "A"), (49, "D"), (None, "D")])
def test_between_includes_both_ends_and_an_empty_value_never_matches(
    employees: int | None, grade: str
) -> None:
    size = {"field": "company.employee_count", "op": "between", "value": [50, 5000]}
    rule = {"name": "Size", "points": 60, "when": [size]}
    assert _grade({"company.employee_count": employees}, [rule])[0] == grade


def test_a_rule_needs_all_its_conditions() -> None:
    rule = {"name": "Enterprise software", "points": 60, "when": [
        {"field": "company.segment", "op": "equals", "value": "enterprise"},
        {"field": "company.industry", "op": "equals", "value": "Software"}]}  # fmt: skip
    both = {"company.segment": "Enterprise", "company.industry": "Software"}
    assert _grade(both, [rule])[0] == "A"
    assert _grade({**both, "company.industry": "Retail"}, [rule])[0] == "D"


def test_the_mql_rule_holds_when_any_clause_does() -> None:
    scorer = _scorer(
        mql={"any_of": [{"grades": ["A"], "min_score": 20}, {"grades": ["B"], "min_score": 60}]}
    )
    grades = np.array([0, 1, 1, 2], dtype=np.int8)
    scores = np.array([20, 59, 60, 100], dtype=np.int64)
    assert scorer.meets(grades, scores).tolist() == [True, False, True, False]


def test_a_replay_finds_the_event_after_which_the_rule_first_held() -> None:
    scorer = _scorer(
        fit={"rules": [], "grades": {"A": 0, "B": 0, "C": 0}},
        engagement={"rules": [PRICING_RULE], "half_life_days": None},
        mql={"any_of": [{"grades": ["A"], "min_score": 30}]},
    )
    events = [(NOW - 300, 1), (NOW - 200, 1), (NOW - 100, 1), (NOW, 1)]
    batch = _batch({}, events)
    points = scorer.kind_points(KINDS)
    assert scorer.first_qualified_at(batch, points, since=0, until=NOW).tolist() == [NOW - 100]
    # Qualified before the window opened: not counted in it.
    assert scorer.first_qualified_at(batch, points, since=NOW - 50, until=NOW).tolist() == [-1]
