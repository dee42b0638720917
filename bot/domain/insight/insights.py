"""``/insights``: the last 12 weeks, topic by topic, like with like (issue 11), a short summary
that says what each figure is, and the pair's streak.

The figures (rules in :mod:`bot.domain.insight.figures`): per dimension each partner's level on
questions with a polarity (turned round where asked the other way), how far apart the two
answered questions of taste, how differently they see who gives and who receives, and the
pulse questions' trend over the last year.

Privacy (DESIGN.md): only revealed rounds are read, and of them only questions both partners
answered (a pass leaves a question out for both); the streak counts rounds both completed, for
the pair, and never says which partner missed one. A read-only view (no write lock); the chart
is drawn in a worker thread so the event loop keeps serving others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from bot import texts
from bot.domain.deps import ChartLabels, Deps, DimensionStat, TrendPoint
from bot.domain.errors import Refused
from bot.domain.insight.figures import Both, Figures, mismatches, tally, trends
from bot.domain.messages import Message, Outcome
from bot.domain.model import RoundStatus
from bot.domain.people import UserInfo, require_pair
from bot.domain.ports import UnitOfWork
from bot.domain.questions import question
from bot.i18n import gettext
from content.schema import Dimension, Role

#: The window the chart and summary look at.
INSIGHT_WEEKS = 12
#: Pulse questions come about quarterly: their trend looks back a year (four or five points).
TREND_LOOK_BACK = timedelta(weeks=53)
#: Average per-question distances below this read as "close", at or above DIFFER_FROM as "apart".
ALIGNED_BELOW = 1.0
DIFFER_FROM = 1.5
#: The streak counts back over at most this many closed rounds.
STREAK_LOOK_BACK = 1000
#: Rounds read in one statement (well under the databases' limits on bound parameters).
READ_BATCH = 500


async def insights(deps: Deps, who: UserInfo) -> Outcome:
    """The chart, summary and streak for the sender's pair. A pair without revealed rounds in
    the window is refused with a sentence; one without scale answers gets the summary only,
    not an empty plot. Raises :class:`Refused` ("not paired", "nothing yet")."""
    async with deps.db.read() as tx:
        user, pair, partner = await require_pair(deps, tx, who, read_only=True)
        now = deps.now()
        round_ids = await tx.rounds.revealed_window(pair.id, now - timedelta(weeks=INSIGHT_WEEKS))
        streak = _streak(await tx.rounds.closed_statuses(pair.id, STREAK_LOOK_BACK))
        if not round_ids:
            raise Refused(texts.INSIGHTS_EMPTY)
        answered = await _answered(deps, tx, round_ids, user.id, partner.id)
        pulses = await _pulse_answers(deps, tx, pair.id, now - TREND_LOOK_BACK, user.id, partner.id)
    by_dimension, trend = tally(answered), trends(pulses)
    summary = _summary(
        len(round_ids), by_dimension, trend, mismatches(answered), streak, partner.first_name
    )
    text = Message(who.id, summary, protect=True, carries=(pair.id,))
    if not by_dimension and not trend:
        return Outcome(replies=[text])
    png = await asyncio.to_thread(
        deps.render_chart, _stats(by_dimension, trend), _labels(partner.first_name)
    )
    # Drawn from both partners' answers: protected and taken back like a reveal.
    chart = Message(who.id, texts.INSIGHTS_CAPTION, photo=png, protect=True, carries=(pair.id,))
    return Outcome(replies=[chart, text])


def _stats(
    by_dimension: Mapping[Dimension, Figures], trend: Mapping[Dimension, tuple[TrendPoint, ...]]
) -> list[DimensionStat]:
    """One chart row per dimension, in the dimensions' order."""
    stats = []
    for dimension in Dimension:
        figures = by_dimension.get(dimension, Figures())
        stats.append(
            DimensionStat(
                label=gettext(dimension.label),
                mine=figures.level_mine,
                theirs=figures.level_theirs,
                preferences=figures.preferences,
                seen_apart=figures.seen_apart,
                trend=trend.get(dimension, ()),
            )
        )
    return stats


def _labels(partner: str) -> ChartLabels:
    return ChartLabels(
        me=texts.REVEAL_YOU,
        partner=partner,
        title=texts.INSIGHTS_TITLE,
        gap=texts.INSIGHTS_GAP,
        no_data=texts.INSIGHTS_NO_DATA,
        levels=texts.INSIGHTS_HEAD_LEVELS,
        preferences=texts.INSIGHTS_HEAD_PREFERENCES,
        seen_apart=texts.INSIGHTS_HEAD_SEEN,
        trend=texts.INSIGHTS_HEAD_TREND,
    )


