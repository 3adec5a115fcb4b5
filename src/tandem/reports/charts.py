"""Charts drawn on the server as SVG geometry, so pages need no JavaScript library.

Two shapes: horizontal bars (one per stage, source, campaign...) and columns over the period's
days, weeks or months. Templates draw the geometry; the values are the tables' own.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tandem.leads.funnel import SIDE_STAGES
from tandem.leads.models import Stage
from tandem.reports.breakdowns import Breakdown
from tandem.reports.dashboard import Dashboard

ROW_HEIGHT = 30
BAR_HEIGHT = 20
LABEL_WIDTH = 160
BAR_AREA_WIDTH = 420
# Room right of the longest bar for its value.
VALUE_WIDTH = 110
PADDING = 8
# Labels longer than this are cut, with the whole label kept in the bar's tooltip.
LABEL_CHARACTERS = 24
COLUMN_AREA_HEIGHT = 160
COLUMN_AREA_WIDTH = 640
AXIS_HEIGHT = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    # Drawn apart from the rest, e.g. side stages off the main path or the "none" row.
    is_side: bool
    y: int
    width: float

    @property
    def short_label(self) -> str:
        if len(self.label) <= LABEL_CHARACTERS:
            return self.label
        return self.label[: LABEL_CHARACTERS - 1] + "…"

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


@dataclass(frozen=True)
class BarItem:
    label: str
    value: float
    text: str
    is_side: bool = False


def bar_chart(items: Sequence[BarItem]) -> BarChart:
    """Horizontal bars, scaled to the largest value."""
    largest = max((item.value for item in items), default=0)
    bars = [
        Bar(
            label=item.label,
            value=item.value,
            text=item.text,
            is_side=item.is_side,
            y=PADDING + index * ROW_HEIGHT,
            # A bar of zero is drawn a hair wide so the row does not look missing.
            width=max(BAR_AREA_WIDTH * item.value / largest, 1.0) if largest > 0 else 1.0,
        )
        for index, item in enumerate(items)
    ]
    return BarChart(
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA_WIDTH + VALUE_WIDTH,
        height=max(2 * PADDING + len(bars) * ROW_HEIGHT - (ROW_HEIGHT - BAR_HEIGHT), 2 * PADDING),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    # Every few columns carry their label on the axis, so labels never overlap.
    show_label: bool

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class ColumnChart:
    columns: list[Column]
    width: int
    height: int
    axis_y: int
    largest: int


def column_chart(labels: Sequence[str], values: Sequence[int]) -> ColumnChart:
    """Columns over time, one per day, week or month, scaled to the largest."""
    largest = max(values, default=0)
    count = max(len(values), 1)
    step = COLUMN_AREA_WIDTH / count
    every = max(1, round(count / 12))
    columns = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = COLUMN_AREA_HEIGHT * value / largest if largest else 0.0
        columns.append(
            Column(
                label=label,
                value=value,
                x=PADDING + index * step + step * 0.1,
                y=PADDING + COLUMN_AREA_HEIGHT - height,
                width=step * 0.8,
                height=height,
                show_label=index % every == 0,
            )
        )
    return ColumnChart(
        columns=columns,
        width=int(2 * PADDING + COLUMN_AREA_WIDTH),
        height=PADDING + COLUMN_AREA_HEIGHT + AXIS_HEIGHT,
        axis_y=PADDING + COLUMN_AREA_HEIGHT,
        largest=largest,
    )


def dashboard_charts(board: Dashboard) -> dict[str, Any]:
    """The dashboard's charts, each drawn from the figures its table shows."""
    mqls = next(row for row in board.stages if row.stage == Stage.MQL)
    return {
        "volumes": bar_chart(
            [
                BarItem(
                    label=str(row.stage.label),
                    value=row.reached,
                    text=f"{row.reached:,}",
                    is_side=row.stage in SIDE_STAGES,
                )
                for row in board.stages
            ]
        ),
        "mqls_over_time": column_chart(board.bucket_labels, mqls.by_bucket),
        "conversion": bar_chart(
            [
                BarItem(
                    label=f"{row.stage.label} → {row.next_stage.label}",
                    value=row.conversion or 0.0,
                    text="—" if row.conversion is None else f"{row.conversion * 100:.1f}%",
                )
                for row in board.stages
                if row.next_stage is not None
            ]
        ),
        "reasons": bar_chart(
            [
                BarItem(label=reason.label, value=reason.count, text=f"{reason.count:,}")
                for reason in board.handoffs.reasons
            ]
        ),
        "commitment": bar_chart(
            [
                BarItem(
                    label=f"{month.month:%b %Y}",
                    value=month.delivered,
                    text=f"{month.delivered:,}"
                    + ("" if month.committed is None else f" / {month.committed:,}"),
                )
                for month in board.commitments
            ]
        ),
    }


def breakdown_chart(board: Dashboard, by: Breakdown) -> Any:
    """MQLs per source, campaign, ..., with their won deals: the biggest twelve."""
    found = board.breakdowns[by]
    return bar_chart(
        [
            BarItem(
                label=row.label,
                value=row.mqls,
                text=f"{row.mqls:,} · {row.won_deals:,} won",
                is_side=row.key is None,
            )
            for row in found.rows[:12]
        ]
    )
