"""What facilitators see of a cohort: participation, and figures pooled over at least K pairs.

Privacy (DESIGN.md, rule 2): facilitators see who takes part (participants consented to that).
Anything derived from answers (differences per dimension, the interdependence check) comes
only from *snapshots frozen at the end of each program week*, and a figure is shown only when
it pools at least K pairs besides the staff's own: a pair joining or leaving mid-week cannot be
isolated by comparing two views, because the figures of a finished week never change. No
answer is ever shown.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from statistics import mean
from typing import Any

from bot import texts
from bot.domain.asking import round_answers
from bot.domain.deps import Deps
from bot.domain.exercises.findings import findings
from bot.domain.model import Cohort, Member, Membership, Pair, Round, RoundStatus
from bot.domain.ports import UnitOfWork
from bot.i18n import gettext
from content.programs import Program
from content.schema import Dimension

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
    def from_json(cls, week: int, raw: str) -> Snapshot:
        """A stored snapshot of ``week``."""
        data: dict[str, Any] = json.loads(raw)

        def figures(items: dict[str, Any]) -> dict[str, Figure]:
            return {
                str(k): Figure(float(v["value"]), frozenset(int(p) for p in v["pairs"]))
                for k, v in items.items()
            }

        return cls(
            week=week,
            participation={int(k): (v[0], v[1]) for k, v in data["participation"].items()},
            topics=figures(data.get("topics", {})),
            check=figures(data.get("check", {})),
        )


async def freeze(deps: Deps, tx: UnitOfWork, cohort: Cohort, week: int, program: Program) -> None:
    """Freeze the figures of a finished program week (once; later calls change nothing).

    Participation: the program rounds each member pair was asked that week, and how many both
    answered. Figures from answers, each with the pairs it pools: per topic, the differences
    among questions both partners answered (a pass counts for nothing); per check question
    (first and last week), the mean of the answers both gave. A round still open at the
    freeze counts as asked, not revealed."""
    if await tx.cohorts.has_snapshot(cohort.id, week):
        return
    participation: dict[int, tuple[int, int]] = {}
    topic_pairs: dict[str, set[int]] = {}
    topic_counts: Counter[str] = Counter()
    check_pairs: dict[str, set[int]] = {}
    check_values: dict[str, list[int]] = {}
    for member in await tx.cohorts.members(cohort.id):
        pair = member.pair
        asked = await tx.rounds.program_rounds(pair.id, cohort.id, week)
        if not asked:
            continue
        revealed = [r for r in asked if r.status is RoundStatus.REVEALED]
        participation[pair.id] = (len(asked), len(revealed))
        for round_ in revealed:
            found = await findings(deps, tx, round_.id, pair)
            for question in found.answered:
                if question.mismatch is not None:
                    topic_pairs.setdefault(question.dimension.value, set()).add(pair.id)
            topic_counts.update(q.dimension.value for q in found.mismatched)
            if program.has_check(week):
                await _collect_check(deps, tx, round_, pair, program, check_pairs, check_values)
    topics = {
        d: Figure(float(topic_counts.get(d, 0)), frozenset(p)) for d, p in topic_pairs.items()
    }
    check = {
        q: Figure(mean(check_values[q]), frozenset(p))
        for q, p in check_pairs.items()
        if check_values.get(q)
    }
    snapshot = Snapshot(week, participation, topics, check)
    await tx.cohorts.save_snapshot(cohort.id, week, snapshot.to_json(), deps.now())


async def _collect_check(
    deps: Deps,
    tx: UnitOfWork,
    round_: Round,
    pair: Pair,
    program: Program,
    check_pairs: dict[str, set[int]],
    values: dict[str, list[int]],
) -> None:
    """Both partners' answers to the check questions of a revealed round (only when both
    answered a question; a pass leaves the question out for this pair)."""
    asked, given = await round_answers(tx, round_.id)
    for item in asked:
        qid = item.question_id
        question = deps.content.questions.get(qid)
        if qid not in program.check or question is None:
            continue
        both = [given.get((item.position, member)) for member in pair.members]
        if len(both) < 2:
            continue
        numbers = [
            question.numeric(str(a.value)) if a is not None and not a.skipped else None
            for a in both
        ]
        if any(n is None for n in numbers):
            continue
        check_pairs.setdefault(qid, set()).add(pair.id)
        values.setdefault(qid, []).extend(n for n in numbers if n is not None)


async def snapshots(tx: UnitOfWork, cohort_id: int) -> list[Snapshot]:
    """The cohort's frozen weeks, first week first."""
    return [Snapshot.from_json(s.week, s.data) for s in await tx.cohorts.snapshots(cohort_id)]


async def own_pairs(deps: Deps, tx: UnitOfWork, cohort_id: int, viewer: int) -> frozenset[int]:
    """The staff's own pairs among the cohort's members: the pairs of the viewer, of every
    facilitator of the cohort and of every admin. They know their own answers (and staff may
    share what they see), so a figure must pool K pairs besides all of these; every viewer
    then sees the same figures."""
    staff = set(deps.config.admins) | {viewer}
    staff.update(p.id for p in await tx.cohorts.facilitators(cohort_id))
    return await tx.cohorts.staff_pairs(cohort_id, staff)


