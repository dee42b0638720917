"""Cohorts end to end, setting up: an admin makes facilitators, a facilitator sets up a
cohort, couples enrol (each partner consenting), and mistakes around all of it."""

from __future__ import annotations

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import invite_link, make_pair, start_user
from tests.e2e.helpers import ADMIN, enrol_couples, link_in, make_facilitator, new_cohort


async def test_an_admin_makes_a_facilitator_with_a_single_use_link(box: Sandbox) -> None:
    stranger = box.fake.user(1500, "Stan")
    await stranger.send("/facilitator_invite")
    assert stranger.chat.last.text == texts.ADMIN_ONLY
    fay = await make_facilitator(box, 800, "Fay")
    assert fay.chat.last.text == texts.FACILITATOR_WELCOME.format(k=5)
    admin = box.fake.user(ADMIN, "Ada")
    assert admin.chat.last.text == texts.FACILITATOR_JOINED_ADMIN.format(name="Fay")
    # Single use: the same link does nothing for someone else.
    gus = box.fake.user(801, "Gus")
    await gus.open_link(link_in(admin))
    assert gus.chat.last.text == texts.FACILITATOR_LINK_USED
    await gus.send("/cohort_new")
    assert gus.chat.last.text == texts.FACILITATOR_ONLY
    await admin.send("/facilitators")
    assert [b.text for row in admin.chat.last.buttons for b in row] == ["Remove Fay"]
    await admin.press("Remove Fay")
    assert fay.chat.last.text == texts.FACILITATOR_REVOKED_YOU
    await fay.send("/cohorts")
    assert fay.chat.last.text == texts.FACILITATOR_ONLY


