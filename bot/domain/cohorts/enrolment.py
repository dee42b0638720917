"""A couple joins a cohort, each partner consenting, and can leave it; ``/cohort`` shows what
they take part in.

The consent screen says what facilitators will see, with K's actual value (DESIGN.md, privacy
rule 2). A pair joins only when both partners accepted; an unpaired user gets a pair invite
that carries the cohort.
"""

from __future__ import annotations

import logging

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.cohorts.calendar import days_text, program_name, program_of, week_index, week_text
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.invites import issue_link
from bot.domain.messages import Button, Edit, Message, Outcome
from bot.domain.model import Cohort, CohortStatus, InviteKind, Membership, Pair, User
from bot.domain.people import (
    UserInfo,
    fmt_date,
    pair_of,
    speaking_to,
    tell,
    tell_pair,
    touch,
)
from bot.domain.ports import UnitOfWork
from bot.domain.schedule import reschedule
from bot.i18n import gettext

logger = logging.getLogger(__name__)


async def cohort_of_user(tx: UnitOfWork, user: User) -> Cohort | None:
    """The running cohort the user's active pair is enrolled in, if any."""
    if user.pair_id is None:
        return None
    return await tx.cohorts.running_of(user.pair_id)


async def open_enrolment(deps: Deps, tx: UnitOfWork, user: User, cohort: Cohort) -> Outcome:
    """The consent screen for a couple member who opened an enrolment link; refusals for a
    paused or ended cohort, or a pair already in a cohort."""
    if cohort.status is CohortStatus.ENDED:
        return Outcome(replies=[Message(user.id, texts.ENROL_ENDED)])
    if cohort.status is CohortStatus.PAUSED:
        return Outcome(replies=[Message(user.id, texts.ENROL_PAUSED)])
    current = await cohort_of_user(tx, user)
    if current is not None:
        name = program_name(deps, current)
        if current.id == cohort.id:
            return Outcome(replies=[Message(user.id, texts.ENROL_ALREADY.format(program=name))])
        return Outcome(replies=[Message(user.id, texts.ENROL_OTHER_COHORT.format(program=name))])
    await tx.users.set_pending_cohort(user.id, cohort.id)
    return Outcome(replies=[await _consent_message(deps, tx, user.id, cohort)])


async def _consent_message(deps: Deps, tx: UnitOfWork, user_id: int, cohort: Cohort) -> Message:
    program = program_of(deps, cohort)
    names = [p.first_name for p in await tx.cohorts.facilitators(cohort.id)]
    program_fields = {
        "program": program_name(deps, cohort),
        "description": gettext(program.description) if program else "",
    }
    if names:
        invite = texts.count(
            "ENROL_INVITE_N", len(names), facilitators=" & ".join(names), **program_fields
        )
    else:
        invite = texts.ENROL_INVITE_ANON.format(**program_fields)
    text = invite + "\n\n" + texts.ENROL_CONSENT.format(k=deps.config.min_pairs)
    keyboard = (
        (
            Button(texts.BTN_JOIN, cb.consent(cohort.id, True)),
            Button(texts.BTN_NOT_JOIN, cb.consent(cohort.id, False)),
        ),
    )
    return Message(user_id, text, keyboard)


async def consent(deps: Deps, who: UserInfo, cohort_id: int, yes: bool) -> Outcome:
    """Join or decline, from the consent screen the sender was shown (the id in the button is
    checked against it). Both partners of a pair must accept; the pair joins when the second
    does. An unpaired user gets a pair invite that carries the cohort."""
    closed = Edit(None, ())
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        if user.pending_cohort_id != cohort_id:
            raise Refused(texts.ENROL_NOT_OPENED, toast=True, close=True)
        cohort = await tx.cohorts.get(cohort_id)
        await tx.users.set_pending_cohort(who.id, None)
        if cohort is None or cohort.status is CohortStatus.ENDED:
            return Outcome(replies=[Message(who.id, texts.ENROL_ENDED)], edit=closed)
        if cohort.status is CohortStatus.PAUSED:
            return Outcome(replies=[Message(who.id, texts.ENROL_PAUSED)], edit=closed)
        name = program_name(deps, cohort)
        found = await pair_of(tx, user)
        if not yes:
            # Only a partner who asked to join hears of the decline: one who never saw the
            # invitation must not learn that their partner was invited to a program at all
            # (a controlling partner would learn of a contact with a facilitator).
            asked = found is not None and await tx.cohorts.has_consented(cohort_id, found[1].id)
            # Both decide afresh next time: a partner's earlier Join no longer counts.
            declined = [who.id] + ([found[1].id] if found is not None else [])
            await tx.cohorts.withdraw(declined, cohort_id)
            if found is not None and found[1].active and asked:
                partner = found[1]
                with speaking_to(partner):
                    text = texts.ENROL_DECLINED_PARTNER.format(
                        name=user.first_name, program=program_name(deps, cohort)
                    )
                await tell(deps, tx, Message(partner.id, text))
            return Outcome(replies=[Message(who.id, texts.ENROL_DECLINED)], edit=closed)
        if await cohort_of_user(tx, user) is not None:
            text = texts.ENROL_OTHER_COHORT.format(program=name)
            return Outcome(replies=[Message(who.id, text)], edit=closed)
        await tx.cohorts.consent(cohort_id, who.id, deps.now())
        if found is None:
            link = await _pair_invite_for(deps, tx, who.id, cohort_id)
            return Outcome(
                replies=[Message(who.id, texts.ENROL_UNPAIRED.format(link=link))], edit=closed
            )
        pair, partner = found
        if not await tx.cohorts.has_consented(cohort_id, partner.id):
            await ask_partner(deps, tx, cohort, user, partner)
            text = texts.ENROL_WAITING.format(partner=partner.first_name)
            return Outcome(replies=[Message(who.id, text)], edit=closed)
        return await _enrol(deps, tx, cohort, pair)


