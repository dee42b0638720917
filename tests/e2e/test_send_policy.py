"""End-to-end: delivery under Telegram's limits, and nothing lost (issue 10).

The sandbox runs with ``limits=True``: the emulator refuses what Telegram would refuse (about
30 messages/s overall, 1 per second per chat, with 429 ``retry_after``) and the sender paces
to those limits on the manual clock, moving it as it waits, so nothing here sleeps and
nothing depends on the machine's speed. Figures (how fast a wave goes) are in
``benchmarks/bench_wave.py``, never asserted here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from bot import texts
from bot.domain.messages import Message
from bot.emulator import FakeBotAPI, FakeUser
from bot.sandbox import Sandbox, sandbox
from scheduler.clock import ManualClock
from tests.conftest import invite_link, make_pair, open_round
from tests.e2e.helpers import (
    DimensionPicker,
    count,
    logged,
    mismatch_with_offer,
    no_error_reply,
)

pytestmark = pytest.mark.usefixtures("no_crash")

QUESTION = "Check-in ·"


@pytest.fixture
async def limited(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: DimensionPicker
) -> AsyncIterator[Sandbox]:
    """A Tandem whose emulator enforces Telegram's limits and whose sender paces to them."""
    async with sandbox(db_url, clock=clock, fake=fake, picker=picker, limits=True) as running:
        yield running


async def pair_up(box: Sandbox, first: int, second: int) -> tuple[FakeUser, FakeUser]:
    """Two users start the bot in Berlin and pair (daily at 20:00 Berlin)."""
    a = box.fake.user(first, f"A{first}")
    b = box.fake.user(second, f"B{second}")
    for user in (a, b):
        await user.send("/start")
        await user.send("Berlin")
    await a.send("/pair")
    await b.open_link(invite_link(a))
    await b.press("Accept")
    return a, b


async def wave_of(box: Sandbox, pairs: int) -> tuple[list[tuple[FakeUser, FakeUser]], datetime]:
    """``pairs`` pairs, all due at the same instant; returns them and that instant, with the
    clock a second before it."""
    made = [await pair_up(box, 5000 + 2 * i, 5001 + 2 * i) for i in range(pairs)]
    due = await box.runtime.tandem.next_round_at_for(made[0][0].user_id)
    assert due is not None
    box.clock.set(due - timedelta(seconds=2))
    await box.tick()  # what pairing queued is out
    assert await box.runtime.outbox.pending() == 0
    return made, due


def accepted_at(fake: FakeBotAPI, user: FakeUser, fragment: str) -> float:
    """When (Unix seconds on the emulator's clock) the user's first message containing
    ``fragment`` was accepted."""
    index = next(i for i, m in enumerate(user.chat.messages) if fragment in m.text)
    sent = [t for t, chat, _paid in fake.send_log.accepted if chat == user.user_id]
    return sent[index]


def assert_within_limits(fake: FakeBotAPI) -> None:
    """Never more than 30 messages in any second, never two to one chat within a second."""
    times = sorted(t for t, _chat, _paid in fake.send_log.accepted)
    start = 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        assert end - start + 1 <= 30, f"{end - start + 1} messages within one second"
    last: dict[int, float] = {}
    for at, chat, _paid in fake.send_log.accepted:
        assert at - last.get(chat, -10.0) >= 1.0, f"two messages to {chat} within a second"
        last[chat] = at


async def test_a_wave_stays_under_the_limits_and_partners_get_it_back_to_back(
    limited: Sandbox,
) -> None:
    box = limited
    made, due = await wave_of(box, 20)
    await box.run_until(due + timedelta(minutes=1))
    for a, b in made:
        assert count(a, QUESTION) == 1 and count(b, QUESTION) == 1
        gap = abs(accepted_at(box.fake, a, QUESTION) - accepted_at(box.fake, b, QUESTION))
        assert gap < 1.0
    assert_within_limits(box.fake)
    assert box.fake.send_log.retry_afters == 0  # the policy, not Telegram, kept the pace
    assert await box.runtime.outbox.pending() == 0


