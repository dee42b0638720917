"""End-to-end: the cohort invitation agrees with the number of facilitators who send it
(issue 12: "Fay invite you" before)."""

from __future__ import annotations

from bot import texts
from bot.sandbox import Sandbox
from tests.conftest import make_pair
from tests.e2e.helpers import link_in, make_facilitator, new_cohort


async def test_the_invitation_agrees_with_one_facilitator_and_with_two(box: Sandbox) -> None:
    fay = await make_facilitator(box, 800, "Fay")
    link = await new_cohort(fay)
    alex, sam = await make_pair(box)
    await alex.open_link(link)
    assert alex.chat.last.text.startswith("Fay invites you to the program \u201cClose, not merged")
    gus = await make_facilitator(box, 801, "Gus")
    await fay.send("/cohorts")
    await fay.press(texts.BTN_COFACILITATOR)
    await gus.open_link(link_in(fay))
    await sam.open_link(link)
    assert sam.chat.last.text.startswith(
        "Fay & Gus invite you to the program \u201cClose, not merged"
    )
