"""Inline-button presses: each kind of callback data (parsed strictly in
:mod:`bot.domain.callbacks`) and the operation it runs. Ids in callback data are only
references: every operation checks that the sender belongs to what they name."""

from __future__ import annotations

import logging

from bot import texts
from bot.domain import (
    account,
    answers,
    deeper,
    focus,
    language,
    onboarding,
    packs,
    pairing,
    proposals,
    reactions,
    retention,
    safety,
    settings,
    weekly,
)
from bot.domain import callbacks as cb
from bot.domain.cohorts import broadcasts, enrolment, manage, roles, setup
from bot.domain.deps import Deps
from bot.domain.errors import Refused
from bot.domain.exercises import offers, reminders
from bot.domain.insight import history
from bot.domain.messages import Edit, Outcome, Pressed
from bot.domain.model import Retention
from bot.domain.people import UserInfo
from scheduler.cadence import Frequency

logger = logging.getLogger(__name__)


async def press(
    deps: Deps, who: UserInfo, data: str | None, pressed: Pressed | None = None
) -> Outcome:
    """The operation for a button's callback data; unreadable data gets a toast. ``pressed``:
    the pressed message as Telegram describes it (for the operations that check it)."""
    match cb.parse(data):
        case cb.AnswerData(round_id, position, value):
            return await answers.answer(deps, who, round_id, position, value)
        case cb.WriteData(round_id, position):
            return await answers.begin_text_answer(deps, who, round_id, position)
        case cb.TypedData(action, message_id, version):
            return await answers.confirm_typed(deps, who, action, message_id, version)
        case cb.InviteData(invite_id, accept):
            return await pairing.respond_invite(deps, who, invite_id, accept)
        case cb.ConfirmData("unpair", yes, pair_id, take_back):
            return await pairing.unpair(deps, who, yes, pair_id, take_back=take_back)
        case cb.ConfirmData("delete", yes):
            return await account.delete_data(deps, who, yes)
        case cb.FrequencyData("weekly"):
            return settings.ask_weekday(who)
        case cb.FrequencyData(value):
            return await settings.change_schedule(
                deps, who, frequency=Frequency(value), as_edit=True
            )
        case cb.WeekdayData(day):
            return await settings.change_schedule(
                deps, who, frequency=Frequency.WEEKLY, weekday=day, as_edit=True
            )
        case cb.TimezoneData(zone):
            result = await onboarding.set_timezone(deps, who, zone)
            if result.edit is None:
                result.edit = Edit(None, ())
            return result
        case cb.PairTimezoneData(whose):
            return await settings.set_pair_timezone(deps, who, whose)
        case cb.SettingData("time"):
            result = await settings.ask_time(deps, who)
            result.toast = ""
            return result
        case cb.SettingData("tz"):
            return await settings.ask_pair_timezone(deps, who)
        case cb.SettingData("pause"):
            return await settings.change_schedule(deps, who, paused=True, as_edit=True)
        case cb.SettingData("resume"):
            return await settings.change_schedule(deps, who, paused=False, as_edit=True)
        case cb.SettingData("keep"):
            return Outcome(toast=texts.KEPT, edit=Edit(None, ()))
        case cb.PickData(offer_id, choice, False):
            return await offers.pick(deps, who, offer_id, choice)
        case cb.PickData(offer_id, choice, True):
            return await offers.decide(deps, who, offer_id, choice)
        case cb.RemindData(offer_id, when):
            return await reminders.remind_choice(deps, who, offer_id, when)
        case cb.HistoryData(offset):
            # A page is edited in place only on a history page's own button: forged data on
            # another message gets a new (protected, remembered) page instead, never an
            # unprotected message turned into one.
            on_page = pressed is None or pressed.sent_at is None or data in pressed.buttons
            return await history.history(deps, who, offset, as_edit=on_page)
        case cb.FocusData(value):
            return await focus.toggle_focus(deps, who, value)
        case cb.PackData(pack_id, on):
            return await packs.toggle_pack(deps, who, pack_id, on)
        case cb.WeeklyData(day):
            return await weekly.set_weekly(deps, who, day, as_edit=True)
        case cb.RevokeData(user_id):
            return await roles.revoke(deps, who, user_id)
        case cb.SetupData(step, value):
            return await setup.draft_button(deps, who, step, value)
        case cb.CohortData(action, cohort_id):
            return await manage.cohort_action(deps, who, action, cohort_id)
        case cb.ConsentData("ce", cohort_id, yes):
            return await enrolment.consent(deps, who, cohort_id, yes)
        case cb.ConsentData("lc", cohort_id, yes):
            return await enrolment.leave(deps, who, cohort_id, yes)
        case cb.ConsentData("bc", broadcast_id, yes):
            return await broadcasts.confirm(deps, who, broadcast_id, yes)
        case cb.RetentionData(choice):
            return await retention.choose(deps, who, Retention(choice))
        case cb.ProposalData(pair_id, choice, yes):
            return await retention.answer_proposal(deps, who, pair_id, Retention(choice), yes)
        case cb.ScheduleProposalData(pair_id, seq, yes):
            return await proposals.answer(deps, who, pair_id, seq, yes)
        case cb.SafetyRemoveData(command_id):
            return safety.remove(deps, who, command_id, pressed)
        case cb.DeeperData(yes):
            return await deeper.choose(deps, who, yes)
        case cb.LanguageData(choice):
            return await language.choose(deps, who, choice, pressed)
        case cb.ReactionData(round_id, reaction):
            return await reactions.react(deps, who, round_id, reaction, pressed)
    logger.info("unparseable callback data from %s", who.id)
    raise Refused(texts.BUTTON_STALE, toast=True)
