"""Who may do what with cohorts: bot admins (named in the settings) make facilitators with a
single-use link and can remove them; a facilitator adds co-facilitators to a cohort the same
way. Every facilitator operation checks the sender's role, and that the cohort is one of
theirs, on every call (DESIGN.md, privacy rule 3).
"""

from __future__ import annotations

import logging

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.cohorts.calendar import program_name
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.invites import issue_link
from bot.domain.messages import Button, Edit, Keyboard, Message, Outcome
from bot.domain.model import Cohort, CohortStatus, Invite, InviteKind, InviteStatus, User
from bot.domain.people import UserInfo, speaking_to, tell, tell_pair, touch
from bot.domain.ports import UnitOfWork
from bot.domain.subjects import AwaitCohortDraft

logger = logging.getLogger(__name__)


def is_admin(deps: Deps, user_id: int) -> bool:
    """Whether ``user_id`` is named in ``ADMIN_USER_IDS``."""
    return user_id in deps.config.admins


async def require_facilitator(deps: Deps, tx: UnitOfWork, who: UserInfo) -> User:
    """The sender, if they hold an active facilitator role; raises :class:`Refused`
    otherwise."""
    user = await touch(deps, tx, who)
    if not await tx.facilitators.is_active(who.id):
        raise Refused(texts.FACILITATOR_ONLY)
    return user


async def own_cohort(deps: Deps, tx: UnitOfWork, who: UserInfo, cohort_id: int) -> Cohort:
    """The cohort, when the sender is an active facilitator of it (admins: any cohort, e.g.
    one left without anyone). Raises :class:`Refused` (a toast) otherwise, the same for an
    unknown id and another facilitator's cohort."""
    if is_admin(deps, who.id):
        found = await tx.cohorts.get(cohort_id)
    elif not await tx.facilitators.is_active(who.id):
        raise Refused(texts.FACILITATOR_ONLY, toast=True)
    else:
        found = await tx.cohorts.run_by(cohort_id, who.id)
    if found is None:
        raise Refused(texts.COHORT_NOT_YOURS, toast=True)
    return found


async def facilitator_invite(deps: Deps, who: UserInfo) -> Outcome:
    """``/facilitator_invite`` (admins only): a single-use link, valid 7 days, that makes
    whoever opens it a facilitator. Only the token's SHA-256 is stored."""
    if not is_admin(deps, who.id):
        raise Refused(texts.ADMIN_ONLY)
    async with deps.db.write() as tx:
        await touch(deps, tx, who)
        issued = await issue_link(deps, tx, inviter_id=who.id, kind=InviteKind.FACILITATOR)
    text = texts.FACILITATOR_INVITE_CREATED.format(link=issued.link)
    return Outcome(replies=[Message(who.id, text)])


async def cofacilitator_link(deps: Deps, tx: UnitOfWork, who: UserInfo, cohort: Cohort) -> Outcome:
    """A single-use link (7 days) that adds an active facilitator to this cohort."""
    issued = await issue_link(
        deps, tx, inviter_id=who.id, kind=InviteKind.COFACILITATOR, cohort_id=cohort.id
    )
    text = texts.COFACILITATOR_INVITE.format(name=cohort.name, link=issued.link)
    return Outcome(replies=[Message(who.id, text)], toast="")


