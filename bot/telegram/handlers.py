"""Telegram handlers: parse the update, call one domain operation, render the outcome.

Handler groups (lower runs first; a group's first matching handler runs):

* ``-100`` duplicate guard: an update id already handled is dropped (at-least-once delivery).
* ``-50`` group-chat guard: Tandem works in private chats only; a command in a group gets a
  link to the private chat and nothing else.
* ``0`` the features: commands, button presses, text and other messages, my_chat_member.
* ``100`` outbox flush after every update, so partners hear about it at once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import CallbackQuery, ChatMember, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.domain import callbacks as cb
from bot.domain.legacy.service import UserInfo
from bot.domain.messages import Edit, Message, Outcome
from bot.i18n import speaking
from bot.telegram.context import TandemContext
from bot.telegram.sender import render_keyboard
from scheduler.cadence import Frequency

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE

Callback = Callable[[Update, TandemContext], Coroutine[Any, Any, None]]


def _who(update: Update) -> UserInfo:
    user = update.effective_user
    assert user is not None
    return UserInfo(
        id=user.id,
        first_name=user.first_name or "Partner",
        username=user.username,
        language_code=user.language_code,
    )


async def render(update: Update, context: TandemContext, outcome: Outcome) -> None:
    """Send the outcome's replies, answer the callback query (toast), apply the edit."""
    query = update.callback_query
    if query is not None:
        await _answer_query(query, outcome.toast)
        if outcome.edit is not None:
            await _apply_edit(query, outcome)
    for message in outcome.replies:
        await context.sender.send(context.bot, message)


async def _answer_query(query: CallbackQuery, toast: str | None) -> None:
    try:
        await query.answer(text=toast or None)
    except TelegramError as exc:
        # An old query (the bot was down) can no longer be answered; the rest still works.
        logger.info("callback query not answered: %s", type(exc).__name__)


