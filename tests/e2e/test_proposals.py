"""End-to-end: a schedule change that lands in the partner's quiet hours asks them first
(issue 12). Partners in Berlin, New York and Sydney; START is Monday 2 March 2026, 09:00 UTC
(Berlin UTC+1, New York UTC-5, Sydney UTC+11); a new pair checks in daily at 20:00 in the
inviter's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from bot.emulator import FakeUser, SentMessage
from bot.sandbox import Sandbox
from scheduler.clock import ManualClock
from tests.conftest import invite_link, make_pair, start_user, texts_since
from tests.e2e.helpers import labels, newest, no_error_reply, press_in

pytestmark = pytest.mark.usefixtures("no_crash")


@pytest.fixture
def clock() -> ManualClock:
    """14:00 UTC: afternoon in Berlin, morning in New York. Quiet hours hold a notice to a
    partner at night (their own test file); here the partner is awake and reads it at once."""
    return ManualClock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


def proposal_of(user: FakeUser) -> SentMessage:
    """The newest proposal in the user's chat (it carries the Accept button)."""
    for message in reversed(user.chat.messages):
        if texts.BTN_PROPOSAL_ACCEPT in labels(message) and "would like" in message.text:
            return message
    raise AssertionError(f"no proposal in {user!r}'s chat")


def data_of(message: SentMessage, label: str) -> str:
    for row in message.buttons:
        for button in row:
            if button.text == label and button.callback_data is not None:
                return button.callback_data
    raise AssertionError(f"no button {label!r}")


async def schedule_shown(user: FakeUser) -> str:
    await user.send("/settings")
    return user.chat.last.text


