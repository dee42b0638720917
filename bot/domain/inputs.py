"""What a typed text answers, decided from the database (so it survives restarts and
concurrent updates): a pending time or timezone prompt first, then what the user was asked
for (``User.awaiting``: a cohort set-up step, a broadcast, a reminder time, an open question),
then the open question of the pair's newest open round that the user has not answered.
Otherwise the reply says what to do instead of a dead end. ``/cancel`` stops waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot import texts
from bot.domain.answers import clean_typed, hold_typed, record
from bot.domain.asking import unanswered
from bot.domain.cohorts.broadcasts import compose
from bot.domain.cohorts.setup import draft_text
from bot.domain.deps import Deps
from bot.domain.exercises.reminders import remind_text
from bot.domain.messages import Message, Outcome
from bot.domain.model import User
from bot.domain.onboarding import set_timezone
from bot.domain.people import UserInfo, pair_of, touch
from bot.domain.ports import UnitOfWork
from bot.domain.questions import question
from bot.domain.settings import set_time_text
from bot.domain.subjects import (
    AwaitAnswer,
    AwaitBroadcast,
    AwaitCohortDraft,
    AwaitReminderTime,
    AwaitTime,
    AwaitTimezone,
)
from scheduler.cadence import TimeOfDayError, parse_time_of_day
from scheduler.zones import ZoneError, parse_timezone


@dataclass
class _Pending:
    """What the pair's open rounds still want from one partner."""

    open_target: tuple[int, int] | None = None  # (round id, position) of an open question
    button_questions: list[Message] = field(default_factory=list)
    answered_open: bool = False
    partner_name: str | None = None


async def text(deps: Deps, who: UserInfo, typed: str, message_id: int = 0) -> Outcome:
    """A plain text message (the user's message ``message_id``) from the sender: dispatched to
    what it answers (see the module docstring). After "Write my answer" it is saved as the
    answer at once; a text that only *could* answer an open question is shown back first
    (:func:`bot.domain.answers.hold_typed`), never saved unasked."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        awaiting = user.awaiting
        pending = await _pending_for(deps, tx, user)
    if isinstance(awaiting, AwaitTimezone | AwaitTime):
        if isinstance(awaiting, AwaitTimezone):
            result = await set_timezone(deps, who, typed)
        else:
            result = await set_time_text(deps, who, typed)
        if pending.open_target is not None and _refused(typed, awaiting):
            result.replies.append(Message(who.id, texts.IF_CHECKIN_ANSWER))
        return result
    if isinstance(awaiting, AwaitCohortDraft):
        return await draft_text(deps, who, typed)
    if isinstance(awaiting, AwaitBroadcast):
        return await compose(deps, who, awaiting.cohort_id, typed)
    if isinstance(awaiting, AwaitReminderTime):
        result = await remind_text(deps, who, awaiting.offer_id, typed)
        refused = result.replies and result.replies[-1].text == texts.REMIND_BAD
        if refused and pending.open_target is not None:
            result.replies.append(Message(who.id, texts.IF_CHECKIN_ANSWER))
        return result
    if isinstance(awaiting, AwaitAnswer):
        cleaned = clean_typed(typed)
        return await record(
            deps,
            who,
            awaiting.round_id,
            awaiting.position,
            cleaned,
            from_button=False,
            message_id=message_id,
        )
    if pending.open_target is not None:
        round_id, position = pending.open_target
        return await hold_typed(deps, who, round_id, position, typed, message_id)
    if pending.button_questions:
        return Outcome(replies=[Message(who.id, texts.TAP_TO_ANSWER), *pending.button_questions])
    if pending.answered_open and pending.partner_name:
        reply = texts.ALREADY_ANSWERED_OPEN.format(partner=pending.partner_name)
        return Outcome(replies=[Message(who.id, reply)])
    return Outcome(replies=[Message(who.id, texts.NOTHING_WAITING)])


def _refused(typed: str, awaiting: AwaitTimezone | AwaitTime) -> bool:
    """Whether ``typed`` is not a valid answer to the time or timezone prompt."""
    try:
        if isinstance(awaiting, AwaitTimezone):
            parse_timezone(typed)
        else:
            parse_time_of_day(typed)
    except (ZoneError, TimeOfDayError):
        return True
    return False


async def _pending_for(deps: Deps, tx: UnitOfWork, user: User) -> _Pending:
    """What the pair's open rounds still want from this user: the newest round's open
    question nearest in view, else its button questions."""
    pending = _Pending()
    found = await pair_of(tx, user)
    if found is None:
        return pending
    current = await tx.rounds.open_of(found[0].id)
    if not current:
        return pending
    pending.partner_name = found[1].first_name
    for round_ in reversed(current):  # the newest round's questions are nearest in view
        waiting = await unanswered(deps, tx, round_, user)
        open_target = next((p for p, q, _ in waiting if q.kind == "open"), None)
        if open_target is not None:
            pending.open_target = (round_.id, open_target)
            pending.button_questions = []
            return pending
        pending.button_questions.extend(m for _, _, m in waiting)
    asked = await tx.rounds.asked_ids([r.id for r in current])
    pending.answered_open = any(_is_open(deps, q) for q in asked)
    return pending


def _is_open(deps: Deps, question_id: str) -> bool:
    """Whether a round's question is an open one (False for one gone from the bank)."""
    try:
        return question(deps, question_id).kind == "open"
    except KeyError:
        return False


async def non_text(deps: Deps, who: UserInfo) -> Outcome:
    """A sticker, photo, voice note or other non-text message: only text is understood."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        pending = await _pending_for(deps, tx, user)
    if user.awaiting is not None or pending.open_target is not None:
        return Outcome(replies=[Message(who.id, texts.TEXT_ONLY)])
    return Outcome(replies=[Message(who.id, texts.NON_TEXT_IDLE)])


async def cancel(deps: Deps, who: UserInfo) -> Outcome:
    """``/cancel``: stop waiting for typed input, whatever it was (a cohort set-up ends and
    its buttons stop working)."""
    async with deps.db.write() as tx:
        user = await touch(deps, tx, who)
        awaiting = user.awaiting
        await tx.users.set_awaiting(who.id, None)
        if isinstance(awaiting, AwaitCohortDraft):
            await tx.drafts.delete(who.id)
    if awaiting is None:
        return Outcome(replies=[Message(who.id, texts.NOTHING_TO_CANCEL)])
    if isinstance(awaiting, AwaitAnswer):
        return Outcome(replies=[Message(who.id, texts.CANCELLED_ANSWER)])
    return Outcome(replies=[Message(who.id, texts.CANCELLED)])
