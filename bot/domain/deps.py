"""What every domain feature is given: transactions, the clock, the content, the settings it
needs, the question picker, the chart renderer and the source of privacy noise. Built once by
the composition root (``bot/runtime.py``); tests build their own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random, SystemRandom

from bot.domain.ports import Transactions
from content.loader import ContentBank
from content.schema import Question
from scheduler.clock import Clock

#: Chooses the next question among the least-asked candidates (tests inject a fixed one).
#: Chooses a round's question among candidates; the second argument holds their relative
#: weights (the bot draws by them; tests may choose deterministically).
QuestionPicker = Callable[[Sequence[Question], Sequence[float]], Question]


@dataclass(frozen=True)
class TrendPoint:
    """Both partners' answers to one pulse question (asked about quarterly, the same question
    each time): ``at`` when its round was revealed (aware UTC); ``mine`` and ``theirs`` on
    1–5, turned round for a ``low`` polarity question so that higher means more of what the
    dimension names."""

    at: datetime
    mine: int
    theirs: int


@dataclass(frozen=True)
class DimensionStat:
    """One dimension's row of the insights chart; None (or no points) where there is no data.

    ``label``: the dimension's name, already translated. ``mine`` and ``theirs``: each
    partner's average (1–5) on the dimension's scale questions with a polarity, a ``low`` one
    turned round (6 − answer), so higher always means more of what the dimension names.
    ``preferences``: on questions of taste (polarity ``none``), how far apart the two answered,
    on average (0–4). ``seen_apart``: on giving ↔ receiving questions (``measure: sum``), how
    far the two answers are from mirroring each other, |a + b − 6| on average (0–4; 0: both see
    who gives what the same way). ``trend``: the dimension's pulse answers, oldest first.
    See :mod:`bot.domain.insight.figures` for the rules.
    """

    label: str
    mine: float | None
    theirs: float | None
    preferences: float | None = None
    seen_apart: float | None = None
    trend: tuple[TrendPoint, ...] = ()


@dataclass(frozen=True)
class ChartLabels:
    """The translated words on the insights chart: the two partners, the title, how a
    figure of the two right-hand columns is written (a format string taking ``gap``), what an
    empty row says, the note under the bars' axis and the three columns' headings."""

    me: str
    partner: str
    title: str
    gap: str
    no_data: str
    levels: str = ""
    preferences: str = ""
    seen_apart: str = ""
    trend: str = ""


#: Draws the insights chart as PNG bytes (CPU-bound: called in a worker thread).
ChartRenderer = Callable[[Sequence[DimensionStat], ChartLabels], bytes]


@dataclass(frozen=True)
class Config:
    """The settings the rules read.

    ``default_timezone``: IANA zone used for a user who has not picked theirs.
    ``bot_username``: for deep links. ``admins``: Telegram user ids of bot admins.
    ``min_pairs``: K, the fewest pairs a figure derived from answers may pool (DESIGN.md,
    privacy rule 2; never below 3). ``max_lateness``: a scheduled question goes out within
    this of its slot or not at all (``MAX_LATENESS_MINUTES``, default 15 minutes; issue 10).
    """

    default_timezone: str = "UTC"
    bot_username: str = "TandemBot"
    admins: frozenset[int] = frozenset()
    min_pairs: int = 5
    max_lateness: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.min_pairs < 3:
            raise ValueError("K (AGGREGATE_MIN_PAIRS) is never below 3")


@dataclass(frozen=True)
class Deps:
    """The services a feature uses; one per process, safe for concurrent use."""

    db: Transactions
    clock: Clock
    content: ContentBank
    config: Config
    picker: QuestionPicker
    render_chart: ChartRenderer
    #: Draws the noise of cohort figures (``cohorts/figures.py``): the operating system's
    #: cryptographically secure generator; tests inject a seeded ``random.Random``.
    noise: Random = field(default_factory=SystemRandom)

    def now(self) -> datetime:
        """The current instant (aware UTC) by the injected clock."""
        return self.clock.now()


__all__ = [
    "ChartLabels",
    "ChartRenderer",
    "Config",
    "Deps",
    "DimensionStat",
    "QuestionPicker",
    "TrendPoint",
]