async def _apply_edit(query: CallbackQuery, outcome: Outcome) -> None:
    edit = outcome.edit
    assert edit is not None
    markup = render_keyboard(edit.buttons)
    try:
        if edit.text is None:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(text=edit.text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            logger.info("edit failed: %s", exc.message)
    except Forbidden:
        pass


def _command(operation: Callable[[Update, TandemContext], Awaitable[Outcome]]) -> Callback:
    async def handler(update: Update, context: TandemContext) -> None:
        user = update.effective_user
        # Replies are built in the sender's own language; the domain switches to the
        # partner's language for what it queues for them.
        with speaking(user.language_code if user is not None else None):
            await render(update, context, await operation(update, context))

    handler.__doc__ = operation.__doc__
    return handler


@_command
async def start(update: Update, context: TandemContext) -> Outcome:
    """/start, with an invite token as deep-link payload or without."""
    payload = context.args[0] if context.args else None
    return await context.tandem.start(_who(update), payload)


@_command
async def help_command(update: Update, context: TandemContext) -> Outcome:
    """/help: what Tandem does and its commands."""
    return await context.tandem.help(_who(update))


@_command
async def pair(update: Update, context: TandemContext) -> Outcome:
    """/pair: an invite link for the partner."""
    return await context.tandem.create_invite(_who(update))


@_command
async def unpair(update: Update, context: TandemContext) -> Outcome:
    """/unpair: asks for confirmation first."""
    return await context.tandem.ask_unpair(_who(update))


@_command
async def delete(update: Update, context: TandemContext) -> Outcome:
    """/delete: delete the user's data, after confirmation."""
    return await context.tandem.ask_delete(_who(update))


@_command
async def settings(update: Update, context: TandemContext) -> Outcome:
    """/settings: the schedule with buttons."""
    return await context.tandem.show_settings(_who(update))


@_command
async def frequency(update: Update, context: TandemContext) -> Outcome:
    """/frequency [daily|weekdays|weekly <day>|off]."""
    return await context.tandem.set_frequency_text(_who(update), context.args or [])


@_command
async def time_command(update: Update, context: TandemContext) -> Outcome:
    """/time [HH:MM | 8pm]."""
    if not context.args:
        return await context.tandem.ask_time(_who(update))
    return await context.tandem.set_time_text(_who(update), " ".join(context.args))


@_command
async def timezone(update: Update, context: TandemContext) -> Outcome:
    """/timezone [city or IANA name]."""
    if not context.args:
        return await context.tandem.ask_timezone(_who(update))
    return await context.tandem.set_timezone(_who(update), " ".join(context.args))


@_command
async def pause(update: Update, context: TandemContext) -> Outcome:
    """/pause: no scheduled check-ins until /resume."""
    return await context.tandem.change_schedule(_who(update), paused=True)


@_command
async def resume(update: Update, context: TandemContext) -> Outcome:
    """/resume: scheduled check-ins again."""
    return await context.tandem.change_schedule(_who(update), paused=False)


@_command
async def checkin(update: Update, context: TandemContext) -> Outcome:
    """/checkin: open a round now."""
    return await context.tandem.checkin(_who(update))


@_command
async def weekly(update: Update, context: TandemContext) -> Outcome:
    """/weekly [day [time] | off]: the weekly deeper round of three questions."""
    return await context.tandem.weekly(_who(update), context.args or [])


@_command
async def focus(update: Update, context: TandemContext) -> Outcome:
    """/focus [topics | clear]: dimensions to weight in the question rotation."""
    return await context.tandem.focus(_who(update), context.args or [])


@_command
async def history(update: Update, context: TandemContext) -> Outcome:
    """/history: the pair's revealed rounds, newest first, paged."""
    return await context.tandem.insight.history(_who(update))


@_command
async def insights(update: Update, context: TandemContext) -> Outcome:
    """/insights: a chart of the last 12 weeks, a summary and the streak."""
    return await context.tandem.insight.insights(_who(update))


@_command
async def facilitator_invite(update: Update, context: TandemContext) -> Outcome:
    """/facilitator_invite (admins): a single-use link that makes someone a facilitator."""
    return await context.tandem.cohorts.facilitator_invite(_who(update))


@_command
async def list_facilitators(update: Update, context: TandemContext) -> Outcome:
    """/facilitators (admins): the facilitators, with buttons to remove one."""
    return await context.tandem.cohorts.list_facilitators(_who(update))


@_command
async def cohort_new(update: Update, context: TandemContext) -> Outcome:
    """/cohort_new (facilitators): set up a cohort in a short conversation."""
    return await context.tandem.cohorts.cohort_new(_who(update))


@_command
async def list_cohorts(update: Update, context: TandemContext) -> Outcome:
    """/cohorts (facilitators): their cohorts with buttons."""
    return await context.tandem.cohorts.list_cohorts(_who(update))


@_command
async def cohort(update: Update, context: TandemContext) -> Outcome:
    """/cohort: the program the user's pair takes part in."""
    return await context.tandem.cohorts.show(_who(update))


@_command
async def leave_cohort(update: Update, context: TandemContext) -> Outcome:
    """/leave_cohort: leave the program (asks first)."""
    return await context.tandem.cohorts.ask_leave(_who(update))


@_command
async def cancel(update: Update, context: TandemContext) -> Outcome:
    """/cancel: stop waiting for typed input."""
    return await context.tandem.cancel(_who(update))


@_command
async def on_text(update: Update, context: TandemContext) -> Outcome:
    """A text message: an open answer, a time or a timezone, if one is awaited."""
    assert update.effective_message is not None
    return await context.tandem.text(_who(update), update.effective_message.text or "")


@_command
async def on_other_message(update: Update, context: TandemContext) -> Outcome:
    """A sticker, photo, voice note, …: only text is understood."""
    return await context.tandem.non_text(_who(update))


@_command
async def unknown_command(update: Update, context: TandemContext) -> Outcome:
    """A command Tandem does not have."""
    return Outcome(replies=[_reply(update, texts.UNKNOWN_COMMAND)])


def _reply(update: Update, text: str) -> Message:
    return Message(_who(update).id, text)


@_command
async def on_button(update: Update, context: TandemContext) -> Outcome:
    """Any inline-button press: parsed strictly, checked by the domain for membership."""
    query = update.callback_query
    assert query is not None
    who = _who(update)
    data = cb.parse(query.data)
    tandem = context.tandem
    match data:
        case cb.AnswerData(round_id, position, value):
            return await tandem.answer(who, round_id, position, value)
        case cb.WriteData(round_id, position):
            return await tandem.begin_text_answer(who, round_id, position)
        case cb.InviteData(invite_id, accept):
            return await tandem.respond_invite(who, invite_id, accept)
        case cb.ConfirmData("unpair", yes, pair_id):
            return await tandem.unpair(who, yes, pair_id)
        case cb.ConfirmData("delete", yes):
            return await tandem.delete_data(who, yes)
        case cb.FrequencyData("weekly"):
            return tandem.ask_weekday(who)
        case cb.FrequencyData(value):
            return await tandem.change_schedule(who, frequency=Frequency(value), as_edit=True)
        case cb.WeekdayData(day):
            return await tandem.change_schedule(
                who, frequency=Frequency.WEEKLY, weekday=day, as_edit=True
            )
        case cb.TimezoneData(zone):
            result = await tandem.set_timezone(who, zone)
            if result.edit is None:
                result.edit = _no_buttons()
            return result
        case cb.PairTimezoneData(whose):
            return await tandem.set_pair_timezone(who, whose)
        case cb.SettingData("time"):
            result = await tandem.ask_time(who)
            result.toast = ""
            return result
        case cb.SettingData("tz"):
            return await tandem.ask_pair_timezone(who)
        case cb.SettingData("pause"):
            return await tandem.change_schedule(who, paused=True, as_edit=True)
        case cb.SettingData("resume"):
            return await tandem.change_schedule(who, paused=False, as_edit=True)
        case cb.SettingData("keep"):
            return Outcome(toast=texts.KEPT, edit=_no_buttons())
        case cb.PickData(offer_id, choice, False):
            return await tandem.exercises.pick(who, offer_id, choice)
        case cb.PickData(offer_id, choice, True):
            return await tandem.exercises.decide(who, offer_id, choice)
        case cb.RemindData(offer_id, when):
            return await tandem.exercises.remind_choice(who, offer_id, when)
        case cb.HistoryData(offset):
            return await tandem.insight.history(who, offset, as_edit=True)
        case cb.FocusData(value):
            return await tandem.toggle_focus(who, value)
        case cb.WeeklyData(day):
            return await tandem.set_weekly(who, day, as_edit=True)
        case cb.RevokeData(user_id):
            return await tandem.cohorts.revoke(who, user_id)
        case cb.SetupData(step, value):
            return await tandem.cohorts.draft_button(who, step, value)
        case cb.CohortData(action, cohort_id):
            return await tandem.cohorts.cohort_action(who, action, cohort_id)
        case cb.ConsentData("ce", cohort_id, yes):
            return await tandem.cohorts.consent(who, cohort_id, yes)
        case cb.ConsentData("lc", cohort_id, yes):
            return await tandem.cohorts.leave(who, cohort_id, yes)
        case cb.ConsentData("bc", broadcast_id, yes):
            return await tandem.cohorts.broadcasts.confirm(who, broadcast_id, yes)
    logger.info("unparseable callback data from %s", who.id)
    return Outcome(toast=texts.BUTTON_STALE)


def _no_buttons() -> Edit:
    return Edit(None, ())


async def on_my_chat_member(update: Update, context: TandemContext) -> None:
    """The user blocked (or unblocked) the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await context.tandem.mark_inactive(change.from_user.id)
    # Unblocking alone changes nothing: the user comes back with /start.


async def in_group(update: Update, context: TandemContext) -> None:
    """Any command outside a private chat: a link to the private chat, nothing else."""
    message = update.effective_message
    if message is not None:
        link = f"https://t.me/{context.bot.username}"
        try:
            await message.reply_text(texts.GROUP_ONLY_PRIVATE.format(link=link))
        except TelegramError as exc:
            logger.info("group reply failed: %s", type(exc).__name__)
    raise ApplicationHandlerStop


async def ignore_non_private(update: Update, context: TandemContext) -> None:
    """Edited messages, and messages in groups and channels that are not commands: ignored,
    quietly."""
    raise ApplicationHandlerStop


async def drop_duplicates(update: Update, context: TandemContext) -> None:
    """Drop an update whose id was already claimed (Telegram delivers at least once)."""
    if not await context.tandem.claim_update(update.update_id):
        logger.info("duplicate update %s dropped", update.update_id)
        raise ApplicationHandlerStop


async def flush_outbox(update: Update, context: TandemContext) -> None:
    """After every update, send what the domain queued for anyone."""
    await context.sender.flush(context.bot)


def handlers() -> dict[int, Sequence[BaseHandler[Any, TandemContext, Any]]]:
    """Every handler, by group (see the module docstring for why the order matters)."""
    commands: list[tuple[str, Callback]] = [
        ("start", start),
        ("help", help_command),
        ("pair", pair),
        ("unpair", unpair),
        ("delete", delete),
        ("settings", settings),
        ("frequency", frequency),
        ("time", time_command),
        ("timezone", timezone),
        ("pause", pause),
        ("resume", resume),
        ("checkin", checkin),
        ("weekly", weekly),
        ("focus", focus),
        ("history", history),
        ("insights", insights),
        ("facilitator_invite", facilitator_invite),
        ("facilitators", list_facilitators),
        ("cohort_new", cohort_new),
        ("cohorts", list_cohorts),
        ("cohort", cohort),
        ("leave_cohort", leave_cohort),
        ("cancel", cancel),
    ]
    features: list[BaseHandler[Any, TandemContext, Any]] = [
        CommandHandler(name, callback, filters=PRIVATE) for name, callback in commands
    ]
    features += [
        CallbackQueryHandler(on_button),
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
        MessageHandler(PRIVATE & filters.TEXT, on_text),
        MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, on_other_message),
    ]
    return {
        -100: [TypeHandler(Update, drop_duplicates)],
        -50: [
            # An edited message is not a new answer: answers change through the buttons.
            MessageHandler(filters.UpdateType.EDITED, ignore_non_private),
            MessageHandler(~PRIVATE & filters.COMMAND, in_group),
            MessageHandler(~PRIVATE, ignore_non_private),
        ],
        0: features,
        100: [TypeHandler(Update, flush_outbox)],
    }


def register(application: Application[Any, TandemContext, Any, Any, Any, Any]) -> None:
    """Add every handler to ``application`` (the composition root calls this once)."""
    application.add_handlers(handlers())
