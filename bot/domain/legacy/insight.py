"""What a pair can look back on: ``/history`` (revealed rounds, paged) and ``/insights``
(a chart of the last 12 weeks, a short summary and the pair's streak).

Privacy (DESIGN.md): only *revealed* rounds are ever read here. An expired round's one answer
stays private forever, so it never appears, not even as "you answered, they didn't". The streak
counts completed rounds for the pair and never says which partner missed one.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from statistics import mean
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import texts
from bot.charts import DimensionStat, render_insights_chart
from bot.domain import callbacks as cb
from bot.domain.legacy.offers import FOLLOWUP_PREFIX
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome, utf16_len
from bot.i18n import gettext
from bot.storage.tables import rounds
from content.schema import Axis, Dimension

if TYPE_CHECKING:
    from bot.domain.legacy.service import Tandem, UserInfo

HISTORY_PAGE = 3
INSIGHT_WEEKS = 12
#: Average per-question gaps below this read as "close", at or above DIFFER as "apart".
ALIGNED_BELOW = 1.0
DIFFER_FROM = 1.5
#: History trims long texts so that a page always fits one Telegram message.
HISTORY_QUESTION_CHARS = 160
HISTORY_ANSWER_CHARS = 200
#: Room for a page, under Telegram's 4,096 UTF-16 units per message.
HISTORY_PAGE_UNITS = 4000


@dataclass
class _Series:
    """One dimension's (or axis's) numbers over the window, for the two partners."""

    mine: list[int] = field(default_factory=list)
    theirs: list[int] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)


def _trim(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"


@dataclass
class _Entry:
    """One round of a /history page before trimming: heading and (question, mine, theirs)."""

    heading: str
    items: list[tuple[str, str, str]] = field(default_factory=list)


def _fit_page(header: str, entries: list[_Entry], partner: str) -> str:
    """A /history page that fits one Telegram message (4,096 UTF-16 units, counted as
    Telegram counts them): long questions and answers are trimmed, harder until it fits."""
    question_chars, answer_chars = HISTORY_QUESTION_CHARS, HISTORY_ANSWER_CHARS
    while True:
        blocks = [header]
        for entry in entries:
            lines = [entry.heading]
            for question, mine, theirs in entry.items:
                lines.append(
                    _trim(question, question_chars)
                    + f"\n{texts.REVEAL_YOU}: {_trim(mine, answer_chars)}"
                    + f"\n{partner}: {_trim(theirs, answer_chars)}"
                )
            blocks.append("\n".join(lines))
        text = "\n\n".join(blocks)
        if utf16_len(text) <= HISTORY_PAGE_UNITS or answer_chars <= 20:
            return text
        question_chars = max(40, question_chars * 3 // 4)
        answer_chars = max(20, answer_chars * 3 // 4)


class Insight:
    """``/history`` and ``/insights`` for the sender's active pair."""

    def __init__(self, tandem: Tandem) -> None:
        self.t = tandem

    async def history(self, who: UserInfo, offset: int = 0, *, as_edit: bool = False) -> Outcome:
        """A page of the pair's revealed rounds, newest first, ``offset`` rounds back, with
        Older/Newer buttons. Paging past the end shows the last page with a note."""
        async with self.t.engine.begin() as conn:
            found = await self.t._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            revealed = (rounds.c.pair_id == pair.id) & (rounds.c.status == "revealed")
            total = (
                await conn.execute(select(func.count()).select_from(rounds).where(revealed))
            ).scalar_one()
            if total == 0:
                out = Outcome(replies=[Message(who.id, texts.HISTORY_EMPTY)])
                if as_edit:
                    out = Outcome(toast=texts.HISTORY_EMPTY[:190], edit=Edit(None, ()))
                return out
            toast = None
            if offset >= total:
                offset = ((total - 1) // HISTORY_PAGE) * HISTORY_PAGE
                toast = texts.HISTORY_END
            page = (
                await conn.execute(
                    select(rounds)
                    .where(revealed)
                    .order_by(rounds.c.closed_at.desc(), rounds.c.id.desc())
                    .offset(offset)
                    .limit(HISTORY_PAGE)
                )
            ).all()
            header = texts.HISTORY_HEADER.format(
                first=offset + 1, last=offset + len(page), total=total
            )
            entries = [await self._history_entry(conn, round_, user, partner) for round_ in page]
        text = _fit_page(header, entries, str(partner.first_name))
        keyboard = self._pager(offset, int(total))
        if as_edit:
            return Outcome(toast=toast, edit=Edit(text, keyboard))
        return Outcome(replies=[Message(who.id, text, keyboard)], toast=toast)

    @staticmethod
    def _pager(offset: int, total: int) -> Keyboard:
        row: list[Button] = []
        if offset > 0:
            row.append(Button(texts.BTN_NEWER, cb.history(max(0, offset - HISTORY_PAGE))))
        if offset + HISTORY_PAGE < total:
            row.append(Button(texts.BTN_OLDER, cb.history(offset + HISTORY_PAGE)))
        return (tuple(row),) if row else ()

    async def _history_entry(
        self,
        conn: AsyncConnection,
        round_: Row[tuple[object, ...]],
        user: Row[tuple[object, ...]],
        partner: Row[tuple[object, ...]],
    ) -> _Entry:
        """One revealed round as the reader sees it: heading, then per question the question,
        their answer and the partner's (texts in the language in force, not yet trimmed)."""
        when = self.t._fmt_local(round_.closed_at, self.t._zone(user))
        kind = texts.HISTORY_KINDS.get(str(round_.kind), texts.HISTORY_KINDS["light"])
        entry = _Entry("\u2014 " + texts.HISTORY_ROUND.format(when=when, kind=kind))
        asked, given = await self.t._round_answers(conn, int(round_.id))
        title = await self.t._followup_title(conn, int(round_.id))
        for rq in asked:
            try:
                question = self.t._question(rq.question_id)
            except KeyError:
                continue
            mine, theirs = given.get((rq.position, user.id)), given.get((rq.position, partner.id))
            if mine is None or theirs is None:
                continue
            text = gettext(question.text)
            if question.id.startswith(FOLLOWUP_PREFIX) and title is not None:
                text = texts.FOLLOWUP_ABOUT.format(title=gettext(title)) + " " + text
            entry.items.append(
                (
                    text,
                    self.t._display(question, _value(mine), bool(mine.skipped)),
                    self.t._display(question, _value(theirs), bool(theirs.skipped)),
                )
            )
        return entry

    async def insights(self, who: UserInfo) -> Outcome:
        """A PNG chart of the last 12 weeks (per dimension: each partner's average on scale
        questions and the average gap), a short text summary and the pair's streak. A pair
        without revealed rounds (or without scale answers) gets a sentence, not an empty plot.
        The chart is drawn in a worker thread so the event loop keeps serving others."""
        async with self.t.engine.begin() as conn:
            found = await self.t._paired(conn, who)
            if found is None:
                return Outcome(replies=[Message(who.id, texts.NOT_PAIRED)])
            user, pair, partner = found
            since = self.t._now() - timedelta(weeks=INSIGHT_WEEKS)
            window = (
                await conn.execute(
                    select(rounds.c.id)
                    .where(
                        rounds.c.pair_id == pair.id,
                        rounds.c.status == "revealed",
                        rounds.c.kind != "followup",
                        rounds.c.closed_at >= since,
                    )
                    .order_by(rounds.c.id)
                )
            ).scalars()
            round_ids = [int(i) for i in window]
            streak = await self._streak(conn, int(str(pair.id)))
            if not round_ids:
                return Outcome(replies=[Message(who.id, texts.INSIGHTS_EMPTY)])
            by_dimension: dict[Dimension, _Series] = defaultdict(_Series)
            by_axis: dict[Axis, _Series] = defaultdict(_Series)
            mismatches = 0
            for round_id in round_ids:
                found_ = await self.t.exercises.findings(conn, round_id, pair)
                mismatches += len(found_.mismatched)
                await self._collect(conn, round_id, user.id, partner.id, by_dimension, by_axis)
        summary = self._summary(
            len(round_ids), by_dimension, by_axis, mismatches, streak, str(partner.first_name)
        )
        if not by_dimension:
            return Outcome(replies=[Message(who.id, summary)])
        stats = [
            DimensionStat(
                label=gettext(d.label),
                mine=mean(by_dimension[d].mine) if d in by_dimension else None,
                theirs=mean(by_dimension[d].theirs) if d in by_dimension else None,
                gap=mean(by_dimension[d].gaps) if d in by_dimension else None,
            )
            for d in Dimension
        ]
        png = await asyncio.to_thread(
            render_insights_chart,
            stats,
            me=texts.REVEAL_YOU,
            partner=str(partner.first_name),
            title=texts.INSIGHTS_TITLE,
            gap_label=texts.INSIGHTS_GAP,
            no_data_label=texts.INSIGHTS_NO_DATA,
        )
        return Outcome(
            replies=[
                Message(who.id, texts.INSIGHTS_CAPTION, photo=png),
                Message(who.id, summary),
            ]
        )

    async def _collect(
        self,
        conn: AsyncConnection,
        round_id: int,
        me: object,
        other: object,
        by_dimension: dict[Dimension, _Series],
        by_axis: dict[Axis, _Series],
    ) -> None:
        asked, given = await self.t._round_answers(conn, round_id)
        for rq in asked:
            try:
                question = self.t._question(rq.question_id)
            except KeyError:
                continue
            if question.kind != "scale" or question.id.startswith(FOLLOWUP_PREFIX):
                continue
            mine, theirs = given.get((rq.position, me)), given.get((rq.position, other))
            if mine is None or theirs is None or mine.skipped or theirs.skipped:
                continue
            x, y = question.numeric(str(mine.value)), question.numeric(str(theirs.value))
            if x is None or y is None:
                continue
            series = by_dimension[question.dimension]
            series.mine.append(x)
            series.theirs.append(y)
            series.gaps.append(abs(x - y))
            if question.axis is not None:
                by_axis[question.axis].mine.append(x)
                by_axis[question.axis].theirs.append(y)

    async def _streak(self, conn: AsyncConnection, pair_id: int) -> int:
        """Rounds both partners completed in a row, newest first, up to the last one that
        closed unanswered (a round counts for the pair, never against one partner)."""
        statuses = (
            await conn.execute(
                select(rounds.c.status)
                .where(
                    rounds.c.pair_id == pair_id,
                    rounds.c.status.in_(("revealed", "expired")),
                    rounds.c.kind != "followup",
                )
                .order_by(rounds.c.closed_at.desc(), rounds.c.id.desc())
                .limit(1000)
            )
        ).scalars()
        streak = 0
        for status in statuses:
            if status != "revealed":
                break
            streak += 1
        return streak

    @staticmethod
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


def _value(row: Row[tuple[object, ...]]) -> str | None:
    return None if row.value is None else str(row.value)
