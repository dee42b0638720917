"""A user's account: deleting their data (DESIGN.md, privacy rule 4), blocking the bot and
coming back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.asking import unanswered_messages
from bot.domain.deps import Deps
from bot.domain.exercises.offers import waiting_for
from bot.domain.messages import Button, Edit, MenuLanguage, Message, Outcome
from bot.domain.model import User
from bot.domain.pairing import end_pair, take_back_answers
from bot.domain.people import UserInfo, pair_of, speaking_to, tell, zone_of
from bot.domain.ports import UnitOfWork
from bot.domain.proposals import ask_again
from bot.domain.reveal import reveal_messages
from bot.domain.schedule import next_text, reschedule

logger = logging.getLogger(__name__)


async def ask_delete(deps: Deps, who: UserInfo) -> Outcome:
    """``/delete``: ask for confirmation before deleting the user's data; someone who has or
    had a pair is also told what their partner will and will not learn of it."""
    keyboard = (
        (
            Button(texts.DELETE_YES, cb.confirm("delete", True)),
            Button(texts.DELETE_NO, cb.confirm("delete", False)),
        ),
    )
    async with deps.db.read() as tx:
        paired = bool(await tx.pairs.ids_with_member(who.id))
    text = texts.DELETE_CONFIRM + ("\n\n" + texts.DELETE_CONFIRM_PARTNER if paired else "")
    return Outcome(replies=[Message(who.id, text, keyboard)])


async def delete_data(deps: Deps, who: UserInfo, confirmed: bool) -> Outcome:
    """Delete everything stored about the user: their pair ends (the partner is told only that
    it ended), their answers, reactions, picks, invites, roles, consents, drafts, pending
    messages and user record go; every message still queued that shows their pairs' answers
    is dropped, and those sent to either chat in the last 48 hours are taken back (DESIGN.md,
    privacy rules 4 and 8)."""
    if not confirmed:
        return Outcome(replies=[Message(who.id, texts.KEPT)], edit=Edit(None, ()))
    paired_before = chose_language = False
    async with deps.db.write() as tx:
        user = await tx.users.get(who.id)
        if user is not None:
            chose_language = user.language is not None
            found = await pair_of(tx, user)
            if found is not None:
                pair, partner = found
                await end_pair(deps, tx, pair)
                with speaking_to(partner):
                    text = texts.PAIR_ENDED_NOTICE
                await tell(deps, tx, Message(partner.id, text))
            await tx.outbox.drop_for(who.id)
            await tx.outbox.forget_questions_of(who.id)
            pair_ids = await tx.pairs.ids_with_member(who.id)
            paired_before = bool(pair_ids)
            await take_back_answers(deps, tx, pair_ids)
            await tx.answers.delete_for_user(who.id)
            await tx.reactions.delete_for_user(who.id)
            await tx.offers.delete_picks_of(who.id)
            await tx.cohorts.forget_user(who.id)
            await tx.drafts.delete(who.id)
            await tx.facilitators.delete(who.id)
            await tx.invites.delete_for_user(who.id)
            await tx.pairs.forget_member(who.id)
            await tx.users.delete(who.id)
    # The removal from both chats is mentioned only to someone who had a pair (probe of
    # 2026-12-03: a user who never paired was told of a second chat).
    done = texts.DELETE_DONE + ("\n\n" + texts.TAKEN_BACK if paired_before else "")
    # The chat's own command menu goes with the language choice it was set for.
    menu = MenuLanguage(None) if chose_language else None
    return Outcome(replies=[Message(who.id, done)], edit=Edit(None, ()), menu=menu)


async def mark_inactive(deps: Deps, user_id: int) -> bool:
    """The user blocked the bot (a ``Forbidden`` on send, or a ``my_chat_member`` update).

    Marks them inactive, parks their pending messages that show answers (a reveal waiting in
    the outbox reaches them when they come back) and drops the rest, stops the pair's
    schedule, and tells the partner once (decided once by ``Users.deactivate``). Returns
    whether this call changed anything."""
    async with deps.db.write() as tx:
        changed = await tx.users.deactivate(user_id, deps.now())
        await tx.outbox.park_for(user_id)
        if not changed:
            return False
        user = await tx.users.get(user_id)
        assert user is not None
        found = await pair_of(tx, user)
        if found is not None:
            pair, partner = found
            await reschedule(deps, tx, pair)
            # Already paused: the partner heard that then; a second notice would tell them
            # this is something else (privacy rule 8).
            if partner.active and not pair.paused:
                with speaking_to(partner):
                    text = texts.CHECKINS_PAUSED_NOTICE
                await tell(deps, tx, Message(partner.id, text))
        logger.info("user %s marked inactive (blocked the bot)", user_id)
        return True


async def reactivate(deps: Deps, tx: UnitOfWork, user: User) -> None:
    """A user who had blocked the bot is back (``/start``): the schedule runs again, and what
    could not reach them meanwhile is sent again: every reveal since, the open questions, the
    offer waiting for their pick; or that the pair ended while they were away. The partner is
    told."""
    await tx.users.reactivate(user.id, deps.now())
    # A reveal that was waiting when they blocked the bot goes first; the reveals sent again
    # below are those closed after it (none twice, also at the same instant).
    parked_until = await tx.outbox.unpark(user.id, deps.now())
    fresh = await tx.users.get(user.id)
    assert fresh is not None
    found = await pair_of(tx, fresh)
    if found is None:
        if user.inactive_since is not None:
            await _pair_ended_meanwhile(deps, tx, fresh, user.inactive_since)
        return
    pair, partner = found
    await reschedule(deps, tx, pair)
    if user.inactive_since is not None:
        for round_id in await tx.rounds.revealed_since(pair.id, user.inactive_since):
            round_ = await tx.rounds.get(round_id)
            assert round_ is not None
            closed = round_.closed_at
            if parked_until is not None and closed is not None and closed <= parked_until:
                continue  # its reveal was parked: it is on its way
            for message in await reveal_messages(deps, tx, round_, pair, [user.id]):
                await tell(deps, tx, message)
    for current in await tx.rounds.open_of(pair.id):
        for message in await unanswered_messages(deps, tx, current, fresh):
            await tell(deps, tx, message)
    for message in await waiting_for(deps, tx, pair, fresh):
        await tell(deps, tx, message)
    await ask_again(deps, tx, pair, fresh)
    # Still paused: nothing is running again, so nothing to say (and saying it would tell the
    # partner this was a block).
    if partner.active and not pair.paused:
        with speaking_to(partner):
            nxt = await next_text(tx, pair, zone_of(deps, partner))
            text = texts.CHECKINS_RUNNING_NOTICE.format(next=nxt)
        await tell(deps, tx, Message(partner.id, text))


async def _pair_ended_meanwhile(deps: Deps, tx: UnitOfWork, user: User, since: datetime) -> None:
    """Tell a user back after blocking the bot that their partner ended the pair while they
    were away (that notice could not reach them then)."""
    ended = await tx.pairs.ended_since(user.id, since)
    if ended is None:
        return
    with speaking_to(user):
        await tell(deps, tx, Message(user.id, texts.PAIR_ENDED_MEANWHILE))
