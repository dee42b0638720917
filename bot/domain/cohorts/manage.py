"""A facilitator's cohorts: ``/cohorts`` with a message per cohort and its buttons (status,
export, broadcast, pause or resume, end, co-facilitator link), and ending a cohort.

Privacy (DESIGN.md, rule 2): the status page and the export show participation and only the
figures :mod:`~bot.domain.cohorts.reports` may show.
"""

from __future__ import annotations

import logging

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.cohorts.broadcasts import start as start_broadcast
from bot.domain.cohorts.calendar import program_name, program_of, week_index, week_text
from bot.domain.cohorts.reports import export_csv, status_lines
from bot.domain.cohorts.roles import cofacilitator_link, is_admin, own_cohort, require_facilitator
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Cohort, CohortStatus, Membership, PairStatus
from bot.domain.people import UserInfo, tell_pair, touch
from bot.domain.ports import UnitOfWork
from bot.domain.schedule import reschedule
from bot.domain.subjects import CohortSubject, DueKind
from bot.i18n import gettext

logger = logging.getLogger(__name__)


async def list_cohorts(deps: Deps, who: UserInfo) -> Outcome:
    """``/cohorts`` (facilitators; admins see every cohort): each cohort with buttons."""
    async with deps.db.write() as tx:
        if is_admin(deps, who.id):
            await touch(deps, tx, who)
            found = await tx.cohorts.listed(None)
        else:
            await require_facilitator(deps, tx, who)
            found = await tx.cohorts.listed(who.id)
    if not found:
        return Outcome(replies=[Message(who.id, texts.COHORTS_NONE)])
    replies = [Message(who.id, texts.COHORTS_LIST)]
    for cohort in found:
        replies.append(Message(who.id, _cohort_line(deps, cohort), _cohort_buttons(cohort)))
    return Outcome(replies=replies)


def _cohort_line(deps: Deps, cohort: Cohort) -> str:
    program = program_of(deps, cohort)
    return texts.COHORT_LINE.format(
        name=cohort.name,
        program=gettext(program.name) if program else cohort.program_id,
        state=texts.COHORT_STATE.get(cohort.status.value, cohort.status.value),
    )


def _cohort_buttons(cohort: Cohort) -> Keyboard:
    cid = cohort.id
    report = (
        Button(texts.BTN_STATUS, cb.cohort_action("status", cid)),
        Button(texts.BTN_EXPORT, cb.cohort_action("export", cid)),
    )
    if cohort.status is CohortStatus.ENDED:
        return (report,)
    pause = (
        Button(texts.BTN_RESUME_COHORT, cb.cohort_action("resume", cid))
        if cohort.status is CohortStatus.PAUSED
        else Button(texts.BTN_PAUSE_COHORT, cb.cohort_action("pause", cid))
    )
    return (
        report,
        (
            Button(texts.BTN_BROADCAST, cb.cohort_action("broadcast", cid)),
            pause,
            Button(texts.BTN_END_COHORT, cb.cohort_action("end", cid)),
        ),
        (Button(texts.BTN_COFACILITATOR, cb.cohort_action("cofac", cid)),),
    )


async def cohort_action(deps: Deps, who: UserInfo, action: str, cohort_id: int) -> Outcome:
    """A button on a cohort: status, export (both read only), broadcast, cofac, pause, resume,
    end (asks first), endyes."""
    if action == "broadcast":
        return await start_broadcast(deps, who, cohort_id)
    if action in ("status", "export"):
        async with deps.db.read() as tx:
            cohort = await own_cohort(deps, tx, who, cohort_id)
            if action == "status":
                text = await _status_text(deps, tx, cohort, who.id)
                return Outcome(replies=[Message(who.id, text)], toast="")
            data = await export_csv(deps, tx, cohort, program_of(deps, cohort), who.id)
        caption = texts.EXPORT_CAPTION.format(name=cohort.name)
        document = (f"cohort-{cohort.id}.csv", data)
        return Outcome(replies=[Message(who.id, caption, document=document)], toast="")
    async with deps.db.write() as tx:
        cohort = await own_cohort(deps, tx, who, cohort_id)
        if action == "cofac":
            if cohort.status is CohortStatus.ENDED:
                raise Refused(texts.COHORT_ALREADY_ENDED, toast=True)
            return await cofacilitator_link(deps, tx, who, cohort)
        if cohort.status is CohortStatus.ENDED:
            raise Refused(texts.COHORT_ALREADY_ENDED, toast=True, close=True)
        if action in ("pause", "resume"):
            status = CohortStatus.PAUSED if action == "pause" else CohortStatus.ACTIVE
            fresh = await tx.cohorts.set_status(cohort_id, status)
            note = texts.COHORT_PAUSED if action == "pause" else texts.COHORT_RESUMED
            return Outcome(
                toast=note.format(name=cohort.name)[:190],
                edit=Edit(_cohort_line(deps, fresh), _cohort_buttons(fresh)),
            )
        if action == "end":
            keyboard = (
                (
                    Button(texts.BTN_END_YES, cb.cohort_action("endyes", cohort_id)),
                    Button(texts.DELETE_NO, cb.cohort_action("status", cohort_id)),
                ),
            )
            text = texts.COHORT_END_CONFIRM.format(name=cohort.name)
            return Outcome(replies=[Message(who.id, text, keyboard)], toast="")
        await end_cohort(deps, tx, cohort)
    return Outcome(
        replies=[Message(who.id, texts.COHORT_ENDED.format(name=cohort.name))],
        edit=Edit(None, ()),
    )


async def end_cohort(deps: Deps, tx: UnitOfWork, cohort: Cohort) -> None:
    """End a cohort (decided once): the enrolment link stops working, enrolled pairs complete
    and get a closing message; their own schedules simply continue."""
    if not await tx.cohorts.end(cohort.id, deps.now()):
        return
    await tx.due.cancel(DueKind.COHORT_WEEK, CohortSubject(cohort.id))
    for member in await tx.cohorts.members(cohort.id):
        if member.membership is not Membership.ENROLLED:
            continue
        pair = member.pair
        await tx.cohorts.set_membership(cohort.id, pair.id, Membership.COMPLETED, deps.now())
        if pair.status is not PairStatus.ACTIVE:
            continue
        await reschedule(deps, tx, pair)  # their own schedule resumes
        await tell_pair(
            deps,
            tx,
            pair,
            lambda: texts.COHORT_ENDED_COUPLE.format(program=program_name(deps, cohort)),
        )
    logger.info("cohort %s ended", cohort.id)


async def _status_text(deps: Deps, tx: UnitOfWork, cohort: Cohort, viewer: int) -> str:
    """Participation (who takes part) and only the figures the K rule lets this viewer see."""
    counts = await tx.cohorts.membership_counts(cohort.id)
    members = await tx.cohorts.members(cohort.id)
    in_pairs = {u for m in members for u in m.pair.members}
    waiting = len([u for u in await tx.cohorts.consenting(cohort.id) if u not in in_pairs])
    not_started = await tx.invites.open_for_cohort(cohort.id, deps.now())
    program = program_of(deps, cohort)
    head = texts.COHORT_STATUS.format(
        name=cohort.name,
        program=gettext(program.name) if program else cohort.program_id,
        week=week_text(deps, cohort, program),
        enrolled=counts.get(Membership.ENROLLED, 0),
        waiting=waiting,
        not_started=not_started,
        left=counts.get(Membership.LEFT, 0),
        completed=counts.get(Membership.COMPLETED, 0),
    )
    lines = await status_lines(deps, tx, cohort, program, week_index(deps, cohort), viewer)
    return "\n\n".join([head, "\n".join(lines)])
