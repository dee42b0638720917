"""End-to-end: no silent timezone (issue 12). A partner without a timezone is asked at pairing
and again before the first check-in; the pair's schedule follows the inviter's zone and waits,
with no round, until it is known. Fixed offsets are understood, with a note. START is Monday 2
March 2026, 09:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import invite_link, make_pair, start_user
from tests.e2e.helpers import count, no_error_reply

pytestmark = pytest.mark.usefixtures("no_crash")


def checkins(user: FakeUser) -> int:
    return count(user, "Check-in \u00b7")


async def test_the_schedule_waits_for_the_inviters_timezone(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await alex.send("/start")  # skips the timezone question
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))  # never sent /start: no timezone either
    await sam.press(texts.INVITE_ACCEPT)
    assert texts.PAIRED_WAITING_YOU.format(partner="Sam") in alex.chat.texts()
    assert texts.PAIRED_WAITING_PARTNER.format(partner="Alex") in sam.chat.texts()
    # /pair asked Alex moments ago, and that question is still there: not asked a third time.
    assert alex.chat.last.text == texts.PAIRED_WAITING_YOU.format(partner="Sam")
    assert texts.ASK_TIMEZONE_INVITER.format(partner="Sam") not in alex.chat.texts()
    assert alex.chat.texts().count(texts.ASK_TIMEZONE_BEFORE_PAIR) == 1
    assert sam.chat.last.text == texts.ASK_TIMEZONE_AFTER_PAIR

    await sam.send("New York")  # the invitee's zone shows times; the schedule still waits
    await sam.send("/settings")
    assert texts.STATUS_WAITING_ZONE.format(name="Alex") in sam.chat.last.text
    await alex.send("/settings")
    assert texts.STATUS_WAITING_YOUR_ZONE in alex.chat.last.text
    await box.advance(timedelta(days=2), step=timedelta(hours=1))
    assert checkins(alex) == checkins(sam) == 0  # never a silent UTC
    assert await box.runtime.tandem.next_round_at_for(alex.user_id) is None

    await alex.send("/timezone Sydney")
    assert alex.chat.last.text.startswith("Your check-ins with Sam are scheduled: daily at 20:00")
    assert "(Australia/Sydney)" in alex.chat.last.text
    # 04:00 in New York: Sam hears at the end of their quiet hours (08:00, 13:00 UTC).
    told = "Alex set their timezone, so your check-ins are"
    assert not sam.chat.last.text.startswith(told)
    await box.run_until(datetime(2026, 3, 4, 13, 0, tzinfo=UTC))
    assert sam.chat.last.text.startswith(told)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)  # 20:00 in Sydney (UTC+11)
    box.clock.set(due)
    await box.tick()
    assert checkins(alex) == checkins(sam) == 1
    no_error_reply(alex, sam)


async def test_an_inviter_is_asked_again_when_the_link_is_taken_up_later(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await alex.send("/start")  # skips the timezone question
    await alex.send("/pair")
    await box.advance(timedelta(hours=3), step=timedelta(hours=1))
    await sam.open_link(invite_link(alex))
    await sam.press(texts.INVITE_ACCEPT)
    assert alex.chat.last.text == texts.ASK_TIMEZONE_INVITER.format(partner="Sam")
    assert "Sydney" in [b.text for row in alex.chat.last.buttons for b in row]


async def test_the_invitee_is_asked_again_before_the_first_checkin(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press(texts.INVITE_ACCEPT)
    assert sam.chat.last.text == texts.ASK_TIMEZONE_AFTER_PAIR
    await sam.send("/help")  # ignores the question
    before = texts.ASK_TIMEZONE_BEFORE_CHECKIN.format(partner="Alex")
    box.clock.set(datetime(2026, 3, 2, 17, 59, tzinfo=UTC))
    await box.tick()
    assert before not in sam.chat.texts()
    box.clock.set(datetime(2026, 3, 2, 18, 0, tzinfo=UTC))  # an hour before 20:00 Berlin
    await box.tick()
    assert sam.chat.last.text == before
    assert count(alex, "Which timezone") == 0  # Alex gave one
    await sam.press("Sydney")
    box.clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    await box.tick()
    assert checkins(sam) == 1
    assert "Open until Wed 4 Mar, 06:00" in sam.chat.last.text  # Sydney's clock
    no_error_reply(alex, sam)


async def test_fixed_offsets_are_understood_with_a_note(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="GMT+3", b_zone="UTC+5:30")
    zone_set = next(t for t in alex.chat.texts() if t.startswith("Got it"))
    assert zone_set.startswith(texts.TIMEZONE_SET.format(zone="UTC+03:00", local="12:00"))
    assert texts.TIMEZONE_FIXED_NOTE.format(zone="UTC+03:00") in zone_set
    await sam.send("/settings")
    assert "daily at 20:00 (UTC+03:00)" in sam.chat.last.text
    assert "Your time: 22:30" in sam.chat.last.text
    await sam.send("/timezone Etc/GMT-3")
    reply = sam.chat.texts()[-2] if "Use UTC+03:00" in sam.chat.last.text else sam.chat.last.text
    assert texts.TIMEZONE_POSIX_NOTE.format(text="Etc/GMT-3", zone="UTC+03:00") in reply
    await alex.send("/timezone +03:00")
    assert alex.chat.last.text.startswith(
        texts.TIMEZONE_SET.format(zone="UTC+03:00", local="12:00")
    )
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 20:00 at UTC+3
    box.clock.set(due)
    await box.tick()
    assert checkins(sam) == 1
    no_error_reply(alex, sam)
