"""What facilitators see of a cohort: participation, and figures pooled over at least K pairs.

Privacy (DESIGN.md, rule 2): facilitators see who takes part (participants consented to that).
Anything derived from answers (differences per dimension, the interdependence check) comes
only from *snapshots frozen at the end of each program week*, and is shown only when at least
K pairs contributed to that week: a pair joining or leaving mid-week cannot be isolated by
comparing two views, because the figures of a finished week never change. No answer is ever
shown.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import mean
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import texts
from bot.i18n import gettext
from bot.storage.tables import cohort_pairs, cohort_snapshots, pairs, rounds, users
from content.programs import Program
from content.schema import Dimension

if TYPE_CHECKING:
    from bot.domain.service import Tandem

Row_ = Row[tuple[object, ...]]
_DIMENSIONS = frozenset(d.value for d in Dimension)


@dataclass
class Snapshot:
    """One finished program week, as frozen (see the module docstring)."""

    week: int
    participation: dict[int, tuple[int, int]]  # pair id -> (rounds asked, rounds revealed)
    contributors: int  # pairs with at least one revealed round that week
    mismatches: dict[str, int]  # dimension -> mismatched questions, over the contributors
    check: dict[str, float] | None  # check question id -> mean answer (first and last week)

    def to_json(self) -> str:
        """The snapshot as stored."""
        return json.dumps(
            {
                "participation": {str(k): list(v) for k, v in self.participation.items()},
                "contributors": self.contributors,
                "mismatches": self.mismatches,
                "check": self.check,
            }
        )

    @classmethod
    def from_row(cls, row: Row_) -> Snapshot:
        """A stored snapshot."""
        data: dict[str, Any] = json.loads(str(row.data))
        return cls(
            week=int(str(row.week)),
            participation={int(k): (v[0], v[1]) for k, v in data["participation"].items()},
            contributors=int(data["contributors"]),
            mismatches={str(k): int(v) for k, v in data["mismatches"].items()},
            check=data.get("check"),
        )


class CohortReports:
    """Snapshots, the status page and the CSV export of a cohort."""

    def __init__(self, tandem: Tandem, min_pairs: int) -> None:
        self.t = tandem
        self.min_pairs = min_pairs

    def week_window(self, cohort: Row_, week: int) -> tuple[datetime, datetime]:
        """The program week as [start, end) instants (aware UTC), local midnights."""
        zone = ZoneInfo(str(cohort.timezone))
        first: date = cohort.start_date + timedelta(days=7 * week)
        start = datetime.combine(first, time(0), zone).astimezone(UTC)
        end = datetime.combine(first + timedelta(days=7), time(0), zone).astimezone(UTC)
        return start, end

    async def _pair_rounds(
        self, conn: AsyncConnection, pair_id: int, window: tuple[datetime, datetime]
    ) -> list[Row_]:
        return list(
            (
                await conn.execute(
                    select(rounds).where(
                        rounds.c.pair_id == pair_id,
                        rounds.c.origin == "program",
                        rounds.c.opened_at >= window[0],
                        rounds.c.opened_at < window[1],
                    )
                )
            ).all()
        )

    async def _enrolled(self, conn: AsyncConnection, cohort_id: object) -> list[Row_]:
        return list(
            (
                await conn.execute(
                    select(pairs)
                    .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                    .where(
                        cohort_pairs.c.cohort_id == cohort_id,
                        cohort_pairs.c.status == "enrolled",
                    )
                    .order_by(pairs.c.id)
                )
            ).all()
        )

    async def freeze(
        self, conn: AsyncConnection, cohort: Row_, week: int, program: Program
    ) -> None:
        """Freeze the figures of a finished program week (once; later calls change nothing).

        Participation counts the program rounds each enrolled pair was asked and revealed.
        Answer-derived figures pool only the pairs that revealed at least one round."""
        exists = (
            await conn.execute(
                select(cohort_snapshots.c.week).where(
                    cohort_snapshots.c.cohort_id == cohort.id, cohort_snapshots.c.week == week
                )
            )
        ).first()
        if exists is not None:
            return
        window = self.week_window(cohort, week)
        participation: dict[int, tuple[int, int]] = {}
        mismatches: Counter[str] = Counter()
        check_values: dict[str, list[int]] = {}
        contributors = 0
        for pair in await self._enrolled(conn, cohort.id):
            asked = await self._pair_rounds(conn, int(str(pair.id)), window)
            revealed = [r for r in asked if r.status == "revealed"]
            participation[int(str(pair.id))] = (len(asked), len(revealed))
            if not revealed:
                continue
            contributors += 1
            for round_ in revealed:
                found = await self.t.exercises.findings(conn, int(round_.id), pair)
                mismatches.update(q.dimension.value for q in found.mismatched)
                if program.has_check(week):
                    await self._collect_check(conn, round_, program, check_values)
        check = None
        if program.has_check(week):
            check = {q: mean(v) for q, v in check_values.items() if v}
        snapshot = Snapshot(week, participation, contributors, dict(mismatches), check)
        await conn.execute(
            insert(cohort_snapshots).values(
                cohort_id=cohort.id, week=week, frozen_at=self.t._now(), data=snapshot.to_json()
            )
        )

    async def _collect_check(
        self,
        conn: AsyncConnection,
        round_: Row_,
        program: Program,
        values: dict[str, list[int]],
    ) -> None:
        asked, given = await self.t._round_answers(conn, int(round_.id))
        for rq in asked:
            if rq.question_id not in program.check:
                continue
            question = self.t.content.questions.get(str(rq.question_id))
            if question is None:
                continue
            for (position, _user), answer in given.items():
                if position != rq.position or answer.skipped:
                    continue
                number = question.numeric(str(answer.value))
                if number is not None:
                    values.setdefault(str(rq.question_id), []).append(number)

    async def snapshots(self, conn: AsyncConnection, cohort_id: object) -> list[Snapshot]:
        """The cohort's frozen weeks, first week first."""
        rows = (
            await conn.execute(
                select(cohort_snapshots)
                .where(cohort_snapshots.c.cohort_id == cohort_id)
                .order_by(cohort_snapshots.c.week)
            )
        ).all()
        return [Snapshot.from_row(r) for r in rows]

    async def _names(self, conn: AsyncConnection, pair: Row_) -> str:
        rows = (
            await conn.execute(
                select(users.c.id, users.c.first_name).where(
                    users.c.id.in_([pair.user_a, pair.user_b])
                )
            )
        ).all()
        names = {int(r.id): str(r.first_name) for r in rows}
        ordered = [names.get(int(str(u)), "?") for u in (pair.user_a, pair.user_b) if u]
        return " & ".join(ordered)

    async def status_lines(
        self, conn: AsyncConnection, cohort: Row_, program: Program | None, week: int
    ) -> list[str]:
        """Participation this week (live) and per pair, flags, and answer-derived figures from
        frozen weeks with at least K contributors (never otherwise)."""
        lines: list[str] = []
        enrolled = await self._enrolled(conn, cohort.id)
        frozen = await self.snapshots(conn, cohort.id)
        live: dict[int, tuple[int, int]] = {}
        if program is not None and 0 <= week < program.weeks:
            window = self.week_window(cohort, week)
            for pair in enrolled:
                asked = await self._pair_rounds(conn, int(str(pair.id)), window)
                live[int(str(pair.id))] = (
                    len(asked),
                    sum(1 for r in asked if r.status == "revealed"),
                )
            total_asked = sum(a for a, _ in live.values())
            total_revealed = sum(r for _, r in live.values())
            lines.append(texts.STATUS_THIS_WEEK.format(revealed=total_revealed, asked=total_asked))
        if enrolled:
            lines.append(texts.STATUS_PER_PAIR)
        for pair in enrolled:
            pid = int(str(pair.id))
            n_asked, n_revealed = live.get(pid, (0, 0))
            line = texts.STATUS_PAIR_LINE.format(
                names=await self._names(conn, pair), revealed=n_revealed, asked=n_asked
            )
            if _missed_two_weeks(frozen, pid):
                line += " " + texts.STATUS_FLAG
            lines.append(line)
        lines.extend(self._aggregate_lines(frozen, program))
        return lines

    def _aggregate_lines(self, frozen: list[Snapshot], program: Program | None) -> list[str]:
        k = self.min_pairs
        shown = [s for s in frozen if s.contributors >= k]
        if not shown:
            return [texts.STATUS_AGGREGATES_HIDDEN.format(k=k)]
        latest = shown[-1]
        lines = [texts.STATUS_AGGREGATES.format(week=latest.week + 1, n=latest.contributors)]
        if latest.mismatches:
            ordered = sorted(latest.mismatches.items(), key=lambda kv: (-kv[1], kv[0]))
            lines.append(
                ", ".join(
                    f"{gettext(Dimension(d).label)} {n}" for d, n in ordered if d in _DIMENSIONS
                )
            )
        else:
            lines.append(texts.STATUS_NO_MISMATCHES)
        if program is not None:
            first = next((s for s in shown if s.week == 0 and s.check), None)
            last = next((s for s in shown if s.week == program.weeks - 1 and s.check), None)
            if first is not None and last is not None:
                lines.append(texts.STATUS_CHECK)
                bank = self.t.content.questions
                assert first.check is not None and last.check is not None
                for qid in program.check:
                    if qid in first.check and qid in last.check and qid in bank:
                        lines.append(
                            texts.STATUS_CHECK_LINE.format(
                                question=_short(gettext(bank[qid].text)),
                                before=f"{first.check[qid]:.1f}",
                                after=f"{last.check[qid]:.1f}",
                            )
                        )
        return lines

    async def export_csv(
        self, conn: AsyncConnection, cohort: Row_, program: Program | None
    ) -> bytes:
        """The status figures as CSV (UTF-8 with a BOM, so spreadsheet apps read it): one row
        per pair and frozen week (participation), per week and dimension (differences, only
        weeks with at least K contributors) and per check question (before/after, only when
        both weeks had K)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["kind", "week", "subject", "value", "value_2"])
        frozen = await self.snapshots(conn, cohort.id)
        names: dict[int, str] = {}
        for pair in (
            await conn.execute(
                select(pairs)
                .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                .where(cohort_pairs.c.cohort_id == cohort.id)
            )
        ).all():
            names[int(str(pair.id))] = await self._names(conn, pair)
        for snap in frozen:
            for pid, (asked, revealed) in sorted(snap.participation.items()):
                writer.writerow(
                    ["participation", snap.week + 1, names.get(pid, pid), revealed, asked]
                )
        for snap in frozen:
            if snap.contributors < self.min_pairs:
                continue
            writer.writerow(["contributors", snap.week + 1, "pairs", snap.contributors, ""])
            for dim, n in sorted(snap.mismatches.items()):
                writer.writerow(["differences", snap.week + 1, dim, n, ""])
        if program is not None:
            first = next(
                (s for s in frozen if s.week == 0 and s.contributors >= self.min_pairs), None
            )
            last = next(
                (
                    s
                    for s in frozen
                    if s.week == program.weeks - 1 and s.contributors >= self.min_pairs
                ),
                None,
            )
            if first and last and first.check and last.check:
                for qid in program.check:
                    if qid in first.check and qid in last.check:
                        writer.writerow(
                            [
                                "check",
                                f"1-{program.weeks}",
                                qid,
                                f"{first.check[qid]:.2f}",
                                f"{last.check[qid]:.2f}",
                            ]
                        )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _missed_two_weeks(frozen: list[Snapshot], pair_id: int) -> bool:
    """Whether the pair revealed no round in each of the last two frozen weeks it was in."""
    weeks = [s for s in frozen if pair_id in s.participation][-2:]
    return len(weeks) == 2 and all(s.participation[pair_id][1] == 0 for s in weeks)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"