async def ask_partner(
    deps: Deps, tx: UnitOfWork, cohort: Cohort, user: User, partner: User
) -> None:
    """Show the partner (who has started the bot: they are paired) the consent screen."""
    if not partner.active:
        return
    await tx.users.set_pending_cohort(partner.id, cohort.id)
    with speaking_to(partner):
        intro = texts.ENROL_PARTNER_ASKED.format(name=user.first_name)
        screen = await _consent_message(deps, tx, partner.id, cohort)
    await tell(deps, tx, Message(partner.id, intro + "\n\n" + screen.text, screen.buttons))


async def _pair_invite_for(deps: Deps, tx: UnitOfWork, user_id: int, cohort_id: int) -> str:
    """A single-use pair invite that, once accepted, asks the invitee to join the cohort."""
    issued = await issue_link(
        deps, tx, inviter_id=user_id, kind=InviteKind.PAIR, cohort_id=cohort_id
    )
    return issued.link


async def after_pairing(
    deps: Deps, tx: UnitOfWork, cohort_id: int, inviter: User, invitee: User
) -> None:
    """A pair formed from a cohort's invite: ask the invitee to join (the inviter already
    accepted), unless the cohort no longer takes couples."""
    cohort = await tx.cohorts.get(cohort_id)
    if cohort is None or cohort.status is not CohortStatus.ACTIVE:
        return
    await ask_partner(deps, tx, cohort, inviter, invitee)


async def _enrol(deps: Deps, tx: UnitOfWork, cohort: Cohort, pair: Pair) -> Outcome:
    """Both partners accepted: the pair joins (a pair is in at most one cohort at a time) and
    its schedule follows the program."""
    await tx.cohorts.enrol(cohort.id, pair.id, deps.now())
    await tell_pair(deps, tx, pair, lambda: _joined_text(deps, cohort))
    await tx.cohorts.withdraw_others(pair.members, keep=cohort.id)
    await reschedule(deps, tx, pair)
    logger.info("pair %s joined cohort %s", pair.id, cohort.id)
    return Outcome(edit=Edit(None, ()), toast="")


def _joined_text(deps: Deps, cohort: Cohort) -> str:
    name = program_name(deps, cohort)
    if week_index(deps, cohort) >= 0:
        return texts.ENROL_JOINED_WEEK.format(program=name)
    return texts.ENROL_JOINED.format(
        program=name, start=fmt_date(cohort.start_date), days=days_text(cohort)
    )


async def show(deps: Deps, who: UserInfo) -> Outcome:
    """``/cohort``: the program, who runs it, the current week and its message."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        cohort = await cohort_of_user(tx, user)
        if cohort is None:
            raise Refused(texts.COHORT_NONE_YOU)
        names = [p.first_name for p in await tx.cohorts.facilitators(cohort.id)]
    program = program_of(deps, cohort)
    index = week_index(deps, cohort)
    message = ""
    if program is not None and 0 <= index < program.weeks:
        message = gettext(program.week(index).message)
    text = texts.COHORT_YOU.format(
        program=program_name(deps, cohort),
        facilitators=" & ".join(names),
        week=week_text(deps, cohort, program),
        message=message,
    )
    return Outcome(replies=[Message(who.id, text.rstrip())])


async def ask_leave(deps: Deps, who: UserInfo) -> Outcome:
    """``/leave_cohort``: asks first."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        cohort = await cohort_of_user(tx, user)
    if cohort is None:
        raise Refused(texts.COHORT_NONE_YOU)
    keyboard = (
        (
            Button(texts.BTN_LEAVE_YES, cb.leave(cohort.id, True)),
            Button(texts.DELETE_NO, cb.leave(cohort.id, False)),
        ),
    )
    text = texts.LEAVE_CONFIRM.format(program=program_name(deps, cohort))
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def leave(deps: Deps, who: UserInfo, cohort_id: int, yes: bool) -> Outcome:
    """Leave the cohort the sender's pair is in (the id in the button must match it); the
    partner is told; facilitators see only that a couple left."""
    if not yes:
        return Outcome(replies=[Message(who.id, texts.KEPT)], edit=Edit(None, ()))
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        cohort = await cohort_of_user(tx, user)
        if cohort is None or cohort.id != cohort_id or user.pair_id is None:
            raise Refused(texts.BUTTON_STALE, toast=True, close=True)
        await tx.cohorts.set_membership(cohort_id, user.pair_id, Membership.LEFT, deps.now())
        found = await pair_of(tx, user)
        if found is not None:
            await reschedule(deps, tx, found[0])  # back to their own schedule
        members = [who.id] + ([found[1].id] if found is not None else [])
        await tx.cohorts.withdraw(members, cohort_id)  # joining again asks both again
        name = program_name(deps, cohort)
        if found is not None and found[1].active:
            partner = found[1]
            with speaking_to(partner):
                text = texts.LEAVE_PARTNER.format(program=program_name(deps, cohort))
            await tell(deps, tx, Message(partner.id, text))
    return Outcome(
        replies=[Message(who.id, texts.LEAVE_DONE.format(program=name))], edit=Edit(None, ())
    )
