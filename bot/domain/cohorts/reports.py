"""What facilitators see of a cohort: participation, and figures pooled over at least K pairs.

Privacy (DESIGN.md, rule 2): facilitators see who takes part (participants consented to that).
Anything derived from answers (differences per dimension, the interdependence check) comes
only from *snapshots frozen at the end of each program week*, and a figure is shown only when
it pools at least K pairs besides the staff's own that were enrolled before the week began and
answered in it (participation decides whether a figure shows, never an answer). Each figure carries
calibrated noise drawn once at the freeze (``figures.py``): sock-puppet couples a facilitator
controls cannot subtract their way to a real couple's answer, and repeated views show the same
noisy number. A pair joining or leaving mid-week cannot be isolated by comparing two views,
because the figures of a finished week never change. No answer is ever shown.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from bot import texts
from bot.domain.asking import Given, round_answers
from bot.domain.cohorts.calendar import week_began
from bot.domain.cohorts.figures import (
    EPSILON_PER_FIGURE,
    Figure,
    check_figure,
    cohort_budget,
    topic_figure,
)
from bot.domain.deps import Deps
from bot.domain.exercises.findings import findings
from bot.domain.model import (
    Asked,
    Cohort,
    Member,
    Membership,
    Pair,
    PairStatus,
    RoundStatus,
)
from bot.domain.ports import UnitOfWork
from bot.domain.questions import is_followup
from bot.i18n import gettext
from content.programs import Program
from content.schema import Dimension, Polarity

_DIMENSIONS = frozenset(d.value for d in Dimension)


@dataclass
class Snapshot:
    """One finished program week, as frozen (see the module docstring)."""

    week: int
    participation: dict[int, tuple[int, int]]  # pair id -> (rounds asked, rounds revealed)
    topics: dict[str, Figure]  # dimension -> couples with a difference (noisy)
    check: dict[str, Figure]  # check question id -> noisy sum and count (first/last week)

    def to_json(self) -> str:
        """The snapshot as stored (noisy figures only: nothing exact is kept)."""

        def figures(items: dict[str, Figure]) -> dict[str, Any]:
            return {
                k: {
                    "pairs": sorted(f.pairs),
                    "alike": f.alike,
                    "count": f.count,
                    "total": f.total,
                }
                for k, f in items.items()
            }

        return json.dumps(
            {
                "participation": {str(k): list(v) for k, v in self.participation.items()},
                "topics": figures(self.topics),
                "check": figures(self.check),
            }
        )

    @classmethod
    def from_json(cls, week: int, raw: str) -> Snapshot:
        """A stored snapshot of ``week``. A figure frozen before noise was added (it has no
        ``count``) reads as pooling no pairs, so it is never shown."""
        data: dict[str, Any] = json.loads(raw)

        def figure(v: dict[str, Any]) -> Figure:
            if "count" not in v:
                return Figure(frozenset(), 0, alike=True)
            pairs = frozenset(int(p) for p in v["pairs"])
            count, total = int(v["count"]), int(v.get("total", 0))
            return Figure(pairs, count, total, alike=bool(v.get("alike", False)))

        def figures(items: dict[str, Any]) -> dict[str, Figure]:
            return {str(k): figure(v) for k, v in items.items()}

        return cls(
            week=week,
            participation={int(k): (v[0], v[1]) for k, v in data["participation"].items()},
            topics=figures(data.get("topics", {})),
            check=figures(data.get("check", {})),
        )


async def freeze(deps: Deps, tx: UnitOfWork, cohort: Cohort, week: int, program: Program) -> None:
    """Freeze the figures of a finished program week (once; later calls change nothing).

    Participation: the program rounds each member pair was asked that week, and how many both
    answered. Figures from answers, only over pairs that joined before the week began
    (``calendar.week_began``; a couple enrolled mid-week counts for nothing that week): per
    topic, every pair whose revealed rounds carried a question of it, with whether it had a
    difference among the questions both partners answered (a pass adds none); per check
    question (first and last week), every pair whose revealed round carried it, and both
    partners' answers where neither passed. Which pairs a figure pools thus follows from
    participation alone, never from an answer (``figures.py``). Each figure gets its noise
    here, once, from ``deps.noise``. A round still open at the freeze counts as asked, not
    revealed."""
    if await tx.cohorts.has_snapshot(cohort.id, week):
        return
    participation: dict[int, tuple[int, int]] = {}
    differences: dict[str, dict[int, bool]] = {}
    checks: dict[str, dict[int, tuple[int, int]]] = {}
    pooled: dict[str, set[int]] = {}
    measured = measured_dimensions(deps, program, week)
    for member in await tx.cohorts.members(cohort.id):
        pair = member.pair
        asked = await tx.rounds.program_rounds(pair.id, cohort.id, week)
        if not asked:
            continue
        revealed = [r for r in asked if r.status is RoundStatus.REVEALED]
        participation[pair.id] = (len(asked), len(revealed))
        began = week_began(cohort, week, pair.timezone)
        if member.joined_at is None or member.joined_at >= began:
            continue
        for round_ in revealed:
            answers = await round_answers(tx, round_.id)
            for item in answers[0]:
                shown = deps.content.questions.get(item.question_id)
                if is_followup(item.question_id) or shown is None:
                    continue
                # By the question's dimension alone, never by whether this very question can
                # show a difference: a couple that has not opted in to sensitive questions
                # gets a stand-in of the same dimension that may have a rule where the
                # sensitive one has none, and pooling by rule told a facilitator who had
                # opted in (review of 2026-12-03).
                if shown.dimension.value in measured:
                    differences.setdefault(shown.dimension.value, {}).setdefault(pair.id, False)
                if program.has_check(week) and item.question_id in program.check:
                    pooled.setdefault(item.question_id, set()).add(pair.id)
            found = await findings(deps, tx, round_.id, pair, answers=answers)
            for question in found.mismatched:
                if question.dimension.value in measured:  # pooled above, by participation
                    differences.setdefault(question.dimension.value, {})[pair.id] = True
            if program.has_check(week):
                _collect_check(deps, answers, pair, program, checks)
    # Sorted, so a seeded generator draws the same noise for the same figures (tests).
    topics = {d: topic_figure(v, deps.noise) for d, v in sorted(differences.items())}
    check = {
        q: check_figure(checks.get(q, {}), deps.noise, pooled=pooled[q]) for q in sorted(pooled)
    }
    snapshot = Snapshot(week, participation, topics, check)
    await tx.cohorts.save_snapshot(cohort.id, week, snapshot.to_json(), deps.now())


def measured_dimensions(deps: Deps, program: Program, week: int) -> frozenset[str]:
    """The topics a program week can show a difference in, fixed by the program alone (the
    same for every couple, whatever they opted in to): the dimension of each of its planned
    questions (and check questions, in a check week) that has a difference rule or is
    sensitive (its stand-in, of the same dimension, may have one)."""
    ids = list(program.week(week).questions)
    if program.has_check(week):
        ids += list(program.check)
    found = (deps.content.questions.get(q) for q in ids)
    return frozenset(
        q.dimension.value
        for q in found
        if q is not None and (q.mismatch is not None or q.sensitive)
    )


def _collect_check(
    deps: Deps,
    answers: tuple[list[Asked], Given],
    pair: Pair,
    program: Program,
    checks: dict[str, dict[int, tuple[int, int]]],
) -> None:
    """Both partners' answers to the check questions of a revealed round (``answers``, as
    :func:`round_answers` reads them; only when both answered a question: a pass leaves the
    question's values out for this pair). A pair contributes once per question: its first
    answers count."""
    asked, given = answers
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
        first, second = numbers
        if first is None or second is None:
            continue
        checks.setdefault(qid, {}).setdefault(pair.id, (first, second))


async def snapshots(tx: UnitOfWork, cohort_id: int) -> list[Snapshot]:
    """The cohort's frozen weeks, first week first."""
    return [Snapshot.from_json(s.week, s.data) for s in await tx.cohorts.snapshots(cohort_id)]


