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
from statistics import mean
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import texts
from bot.i18n import gettext
from bot.storage.tables import (
    cohort_facilitators,
    cohort_pairs,
    cohort_snapshots,
    pairs,
    rounds,
    users,
)
from content.programs import Program
from content.schema import Dimension

if TYPE_CHECKING:
    from bot.domain.legacy.service import Tandem

Row_ = Row[tuple[object, ...]]
_DIMENSIONS = frozenset(d.value for d in Dimension)


@dataclass
class Figure:
    """One answer-derived figure of a frozen week and the pairs whose answers it pools.

    ``value``: a count (differences in a topic) or a mean (a check question). It may be shown
    only to a viewer for whom at least K of ``pairs`` are not their own pair."""

    value: float
    pairs: frozenset[int]

    def shown_to(self, own: frozenset[int], k: int) -> bool:
        """Whether a viewer whose own pairs are ``own`` may see it (K others at least)."""
        return len(self.pairs - own) >= k


@dataclass
class Snapshot:
    """One finished program week, as frozen (see the module docstring)."""

    week: int
    participation: dict[int, tuple[int, int]]  # pair id -> (rounds asked, rounds revealed)
    topics: dict[str, Figure]  # dimension -> differences (mismatched questions) over pairs
    check: dict[str, Figure]  # check question id -> mean answer over pairs (first/last week)

    def to_json(self) -> str:
        """The snapshot as stored."""

        def figures(items: dict[str, Figure]) -> dict[str, Any]:
            return {k: {"value": f.value, "pairs": sorted(f.pairs)} for k, f in items.items()}

        return json.dumps(
            {
                "participation": {str(k): list(v) for k, v in self.participation.items()},
                "topics": figures(self.topics),
                "check": figures(self.check),
            }
        )

    @classmethod
    def from_row(cls, row: Row_) -> Snapshot:
        """A stored snapshot."""
        data: dict[str, Any] = json.loads(str(row.data))

        def figures(items: dict[str, Any]) -> dict[str, Figure]:
            return {
                str(k): Figure(float(v["value"]), frozenset(int(p) for p in v["pairs"]))
                for k, v in items.items()
            }

        return cls(
            week=int(str(row.week)),
            participation={int(k): (v[0], v[1]) for k, v in data["participation"].items()},
            topics=figures(data.get("topics", {})),
            check=figures(data.get("check", {})),
        )