async def _names(tx: UnitOfWork, pair: Pair) -> str:
    people = await tx.users.get_many(pair.members)
    ordered = [people[u].first_name if u in people else "?" for u in pair.members]
    return " & ".join(ordered)


async def status_lines(
    deps: Deps,
    tx: UnitOfWork,
    cohort: Cohort,
    program: Program | None,
    week: int,
    viewer: int,
) -> list[str]:
    """Participation this week (live) and per pair, flags, and the answer-derived figures of
    frozen weeks that pool at least K pairs besides the staff's own (never others)."""
    lines: list[str] = []
    members = [
        m.pair for m in await tx.cohorts.members(cohort.id) if m.membership is Membership.ENROLLED
    ]
    frozen = await snapshots(tx, cohort.id)
    live: dict[int, tuple[int, int]] = {}
    if program is not None and 0 <= week < program.weeks:
        for pair in members:
            asked = await tx.rounds.program_rounds(pair.id, cohort.id, week)
            revealed = sum(1 for r in asked if r.status is RoundStatus.REVEALED)
            live[pair.id] = (len(asked), revealed)
        total_asked = sum(a for a, _ in live.values())
        total_revealed = sum(r for _, r in live.values())
        lines.append(texts.STATUS_THIS_WEEK.format(revealed=total_revealed, asked=total_asked))
    if members:
        lines.append(texts.STATUS_PER_PAIR)
    for pair in members:
        n_asked, n_revealed = live.get(pair.id, (0, 0))
        line = texts.STATUS_PAIR_LINE.format(
            names=await _names(tx, pair), revealed=n_revealed, asked=n_asked
        )
        if _missed_two_weeks(frozen, pair.id):
            line += " " + texts.STATUS_FLAG
        lines.append(line)
    own = await own_pairs(deps, tx, cohort.id, viewer)
    lines.extend(_aggregate_lines(deps, frozen, program, own))
    return lines


def _visible_topics(k: int, snap: Snapshot, own: frozenset[int]) -> list[tuple[str, Figure]]:
    return sorted(
        ((d, f) for d, f in snap.topics.items() if d in _DIMENSIONS and f.shown_to(own, k)),
        key=lambda item: (-item[1].value, item[0]),
    )


def _check_pairs(
    k: int, frozen: list[Snapshot], program: Program | None, own: frozenset[int]
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
        if before.shown_to(own, k) and after.shown_to(own, k):
            result.append((qid, before, after))
    return result


def _aggregate_lines(
    deps: Deps, frozen: list[Snapshot], program: Program | None, own: frozenset[int]
) -> list[str]:
    k = deps.config.min_pairs
    lines: list[str] = []
    latest = next((s for s in reversed(frozen) if _visible_topics(k, s, own)), None)
    if latest is not None:
        lines.append(texts.STATUS_AGGREGATES.format(week=latest.week + 1, k=k))
        lines.extend(
            texts.STATUS_TOPIC_LINE.format(
                topic=gettext(Dimension(d).label), n=int(f.value), pairs=len(f.pairs)
            )
            for d, f in _visible_topics(k, latest, own)
        )
    checks = _check_pairs(k, frozen, program, own)
    if checks:
        lines.append(texts.STATUS_CHECK)
        bank = deps.content.questions
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
    deps: Deps, tx: UnitOfWork, cohort: Cohort, program: Program | None, viewer: int
) -> bytes:
    """The status figures as CSV (UTF-8 with a BOM, so spreadsheet apps read it): one row per
    pair and frozen week (participation), per week and topic (differences) and per check
    question (first and last week), the latter two only where a figure pools at least K pairs
    besides the staff's own. Cells that a spreadsheet would read as a formula are quoted."""
    k = deps.config.min_pairs
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["kind", "week", "subject", "value", "value_2"])
    frozen = await snapshots(tx, cohort.id)
    own = await own_pairs(deps, tx, cohort.id, viewer)
    members: list[Member] = await tx.cohorts.members(cohort.id)
    names = {m.pair.id: await _names(tx, m.pair) for m in members}
    for snap in frozen:
        for pid, (asked, revealed) in sorted(snap.participation.items()):
            row = ["participation", snap.week + 1, names.get(pid, pid), revealed, asked]
            writer.writerow([_cell(v) for v in row])
    for snap in frozen:
        for dim, figure in _visible_topics(k, snap, own):
            writer.writerow(
                ["differences", snap.week + 1, dim, int(figure.value), len(figure.pairs)]
            )
    if program is not None:
        for qid, before, after in _check_pairs(k, frozen, program, own):
            writer.writerow(
                ["check", f"1-{program.weeks}", qid, f"{before.value:.2f}", f"{after.value:.2f}"]
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