async def staff_pairs(
    deps: Deps, tx: UnitOfWork, cohort_id: int, viewer: int | None = None
) -> frozenset[int]:
    """The staff's own pairs among the cohort's members: the pairs of the viewer (if any), of
    every facilitator of the cohort and of every admin. They know their own answers (and staff
    may share what they see), so a figure must pool K pairs besides all of these; every
    viewer then sees the same figures."""
    staff = set(deps.config.admins) | ({viewer} if viewer is not None else set())
    staff.update(p.id for p in await tx.cohorts.facilitators(cohort_id))
    return await tx.cohorts.staff_pairs(cohort_id, staff)


async def own_pairs(deps: Deps, tx: UnitOfWork, cohort_id: int, viewer: int) -> frozenset[int]:
    """The pairs a viewer's figures must pool K pairs besides (see :func:`staff_pairs`)."""
    return await staff_pairs(deps, tx, cohort_id, viewer)


async def _export_labels(tx: UnitOfWork, members: list[Member]) -> dict[int, str]:
    """The label of each member pair in the export: both first names while the couple takes
    part; a numbered "couple who left" once it left or its pair ended, whoever ended it and
    however (an unpair, a partner's /delete, which removes their name, leaving the program:
    DESIGN.md, privacy rule 8; probe of 2026-12-03: one name left told a /delete apart)."""
    labels: dict[int, str] = {}
    left = 0
    for member in members:
        pair = member.pair
        if member.membership is not Membership.LEFT and pair.status is PairStatus.ACTIVE:
            labels[pair.id] = await _names(tx, pair)
        else:
            left += 1
            labels[pair.id] = texts.CSV_COUPLE_LEFT.format(n=left)
    return labels


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
        lines.append(texts.count("STATUS_THIS_WEEK_N", total_asked, revealed=total_revealed))
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


#: A row of released figures: the subject and its figure, or None where it is withheld.
_Row = tuple[str, Figure | None]


def _topic_rows(k: int, snap: Snapshot, own: frozenset[int]) -> list[_Row]:
    """The week's topics: those this viewer may see first (most couples with a difference
    first), then the withheld ones (too few couples; in weeks frozen before 2026-12-03 also
    all alike), by name."""
    known = [(d, f) for d, f in snap.topics.items() if d in _DIMENSIONS]
    shown = sorted(
        ((d, f) for d, f in known if f.shown_to(own, k)),
        key=lambda item: (-item[1].differences(), item[0]),
    )
    withheld: list[_Row] = sorted((d, None) for d, f in known if not f.shown_to(own, k))
    return [*shown, *withheld]


def _check_rows(
    k: int, frozen: list[Snapshot], program: Program | None, own: frozenset[int]
) -> list[tuple[str, Figure, Figure] | tuple[str, None, None]]:
    """(question id, first week, last week) for check questions frozen in both weeks; both
    figures None where either may not be shown to this viewer."""
    if program is None:
        return []
    first = next((s for s in frozen if s.week == 0), None)
    last = next((s for s in frozen if s.week == program.weeks - 1), None)
    if first is None or last is None:
        return []
    result: list[tuple[str, Figure, Figure] | tuple[str, None, None]] = []
    for qid in program.check:
        before, after = first.check.get(qid), last.check.get(qid)
        if before is None or after is None:
            continue
        if before.shown_to(own, k) and after.shown_to(own, k):
            result.append((qid, before, after))
        else:
            result.append((qid, None, None))
    return result


def _any_shown(rows: list[_Row]) -> bool:
    return any(f is not None for _, f in rows)


