"""End-to-end: wording (issue 12), as users read it. One's own old check-in after unpairing
says what happened; /focus lists (and accepts) the labels users see; topic names read
naturally inside sentences; a /history page of one says "(1 of 1)"; /settings says why no
check-in comes next. (The cohort invitation's grammar: ``cohorts/test_invitation_wording``.)"""

from __future__ import annotations

from bot import texts
from bot.sandbox import Sandbox
from content.schema import Dimension
from tests.conftest import make_pair, open_round
from tests.e2e.helpers import DimensionPicker, checkin, offer_of

NEXT = "\u2022 Next: "


async def test_ones_own_old_check_in_after_unpairing_says_the_pair_ended(
    box: Sandbox, picker: DimensionPicker
) -> None:
    picker.prefer = "open"
    alex, sam = await make_pair(box)
    await open_round(box, alex, sam)
    question = sam.chat.last
    data = {b.text: b.callback_data for row in question.buttons for b in row}
    await sam.send("/unpair")
    await sam.press(texts.UNPAIR_YES)
    for label in (texts.BTN_WRITE, texts.BTN_SKIP):  # the buttons an old client still shows
        found = data[label]
        assert found is not None
        await sam.press_data(question.message_id, found)
        assert sam.chat.toasts[-1] == texts.ROUND_PAIR_ENDED
    assert texts.BUTTON_NOT_YOURS not in sam.chat.toasts


async def test_focus_lists_and_accepts_the_labels_on_its_buttons(box: Sandbox) -> None:
    alex, _sam = await make_pair(box)
    await alex.send("/focus stamina")
    unknown = alex.chat.last.text
    assert "Time together and apart" in unknown and "Open communication" in unknown
    assert "together_apart" not in unknown and "Boundaries, communication" not in unknown
    await alex.send("/focus Time together and apart, Open communication")
    assert alex.chat.last.text == texts.FOCUS_SET_YOU.format(
        focus="Open communication, Time together and apart"
    )
    await alex.send("/focus handling conflict and trust")
    assert alex.chat.last.text == texts.FOCUS_SET_YOU.format(focus="Handling conflict, Trust")


async def test_a_topic_reads_naturally_inside_the_offers_sentence(
    box: Sandbox, picker: DimensionPicker
) -> None:
    alex, sam = await make_pair(box)
    picker.dimension = Dimension.TOGETHER_APART
    await checkin(box, alex, sam, "5", "1")
    offer = offer_of(alex).text
    assert offer.startswith("On time together and apart, your answers pulled apart.")
    assert "Time together and apart" not in offer.split("\n\n")[0]


async def test_a_history_page_of_one_check_in_says_one_of_one(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await checkin(box, alex, sam, "3", "4")
    await alex.send("/history")
    assert alex.chat.last.text.startswith("Your check-ins, newest first (1 of 1):")
    assert "1\u20131" not in alex.chat.last.text


async def test_settings_say_why_no_check_in_is_next(box: Sandbox) -> None:
    alex, sam = await make_pair(box)
    await alex.send("/settings")
    assert f"{NEXT}Mon 2 Mar, 20:00 your time" in alex.chat.last.text
    await alex.send("/pause")
    await alex.send("/settings")
    assert f"{NEXT}{texts.NEXT_PAUSED}" in alex.chat.last.text
    assert alex.chat.last.text.count("/resume") == 1  # said once, in "Status"
    assert texts.NEXT_NONE not in alex.chat.last.text
    await sam.send("/settings")  # Alex paused: Sam is not told who (privacy rule 8)
    assert f"{NEXT}{texts.NEXT_HELD}" in sam.chat.last.text
    await alex.send("/resume")
    await alex.send("/frequency off")
    await alex.send("/settings")
    assert f"{NEXT}{texts.NEXT_OFF}" in alex.chat.last.text
