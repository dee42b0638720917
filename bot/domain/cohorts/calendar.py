"""A pair's program week: which week of its cohort's program the pair is in (on the pair's own
calendar), the program's check-in days as the pair's cadence, the week's questions in order,
and the week's message.

Privacy (DESIGN.md, rule 2): nothing here reads answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot import texts
from bot.domain.asking import exercise_text
from bot.domain.deps import Deps
from bot.domain.model import Cohort, CohortStatus, Pair
from bot.domain.people import fmt_date, tell_pair
from bot.domain.ports import UnitOfWork
from bot.domain.questions import stand_in
from bot.domain.quiet import Urgency
from bot.i18n import gettext
from content.programs import Program
from content.schema import Question
from scheduler.cadence import Cadence, Frequency, local_time
from scheduler.zones import zone_info


@dataclass(frozen=True)
class Enrolment:
    """A pair taking part in a running program week: its cohort, the program and the week
    (0 = the first) on the pair's own calendar."""

    cohort: Cohort
    program: Program
    week: int


@dataclass(frozen=True)
class PlannedRound:
    """The pair's next program round: its questions, where it belongs, and whether it is the
    week's first (the week's message goes with it)."""

    questions: list[Question]
    enrolment: Enrolment
    first_of_week: bool


def program_of(deps: Deps, cohort: Cohort) -> Program | None:
    """The cohort's program, or None if the content no longer has it."""
    return deps.content.programs.get(cohort.program_id)


def program_name(deps: Deps, cohort: Cohort) -> str:
    """The program's name in the language in force (the cohort's name if the program is
    gone)."""
    program = program_of(deps, cohort)
    return gettext(program.name) if program is not None else cohort.name


def week_index(deps: Deps, cohort: Cohort, zone: str | None = None) -> int:
    """The program week the cohort is in today (0 = the first; negative before the start),
    by the calendar of ``zone`` (default: the cohort's timezone; a pair's rounds follow the
    pair's own calendar)."""
    today = local_time(deps.now(), zone or cohort.timezone).date()
    return (today - cohort.start_date).days // 7


def week_began(cohort: Cohort, index: int, zone: str | None = None) -> datetime:
    """The instant program week ``index`` (0 = the first) began, as aware UTC: midnight of its
    first day on the cohort's calendar or on ``zone``'s (a pair's own), whichever came first.
    A pair counts towards a week's figures only if it joined before this instant (DESIGN.md,
    privacy rule 2: a couple enrolled mid-week cannot help single anyone out)."""
    day = cohort.start_date + timedelta(days=7 * index)
    zones = {cohort.timezone, zone or cohort.timezone}
    return min(datetime.combine(day, time(0), zone_info(z)).astimezone(UTC) for z in zones)


def days_text(cohort: Cohort) -> str:
    """The cohort's check-in days, in the language in force, as a list shown after a colon:
    ``Mondays, Wednesdays`` (``texts.WEEKDAYS_LISTED``, issue 12)."""
    return ", ".join(texts.WEEKDAYS_LISTED[d] for d in cohort.checkin_days)


def week_text(deps: Deps, cohort: Cohort, program: Program | None) -> str:
    """The current week as shown to facilitators and couples."""
    index = week_index(deps, cohort)
    if program is None or cohort.status is CohortStatus.ENDED or index >= program.weeks:
        return texts.COHORT_WEEK_DONE
    if index < 0:
        return texts.COHORT_WEEK_BEFORE.format(start=fmt_date(cohort.start_date))
    return texts.COHORT_WEEK_NOW.format(
        n=index + 1, weeks=program.weeks, theme=gettext(program.week(index).theme)
    )


async def enrolment(deps: Deps, tx: UnitOfWork, pair: Pair) -> Enrolment | None:
    """The pair's running program week; None before the start, after the end, or when not
    enrolled."""
    cohort = await tx.cohorts.running_of(pair.id)
    if cohort is None:
        return None
    program = program_of(deps, cohort)
    index = week_index(deps, cohort, pair.timezone)
    if program is None or not 0 <= index < program.weeks:
        return None
    return Enrolment(cohort, program, index)


async def program_cadence(deps: Deps, tx: UnitOfWork, pair: Pair) -> Cadence | None:
    """While the pair takes part in a program week: rounds on the cohort's check-in days at
    the pair's own time of day, in the pair's timezone; otherwise None."""
    found = await enrolment(deps, tx, pair)
    if found is None:
        return None
    return Cadence(Frequency.DAYS, pair.time_of_day, pair.timezone, days=found.cohort.checkin_days)


async def program_round(deps: Deps, tx: UnitOfWork, pair: Pair) -> PlannedRound | None:
    """The pair's next program round this week: the interdependence check first in the first
    and the last week, then the week's questions in the file's order (most important first,
    its deep and open ones at the head: :func:`content.programs.leads`, checked by the loader),
    one a round, cycling; a cohort with fewer check-in days than questions gets the first
    ones. None when the pair is not in a program week, or the week has no question left in
    the bank (rounds then come from the bank). A sensitive question the pair may not be
    asked yet gives way to a stand-in of the same dimension and depth
    (:func:`bot.domain.questions.stand_in`)."""
    found = await enrolment(deps, tx, pair)
    if found is None:
        return None
    program, index = found.program, found.week
    asked = len(await tx.rounds.program_rounds(pair.id, found.cohort.id, index))
    bank = deps.content.questions
    first = asked == 0
    if program.has_check(index):
        if asked == 0:
            ids = [q for q in program.check if q in bank]
            check = [await stand_in(deps, tx, pair, bank[q], ids) for q in ids]
            return PlannedRound(check, found, first)
        asked -= 1
    ids = [q for q in program.week(index).questions if q in bank]
    if not ids:
        return None
    chosen = await stand_in(deps, tx, pair, bank[ids[asked % len(ids)]], ids)
    return PlannedRound([chosen], found, first)


async def send_week_message(deps: Deps, tx: UnitOfWork, pair: Pair, found: Enrolment) -> None:
    """Queue the week's message and exercise for both partners (with the week's first program
    round, so each pair reads it on its own calendar). It opens with the round: without sound
    for a partner inside their quiet hours, like the round's question (issue 12)."""
    program, index = found.program, found.week
    week = program.week(index)
    exercise = deps.content.exercises.get(week.exercise)

    def build() -> str:
        text = texts.COHORT_WEEK_MESSAGE.format(
            n=index + 1,
            weeks=program.weeks,
            theme=gettext(week.theme),
            message=gettext(week.message),
        )
        if exercise is not None:
            text += "\n\n" + texts.COHORT_WEEK_EXERCISE + "\n\n" + exercise_text(exercise)
        return text

    await tell_pair(deps, tx, pair, build, urgency=Urgency.SILENT)


def session_instant(cohort: Cohort, week_start: date) -> datetime | None:
    """The live session of the week starting ``week_start`` as a naive local datetime in the
    cohort's timezone, or None when the cohort has no live session."""
    if cohort.session_weekday is None or cohort.session_time is None:
        return None
    day = week_start + timedelta(days=(cohort.session_weekday - week_start.weekday()) % 7)
    return datetime.combine(day, cohort.session_time)
