"""Charts drawn on the server as SVG geometry, so pages need no JavaScript library."""

from dataclasses import dataclass

from tandem.leads.funnel import SIDE_STAGES
from tandem.reports.queries import Funnel

ROW_HEIGHT = 30
BAR_HEIGHT = 20
LABEL_WIDTH = 110
BAR_AREA_WIDTH = 420
# Room right of the longest bar for its value.
VALUE_WIDTH = 70
PADDING = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    # Side stages (recycled, disqualified) are drawn apart from the main path.
    is_side: bool
    y: int
    width: float

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


def reached_per_stage(funnel: Funnel) -> BarChart:
    """Horizontal bars of how many leads reached each stage in the funnel's period."""
    largest = max((row.reached for row in funnel.stages), default=0)
    bars = [
        Bar(
            label=row.stage.label,
            value=row.reached,
            is_side=row.stage in SIDE_STAGES,
            y=PADDING + index * ROW_HEIGHT,
            # A bar of zero is drawn a hair wide so the row does not look missing.
            width=max(BAR_AREA_WIDTH * row.reached / largest, 1.0) if largest else 1.0,
        )
        for index, row in enumerate(funnel.stages)
    ]
    return BarChart(
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA_WIDTH + VALUE_WIDTH,
        height=2 * PADDING + len(bars) * ROW_HEIGHT - (ROW_HEIGHT - BAR_HEIGHT),
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )
