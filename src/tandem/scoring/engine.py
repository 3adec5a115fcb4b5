"""The one interpreter of an agreement's fit, engagement and MQL rules.

It works on a `Batch`: any number of leads, each with its fit fields and its events as
(time, kind) pairs. Live scoring passes a batch of one lead; rescoring and what-ifs pass every
lead at once. The same code runs in both cases, so the answers cannot drift apart; a property
test (`scoring/tests/test_live_and_bulk_agree.py`) checks it end to end.

It stays fast at a million leads because nothing is interpreted per lead or per event:
- a condition is tested once per distinct value of its field, and the answer is spread back to
  every lead holding that value;
- an engagement rule is matched once per event kind (events that look alike share a kind), and
  points are gathered, decayed and summed per lead with array arithmetic.

Semantics, as the agreement page explains them:
- A fit rule adds its points when all its conditions hold; the sum of points decides the
  grade through the agreement's boundaries (at least A's → A, …, below C's → D).
- An engagement rule earns its points for each matching event, halved every half-life since
  the event happened; a rule's total is held within its cap; the score is the sum of the rules'
  totals, rounded to a whole number.
- A lead meets the MQL rule when any clause holds: its grade is listed and its score is at
  least the clause's minimum.
"""

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tandem.agreement.rules import Condition, EngagementRule, Grade, Op, Terms

GRADES: tuple[Grade, ...] = (Grade.A, Grade.B, Grade.C, Grade.D)
SECONDS_PER_DAY = 86_400
WORD = re.compile(r"\w+")

Int64s = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
# One value per lead: a list from the database, or an object array spread from companies.
Column = Sequence[Any] | npt.NDArray[np.object_]


@dataclass(frozen=True)
class KindFacts:
    """What an event kind is: the part of an event that rules match on."""

    type: str
    name: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class Batch:
    """Leads to evaluate, in a fixed order.

    `fields` maps each fit field the rules read to one value per lead. Lead `i`'s events are
    `at[offsets[i]:offsets[i + 1]]` (seconds since the epoch, oldest first) with their kinds
    (ids of `scoring.EventKind`) at the same positions of `kinds`.
    """

    lead_ids: Int64s
    fields: Mapping[str, Column]
    offsets: Int64s
    at: Int64s
    kinds: Int64s
    # Each field's distinct values, worked out once however many rules test the field.
    factorized: dict[str, "Factorized"] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> "Factorized":
        if name not in self.factorized:
            self.factorized[name] = Factorized.of(self.fields[name])
        return self.factorized[name]

    @property
    def size(self) -> int:
        return len(self.lead_ids)


@dataclass(frozen=True)
class Evaluation:
    """The result for every lead of a batch, at the batch's positions."""

    fit_contributions: npt.NDArray[np.int64]  # one row per lead, one column per fit rule
    fit_points: Int64s
    grades: npt.NDArray[np.int8]  # index into GRADES
    engagement_contributions: Floats  # one row per lead, one column per engagement rule
    scores: Int64s
    meets_mql: Bools

    def grade_of(self, position: int) -> Grade:
        return GRADES[int(self.grades[position])]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text.casefold() if text else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _equals(value: Any, expected: Any) -> bool:
    number, expected_number = _number(value), _number(expected)
    if number is not None and expected_number is not None:
        return number == expected_number
    text = _text(value)
    return text is not None and text == _text(expected)


def _words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def _has_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return size > 0 and any(
        list(words[start : start + size]) == list(phrase) for start in range(len(words) - size + 1)
    )


def condition_test(condition: Condition) -> Callable[[Any], bool]:
    """A function telling whether one value passes `condition`.

    An empty value (missing, blank text) passes only `is_empty` and the negated tests.
    """
    op, expected = condition.op, condition.value
    expected_list: list[Any] = list(expected) if isinstance(expected, list) else [expected]
    expected_text = _text(expected) or ""
    if op == Op.IS_SET:
        return lambda value: _text(value) is not None
    if op == Op.IS_EMPTY:
        return lambda value: _text(value) is None
    if op == Op.EQUALS:
        return lambda value: _equals(value, expected)
    if op == Op.NOT_EQUALS:
        return lambda value: not _equals(value, expected)
    if op == Op.IN:
        return lambda value: any(_equals(value, item) for item in expected_list)
    if op == Op.NOT_IN:
        return lambda value: not any(_equals(value, item) for item in expected_list)
    if op == Op.CONTAINS:
        return lambda value: expected_text in (_text(value) or "\0")
    if op == Op.STARTS_WITH:
        return lambda value: (_text(value) or "\0").startswith(expected_text)
    if op == Op.ENDS_WITH:
        return lambda value: (_text(value) or "\0").endswith(expected_text)
    if op == Op.HAS_WORD:
        phrases = [_words(str(item)) for item in expected_list]
        return lambda value: any(_has_phrase(_words(_text(value) or ""), p) for p in phrases)
    bounds = [_number(item) for item in expected_list]
    if op == Op.AT_LEAST:
        return lambda value: (number := _number(value)) is not None and number >= bounds[0]  # type: ignore[operator]
    if op == Op.AT_MOST:
        return lambda value: (number := _number(value)) is not None and number <= bounds[0]  # type: ignore[operator]
    low, high = bounds
    return lambda value: (number := _number(value)) is not None and low <= number <= high  # type: ignore[operator]