async def test_time_into_the_partners_night_is_asked_first_then_accepted(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 8:00")  # 08:00 Berlin is 02:00 in New York
    assert alex.chat.last.text == texts.PROPOSAL_SENT.format(
        when="08:00", zone="Europe/Berlin", local="02:00", partner="Sam"
    )
    asked = proposal_of(sam)
    assert asked.text == texts.PROPOSAL_ASK.format(
        name="Alex", schedule="daily at 08:00 (Europe/Berlin)", local="02:00"
    )
    assert labels(asked) == [texts.BTN_PROPOSAL_ACCEPT, texts.BTN_PROPOSAL_DECLINE]
    # Nothing changed yet; /settings says what waits.
    shown = await schedule_shown(alex)
    assert "daily at 20:00 (Europe/Berlin)" in shown
    assert "Waiting for Sam: check-ins to come daily at 08:00 (Europe/Berlin)." in shown
    assert await box.runtime.tandem.next_round_at_for(alex.user_id) == datetime(
        2026, 3, 2, 19, 0, tzinfo=UTC
    )

    accept = data_of(asked, texts.BTN_PROPOSAL_ACCEPT)
    await press_in(sam, asked, texts.BTN_PROPOSAL_ACCEPT)
    shown = next(m for m in sam.chat.messages if m.message_id == asked.message_id)
    assert labels(shown) == []  # its buttons are gone
    assert sam.chat.last.text.startswith("Accepted. Check-ins now come daily at 08:00")
    assert "Tue 3 Mar, 02:00 your time" in sam.chat.last.text
    assert alex.chat.last.text.startswith("Sam accepted: check-ins now come daily at 08:00")
    assert await box.runtime.tandem.next_round_at_for(alex.user_id) == datetime(
        2026, 3, 3, 7, 0, tzinfo=UTC
    )
    assert "Waiting for" not in await schedule_shown(alex)
    # The same button again (an old client still shows it): answered, nothing changes.
    await sam.press_data(asked.message_id, accept)
    assert sam.chat.toasts[-1] == texts.PROPOSAL_ANSWERED
    no_error_reply(alex, sam)


async def test_a_declined_proposal_changes_nothing_and_the_proposer_hears_one_line(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 7:00")
    before = len(alex.chat.messages)
    await press_in(sam, proposal_of(sam), texts.BTN_PROPOSAL_DECLINE)
    assert sam.chat.last.text == texts.PROPOSAL_DECLINED_YOU.format(name="Alex")
    assert texts_since(alex, before) == [texts.PROPOSAL_DECLINED_PARTNER.format(name="Sam")]
    assert "daily at 20:00 (Europe/Berlin)" in await schedule_shown(alex)
    assert await box.runtime.tandem.next_round_at_for(alex.user_id) == datetime(
        2026, 3, 2, 19, 0, tzinfo=UTC
    )


async def test_a_change_outside_the_partners_night_applies_at_once(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 19:00")  # 13:00 in New York
    assert alex.chat.last.text.startswith("Done. Check-ins now come daily at 19:00")
    assert "would like" not in sam.chat.last.text


async def test_a_replaced_proposal_answers_so_and_changes_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 8:00")
    first = proposal_of(sam)
    await alex.send("/time 7:00")  # a newer proposal replaces it
    second = proposal_of(sam)
    assert second.message_id != first.message_id
    await press_in(sam, first, texts.BTN_PROPOSAL_ACCEPT)
    assert sam.chat.toasts[-1] == texts.PROPOSAL_REPLACED
    assert "daily at 20:00 (Europe/Berlin)" in await schedule_shown(sam)

    await alex.send("/time 19:00")  # a direct change replaces the waiting one too
    await press_in(sam, second, texts.BTN_PROPOSAL_ACCEPT)
    assert sam.chat.toasts[-1] == texts.PROPOSAL_REPLACED
    assert "daily at 19:00 (Europe/Berlin)" in await schedule_shown(sam)
    no_error_reply(alex, sam)


async def test_a_stranger_or_the_proposer_pressing_changes_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/time 8:00")
    asked = proposal_of(sam)
    accept = data_of(asked, texts.BTN_PROPOSAL_ACCEPT)
    kim = box.fake.user(1003, "Kim")
    await start_user(kim, "Sydney")
    await kim.press_data(asked.message_id, accept)
    assert kim.chat.toasts[-1] == texts.PROPOSAL_NOT_YOURS
    await alex.press_data(asked.message_id, accept)  # forged by the proposer
    assert alex.chat.toasts[-1] == texts.PROPOSAL_OWN.format(partner="Sam")
    assert "daily at 20:00 (Europe/Berlin)" in await schedule_shown(alex)
    # The proposal still waits for Sam.
    await press_in(sam, asked, texts.BTN_PROPOSAL_ACCEPT)
    assert "daily at 08:00 (Europe/Berlin)" in await schedule_shown(alex)
    no_error_reply(alex, sam, kim)


async def test_a_weekly_time_in_the_partners_night_is_a_proposal(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await alex.send("/weekly tue 10:00")  # 04:00 in New York
    assert alex.chat.last.text == texts.PROPOSAL_SENT.format(
        when="10:00", zone="Europe/Berlin", local="04:00", partner="Sam"
    )
    asked = proposal_of(sam)
    assert "every Tuesday at 10:00 (Europe/Berlin)" in asked.text
    await sam.send("/weekly")
    assert sam.chat.last.text == texts.WEEKLY_STATUS_OFF
    await press_in(sam, asked, texts.BTN_PROPOSAL_ACCEPT)
    assert alex.chat.last.text.startswith("Sam accepted: check-ins now come every Tuesday")
    await alex.send("/weekly")
    assert "Tuesday" in alex.chat.last.text and "10:00" in alex.chat.last.text


async def test_whose_timezone_into_the_partners_night_is_a_proposal(box: Sandbox) -> None:
    kim = box.fake.user(1003, "Kim")
    alex = box.fake.user(1001, "Alex")
    await start_user(kim, "Sydney")
    await start_user(alex, "Berlin")
    await kim.send("/pair")
    await alex.open_link(invite_link(kim))
    await alex.press(texts.INVITE_ACCEPT)
    # 20:00 Sydney is 10:00 in Berlin. Following Berlin instead: 20:00 Berlin is 06:00 Sydney.
    await alex.send("/settings")
    await alex.press(texts.BTN_TZ)
    await alex.press(texts.PAIR_TZ_MINE.format(zone="Europe/Berlin"))
    sent = newest(alex, "20:00 (Europe/Berlin) is 06:00 for Kim")
    assert sent.text == texts.PROPOSAL_SENT.format(
        when="20:00", zone="Europe/Berlin", local="06:00", partner="Kim"
    )
    # 01:00 in Sydney: the proposal waits for the end of Kim's quiet hours, 08:00 there.
    with pytest.raises(AssertionError):
        proposal_of(kim)
    await box.run_until(datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    asked = proposal_of(kim)
    assert "daily at 20:00 (Europe/Berlin)" in asked.text
    assert "daily at 20:00 (Australia/Sydney)" in await schedule_shown(kim)
    await press_in(kim, asked, texts.BTN_PROPOSAL_ACCEPT)
    assert "daily at 20:00 (Europe/Berlin)" in await schedule_shown(kim)
    no_error_reply(alex, kim)