async def open_cofacilitator_invite(
    deps: Deps, tx: UnitOfWork, user: User, invite: Invite
) -> Outcome:
    """An active facilitator who opens a co-facilitator link joins the cohort (once: a
    decide-once claim of the invite); the owner and the cohort's couples are told."""
    if not await tx.facilitators.is_active(user.id):
        return Outcome(replies=[Message(user.id, texts.COFACILITATOR_NOT_FACILITATOR)])
    cohort = None if invite.cohort_id is None else await tx.cohorts.get(invite.cohort_id)
    if cohort is None or cohort.status is CohortStatus.ENDED:
        return Outcome(replies=[Message(user.id, texts.COHORT_ALREADY_ENDED)])
    if any(p.id == user.id for p in await tx.cohorts.facilitators(cohort.id)):
        reply = texts.COFACILITATOR_ALREADY.format(name=cohort.name)
        return Outcome(replies=[Message(user.id, reply)])
    if not await tx.invites.claim(invite.id, InviteStatus.ACCEPTED, user.id, deps.now()):
        return Outcome(replies=[Message(user.id, texts.FACILITATOR_LINK_USED)])
    await tx.cohorts.add_facilitator(cohort.id, user.id, deps.now())
    owner = await tx.users.get(invite.inviter_id)
    if owner is not None and owner.active:
        with speaking_to(owner):
            text = texts.COFACILITATOR_JOINED_OWNER.format(name=user.first_name, cohort=cohort.name)
        await tell(deps, tx, Message(owner.id, text))
    # The couples consented to the facilitators they were shown: they learn of this one.
    for pair in await tx.cohorts.enrolled(cohort.id):
        await tell_pair(
            deps,
            tx,
            pair,
            lambda: texts.COFACILITATOR_COUPLES.format(
                name=user.first_name, program=program_name(deps, cohort)
            ),
        )
    text = texts.COFACILITATOR_JOINED.format(name=cohort.name)
    return Outcome(replies=[Message(user.id, text)])


async def open_facilitator_invite(
    deps: Deps, tx: UnitOfWork, user: User, invite: Invite
) -> Outcome:
    """The opener of a valid facilitator invite becomes a facilitator (once: a decide-once
    claim of the invite); the admin who made it is told."""
    if await tx.facilitators.is_active(user.id):
        return Outcome(replies=[Message(user.id, texts.FACILITATOR_ALREADY)])
    now = deps.now()
    if not await tx.invites.claim(invite.id, InviteStatus.ACCEPTED, user.id, now):
        return Outcome(replies=[Message(user.id, texts.FACILITATOR_LINK_USED)])
    await tx.facilitators.grant(user.id, invite.inviter_id, now)
    admin = await tx.users.get(invite.inviter_id)
    if admin is not None and admin.active:
        with speaking_to(admin):
            text = texts.FACILITATOR_JOINED_ADMIN.format(name=user.first_name)
        await tell(deps, tx, Message(admin.id, text))
    logger.info("user %s became a facilitator", user.id)
    welcome = texts.FACILITATOR_WELCOME.format(k=deps.config.min_pairs)
    return Outcome(replies=[Message(user.id, welcome)])


async def list_facilitators(deps: Deps, who: UserInfo) -> Outcome:
    """``/facilitators`` (admins only): active facilitators with a remove button each."""
    if not is_admin(deps, who.id):
        raise Refused(texts.ADMIN_ONLY)
    async with deps.db.read() as tx:
        text, keyboard = await _facilitators_view(tx)
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def _facilitators_view(tx: UnitOfWork) -> tuple[str, Keyboard]:
    people = await tx.facilitators.active()
    if not people:
        return texts.FACILITATORS_NONE, ()
    keyboard = tuple(
        (Button(texts.BTN_REVOKE.format(name=p.first_name), cb.revoke(p.id)),) for p in people
    )
    return texts.FACILITATORS_LIST, keyboard


async def revoke(deps: Deps, who: UserInfo, user_id: int) -> Outcome:
    """An admin removes a facilitator; they are told. Their cohorts keep running (a
    co-facilitator or an admin can end them)."""
    if not is_admin(deps, who.id):
        raise Refused(texts.ADMIN_ONLY, toast=True)
    async with deps.db.write() as tx:
        if not await tx.facilitators.revoke(user_id, deps.now()):
            text, keyboard = await _facilitators_view(tx)
            return Outcome(toast=texts.FACILITATOR_NOT_FOUND, edit=Edit(text, keyboard))
        person = await tx.users.get(user_id)
        name = person.first_name if person is not None else str(user_id)
        if person is not None and person.active:
            with speaking_to(person):
                notice = texts.FACILITATOR_REVOKED_YOU
            await tell(deps, tx, Message(user_id, notice))
        await tx.users.stop_awaiting(user_id, AwaitCohortDraft())
        await tx.drafts.delete(user_id)
        await tx.cohorts.leave_all_staff(user_id)
        text, keyboard = await _facilitators_view(tx)
    logger.info("facilitator %s revoked by admin %s", user_id, who.id)
    return Outcome(toast=texts.FACILITATOR_REVOKED.format(name=name), edit=Edit(text, keyboard))
