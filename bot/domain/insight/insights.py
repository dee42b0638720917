"""``/insights``: a chart of the last 12 weeks (per dimension: each partner's average on scale
questions and the average gap), a short summary and the pair's streak.

Privacy (DESIGN.md): only revealed rounds are read; the streak counts rounds both completed,
for the pair, and never says which partner missed one. A read-only view (no write lock); the
chart is drawn in a worker thread so the event loop keeps serving others.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import mean

from bot import texts
from bot.domain.asking import round_answers
from bot.domain.deps import ChartLabels, Deps, DimensionStat
from bot.domain.errors import Refused
from bot.domain.exercises.findings import findings
from bot.domain.messages import Message, Outcome
from bot.domain.model import RoundStatus
from bot.domain.people import UserInfo, require_pair
from bot.domain.ports import UnitOfWork
from bot.domain.questions import is_followup, question
from bot.i18n import gettext
from content.schema import Axis, Dimension

#: The window the chart and summary look at.
INSIGHT_WEEKS = 12
#: Average per-question gaps below this read as "close", at or above DIFFER_FROM as "apart".
ALIGNED_BELOW = 1.0
DIFFER_FROM = 1.5
#: The streak counts back over at most this many closed rounds.
STREAK_LOOK_BACK = 1000


@dataclass
class _Series:
    """One dimension's (or axis's) numbers over the window, for the two partners."""

    mine: list[int] = field(default_factory=list)
    theirs: list[int] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)


async def insights(deps: Deps, who: UserInfo) -> Outcome:
    """The chart, summary and streak for the sender's pair. A pair without revealed rounds
    (or without scale answers) gets a sentence, not an empty plot."""
    async with deps.db.read() as tx:
        user, pair, partner = await require_pair(deps, tx, who, read_only=True)
        since = deps.now() - timedelta(weeks=INSIGHT_WEEKS)
        round_ids = await tx.rounds.revealed_window(pair.id, since)
        streak = _streak(await tx.rounds.closed_statuses(pair.id, STREAK_LOOK_BACK))
        if not round_ids:
            raise Refused(texts.INSIGHTS_EMPTY)
        by_dimension: dict[Dimension, _Series] = defaultdict(_Series)
        by_axis: dict[Axis, _Series] = defaultdict(_Series)
        mismatches = 0
        for round_id in round_ids:
            mismatches += len((await findings(deps, tx, round_id, pair)).mismatched)
            await _collect(deps, tx, round_id, user.id, partner.id, by_dimension, by_axis)
    summary = _summary(
        len(round_ids), by_dimension, by_axis, mismatches, streak, partner.first_name
    )
    if not by_dimension:
        return Outcome(replies=[Message(who.id, summary, protect=True, carries=(pair.id,))])
    stats = [
        DimensionStat(
            label=gettext(d.label),
            mine=mean(by_dimension[d].mine) if d in by_dimension else None,
            theirs=mean(by_dimension[d].theirs) if d in by_dimension else None,
            gap=mean(by_dimension[d].gaps) if d in by_dimension else None,
        )
        for d in Dimension
    ]
    labels = ChartLabels(
        me=texts.REVEAL_YOU,
        partner=partner.first_name,
        title=texts.INSIGHTS_TITLE,
        gap=texts.INSIGHTS_GAP,
        no_data=texts.INSIGHTS_NO_DATA,
    )
    png = await asyncio.to_thread(deps.render_chart, stats, labels)
    # Drawn from both partners' answers: protected and taken back like a reveal.
    chart = Message(who.id, texts.INSIGHTS_CAPTION, photo=png, protect=True, carries=(pair.id,))
    return Outcome(replies=[chart, Message(who.id, summary, protect=True, carries=(pair.id,))])


async def _collect(
    deps: Deps,
    tx: UnitOfWork,
    round_id: int,
    me: int,
    other: int,
    by_dimension: dict[Dimension, _Series],
    by_axis: dict[Axis, _Series],
) -> None:
    asked, given = await round_answers(tx, round_id)
    for item in asked:
        try:
            shown = question(deps, item.question_id)
        except KeyError:
            continue
        if shown.kind != "scale" or is_followup(shown.id):
            continue
        mine, theirs = given.get((item.position, me)), given.get((item.position, other))
        if mine is None or theirs is None or mine.skipped or theirs.skipped:
            continue
        x, y = shown.numeric(str(mine.value)), shown.numeric(str(theirs.value))
        if x is None or y is None:
            continue
        series = by_dimension[shown.dimension]
        series.mine.append(x)
        series.theirs.append(y)
        series.gaps.append(abs(x - y))
        if shown.axis is not None:
            by_axis[shown.axis].mine.append(x)
            by_axis[shown.axis].theirs.append(y)


def _streak(statuses: list[RoundStatus]) -> int:
    """Rounds both partners completed in a row, newest first, up to the last one that closed
    unanswered (a round counts for the pair, never against one partner)."""
    streak = 0
    for status in statuses:
        if status is not RoundStatus.REVEALED:
            break
        streak += 1
    return streak


def _summary(
    count: int,
    by_dimension: dict[Dimension, _Series],
    by_axis: dict[Axis, _Series],
    mismatches: int,
    streak: int,
    partner: str,
) -> str:
    lines = [texts.count("INSIGHTS_SUMMARY_N", count)]
    gaps = {d: mean(s.gaps) for d, s in by_dimension.items() if s.gaps}
    aligned = [gettext(d.label) for d in Dimension if d in gaps and gaps[d] < ALIGNED_BELOW]
    differ = [gettext(d.label) for d in Dimension if d in gaps and gaps[d] >= DIFFER_FROM]
    if aligned:
        lines.append(texts.INSIGHTS_ALIGNED.format(dims=", ".join(aligned)))
    if differ:
        lines.append(texts.INSIGHTS_DIFFER.format(dims=", ".join(differ)))
    lines.append(texts.INSIGHTS_MISMATCHES.format(n=mismatches))
    axis_lines = []
    for axis, template in (
        (Axis.TOGETHER_APART, texts.INSIGHTS_AXIS_TOGETHER),
        (Axis.GIVING_RECEIVING, texts.INSIGHTS_AXIS_GIVING),
    ):
        series = by_axis.get(axis)
        if series is not None and series.mine:
            axis_lines.append(
                template.format(
                    mine=f"{mean(series.mine):.1f}",
                    partner=partner,
                    theirs=f"{mean(series.theirs):.1f}",
                )
            )
    if axis_lines:
        lines.extend([*axis_lines, texts.INSIGHTS_AXIS_NOTE])
    if streak:
        lines.append(texts.count("INSIGHTS_STREAK_N", streak))
    else:
        lines.append(texts.INSIGHTS_STREAK_ZERO)
    return "\n\n".join(lines)