async def test_help_lists_facilitator_and_admin_commands_only_to_them(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    await fay.send("/help")
    assert "/cohort_new" in fay.chat.last.text and "/facilitator_invite" not in fay.chat.last.text
    admin = box.fake.user(ADMIN, "Ada")
    await admin.send("/help")
    assert "/facilitator_invite" in admin.chat.last.text
    someone = box.fake.user(1600, "Sol")
    await someone.send("/help")
    assert "/cohort_new" not in someone.chat.last.text and "/cohort " in someone.chat.last.text


async def test_a_facilitator_sets_up_a_cohort_in_a_short_conversation(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    await fay.send("/cohort_new")
    await fay.send("x")
    assert fay.chat.last.text == texts.COHORT_NAME_BAD
    await fay.send("Spring group")
    assert fay.chat.last.text == texts.COHORT_ASK_PROGRAM
    await fay.press("Close, not merged")
    await fay.send("2026-03-01")  # the day before "today" (Mon 2 Mar)
    assert fay.chat.last.text == texts.COHORT_START_PAST
    await fay.send("next week")
    assert fay.chat.last.text == texts.COHORT_START_BAD
    await fay.send("2026-03-09")
    await fay.press(texts.BTN_DONE)
    assert fay.chat.toasts[-1] == texts.COHORT_DAYS_NONE
    await fay.press("Tue")
    await fay.press(texts.BTN_DONE)
    await fay.send("Lisbon")
    await fay.press(texts.BTN_NO_SESSION)
    created = fay.chat.last.text
    assert "starting Mon 9 Mar. Check-in days: Tuesdays (Europe/Lisbon" in created
    assert "?start=" in created
    await fay.send("/cohorts")
    assert fay.chat.last.text.startswith("Spring group \u00b7 Close, not merged")


async def test_cancel_stops_a_cohort_set_up_and_drafts_are_their_authors(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    await fay.send("/cohort_new")
    await fay.send("Half done")
    await fay.send("/cancel")
    await fay.press("Close, not merged")
    assert fay.chat.toasts[-1] == texts.COHORT_DRAFT_GONE
    await fay.send("/cohorts")
    assert fay.chat.last.text == texts.COHORTS_NONE

    link = await new_cohort(fay)
    await enrol_couples(box, link, 1)
    gus = await make_facilitator(box, 801, "Gus")
    await fay.send("/cohorts")
    await fay.press(texts.BTN_COFACILITATOR)
    await gus.open_link(link_in(fay))
    await fay.send("/cohorts")
    await fay.press(texts.BTN_BROADCAST)
    await fay.send("Draft, not yet")
    draft = fay.chat.last.buttons[0][0].callback_data
    assert draft is not None
    await gus.press_data(gus.chat.last.message_id, draft)
    assert gus.chat.toasts[-1] == texts.BUTTON_NOT_YOURS
    admin = box.fake.user(ADMIN, "Ada")
    await admin.send("/cohorts")  # admins see every cohort
    assert admin.chat.messages[-1].text.startswith("Spring group")


async def test_couples_enrol_each_partner_consenting(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, sam = await make_pair(box)
    await alex.open_link(link)
    consent = alex.chat.last.text
    assert "Fay invites you to the program \u201cClose, not merged" in consent
    assert "pooled over at least 5 couples" in consent and "never see: your answers" in consent
    await alex.press(texts.BTN_JOIN)
    assert alex.chat.last.text == texts.ENROL_WAITING.format(partner="Sam")
    assert sam.chat.last.text.startswith(texts.ENROL_PARTNER_ASKED.format(name="Alex"))
    await sam.press(texts.BTN_JOIN)
    for user in (alex, sam):
        assert user.chat.last.text.startswith("You're both in: \u201cClose, not merged")
    await sam.send("/cohort")
    assert "Week: starts Mon 9 Mar" in sam.chat.last.text and "Fay" in sam.chat.last.text
    await alex.open_link(link)
    assert alex.chat.last.text.startswith("You're already taking part")

    # An unpaired user gets a pair invite that carries the cohort.
    uma, vic = box.fake.user(1003, "Uma"), box.fake.user(1004, "Vic")
    await start_user(uma, "Berlin")
    await start_user(vic, "Berlin")
    await uma.open_link(link)
    await uma.press(texts.BTN_JOIN)
    assert uma.chat.last.text.startswith("Thanks. The program is for couples")
    await vic.open_link(invite_link(uma))
    await vic.press(texts.INVITE_ACCEPT)
    assert vic.chat.last.text.startswith(texts.ENROL_PARTNER_ASKED.format(name="Uma"))
    await vic.press(texts.BTN_JOIN)
    assert uma.chat.last.text.startswith("You're both in")

    await fay.send("/cohorts")
    await fay.press(texts.BTN_STATUS)
    status = fay.chat.last.text
    assert "Couples enrolled: 2" in status and "Waiting for a partner to accept: 0" in status
    assert "Week: starts Mon 9 Mar" in status


async def test_consent_from_an_earlier_pair_does_not_carry_over(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, _sam = await make_pair(box)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)  # Sam never answers
    await alex.send("/unpair")
    await alex.press(texts.UNPAIR_YES)
    eve = box.fake.user(1010, "Eve")
    await start_user(eve, "Berlin")
    await alex.send("/pair")
    await eve.open_link(invite_link(alex))
    await eve.press(texts.INVITE_ACCEPT)
    await eve.open_link(link)
    await eve.press(texts.BTN_JOIN)
    assert eve.chat.last.text == texts.ENROL_WAITING.format(partner="Alex")
    assert alex.chat.last.text.startswith(texts.ENROL_PARTNER_ASKED.format(name="Eve"))


async def test_bad_input_around_cohorts_changes_nothing(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    gus = await make_facilitator(box, 801, "Gus")
    await gus.send("/cohorts")
    assert gus.chat.last.text == texts.COHORTS_NONE
    await gus.press_data(gus.chat.last.message_id, "co:status:1")
    assert gus.chat.toasts[-1] == texts.COHORT_NOT_YOURS
    await gus.press_data(gus.chat.last.message_id, "co:endyes:1")
    assert gus.chat.toasts[-1] == texts.COHORT_NOT_YOURS
    alex, sam = await make_pair(box)
    await alex.press_data(alex.chat.last.message_id, "ce:1:y")  # never saw the screen
    assert alex.chat.toasts[-1] == texts.ENROL_NOT_OPENED
    await fay.send("/cohorts")
    await fay.press(texts.BTN_PAUSE_COHORT)
    await alex.open_link(link)
    assert alex.chat.last.text == texts.ENROL_PAUSED
    await fay.press(texts.BTN_RESUME_COHORT)
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_NOT_JOIN)
    assert alex.chat.last.text == texts.ENROL_DECLINED_PARTNER.format(
        name="Sam", program="Close, not merged: six weeks of interdependence"
    )
    await sam.send("/cohort")
    assert sam.chat.last.text == texts.COHORT_NONE_YOU


async def test_a_partner_who_was_never_asked_hears_nothing_of_a_decline(box: Sandbox) -> None:
    """Declining first must not tell the partner that an invitation to a program came at all;
    a partner who had accepted is told the program will not go ahead."""
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, sam = await make_pair(box)
    before = len(sam.chat.timeline)
    await alex.open_link(link)
    await alex.press(texts.BTN_NOT_JOIN)
    assert alex.chat.last.text == texts.ENROL_DECLINED
    assert sam.chat.timeline[before:] == []
    await alex.open_link(link)
    await alex.press(texts.BTN_JOIN)
    await sam.press(texts.BTN_NOT_JOIN)
    assert alex.chat.last.text == texts.ENROL_DECLINED_PARTNER.format(
        name="Sam", program="Close, not merged: six weeks of interdependence"
    )