@dataclass(frozen=True)
class Factorized:
    """A column of values as codes into its distinct values, so a test runs once per value."""

    codes: Int64s
    distinct: list[Any]

    @classmethod
    def of(cls, values: Column) -> "Factorized":
        if set(map(type, values)) <= {str, int, type(None)}:
            # Text, whole numbers and empty values cannot be equal across types: a plain
            # dictionary factorizes them, in C, a million values in tens of milliseconds.
            index = {value: code for code, value in enumerate(dict.fromkeys(values))}
            codes = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
            return cls(codes=codes, distinct=list(index))
        keyed: dict[Any, int] = {}
        distinct: list[Any] = []

        def code(value: Any) -> int:
            # Keyed by type too: True, 1 and 1.0 are equal in Python but not to a rule.
            key = (value.__class__, value)
            try:
                found = keyed.get(key)
            except TypeError:  # a list or mapping
                key = (value.__class__, repr(value))
                found = keyed.get(key)
            if found is None:
                found = keyed[key] = len(distinct)
                distinct.append(value)
            return found

        codes = np.fromiter(map(code, values), dtype=np.int64, count=len(values))
        return cls(codes=codes, distinct=distinct)

    def values(self) -> npt.NDArray[np.object_]:
        """The column itself, one value per position."""
        distinct = np.empty(len(self.distinct), dtype=object)
        distinct[:] = self.distinct
        return distinct[self.codes]

    def mask(self, test: Callable[[Any], bool]) -> Bools:
        answers = np.fromiter(map(test, self.distinct), dtype=np.bool_, count=len(self.distinct))
        return answers[self.codes] if len(self.codes) else np.zeros(0, dtype=np.bool_)