async def test_a_settings_reply_during_a_wave_goes_ahead_of_it(limited: Sandbox) -> None:
    box = limited
    made, due = await wave_of(box, 20)
    box.clock.set(due)
    await box.runtime.runner.tick(due)  # the wave is queued: 40 questions wait
    assert await box.runtime.outbox.pending() == 40
    asker = made[-1][0]  # the last pair's questions are the last in line
    mark = len(box.fake.send_log.accepted)
    before = len(asker.chat.messages)
    await asker.send("/settings")  # the reply, then the wave (flushed after the update)
    reply = asker.chat.messages[before]
    assert "20:00" in reply.text  # the settings page, not a question
    at, chat, _paid = box.fake.send_log.accepted[mark]
    assert chat == asker.user_id  # the first message out after the press
    assert at - due.timestamp() < 1.0
    await box.run_until(box.clock.now() + timedelta(minutes=1))
    assert all(count(u, QUESTION) == 1 for pair in made for u in pair)
    assert_within_limits(box.fake)


async def test_a_retry_after_on_one_chat_delays_only_that_chat(limited: Sandbox) -> None:
    box = limited
    made, due = await wave_of(box, 5)
    box.fake.fail_next(
        "sendMessage", error_code=429, description="Too Many Requests: retry after 5", retry_after=5
    )
    before = len(box.fake.requests)
    await box.run_until(due + timedelta(minutes=1))
    refused = next(p for m, p in box.fake.requests[before:] if m == "sendMessage")
    first = next(u for pair in made for u in pair if u.user_id == int(refused["chat_id"]))
    others = [u for pair in made for u in pair if u is not first]
    slowest_other = max(accepted_at(box.fake, u, QUESTION) for u in others)
    assert slowest_other - due.timestamp() < 1.0  # nobody else waited for it
    assert accepted_at(box.fake, first, QUESTION) - due.timestamp() >= 5.0
    assert count(first, QUESTION) == 1


