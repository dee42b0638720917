"""A cohort's week boundaries: at 09:00 (cohort time) on each week's first day, finished weeks
are frozen, enrolled pairs move onto the program (or back to their own schedule after the
last week, which ends the cohort), and the coming prep questions are scheduled.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot import texts
from bot.domain.cohorts.calendar import program_of, session_instant, week_index
from bot.domain.cohorts.manage import end_cohort
from bot.domain.cohorts.reports import freeze
from bot.domain.deps import Deps
from bot.domain.model import Cohort, CohortStatus
from bot.domain.people import tell_pair
from bot.domain.ports import UnitOfWork
from bot.domain.schedule import reschedule
from bot.domain.subjects import CohortSubject, CohortWeekSubject, DueKind
from bot.i18n import gettext
from content.programs import Program
from scheduler.due import DueItem
from scheduler.zones import zone_info

#: When a week boundary runs, in the cohort's timezone, on the week's first day.
WEEK_BOUNDARY_AT = time(9, 0)
#: When the prep question goes out, the day before the live session (cohort time).
PREP_AT = time(10, 0)


def _week_start_instant(cohort: Cohort, index: int) -> datetime:
    day = cohort.start_date + timedelta(days=7 * index)
    local = datetime.combine(day, WEEK_BOUNDARY_AT, zone_info(cohort.timezone))
    return local.astimezone(UTC)


async def schedule_weeks(deps: Deps, tx: UnitOfWork, cohort: Cohort) -> None:
    """Put the cohort's next week boundary in due work."""
    program = program_of(deps, cohort)
    if program is None:
        return
    now = deps.now()
    for index in range(program.weeks + 1):
        at = _week_start_instant(cohort, index)
        if at > now - timedelta(minutes=1):
            await tx.due.schedule(DueKind.COHORT_WEEK, CohortSubject(cohort.id), at, now)
            return


def _prep_instant(cohort: Cohort, index: int) -> datetime | None:
    week_start = cohort.start_date + timedelta(days=7 * index)
    session = session_instant(cohort, week_start)
    if session is None:
        return None
    day_before = session.date() - timedelta(days=1)
    local = datetime.combine(day_before, PREP_AT, zone_info(cohort.timezone))
    return local.astimezone(UTC)


async def schedule_preps(deps: Deps, tx: UnitOfWork, cohort: Cohort, program: Program) -> None:
    """Put every coming prep question (the day before each week's live session, 10:00 in the
    cohort's timezone) in due work; idempotent."""
    now = deps.now()
    for index, week in enumerate(program.schedule):
        at = _prep_instant(cohort, index)
        if at is not None and at > now and week.prep_question:
            subject = CohortWeekSubject(cohort.id, index)
            await tx.due.schedule(DueKind.COHORT_PREP, subject, at, now)


async def due_week(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """A week boundary of a cohort (subject ``cohort:<id>``): freeze every finished week not
    yet frozen (also after downtime), move enrolled pairs' schedules onto the program (or back
    to their own after the last week, which ends the cohort) and schedule the coming prep
    questions. Returns the next boundary. The week's message goes out with each pair's first
    program round of the week."""
    cohort_id = CohortSubject.parse(item.subject).cohort_id
    async with deps.db.write() as tx:
        cohort = await tx.cohorts.get(cohort_id)
        if cohort is None or cohort.status is CohortStatus.ENDED:
            return None
        program = program_of(deps, cohort)
        index = week_index(deps, cohort)
        if program is not None:
            for finished in range(0, min(index, program.weeks)):
                await freeze(deps, tx, cohort, finished, program)
        if program is None or index >= program.weeks:
            await end_cohort(deps, tx, cohort)
            return None
        for pair in await tx.cohorts.enrolled(cohort_id):
            # After downtime, a program slot less than two hours ago still opens.
            await reschedule(deps, tx, pair, after=now - deps.config.max_lateness)
        await schedule_preps(deps, tx, cohort, program)
        return _week_start_instant(cohort, max(index, -1) + 1)


async def due_prep(deps: Deps, item: DueItem, now: datetime) -> datetime | None:
    """The prep question, the day before the week's live session, to every enrolled partner
    (subject ``cohort:<id>:<week index>``)."""
    subject = CohortWeekSubject.parse(item.subject)
    async with deps.db.write() as tx:
        cohort = await tx.cohorts.get(subject.cohort_id)
        if cohort is None or cohort.status is not CohortStatus.ACTIVE:
            return None
        program = program_of(deps, cohort)
        if program is None or subject.week >= program.weeks:
            return None
        question = program.week(subject.week).prep_question
        if not question:
            return None
        for pair in await tx.cohorts.enrolled(cohort.id):
            await tell_pair(
                deps, tx, pair, lambda: texts.COHORT_PREP.format(question=gettext(question))
            )
    return None


DUE_HANDLERS = {DueKind.COHORT_WEEK: due_week, DueKind.COHORT_PREP: due_prep}
