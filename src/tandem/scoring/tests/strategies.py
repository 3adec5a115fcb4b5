"""Hypothesis strategies for agreement rules, leads and event histories.

The vocabularies are small on purpose, so random rules and random leads actually meet.
"""

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from tandem.agreement.starter import STARTER_TERMS

SEGMENTS = ["SMB", "Mid-market", "Enterprise", ""]
INDUSTRIES = ["Software", "Retail", "Energy", ""]
TITLES = ["VP Sales", "Head of Growth", "Marketing Manager", "Student", "Chief of Staff", ""]
COUNTRIES = ["US", "DE", "FR", ""]
PATHS = ["/pricing", "/pricing/enterprise", "/blog/a", "/", "/demo"]
FORMS = ["demo-request", "newsletter", "contact-sales"]
TRACK_NAMES = ["Webinar attended", "ROI calculator used", "Signed up"]
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)

fit_condition = st.one_of(
    st.builds(
        lambda values: {"field": "company.segment", "op": "in", "value": values},
        st.lists(st.sampled_from(SEGMENTS[:3]), min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda value: {"field": "company.industry", "op": "equals", "value": value},
        st.sampled_from(INDUSTRIES[:3]),
    ),
    st.builds(
        lambda words: {"field": "job_title", "op": "has_word", "value": words},
        st.lists(st.sampled_from(["vp", "head", "manager", "student", "chief"]), min_size=1,
                 max_size=3, unique=True),
    ),
    st.builds(
        lambda low, span: {
            "field": "company.employee_count", "op": "between", "value": [low, low + span]
        },
        st.integers(0, 500),
        st.integers(0, 5000),
    ),
    st.builds(
        lambda value: {"field": "attributes.plan", "op": "equals", "value": value},
        st.sampled_from(["pro", "free"]),
    ),
    st.builds(lambda op: {"field": "country", "op": op}, st.sampled_from(["is_set", "is_empty"])),
)  # fmt: skip

fit_rule = st.builds(
    lambda index, when, points: {"name": f"fit {index}", "when": when, "points": points},
    st.integers(0, 10**6),
    st.lists(fit_condition, min_size=1, max_size=2),
    st.integers(-40, 60),
)


def _engagement_rule(index: int, kind: str, detail: Any, points: int, cap: int | None) -> dict:
    rule: dict[str, Any] = {"name": f"engagement {index}", "event_type": kind, "points": points,
                            "cap": cap}  # fmt: skip
    if kind == "page" and detail is not None:
        rule["when"] = [{"field": "path", "op": "starts_with", "value": detail}]
    if kind == "form" and detail is not None:
        rule["when"] = [{"field": "form", "op": "in", "value": [detail]}]
    if kind == "track" and detail is not None:
        rule["event_name"] = detail
    return rule


DETAILS = {"page": ["/pricing", "/blog", "/"], "form": FORMS, "track": TRACK_NAMES, "email": [""]}

engagement_rule = st.sampled_from(sorted(DETAILS)).flatmap(
    lambda kind: st.builds(
        _engagement_rule,
        st.integers(0, 10**6),
        st.just(kind),
        st.one_of(st.none(), st.sampled_from(DETAILS[kind])),
        st.integers(-10, 40),
        st.one_of(st.none(), st.integers(0, 80)),
    )
)


def _terms(fit_rules: list, boundaries: list[int], rules: list, half_life: float | None,
           clauses: list) -> dict[str, Any]:  # fmt: skip
    high, middle, low = sorted(boundaries, reverse=True)
    return {
        **STARTER_TERMS,
        "fit": {
            "rules": [{**rule, "name": f"fit {n}"} for n, rule in enumerate(fit_rules)],
            "grades": {"A": high, "B": middle, "C": low},
        },
        "engagement": {
            "rules": [{**rule, "name": f"engagement {n}"} for n, rule in enumerate(rules)],
            "half_life_days": half_life,
        },
        "mql": {"any_of": clauses},
    }


terms = st.builds(
    _terms,
    st.lists(fit_rule, max_size=5),
    st.lists(st.integers(-20, 100), min_size=3, max_size=3),
    st.lists(engagement_rule, min_size=1, max_size=5),
    st.one_of(st.none(), st.floats(2, 90)),
    st.lists(
        st.fixed_dictionaries(
            {
                "grades": st.lists(st.sampled_from("ABCD"), min_size=1, max_size=4, unique=True),
                "min_score": st.integers(-10, 120),
            }
        ),
        min_size=1,
        max_size=2,
    ),
)

company = st.fixed_dictionaries(
    {
        "segment": st.sampled_from(SEGMENTS),
        "industry": st.sampled_from(INDUSTRIES),
        "employee_count": st.one_of(st.none(), st.integers(1, 10_000)),
    }
)

lead = st.fixed_dictionaries(
    {
        "job_title": st.sampled_from(TITLES),
        "country": st.sampled_from(COUNTRIES),
        "attributes": st.one_of(
            st.just({}), st.builds(lambda p: {"plan": p}, st.sampled_from(["pro", "free", 3]))
        ),
        "stage": st.sampled_from(["inquiry", "lead", "sal"]),
        "company": st.one_of(st.none(), st.integers(0, 2)),
    }
)


def _event(kind: str, detail: str, seconds: int) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind, "name": "", "properties": {},
                             "occurred_at": START + dt.timedelta(seconds=seconds)}  # fmt: skip
    if kind == "page":
        event["properties"] = {"path": detail}
    elif kind == "form":
        event["properties"] = {"form": detail}
    elif kind == "track":
        event["name"] = detail
    return event


event = st.one_of(
    st.builds(
        _event, st.just("page"), st.sampled_from(PATHS), st.integers(90 * 86_400, 151 * 86_400)
    ),
    st.builds(
        _event, st.just("form"), st.sampled_from(FORMS), st.integers(90 * 86_400, 151 * 86_400)
    ),
    st.builds(
        _event,
        st.just("track"),
        st.sampled_from(TRACK_NAMES),
        st.integers(90 * 86_400, 151 * 86_400),
    ),
    st.builds(_event, st.just("email"), st.just(""), st.integers(90 * 86_400, 151 * 86_400)),
)

history = st.lists(st.tuples(st.integers(0, 3), event), max_size=30)