class CohortReports:
    """Snapshots, the status page and the CSV export of a cohort."""

    def __init__(self, tandem: Tandem, min_pairs: int, admins: frozenset[int]) -> None:
        self.t = tandem
        self.min_pairs = min_pairs
        self.admins = admins

    async def _week_rounds(
        self, conn: AsyncConnection, cohort_id: object, pair_id: int, week: int
    ) -> list[Row_]:
        """The program rounds this cohort asked the pair in program week ``week`` (rounds from
        another cohort, before joining or after leaving, are not this cohort's)."""
        return list(
            (
                await conn.execute(
                    select(rounds).where(
                        rounds.c.pair_id == pair_id,
                        rounds.c.origin == "program",
                        rounds.c.cohort_id == cohort_id,
                        rounds.c.cohort_week == week,
                    )
                )
            ).all()
        )

    async def _members(self, conn: AsyncConnection, cohort_id: object) -> list[Row_]:
        """Every pair that ever joined the cohort (enrolled, left or completed)."""
        return list(
            (
                await conn.execute(
                    select(pairs, cohort_pairs.c.status.label("membership"))
                    .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                    .where(cohort_pairs.c.cohort_id == cohort_id)
                    .order_by(pairs.c.id)
                )
            ).all()
        )

    async def freeze(
        self, conn: AsyncConnection, cohort: Row_, week: int, program: Program
    ) -> None:
        """Freeze the figures of a finished program week (once; later calls change nothing).

        Participation: the program rounds each member pair was asked that week, and how many
        both answered. Figures from answers, each with the pairs it pools: per topic, the
        differences among questions both partners answered (a pass counts for nothing); per
        check question (first and last week), the mean of the answers both gave. A round still
        open at the freeze counts as asked, not revealed."""
        exists = (
            await conn.execute(
                select(cohort_snapshots.c.week).where(
                    cohort_snapshots.c.cohort_id == cohort.id, cohort_snapshots.c.week == week
                )
            )
        ).first()
        if exists is not None:
            return
        participation: dict[int, tuple[int, int]] = {}
        topic_pairs: dict[str, set[int]] = {}
        topic_counts: Counter[str] = Counter()
        check_pairs: dict[str, set[int]] = {}
        check_values: dict[str, list[int]] = {}
        for pair in await self._members(conn, cohort.id):
            pid = int(str(pair.id))
            asked = await self._week_rounds(conn, cohort.id, pid, week)
            if not asked:
                continue
            revealed = [r for r in asked if r.status == "revealed"]
            participation[pid] = (len(asked), len(revealed))
            for round_ in revealed:
                found = await self.t.exercises.findings(conn, int(round_.id), pair)
                for question in found.answered:
                    if question.mismatch is not None:
                        topic_pairs.setdefault(question.dimension.value, set()).add(pid)
                topic_counts.update(q.dimension.value for q in found.mismatched)
                if program.has_check(week):
                    await self._collect_check(
                        conn, round_, pair, program, check_pairs, check_values
                    )
        topics = {
            d: Figure(float(topic_counts.get(d, 0)), frozenset(p)) for d, p in topic_pairs.items()
        }
        check = {
            q: Figure(mean(check_values[q]), frozenset(p))
            for q, p in check_pairs.items()
            if check_values.get(q)
        }
        snapshot = Snapshot(week, participation, topics, check)
        await conn.execute(
            insert(cohort_snapshots).values(
                cohort_id=cohort.id, week=week, frozen_at=self.t._now(), data=snapshot.to_json()
            )
        )

    async def _collect_check(
        self,
        conn: AsyncConnection,
        round_: Row_,
        pair: Row_,
        program: Program,
        check_pairs: dict[str, set[int]],
        values: dict[str, list[int]],
    ) -> None:
        """Both partners' answers to the check questions of a revealed round (only when both
        answered a question; a pass leaves the question out for this pair)."""
        asked, given = await self.t._round_answers(conn, int(round_.id))
        for rq in asked:
            qid = str(rq.question_id)
            question = self.t.content.questions.get(qid)
            if qid not in program.check or question is None:
                continue
            both = [given.get((rq.position, member)) for member in (pair.user_a, pair.user_b)]
            numbers = [
                question.numeric(str(a.value)) if a is not None and not a.skipped else None
                for a in both
            ]
            if any(n is None for n in numbers):
                continue
            check_pairs.setdefault(qid, set()).add(int(str(pair.id)))
            values.setdefault(qid, []).extend(n for n in numbers if n is not None)

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

    async def own_pairs(
        self, conn: AsyncConnection, cohort_id: object, user_id: int
    ) -> frozenset[int]:
        """The staff's own pairs among the cohort's members: the pairs of the viewer, of every
        facilitator of the cohort and of every admin. They know their own answers (and staff
        may share what they see), so a figure must pool K pairs besides all of these; every
        viewer then sees the same figures."""
        staff = set(self.admins) | {user_id}
        staff.update(
            int(u)
            for u in (
                await conn.execute(
                    select(cohort_facilitators.c.user_id).where(
                        cohort_facilitators.c.cohort_id == cohort_id
                    )
                )
            ).scalars()
        )
        rows = (
            await conn.execute(
                select(pairs.c.id)
                .join(cohort_pairs, cohort_pairs.c.pair_id == pairs.c.id)
                .where(
                    cohort_pairs.c.cohort_id == cohort_id,
                    pairs.c.user_a.in_(staff) | pairs.c.user_b.in_(staff),
                )
            )
        ).scalars()
        return frozenset(int(r) for r in rows)

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
        self,
        conn: AsyncConnection,
        cohort: Row_,
        program: Program | None,
        week: int,
        viewer: int,
    ) -> list[str]:
        """Participation this week (live) and per pair, flags, and the answer-derived figures
        of frozen weeks that pool at least K pairs besides the viewer's own (never others)."""
        lines: list[str] = []
        members = [m for m in await self._members(conn, cohort.id) if m.membership == "enrolled"]
        frozen = await self.snapshots(conn, cohort.id)
        live: dict[int, tuple[int, int]] = {}
        if program is not None and 0 <= week < program.weeks:
            for pair in members:
                asked = await self._week_rounds(conn, cohort.id, int(str(pair.id)), week)
                live[int(str(pair.id))] = (
                    len(asked),
                    sum(1 for r in asked if r.status == "revealed"),
                )
            total_asked = sum(a for a, _ in live.values())
            total_revealed = sum(r for _, r in live.values())
            lines.append(texts.STATUS_THIS_WEEK.format(revealed=total_revealed, asked=total_asked))
        if members:
            lines.append(texts.STATUS_PER_PAIR)
        for pair in members:
            pid = int(str(pair.id))
            n_asked, n_revealed = live.get(pid, (0, 0))
            line = texts.STATUS_PAIR_LINE.format(
                names=await self._names(conn, pair), revealed=n_revealed, asked=n_asked
            )
            if _missed_two_weeks(frozen, pid):
                line += " " + texts.STATUS_FLAG
            lines.append(line)
        own = await self.own_pairs(conn, cohort.id, viewer)
        lines.extend(self._aggregate_lines(frozen, program, own))
        return lines

    def _visible_topics(self, snap: Snapshot, own: frozenset[int]) -> list[tuple[str, Figure]]:
        return sorted(
            (
                (d, f)
                for d, f in snap.topics.items()
                if d in _DIMENSIONS and f.shown_to(own, self.min_pairs)
            ),
            key=lambda item: (-item[1].value, item[0]),
        )

    def _check_pairs(
        self, frozen: list[Snapshot], program: Program | None, own: frozenset[int]
    ) -> list[tuple[str, Figure, Figure]]:
        """(question id, first week, last week) for check questions whose figures may both be
        shown to this viewer."""
        if program is None:
            return []
        first = next((s for s in frozen if s.week == 0), None)
        last = next((s for s in frozen if s.week == program.weeks - 1), None)
        if first is None or last is None:
            return []
        result = []
        for qid in program.check:
            before, after = first.check.get(qid), last.check.get(qid)
            if before is None or after is None:
                continue
            if before.shown_to(own, self.min_pairs) and after.shown_to(own, self.min_pairs):
                result.append((qid, before, after))
        return result

    def _aggregate_lines(
        self, frozen: list[Snapshot], program: Program | None, own: frozenset[int]
    ) -> list[str]:
        k = self.min_pairs
        lines: list[str] = []
        latest = next((s for s in reversed(frozen) if self._visible_topics(s, own)), None)
        if latest is not None:
            lines.append(texts.STATUS_AGGREGATES.format(week=latest.week + 1, k=k))
            lines.extend(
                texts.STATUS_TOPIC_LINE.format(
                    topic=gettext(Dimension(d).label), n=int(f.value), pairs=len(f.pairs)
                )
                for d, f in self._visible_topics(latest, own)
            )
        checks = self._check_pairs(frozen, program, own)
        if checks:
            lines.append(texts.STATUS_CHECK)
            bank = self.t.content.questions
            for qid, before, after in checks:
                lines.append(
                    texts.STATUS_CHECK_LINE.format(
                        question=_short(gettext(bank[qid].text)) if qid in bank else qid,
                        before=f"{before.value:.1f}",
                        after=f"{after.value:.1f}",
                    )
                )
        if not lines:
            lines.append(texts.STATUS_AGGREGATES_HIDDEN.format(k=k))
        return lines

    async def export_csv(
        self, conn: AsyncConnection, cohort: Row_, program: Program | None, viewer: int
    ) -> bytes:
        """The status figures as CSV (UTF-8 with a BOM, so spreadsheet apps read it): one row
        per pair and frozen week (participation), per week and topic (differences) and per
        check question (first and last week) — the latter two only where a figure pools at
        least K pairs besides the viewer's own. Cells that a spreadsheet would read as a
        formula are quoted."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["kind", "week", "subject", "value", "value_2"])
        frozen = await self.snapshots(conn, cohort.id)
        own = await self.own_pairs(conn, cohort.id, viewer)
        names = {
            int(str(pair.id)): await self._names(conn, pair)
            for pair in await self._members(conn, cohort.id)
        }
        for snap in frozen:
            for pid, (asked, revealed) in sorted(snap.participation.items()):
                row = ["participation", snap.week + 1, names.get(pid, pid), revealed, asked]
                writer.writerow([_cell(v) for v in row])
        for snap in frozen:
            for dim, figure in self._visible_topics(snap, own):
                writer.writerow(
                    ["differences", snap.week + 1, dim, int(figure.value), len(figure.pairs)]
                )
        if program is not None:
            for qid, before, after in self._check_pairs(frozen, program, own):
                writer.writerow(
                    [
                        "check",
                        f"1-{program.weeks}",
                        qid,
                        f"{before.value:.2f}",
                        f"{after.value:.2f}",
                    ]
                )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula (names are user input)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _missed_two_weeks(frozen: list[Snapshot], pair_id: int) -> bool:
    """Whether the pair revealed no round in each of the last two frozen weeks it was asked
    in."""
    weeks = [s for s in frozen if pair_id in s.participation][-2:]
    return len(weeks) == 2 and all(s.participation[pair_id][1] == 0 for s in weeks)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"
