"""End-to-end: the core loop as partners see it in their chats."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import texts
from bot.sandbox import Sandbox
from bot.storage.tables import invites, rounds
from content.schema import Depth
from tests.conftest import Picker, invite_link, make_pair, open_round, start_user, texts_since


async def test_start_greets_explains_privacy_and_asks_timezone(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/start")
    greeting, ask = alex.chat.messages[-2:]
    assert "Alex" in greeting.text and "hidden until you have both answered" in greeting.text
    labels = [b.text for row in ask.buttons for b in row]
    assert "Berlin" in labels and "New York" in labels and "UTC" in labels
    await alex.send("berlin")
    assert "Europe/Berlin" in alex.chat.messages[-2].text
    assert "/pair" in alex.chat.last.text


async def test_timezone_by_button_and_by_iana_name(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/start")
    await alex.press("Tokyo")
    assert any("Asia/Tokyo" in t for t in alex.chat.texts())
    await alex.send("/timezone America/New_York")
    assert "America/New_York" in alex.chat.messages[-2].text


async def test_help_and_command_menu(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await alex.send("/help")
    for name, _ in texts.COMMANDS:
        assert f"/{name}" in alex.chat.last.text
    assert [c["command"] for c in box.fake.commands] == [n for n, _ in texts.COMMANDS]


async def test_invite_link_is_single_use_and_only_its_hash_is_stored(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    link = invite_link(alex)
    payload = link.split("?start=")[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,64}", payload)  # >= 128 bits
    async with box.runtime.engine.connect() as conn:
        stored = (await conn.execute(select(invites.c.token_hash))).scalars().all()
    assert stored == [hashlib.sha256(payload.encode()).hexdigest()]
    assert "48 hours" in alex.chat.last.text


async def test_partner_sees_inviter_and_both_are_told_when_paired(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    opened = next(m for m in sam.chat.messages if "invited you" in m.text)
    assert opened.text.startswith("Alex invited you")
    assert "You're now paired with Sam" in alex.chat.last.text
    assert "You're now paired with Alex" in sam.chat.last.text
    assert "daily at 20:00 (Europe/Berlin)" in sam.chat.last.text


async def test_decline_tells_the_inviter(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await start_user(sam, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))
    await sam.press("Decline")
    assert "declined" in sam.chat.last.text.lower()
    assert "Sam declined your invite" in alex.chat.last.text
    await sam.send("/checkin")
    assert sam.chat.last.text == texts.NOT_PAIRED


async def test_new_pair_schedule_follows_inviters_timezone_with_each_partners_local_time(
    box: Sandbox,
) -> None:
    _alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/settings")
    shown = sam.chat.last.text
    assert "daily at 20:00 (Europe/Berlin)" in shown
    assert "Your time: 14:00" in shown and "Alex's time: 20:00" in shown
    labels = [b.text for row in sam.chat.last.buttons for b in row]
    assert {"Daily", "Weekdays", "Weekly", "Off", "Change time", "Timezone", "Pause"} <= set(labels)


async def test_settings_warns_when_the_time_falls_in_a_partners_night(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="Los Angeles")
    await alex.send("/time 8:00")
    await alex.send("/settings")
    # 08:00 in Berlin is 23:00 the evening before in Los Angeles.
    assert "that's 23:00 for Sam, in the night-time quiet hours" in alex.chat.last.text
    await sam.send("/settings")
    assert "that's 23:00 for you, in the night-time quiet hours" in sam.chat.last.text


async def test_either_partner_changes_the_schedule_and_both_are_told(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    await sam.send("/time 8pm")
    assert "daily at 20:00" in sam.chat.last.text
    await sam.send("/settings")
    await sam.press("Weekly")
    await sam.press("Sun")
    assert "every Sunday at 20:00 (Europe/Berlin)" in sam.chat.last.text
    assert "Sam changed your check-ins" in alex.chat.last.text
    assert "every Sunday at 20:00" in alex.chat.last.text
    assert "Sun 8 Mar, 20:00 your time" in alex.chat.last.text
    # New York moved to summer time on 8 March: 20:00 Berlin is 15:00 there that day.
    assert "Sun 8 Mar, 15:00 your time" in sam.chat.last.text
    await alex.send("/frequency weekdays")
    assert "on weekdays at 20:00" in alex.chat.last.text
    assert "Alex changed" in sam.chat.last.text
    await alex.send("/timezone New York")
    await alex.press("Use America/New_York for our check-ins")
    assert "(America/New_York)" in sam.chat.last.text


async def test_time_by_prompt_and_cancel(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/time")
    assert alex.chat.last.text == texts.TIME_ASK
    await alex.send("/cancel")
    assert alex.chat.last.text == texts.CANCELLED
    await alex.send("21:15")
    assert alex.chat.last.text == texts.NOTHING_WAITING
    await alex.send("/time")
    await alex.send("21:15")
    assert "daily at 21:15" in alex.chat.last.text


async def test_pause_and_resume(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/pause")
    assert "Alex paused" in sam.chat.last.text
    await box.advance(timedelta(days=2), step=timedelta(hours=1))
    assert not any("Check-in ·" in t for t in sam.chat.texts())
    await sam.send("/resume")
    assert "Next one:" in sam.chat.last.text and "Sam resumed" in alex.chat.last.text


async def test_scheduled_round_reaches_both_at_the_same_instant(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="New York")
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    box.clock.set(due - timedelta(seconds=1))
    await box.tick()
    assert "Check-in ·" not in alex.chat.last.text
    box.clock.set(due)
    await box.tick()
    assert alex.chat.last.text.startswith("Check-in ·")
    assert sam.chat.last.text.startswith("Check-in ·")
    sends = [p for m, p in box.fake.requests if m == "sendMessage" and "Check-in ·" in p["text"]]
    assert len(sends) == 2
    assert "Open until Tue 3 Mar, 20:00" in alex.chat.last.text
    assert "Open until Tue 3 Mar, 14:00" in sam.chat.last.text


async def test_answers_stay_hidden_until_both_answered_then_reveal_to_both(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    before = len(sam.chat.messages)
    await alex.press("4")
    assert "Your answer: 4 of 5" in alex.chat.last.text
    told = texts_since(sam, before)
    assert told == [texts.ANSWER_WAITING.format(name="Alex")]
    assert "4" not in told[0]
    # Alex changes their mind before the reveal.
    await alex.press("3")
    assert "Your answer: 3 of 5" in alex.chat.last.text
    assert texts_since(sam, before) == told  # told only once
    await sam.press("3")
    for me, other, mine, theirs in ((alex, "Sam", "3", "3"), (sam, "Alex", "3", "3")):
        reveal = next(m.text for m in reversed(me.chat.messages) if texts.REVEAL_HEADER in m.text)
        assert f"You: {mine} of 5" in reveal and f"{other}: {theirs} of 5" in reveal
    # Same answer: no mismatch, no exercise.
    assert not any("pulled apart" in t for t in alex.chat.texts() + sam.chat.texts())


async def test_mismatch_suggests_an_exercise_after_the_reveal(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("5")
    await sam.press("1")
    for user in (alex, sam):
        reveal, offer = user.chat.messages[-2:]
        assert texts.REVEAL_HEADER in reveal.text
        assert "pulled apart" in offer.text and "Pick the one you'd like" in offer.text
        assert re.search(r"^1\. ", offer.text, re.M) and re.search(r"^2\. ", offer.text, re.M)
        labels = [b.text for row in offer.buttons for b in row]
        assert 3 <= len(labels) <= 4 and labels[-1] == "Not now"


async def test_skip_counts_as_an_answer_and_shows_as_passed(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("Keep this private")
    await sam.press("2")
    reveal = next(m.text for m in reversed(sam.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert "Alex: passed" in reveal and "You: 2 of 5" in reveal
    assert not any("pulled apart" in t for t in sam.chat.texts())


async def test_choice_question_conflict_is_a_mismatch(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "choice"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    question = picker.asked[-1]
    assert question.mismatch is not None
    first, second = question.mismatch.conflicts[0]
    await alex.press(f"a:1:0:{first}")
    await sam.press(f"a:1:0:{second}")
    reveal = next(m.text for m in reversed(alex.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert f"You: {question.option_label(first)}" in reveal
    assert "pulled apart" in alex.chat.last.text


async def test_open_answer_by_text_is_sent_without_markup_parsing(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    assert "Reply with a message" in alex.chat.last.text
    markup = "<b>not bold</b> *nor this* [link](http://x) _x_"
    await alex.send(markup)
    assert markup in alex.chat.last.text
    await sam.send("More walks together.")
    reveal = next(m for m in reversed(sam.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert markup in reveal.text and "More walks together." in reveal.text
    sends = [p for m, p in box.fake.requests if m == "sendMessage"]
    assert all(p.get("parse_mode") is None for p in sends)


async def test_change_open_answer_with_write_button(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.send("first draft")
    await alex.send("stray message")
    assert alex.chat.last.text == texts.ALREADY_ANSWERED_OPEN.format(partner="Sam")
    await alex.press("Write my answer")
    await alex.send("second draft")
    await sam.send("hello")
    reveal = next(m.text for m in reversed(sam.chat.messages) if texts.REVEAL_HEADER in m.text)
    assert "second draft" in reveal and "first draft" not in reveal


async def test_long_reveal_is_split_under_telegrams_limit(box: Sandbox, picker: Picker) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    long_a = ("a" * 99 + " ") * 20
    long_b = ("b" * 99 + " ") * 20
    await alex.send(long_a)
    before = len(sam.chat.messages)
    await sam.send(long_b)
    parts = texts_since(sam, before)
    assert len(parts) >= 2
    assert all(len(p) <= 4096 for p in parts)
    joined = "".join(parts).replace(" ", "").replace("\n", "")
    assert joined.count("a" * 99) == 20 and joined.count("b" * 99) == 20


async def test_checkin_at_most_three_a_day(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    for _ in range(3):
        await open_round(box, alex, sam)
        await alex.press("3")
        await sam.press("3")
    await sam.send("/checkin")
    assert "3 check-ins today already" in sam.chat.last.text
    await alex.send("/checkin")
    assert "already" in alex.chat.last.text


async def test_checkin_refused_while_one_is_open(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await sam.send("/checkin")
    assert sam.chat.messages[-2].text == texts.CHECKIN_OPEN_ALREADY
    assert sam.chat.last.text.startswith("Check-in ·") and sam.chat.last.buttons
    await sam.press("2")
    await sam.send("/checkin")
    assert sam.chat.last.text == texts.CHECKIN_OPEN_ANSWERED


async def test_expired_one_sided_round_keeps_the_answer_private(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    await open_round(box, alex, sam)
    await alex.press("5")
    before = len(sam.chat.messages)
    await box.advance(timedelta(hours=24, minutes=1))
    assert "stays private and will never be shown" in alex.chat.last.text
    assert all("5" not in t for t in texts_since(sam, before) if "Check-in" not in t)
    await sam.press("1")
    assert sam.chat.toasts[-1] == texts.ROUND_CLOSED
    assert not any(texts.REVEAL_HEADER in t for t in sam.chat.texts())


async def test_reminder_halfway_never_at_night_and_without_hints(box: Sandbox) -> None:
    alex, sam = await make_pair(box)  # daily at 20:00 Berlin
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()
    await alex.press("5")
    before_alex, before_sam = len(alex.chat.messages), len(sam.chat.messages)
    # Halfway is 08:00 Berlin next morning (07:00 UTC); nothing during the night.
    await box.advance(timedelta(hours=11, minutes=59), step=timedelta(minutes=30))
    assert texts_since(sam, before_sam) == []
    await box.advance(timedelta(minutes=1))
    reminder = texts_since(sam, before_sam)
    assert len(reminder) == 1 and reminder[0].startswith(texts.REMINDER_HEADER)
    assert "5" not in reminder[0].split("\n\n", 1)[1].split("1 =")[0]
    assert texts_since(alex, before_alex) == []  # Alex already answered


async def test_new_scheduled_round_closes_the_previous_one(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    await box.tick()
    await sam.press("2")
    box.clock.set(due + timedelta(days=1))
    await box.tick()
    assert any("stays private" in t for t in sam.chat.texts())
    assert alex.chat.last.text.startswith("Check-in ·")
    async with box.runtime.engine.connect() as conn:
        statuses = (
            (await conn.execute(select(rounds.c.status).order_by(rounds.c.id))).scalars().all()
        )
    assert statuses == ["expired", "open"]


async def test_questions_rotate_without_repeats_until_the_bank_is_exhausted(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = None  # first least-asked candidate, whatever its kind
    alex, _sam = await make_pair(box)
    await alex.send("/frequency daily")
    bank = len(box.runtime.content.questions_of(Depth.LIGHT))
    for _ in range(bank + 1):
        due = await box.runtime.tandem.next_round_at_for(alex.user_id)
        assert due is not None
        box.clock.set(due)
        await box.tick()
    asked = [q.id for q in picker.asked]
    assert len(set(asked[:bank])) == bank
    assert asked[bank] in asked[:bank]


async def test_unpair_with_confirmation_closes_open_round_unrevealed(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("5")
    await sam.send("/unpair")
    assert "End your pair with Alex?" in sam.chat.last.text
    await sam.press("No, keep it")
    assert sam.chat.last.text == texts.KEPT
    await sam.send("/unpair")
    await sam.press("Yes, end it")
    assert "Sam ended your pair" in alex.chat.last.text
    assert not any(texts.REVEAL_HEADER in t for t in alex.chat.texts() + sam.chat.texts())
    await sam.press("1")  # the old question's button
    assert sam.chat.toasts[-1] in (texts.BUTTON_NOT_YOURS, texts.ROUND_CLOSED)
    await alex.send("/checkin")
    assert alex.chat.last.text == texts.NOT_PAIRED


async def test_delete_my_data(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await alex.send("/delete")
    await alex.press("Yes, delete my data")
    assert "deleted" in alex.chat.last.text
    assert "ended your pair" in sam.chat.last.text
    from bot.storage.tables import answers, users

    async with box.runtime.engine.connect() as conn:
        assert (await conn.execute(select(users).where(users.c.id == 1001))).first() is None
        assert (
            await conn.execute(select(answers).where(answers.c.user_id == 1001))
        ).first() is None


async def test_late_round_is_sent_on_start_up_when_under_two_hours(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due + timedelta(hours=1, minutes=50))  # the bot was down until now
    await box.tick()
    assert sam.chat.last.text.startswith("Check-in ·")


async def test_round_more_than_two_hours_late_moves_to_the_next_slot(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due + timedelta(hours=2, minutes=1))
    await box.tick()
    assert not sam.chat.last.text.startswith("Check-in ·")
    assert await box.runtime.tandem.next_round_at_for(alex.user_id) == due + timedelta(days=1)


async def test_partner_who_opens_the_link_first_is_asked_for_a_timezone(box: Sandbox) -> None:
    alex = box.fake.user(1001, "Alex")
    sam = box.fake.user(1002, "Sam")
    await start_user(alex, "Berlin")
    await alex.send("/pair")
    await sam.open_link(invite_link(alex))  # no /start before
    await sam.press("Accept")
    assert sam.chat.messages[-2].text.startswith("You're now paired with Alex")
    assert sam.chat.last.text == texts.ASK_TIMEZONE_AFTER_PAIR
    await sam.send("new york")
    assert "America/New_York" in sam.chat.messages[-2].text
    # Already paired: the offer to use this zone for the schedule follows.
    assert "Use America/New_York for our check-ins" in str(sam.chat.last.buttons)


async def test_text_answers_the_open_question_after_cancel_and_hints_while_typing_a_time(
    box: Sandbox, picker: Picker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await sam.send("/time")
    await open_round(box, alex, sam)
    await sam.send("We cooked dinner together")
    assert sam.chat.last.text == texts.IF_CHECKIN_ANSWER
    await sam.send("/cancel")
    await sam.send("We cooked dinner together")
    assert "We cooked dinner together" in sam.chat.last.text  # saved as the answer
    assert "Sam has answered" in alex.chat.last.text


async def test_an_old_unpair_button_does_not_end_a_newer_pair(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/unpair")  # Alex does not tap yet
    await sam.send("/unpair")
    await sam.press("Yes, end it")
    chris = box.fake.user(1003, "Chris")
    await start_user(chris, "Berlin")
    await alex.send("/pair")
    await chris.open_link(invite_link(alex))
    await chris.press("Accept")
    await alex.press("unpair:y:1")  # the button shown for the first pair
    assert alex.chat.toasts[-1] == texts.BUTTON_STALE
    await alex.send("/settings")
    assert "Your check-ins with Chris" in alex.chat.last.text
    assert not any("ended your pair" in t for t in chris.chat.texts())


async def test_a_change_that_changes_nothing_does_not_notify_the_partner(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    before = len(sam.chat.messages)
    await alex.send("/frequency daily")
    assert alex.chat.last.text.startswith("That's already how it is")
    await alex.send("/settings")
    await alex.press("Daily")
    assert alex.chat.toasts[-1] == texts.NOTHING_CHANGED
    assert texts_since(sam, before) == []


async def test_checkin_limit_without_a_schedule_says_tomorrow(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency off")
    for _ in range(3):
        await open_round(box, alex, sam)
        await alex.press("3")
        await sam.press("3")
    await alex.send("/checkin")
    assert alex.chat.last.text == texts.CHECKIN_LIMIT_UNSCHEDULED.format(n=3)


async def test_partner_who_blocked_during_the_round_gets_the_reveal_when_back(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("4")
    await alex.block()
    await sam.press("2")
    assert texts.REVEAL_HEADER in sam.chat.messages[-2].text
    assert not any(t.startswith(texts.REVEAL_HEADER) for t in alex.chat.texts())
    await alex.unblock()
    await alex.send("/start")
    reveal = next(t for t in alex.chat.texts() if t.startswith(texts.REVEAL_HEADER))
    assert "You: 4 of 5" in reveal and "Sam: 2 of 5" in reveal


async def test_a_fresh_checkin_round_is_not_cut_short_by_the_scheduled_slot(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)  # daily 20:00 Berlin = 19:00 UTC
    box.clock.set(datetime(2026, 3, 2, 18, 50, tzinfo=UTC))
    await open_round(box, alex, sam)
    await alex.press("5")
    await box.advance(timedelta(minutes=30), step=timedelta(minutes=5))
    assert not any("will never be shown" in t for t in alex.chat.texts())
    await sam.press("1")
    assert any(t.startswith(texts.REVEAL_HEADER) for t in alex.chat.texts())
    # The next day's slot opens as usual.
    box.clock.set(datetime(2026, 3, 3, 19, 0, tzinfo=UTC))
    await box.tick()
    assert sam.chat.last.text.startswith("Check-in ·")


async def test_a_late_reminder_waits_for_the_morning(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/frequency weekly mon")
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due == datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
    box.clock.set(due)
    await box.tick()
    before = len(sam.chat.messages)
    # Halfway is Fri 08:00 Berlin; the bot is down until Fri 23:00.
    box.clock.set(datetime(2026, 3, 6, 22, 0, tzinfo=UTC))
    await box.tick()
    assert texts_since(sam, before) == []
    box.clock.set(datetime(2026, 3, 7, 7, 0, tzinfo=UTC))  # Sat 08:00 Berlin
    await box.tick()
    assert [t.split("\n")[0] for t in texts_since(sam, before)] == [texts.REMINDER_HEADER]


async def test_changing_the_time_warns_when_it_falls_in_a_partners_night(box: Sandbox) -> None:
    alex, sam = await make_pair(box, a_zone="Berlin", b_zone="Los Angeles")
    await alex.send("/time 7:30")
    assert "that's 22:30 for Sam, in the night-time quiet hours" in alex.chat.last.text
    assert "that's 22:30 for you, in the night-time quiet hours" in sam.chat.last.text
