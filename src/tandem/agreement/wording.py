"""The agreement's terms in words people read: one function per kind of term.

Pages and the version comparison both describe terms through these, so a rule reads the same
wherever it appears.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from tandem.agreement.rules import (
    Condition,
    EngagementRule,
    FitRule,
    GlossaryOwner,
    GradeBoundaries,
    MqlRule,
    Op,
    RejectionOutcome,
    UndecidedLead,
)
from tandem.core.roles import Role

# How an event of each type is named in a sentence ("each page view").
EVENT_NOUNS = {
    "page": "page view",
    "screen": "screen view",
    "track": "action",
    "identify": "identify call",
    "group": "group call",
    "alias": "alias call",
    "form": "form submission",
    "email": "email event",
}
OP_PHRASES = {
    Op.EQUALS: "is {value}",
    Op.NOT_EQUALS: "is not {value}",
    Op.IN: "is one of {values}",
    Op.NOT_IN: "is none of {values}",
    Op.CONTAINS: "contains {value}",
    Op.STARTS_WITH: "starts with {value}",
    Op.ENDS_WITH: "ends with {value}",
    Op.HAS_WORD: "has any of the words {values}",
    Op.AT_LEAST: "is at least {value}",
    Op.AT_MOST: "is at most {value}",
    Op.BETWEEN: "is between {low} and {high}",
    Op.IS_SET: "is set",
    Op.IS_EMPTY: "is empty",
}
OUTCOMES = {
    RejectionOutcome.RECYCLE: "recycled to nurture",
    RejectionOutcome.DISQUALIFY: "disqualified",
}
UNDECIDED = {
    UndecidedLead.ESCALATE: "is escalated",
    UndecidedLead.ACCEPT: "is accepted on the rep's behalf",
}
OWNERS = {
    GlossaryOwner.MARKETING: "Marketing",
    GlossaryOwner.SALES: "Sales",
    GlossaryOwner.BOTH: "Marketing and sales",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def number(value: float) -> str:
    """8.0 as "8", 1.5 as "1.5", 5000 as "5,000"."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


def quoted(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    return f"“{value}”"


def joined(items: Sequence[str], *, last: str = "or") -> str:
    """["a", "b", "c"] as "a, b or c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def points(value: int) -> str:
    sign = "+" if value >= 0 else "-"
    return f"{sign}{number(abs(value))} point{'' if abs(value) == 1 else 's'}"


def fit_field(field: str) -> str:
    """A fit rule's field as people name it: `company.employee_count` is "company employee
    count", `attributes.plan` is "attribute “plan”"."""
    for prefix, noun in (
        ("company.attributes.", "company attribute"),
        ("attributes.", "attribute"),
    ):
        if field.startswith(prefix):
            return f"{noun} {quoted(field.removeprefix(prefix))}"
    return field.replace(".", " ").replace("_", " ")


def condition(test: Condition, *, subject: str) -> str:
    """One test as a phrase, e.g. "job title has any of the words “vp” or “head”"."""
    value = test.value
    values = [quoted(item) for item in value] if isinstance(value, list) else []
    low, high = values if test.op == Op.BETWEEN and len(values) == 2 else ("", "")
    phrase = OP_PHRASES[test.op].format(
        value=quoted(value), values=joined(values), low=low, high=high
    )
    return f"{subject} {phrase}"


def fit_rule(rule: FitRule) -> str:
    tests = [condition(test, subject=fit_field(test.field)) for test in rule.when]
    return f"{points(rule.points)} when {joined(tests, last='and')}"


def engagement_rule(rule: EngagementRule) -> str:
    event = f"each {EVENT_NOUNS.get(rule.event_type, str(rule.event_type))}"
    if rule.event_name:
        event += f" named {quoted(rule.event_name)}"
    if rule.when:
        tests = [condition(test, subject=f"property {test.field}") for test in rule.when]
        event += f" where {joined(tests, last='and')}"
    text = f"{points(rule.points)} for {event}"
    if rule.cap is not None:
        text += f", at most {number(rule.cap)} per lead"
    return text


def half_life(days: float | None) -> str:
    if days is None:
        return "Points never fade."
    return f"Points halve every {number(days)} day{'' if days == 1 else 's'}."


def grade_boundaries(grades: GradeBoundaries) -> list[tuple[str, str]]:
    """Each grade with the fit points it takes, A first; D is whatever falls below C."""
    return [
        *((grade, f"{number(least)} fit points or more") for grade, least in grades),
        ("D", f"below {number(grades.C)} fit points"),
    ]


def mql_sentence(mql: MqlRule) -> str:
    """The MQL rule as one sentence."""
    clauses = [
        f"its fit grade is {joined([str(grade) for grade in clause.grades])} and its engagement "
        f"score is at least {number(clause.min_score)}"
        for clause in mql.any_of
    ]
    return f"A lead is an MQL when {joined(clauses, last='or when')}."


def hours(value: float) -> str:
    return f"{number(value)} business hour{'' if value == 1 else 's'}"


def undecided(choice: UndecidedLead) -> str:
    return f"An MQL nobody accepts or rejects in time {UNDECIDED[choice]}."


def weekdays(days: Iterable[int]) -> str:
    """ISO weekdays as words: [1, 2, 3, 4, 5] is "Monday to Friday"."""
    ordered = sorted(set(days))
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAYS[ordered[0] - 1]} to {WEEKDAYS[ordered[-1] - 1]}"
    return joined([WEEKDAYS[day - 1] for day in ordered], last="and")


def clock(moment: dt.time) -> str:
    return moment.strftime("%H:%M")


def business_hours(days: Iterable[int], starts_at: dt.time, ends_at: dt.time, zone: str) -> str:
    return f"{weekdays(days)}, {clock(starts_at)} to {clock(ends_at)} ({zone})"


def outcome(choice: RejectionOutcome) -> str:
    return OUTCOMES[choice]


def recycle(idle_days: int) -> str:
    return (
        f"An accepted lead with no SQL and no engagement for {number(idle_days)} "
        f"day{'' if idle_days == 1 else 's'} goes back to nurture."
    )


def owner(choice: GlossaryOwner) -> str:
    return OWNERS[choice]


def roles(values: Iterable[str]) -> str:
    """Role values as people read them: "Marketing lead and Sales manager"."""
    return joined([Role(value).label for value in values], last="and")


def signers(values: Iterable[str]) -> str:
    """Required signer roles as a phrase: "a marketing lead and a sales manager"."""
    labels = [Role(value).label.lower() for value in values]
    return joined(
        [f"{'an' if label[0] in 'aeiou' else 'a'} {label}" for label in labels], last="and"
    )


# What rescoring reported when a version came into force (scoring.services.RescoreSummary).
RESCORE_COUNTS = {
    "leads_scored": "leads scored",
    "meets_mql": "meet the MQL rule",
    "moved_to_mql": "moved to MQL",
    "no_longer_qualifying": "no longer qualify",
}


def rescore_summary(summary: dict[str, object]) -> str:
    """What rescoring did, e.g. "1,200 leads scored, 80 meet the MQL rule … (4.2 seconds)"."""
    counts = [
        f"{number(value)} {RESCORE_COUNTS.get(name, name.replace('_', ' '))}"
        for name, value in summary.items()
        if name != "seconds" and isinstance(value, int | float)
    ]
    seconds = summary.get("seconds")
    took = f" ({number(round(seconds, 1))} seconds)" if isinstance(seconds, int | float) else ""
    return ", ".join(counts) + took