async def test_a_question_past_the_lateness_bound_is_not_sent(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    box.fake.outage(due, due + timedelta(minutes=20))  # Telegram unreachable from the slot
    await box.run_until(due + timedelta(minutes=30))
    assert count(alex, QUESTION) == 0 and count(sam, QUESTION) == 0
    assert logged(caplog, "past its lateness bound, not sent")
    assert await box.runtime.outbox.pending() == 0


async def test_a_round_whose_questions_went_unsent_closes_and_never_reminds(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A late-skipped question does not leave its round open: it closes as expired when the
    sender drops the question, so no reminder later points at a question nobody saw, and the
    next day's round opens as usual."""
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    box.clock.set(due)
    box.fake.outage(due, due + timedelta(minutes=20))
    await box.run_until(due + timedelta(minutes=30))
    assert count(alex, QUESTION) == 0 and count(sam, QUESTION) == 0
    assert logged(caplog, "a question was not sent in time; closed")
    async with box.runtime.tandem.deps.db.read() as tx:
        user = await tx.users.get(alex.user_id)
        assert user is not None and user.pair_id is not None
        assert await tx.rounds.open_of(user.pair_id) == []
    await box.run_until(due + timedelta(days=1, minutes=1))  # through the reminder's time
    nudge = "A gentle nudge"  # the reminder's start, in either of its forms
    assert count(alex, nudge) == 0 and count(sam, nudge) == 0
    assert count(alex, QUESTION) == 1 and count(sam, QUESTION) == 1  # the next day's


async def test_a_round_later_than_the_bound_is_skipped_logged_and_counted(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)
    due = await box.runtime.tandem.next_round_at_for(alex.user_id)
    assert due is not None
    skipped = REGISTRY.get_sample_value("tandem_rounds_skipped_late_total") or 0.0
    box.clock.set(due + timedelta(minutes=16))  # the bot was down
    await box.tick()
    assert count(sam, QUESTION) == 0
    assert logged(caplog, "skipped: later than the bound")
    assert REGISTRY.get_sample_value("tandem_rounds_skipped_late_total") == skipped + 1


async def test_a_one_hour_outage_loses_nothing(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await alex.press("5")
    now = box.clock.now()
    # An hour without Telegram: connection errors, then 502s, then timeouts.
    box.fake.outage(now, now + timedelta(minutes=20), kind="network")
    box.fake.outage(now + timedelta(minutes=20), now + timedelta(minutes=40), kind="5xx")
    box.fake.outage(now + timedelta(minutes=40), now + timedelta(hours=1), kind="timeout")
    await sam.press("1")  # the reveal is decided; nothing can go out
    await box.run_until(now + timedelta(minutes=59))
    assert count(alex, texts.REVEAL_HEADER) == 0
    await box.run_until(now + timedelta(hours=1, minutes=6))  # backoff is at most 5 minutes
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 1
    assert await box.runtime.outbox.pending() == 0
    no_error_reply(alex, sam)


async def test_a_reveal_queued_when_the_partner_blocks_arrives_when_they_come_back(
    box: Sandbox,
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    await sam.press("1")
    box.fake.blocked.add(sam.user_id)  # Sam blocks the bot; the update has not come yet
    await alex.press("5")  # the reveal goes to both: Sam's copy meets the block
    assert count(alex, texts.REVEAL_HEADER) == 1
    assert count(sam, texts.REVEAL_HEADER) == 0
    await box.advance(timedelta(hours=3), step=timedelta(minutes=30))
    await sam.unblock()
    await sam.send("/start")
    assert count(sam, texts.REVEAL_HEADER) == 1
    assert count(alex, texts.REVEAL_HEADER) == 1


async def test_a_429_on_an_edit_or_a_toast_never_reads_as_something_went_wrong(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    for method in ("editMessageText", "editMessageReplyMarkup", "answerCallbackQuery"):
        box.fake.fail_next(
            method,
            error_code=429,
            description="Too Many Requests: retry after 3",
            retry_after=3,
            count=2,
        )
    await alex.press("5")
    await sam.press("1")
    no_error_reply(alex, sam)
    assert count(alex, texts.REVEAL_HEADER) == 1  # both answers were saved all the same
    warnings = [r for r in caplog.records if "flood control" in r.getMessage()]
    assert warnings and all(r.levelno == logging.WARNING and r.exc_info is None for r in warnings)


async def test_paid_broadcast_sends_waves_paid_and_replies_free(
    db_url: str, clock: ManualClock, fake: FakeBotAPI, picker: DimensionPicker
) -> None:
    async with sandbox(
        db_url, clock=clock, fake=fake, picker=picker, limits=True, paid_broadcast=True
    ) as box:
        made, due = await wave_of(box, 3)
        mark = len(box.fake.send_log.accepted)
        await box.run_until(due + timedelta(minutes=1))
        wave = box.fake.send_log.accepted[mark:]
        assert len(wave) == 6 and all(paid for _at, _chat, paid in wave)
        await made[0][0].send("/settings")
        assert box.fake.send_log.accepted[-1][2] is False  # a reply stays free
        assert_within_limits(box.fake)


async def test_the_continuous_sender_outlives_a_database_failure(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database going away for a moment (a PostgreSQL restart) fails one pass of the
    continuous sender; it logs the failure and goes on, so what is queued afterwards still
    goes out (before, the task ended for good and nothing was sent until a restart)."""
    alex = box.fake.user(1, "Alex")
    await alex.send("/start")
    sender, outbox = box.runtime.sender, box.runtime.outbox
    failures = [RuntimeError("database unreachable")]
    real_next = outbox.next_attempt

    async def flaky(after: datetime) -> datetime | None:
        if failures:
            raise failures.pop()
        return await real_next(after)

    monkeypatch.setattr(outbox, "next_attempt", flaky)
    sender.start(box.app.bot)
    try:
        await asyncio.sleep(0.1)  # the first pass meets the failure
        assert failures == []
        before = len(alex.chat.messages)
        await outbox.add(Message(1, "still delivered"), box.clock.now())
        for _ in range(100):  # the retry comes within FAILED_FLUSH_WAIT (2 s)
            if len(alex.chat.messages) > before:
                break
            await asyncio.sleep(0.05)
        assert alex.chat.last.text == "still delivered"
    finally:
        await sender.stop()


async def test_a_429_after_a_sent_message_to_the_same_chat_does_not_send_it_again(
    box: Sandbox,
) -> None:
    """Both pick the same exercise: Alex is sent the exercise, then the reminder offer, in one
    flush. Telegram accepts the first and answers the second with a 429: the first, sent but
    not yet recorded, is recorded before the chat's rows are postponed, so it is not sent
    twice (review of 2026-12-03)."""
    alex, sam = await make_pair(box)
    titles = await mismatch_with_offer(box, alex, sam)
    await alex.press(f"1. {titles[0]}")
    box.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 2",
        retry_after=2,
        chat_id=alex.user_id,
        after=1,
    )
    await sam.press(f"1. {titles[0]}")
    await box.run_until(box.clock.now() + timedelta(seconds=10))
    agreed = texts.OFFER_AGREED.format(title=titles[0])
    assert sum(t.startswith(agreed) for t in alex.chat.texts()) == 1
    assert alex.chat.last.text == texts.REMIND_ASK  # the postponed one came after