def _aggregate_lines(
    deps: Deps, frozen: list[Snapshot], program: Program | None, own: frozenset[int]
) -> list[str]:
    """The figures section of the status: the latest frozen week with a topic this viewer may
    see, and the interdependence check, each only when something in it may be shown; the
    withheld figures beside them say so, without saying why."""
    k = deps.config.min_pairs
    lines: list[str] = []
    latest = next((s for s in reversed(frozen) if _any_shown(_topic_rows(k, s, own))), None)
    if latest is not None:
        lines.append(texts.STATUS_AGGREGATES.format(week=latest.week + 1, k=k))
        for dim, figure in _topic_rows(k, latest, own):
            topic = gettext(Dimension(dim).label)
            lines.append(
                texts.STATUS_TOPIC_WITHHELD.format(topic=topic)
                if figure is None
                else texts.STATUS_TOPIC_LINE.format(topic=topic, n=figure.differences())
            )
    checks = _check_rows(k, frozen, program, own)
    if any(before is not None for _, before, _ in checks):
        lines.append(texts.STATUS_CHECK)
        bank = deps.content.questions
        for qid, before, after in checks:
            question = _short(gettext(bank[qid].text)) if qid in bank else qid
            if before is None or after is None:
                lines.append(texts.STATUS_CHECK_WITHHELD.format(question=question))
                continue
            polarity = _polarity(deps, qid)
            line = (
                texts.STATUS_CHECK_TURNED if polarity is Polarity.LOW else texts.STATUS_CHECK_LINE
            )
            lines.append(
                line.format(
                    question=question,
                    before=f"{before.mean(k, polarity):.1f}",
                    after=f"{after.mean(k, polarity):.1f}",
                )
            )
    if not lines:
        lines.append(texts.STATUS_AGGREGATES_HIDDEN.format(k=k))
    elif program is not None:
        budget = cohort_budget(deps.content, program)
        lines.append(texts.STATUS_NOISE.format(budget=f"{budget:g}"))
    return lines


async def export_csv(
    deps: Deps, tx: UnitOfWork, cohort: Cohort, program: Program | None, viewer: int
) -> bytes:
    """The status figures as CSV (UTF-8 with a BOM, so spreadsheet apps read it): one row per
    pair and frozen week (participation), per week and topic (about how many couples had a
    difference) and per check question (first and last week, averages running one way: a
    ``low`` polarity question turned round, as in the status), the latter two as in the
    status: noisy, and ``withheld`` unless the figure pools at least K pairs besides the
    staff's own; a last row states the privacy budget. Couples who left are not named
    (:func:`_export_labels`). Cells that a spreadsheet would read as a formula are quoted."""
    k = deps.config.min_pairs
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["kind", "week", "subject", "value", "value_2"])
    frozen = await snapshots(tx, cohort.id)
    own = await own_pairs(deps, tx, cohort.id, viewer)
    members: list[Member] = await tx.cohorts.members(cohort.id)
    names = await _export_labels(tx, members)
    for snap in frozen:
        for pid, (asked, revealed) in sorted(snap.participation.items()):
            row = ["participation", snap.week + 1, names.get(pid, pid), revealed, asked]
            writer.writerow([_cell(v) for v in row])
    for snap in frozen:
        rows = _topic_rows(k, snap, own)
        if not _any_shown(rows):
            continue
        for dim, figure in rows:
            value = _WITHHELD if figure is None else figure.differences()
            writer.writerow(["differences", snap.week + 1, dim, value, ""])
    if program is not None:
        checks = _check_rows(k, frozen, program, own)
        if any(before is not None for _, before, _ in checks):
            for qid, before, after in checks:
                polarity = _polarity(deps, qid)
                pair = (
                    (_WITHHELD, _WITHHELD)
                    if before is None or after is None
                    else (f"{before.mean(k, polarity):.1f}", f"{after.mean(k, polarity):.1f}")
                )
                writer.writerow(["check", f"1-{program.weeks}", qid, *pair])
        budget = cohort_budget(deps.content, program)
        writer.writerow(["noise", "", "epsilon per figure, per cohort", EPSILON_PER_FIGURE, budget])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


#: What a CSV cell says for a figure that may not be shown (a machine word, like the kinds).
_WITHHELD = "withheld"


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


def _polarity(deps: Deps, question_id: str) -> Polarity | None:
    """The polarity a check question's averages are shown in (``low``: turned round, see
    :meth:`Figure.mean`); a question the content no longer has is shown as answered."""
    question = deps.content.questions.get(question_id)
    return Polarity.HIGH if question is None else question.polarity


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "\u2026"