def property_of(properties: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted `path` inside event properties, or None."""
    value: Any = properties
    for name in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def rule_matches_kind(rule: EngagementRule, kind: KindFacts) -> bool:
    if kind.type != rule.event_type:
        return False
    if rule.event_name and rule.event_name.casefold() != kind.name.casefold():
        return False
    return all(
        condition_test(condition)(property_of(kind.properties, condition.field))
        for condition in rule.when
    )


class Scorer:
    """One agreement version's rules, ready to evaluate batches of leads."""

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self.fit_rules = terms.fit.rules
        self.engagement_rules = terms.engagement.rules
        half_life = terms.engagement.half_life_days
        self.half_life_seconds = half_life * SECONDS_PER_DAY if half_life is not None else None
        self.fit_fields: frozenset[str] = frozenset(
            condition.field for rule in self.fit_rules for condition in rule.when
        )

    def kind_points(self, kinds: Mapping[int, KindFacts]) -> dict[int, Floats]:
        """For each kind, the points each engagement rule gives one event of it."""
        points = np.array([rule.points for rule in self.engagement_rules], dtype=np.float64)
        return {
            kind_id: np.where(
                np.array(
                    [rule_matches_kind(rule, facts) for rule in self.engagement_rules],
                    dtype=np.bool_,
                ),
                points,
                0.0,
            )
            if self.engagement_rules
            else np.zeros(0, dtype=np.float64)
            for kind_id, facts in kinds.items()
        }

    def points_table(
        self, kind_points: Mapping[int, Floats], kinds: Int64s
    ) -> tuple[Int64s, Floats]:
        """Kinds renumbered 0..k-1 for `kinds`, and the points table indexed by that number."""
        table = np.zeros((len(kind_points) + 1, len(self.engagement_rules)), dtype=np.float64)
        largest = max(int(kinds.max(initial=0)), max(kind_points, default=0))
        # A kind with no entry (unknown to the caller) earns nothing: row 0.
        lookup = np.zeros(largest + 1, dtype=np.int64)
        for index, (kind_id, points) in enumerate(kind_points.items(), start=1):
            table[index] = points
            lookup[kind_id] = index
        return lookup[kinds], table

    def fit(self, batch: Batch) -> tuple[npt.NDArray[np.int64], Int64s, npt.NDArray[np.int8]]:
        contributions = np.zeros((batch.size, len(self.fit_rules)), dtype=np.int64)
        tests: dict[str, Bools] = {}
        for column, rule in enumerate(self.fit_rules):
            holds = np.ones(batch.size, dtype=np.bool_)
            for condition in rule.when:
                key = condition.model_dump_json()
                if key not in tests:
                    tests[key] = batch.column(condition.field).mask(condition_test(condition))
                holds &= tests[key]
            contributions[:, column] = np.where(holds, rule.points, 0)
        points = contributions.sum(axis=1, dtype=np.int64)
        boundaries = self.terms.fit.grades
        grades = np.full(batch.size, 3, dtype=np.int8)
        grades[points >= boundaries.C] = 2
        grades[points >= boundaries.B] = 1
        grades[points >= boundaries.A] = 0
        return contributions, points, grades

    def _decay(self, ages: Floats) -> Floats:
        if self.half_life_seconds is None:
            return np.ones(len(ages), dtype=np.float64)
        return np.exp2(-ages / self.half_life_seconds)

    def _capped(self, totals: Floats) -> Floats:
        capped = totals.copy()
        for column, rule in enumerate(self.engagement_rules):
            if rule.cap is not None:
                np.clip(capped[..., column], -rule.cap, rule.cap, out=capped[..., column])
        return capped

    def engagement(self, batch: Batch, kind_points: Mapping[int, Floats], now: int) -> Floats:
        """Each rule's decayed, capped points per lead at `now` (seconds since the epoch)."""
        rules = len(self.engagement_rules)
        totals = np.zeros((batch.size, rules), dtype=np.float64)
        if not rules or not len(batch.at):
            return totals
        renumbered, table = self.points_table(kind_points, batch.kinds)
        owner = np.repeat(np.arange(batch.size), np.diff(batch.offsets))
        # An event dated ahead of `now` (a client clock running fast) counts as happening now.
        decay = self._decay(np.maximum(now - batch.at, 0).astype(np.float64))
        weights = np.empty(len(decay), dtype=np.float64)
        for column, points in enumerate(np.ascontiguousarray(table.T)):
            np.take(points, renumbered, out=weights)
            np.multiply(weights, decay, out=weights)
            totals[:, column] = np.bincount(owner, weights=weights, minlength=batch.size)
        return self._capped(totals)

    def meets(self, grades: npt.NDArray[np.int8], scores: Int64s) -> Bools:
        meets = np.zeros(len(scores), dtype=np.bool_)
        for clause in self.terms.mql.any_of:
            allowed = np.isin(grades, [GRADES.index(grade) for grade in clause.grades])
            meets |= allowed & (scores >= clause.min_score)
        return meets

    def evaluate(self, batch: Batch, kind_points: Mapping[int, Floats], now: int) -> Evaluation:
        """Grades, scores and MQL decisions for every lead of `batch` at `now`."""
        fit_contributions, fit_points, grades = self.fit(batch)
        engagement = self.engagement(batch, kind_points, now)
        scores = round_half_up(engagement.sum(axis=1))
        return Evaluation(
            fit_contributions=fit_contributions,
            fit_points=fit_points,
            grades=grades,
            engagement_contributions=engagement,
            scores=scores,
            meets_mql=self.meets(grades, scores),
        )

    def first_qualified_at(
        self, batch: Batch, kind_points: Mapping[int, Floats], *, since: int, until: int
    ) -> Int64s:
        """For each lead, when it would first have met the MQL rule (seconds), or -1 if never.

        Replays each lead's events in order: a score rises only when an event happens, so the
        rule is checked just after each event. A lead that met the rule before `since` is not
        counted (-1), nor are events after `until`. The grade is the lead's current one: the
        history of its fields is not kept.
        """
        _, _, grades = self.fit(batch)
        first = np.full(batch.size, -1, dtype=np.int64)
        counts = np.diff(batch.offsets)
        if not len(batch.at) or not self.engagement_rules:
            return first
        renumbered, table = self.points_table(kind_points, batch.kinds)
        # Only leads whose grade some clause allows, and with an event in the window, can first
        # meet the rule in it; the others are not replayed.
        allowed = {
            GRADES.index(grade) for clause in self.terms.mql.any_of for grade in clause.grades
        }
        owner = np.repeat(np.arange(batch.size), counts)
        in_window = (batch.at >= since) & (batch.at <= until)
        replayed = np.isin(grades, sorted(allowed)) & (
            np.bincount(owner, weights=in_window, minlength=batch.size) > 0
        )
        counts = np.where(replayed, counts, 0)
        # Leads with the most events first, so the leads still replaying at step k are a prefix.
        order = np.argsort(-counts, kind="stable")
        starts = batch.offsets[:-1][order]
        sorted_counts = counts[order]
        descending = -sorted_counts
        lead_grades = grades[order]
        totals = np.zeros((batch.size, len(self.engagement_rules)), dtype=np.float64)
        seen_before = np.zeros(batch.size, dtype=np.bool_)
        found = np.full(batch.size, -1, dtype=np.int64)
        for step in range(int(sorted_counts[0]) if batch.size else 0):
            active = int(np.searchsorted(descending, -step, side="left"))
            positions = starts[:active] + step
            moments = batch.at[positions]
            if step:
                gaps = (moments - batch.at[positions - 1]).astype(np.float64)
                totals[:active] *= self._decay(gaps)[:, None]
            totals[:active] += table[renumbered[positions]]
            scores = round_half_up(self._capped(totals[:active]).sum(axis=1))
            meets = self.meets(lead_grades[:active], scores) & (moments <= until)
            undecided = (found[:active] < 0) & ~seen_before[:active]
            before = meets & undecided & (moments < since)
            seen_before[:active] |= before
            newly = meets & undecided & (moments >= since)
            found[:active][newly] = moments[newly]
        first[order] = found
        return first


def round_half_up(values: Floats) -> Int64s:
    return np.floor(values + 0.5).astype(np.int64)
