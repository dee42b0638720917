"""End-to-end: a pair's revealed check-ins outlive /unpair. Each partner still reads them in
/history, marked as an earlier pair; pairing again with the same person continues the same
history and streak; a partner who deleted their data is gone from it."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from bot.emulator import FakeUser
from bot.sandbox import Sandbox
from tests.conftest import invite_link, open_round, start_user
from tests.e2e.helpers import DimensionPicker, checkin, next_day, unscheduled_pair


def blocks(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block.startswith("\u2014 ")]


async def end_pair(user: FakeUser) -> None:
    await user.send("/unpair")
    await user.press(texts.UNPAIR_YES)


async def pair_again(inviter: FakeUser, invitee: FakeUser) -> None:
    await inviter.send("/pair")
    await invitee.open_link(invite_link(inviter))
    await invitee.press(texts.INVITE_ACCEPT)
    await inviter.send("/frequency off")  # only /checkin rounds, as before


async def test_after_unpair_both_still_read_the_revealed_check_ins_marked_as_earlier(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await unscheduled_pair(box)
    await checkin(box, alex, sam, "4", "2")
    await next_day(box)
    picker.prefer = "open"
    await open_round(box, alex, sam)
    secret = "Only Alex wrote this 93c1"
    await alex.send(secret)  # the round is open when the pair ends: never revealed
    await end_pair(sam)

    for user, mine, other, theirs in ((alex, "4", "Sam", "2"), (sam, "2", "Alex", "4")):
        await user.send("/history")
        page = user.chat.last
        assert page.text.startswith(texts.HISTORY_HEADER_ONE.format(n=1, total=1))
        (block,) = blocks(page.text)
        assert f"earlier pair with {other}" in block
        assert f"You: {mine} of 5\n{other}: {theirs} of 5" in block
        assert secret not in page.text
        assert page.protected

    # Alex pairs with Chris: the current pair's rounds unmarked, Sam's still marked.
    chris = box.fake.user(1003, "Chris")
    await start_user(chris, "Berlin")
    await pair_again(alex, chris)
    picker.prefer = "scale"
    await checkin(box, alex, chris, "3", "5")
    await alex.send("/history")
    newest, older = blocks(alex.chat.last.text)
    assert "earlier pair" not in newest and "You: 3 of 5\nChris: 5 of 5" in newest
    assert "earlier pair with Sam" in older
    await chris.send("/history")
    (only,) = blocks(chris.chat.last.text)
    assert "Sam" not in chris.chat.last.text and "Chris" not in only
    assert "You: 5 of 5\nAlex: 3 of 5" in only


async def test_pairing_again_with_the_same_person_continues_history_and_streak(
    box: Sandbox,
) -> None:
    alex, sam = await unscheduled_pair(box)
    for a, b in (("4", "2"), ("3", "3")):
        await checkin(box, alex, sam, a, b)
    await end_pair(alex)
    await pair_again(sam, alex)
    # (Sam's /frequency off reaches Alex later, in one notice of recent changes.)
    assert alex.chat.last.text.startswith("You're now paired with Sam")

    await sam.send("/history")
    page = sam.chat.last.text
    assert page.startswith(texts.HISTORY_HEADER.format(first=1, last=2, total=2))
    assert "earlier pair" not in page
    await checkin(box, alex, sam, "5", "5")
    await alex.send("/insights")
    assert texts.count("INSIGHTS_STREAK_N", 3) in alex.chat.last.text
    assert alex.chat.last.text.startswith(texts.count("INSIGHTS_SUMMARY_N", 3))


async def test_a_partner_who_deleted_their_data_is_gone_from_the_others_history(
    box: Sandbox,
) -> None:
    alex, sam = await unscheduled_pair(box)
    await checkin(box, alex, sam, "4", "2")
    await next_day(box)
    await end_pair(alex)
    await sam.send("/delete")
    await sam.press(texts.DELETE_YES)
    await alex.send("/history")
    assert alex.chat.last.text == texts.NOT_PAIRED


async def test_a_history_page_across_two_pairs_that_meets_a_429_is_not_queued(
    box: Sandbox, picker: DimensionPicker
) -> None:
    """A page showing an earlier pair and the current one is sent directly or not at all: a
    queued copy would name one pair only, so the current partner's /delete would miss it and
    their answers would arrive afterwards (found by an adversarial run)."""
    alex, sam = await unscheduled_pair(box)
    await checkin(box, alex, sam, "4", "2")
    await next_day(box)
    await end_pair(sam)
    chris = box.fake.user(1003, "Chris")
    await start_user(chris, "Berlin")
    await pair_again(alex, chris)
    picker.prefer = "scale"
    await checkin(box, alex, chris, "3", "5")
    box.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 5",
        retry_after=5,
        chat_id=alex.user_id,
    )
    await alex.send("/history")
    await chris.send("/delete")
    await chris.press(texts.DELETE_YES)
    box.clock.advance(timedelta(seconds=10))
    await box.tick()
    assert not [m.text for m in alex.chat.messages if "Chris:" in m.text]