async def _answered(
    deps: Deps,
    tx: UnitOfWork,
    round_ids: Sequence[int],
    me: int,
    other: int,
    when: Mapping[int, datetime] | None = None,
) -> list[Both]:
    """Every question of these (revealed) rounds that both partners answered, passes and
    questions no longer in the bank left out; two reads per batch of rounds, not two per
    round. ``when``: the rounds' revealing instants, where the caller needs them."""
    found: list[Both] = []
    for start in range(0, len(round_ids), READ_BATCH):
        batch = round_ids[start : start + READ_BATCH]
        asked = await tx.rounds.asked_of(batch)
        given = await tx.answers.of_rounds(batch)
        for round_id in batch:
            answers = {(a.position, a.user_id): a for a in given.get(round_id, [])}
            for item in asked.get(round_id, []):
                try:
                    shown = question(deps, item.question_id)
                except KeyError:
                    continue
                mine, theirs = answers.get((item.position, me)), answers.get((item.position, other))
                if mine is None or theirs is None or mine.skipped or theirs.skipped:
                    continue
                if mine.value is None or theirs.value is None:
                    continue
                at = None if when is None else when.get(round_id)
                found.append(Both(shown, mine.value, theirs.value, at))
    return found


async def _pulse_answers(
    deps: Deps, tx: UnitOfWork, pair_id: int, since: datetime, me: int, other: int
) -> list[Both]:
    """Both partners' answers to pulse questions in the pair's rounds revealed since
    ``since``, each with its round's revealing instant."""
    round_ids = await tx.rounds.revealed_window(pair_id, since)
    pulse_rounds: list[int] = []
    for start in range(0, len(round_ids), READ_BATCH):
        batch = round_ids[start : start + READ_BATCH]
        for round_id, asked in (await tx.rounds.asked_of(batch)).items():
            if _asks_pulse(deps, (item.question_id for item in asked)):
                pulse_rounds.append(round_id)
    when: dict[int, datetime] = {}
    for round_id in pulse_rounds:
        found = await tx.rounds.get(round_id)
        if found is not None and found.closed_at is not None:
            when[round_id] = found.closed_at
    answered = await _answered(deps, tx, sorted(when), me, other, when)
    return [item for item in answered if item.question.role is Role.PULSE]


def _asks_pulse(deps: Deps, question_ids: Iterable[str]) -> bool:
    """Whether any of these questions is a pulse question."""
    for question_id in question_ids:
        found = deps.content.questions.get(question_id)
        if found is not None and found.role is Role.PULSE:
            return True
    return False


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
    by_dimension: Mapping[Dimension, Figures],
    trend: Mapping[Dimension, tuple[TrendPoint, ...]],
    mismatched: int,
    streak: int,
    partner: str,
) -> str:
    """The summary under the chart: each figure named with what it is, describing, never
    judging; the partner is named only beside their own answers (the trend lines)."""
    lines = [texts.count("INSIGHTS_SUMMARY_N", count)]
    for figure, close, apart in (
        ("level_gap", texts.INSIGHTS_ALIGNED, texts.INSIGHTS_DIFFER),
        ("preferences", texts.INSIGHTS_TASTE_CLOSE, texts.INSIGHTS_TASTE_APART),
        ("seen_apart", texts.INSIGHTS_SEEN_ALIKE, texts.INSIGHTS_SEEN_APART),
    ):
        values: dict[Dimension, float] = {
            d: v for d, f in by_dimension.items() if (v := getattr(f, figure)) is not None
        }
        near = [gettext(d.label) for d in Dimension if d in values and values[d] < ALIGNED_BELOW]
        far = [gettext(d.label) for d in Dimension if d in values and values[d] >= DIFFER_FROM]
        if near:
            lines.append(close.format(dims=", ".join(near)))
        if far:
            lines.append(apart.format(dims=", ".join(far)))
    if trend:
        rows = [
            texts.INSIGHTS_TREND.format(
                dim=gettext(d.label),
                mine=" \u2192 ".join(str(p.mine) for p in trend[d]),
                partner=partner,
                theirs=" \u2192 ".join(str(p.theirs) for p in trend[d]),
            )
            for d in Dimension
            if d in trend
        ]
        lines.append("\n".join([texts.INSIGHTS_TREND_INTRO, *rows]))
    lines.append(texts.INSIGHTS_MISMATCHES.format(n=mismatched))
    if by_dimension or trend:
        lines.append(texts.INSIGHTS_NOTE)
    if streak:
        lines.append(texts.count("INSIGHTS_STREAK_N", streak))
    else:
        lines.append(texts.INSIGHTS_STREAK_ZERO)
    return "\n\n".join(lines)
